//! `check`: validates an alias table and prints what it holds.

use std::process::ExitCode;

use entity_resolver::Error;

use crate::args::{CheckArgs, LogFormat};

/// Enough lines to read in a terminal; the long tail is summed up.
const SOURCES_SHOWN: usize = 15;
const PLACE_COUNTRIES_SHOWN: usize = 8;

pub fn run(args: CheckArgs) -> Result<ExitCode, Error> {
    // RUST_LOG=entity_resolver=debug shows the time of each phase.
    super::init_tracing(LogFormat::Text);
    let started = std::time::Instant::now();
    let index = super::load_index(args.aliases.as_deref())?;
    let load_seconds = started.elapsed().as_secs_f64();
    let summary = index.summary();
    println!("alias table {} is valid", index.version());
    println!("  entities:   {}", summary.entities);
    for (entity_type, count) in summary.by_type {
        println!("    {:<13} {count}", entity_type.as_str());
    }
    println!("  with a native (Arabic-script) name:");
    for (entity_type, share) in &summary.native_by_type {
        println!(
            "    {:<13} {:>5} of {:<5} {:5.1}%",
            entity_type.as_str(),
            share.with_native,
            share.total,
            share.percent()
        );
    }
    println!("  places by country (locations linked to a country through `related`):");
    for country in summary.places_by_country.iter().take(PLACE_COUNTRIES_SHOWN) {
        println!(
            "    {:<13} {:>5} places, {:5.1}% with a native name",
            country.country_id,
            country.places.total,
            country.places.percent()
        );
    }
    println!("  by source (an entity counts once for each of its sources):");
    for (source, count) in summary.by_source.iter().take(SOURCES_SHOWN) {
        let source = source.as_deref().unwrap_or("(no source recorded)");
        println!("    {count:>5}  {source}");
    }
    if summary.by_source.len() > SOURCES_SHOWN {
        let rest = &summary.by_source[SOURCES_SHOWN..];
        let entities: usize = rest.iter().map(|(_, count)| count).sum();
        println!("    {entities:>5}  ... in {} more sources", rest.len());
    }
    println!("  aliases:    {}", summary.aliases);
    println!(
        "  keys:       {} basic, {} folded",
        summary.basic_keys, summary.folded_keys
    );
    println!("  vocabulary: {} words", summary.vocabulary);
    println!("  loaded in:  {load_seconds:.3} s (read, parse, check, compile)");
    // The process ends here: handing millions of small allocations
    // back one by one would only add seconds to every check.
    std::mem::forget(index);
    Ok(ExitCode::SUCCESS)
}
