//! `eval`: scores the resolver against a gold annotation.

use std::process::ExitCode;
use std::sync::Arc;

use entity_resolver::Error;
use entity_resolver_core::{eval, Resolver};

use crate::args::EvalArgs;
use crate::exit;

pub fn run(args: EvalArgs) -> Result<ExitCode, Error> {
    let resolver = Resolver::new(Arc::new(super::load_index(args.aliases.as_deref())?));
    let report = eval::evaluate(&resolver, &args.gold, &args.corpus)?;
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report).expect("reports serialise")
        );
    } else {
        print_report(&report);
    }
    if args.min_f1.is_some_and(|min| report.f1 < min) {
        eprintln!(
            "F1 {:.4} is below the required {:.4}",
            report.f1,
            args.min_f1.unwrap_or_default()
        );
        return Ok(ExitCode::from(exit::BELOW_THRESHOLD));
    }
    Ok(ExitCode::SUCCESS)
}

fn print_report(report: &eval::Report) {
    for miss in &report.misses {
        println!(
            "MISS       {} {}..{} {:?} (expected {})",
            miss.doc, miss.start, miss.end, miss.text, miss.entity
        );
    }
    for hit in &report.false_hits {
        println!(
            "FALSE HIT  {} {}..{} {:?} -> {}",
            hit.doc, hit.start, hit.end, hit.text, hit.entity
        );
    }
    println!(
        "documents {}  gold {}  true positives {} (exact spans {})  false positives {}  false negatives {}  ignored {}",
        report.documents,
        report.gold,
        report.true_positives,
        report.exact_spans,
        report.false_positives,
        report.false_negatives,
        report.ignored
    );
    println!(
        "precision {:.4}  recall {:.4}  F1 {:.4}",
        report.precision, report.recall, report.f1
    );
}
