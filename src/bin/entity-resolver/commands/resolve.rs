//! `resolve`: the text on standard input, resolved and printed as JSON.

use std::io::Read;
use std::process::ExitCode;
use std::sync::Arc;

use entity_resolver::Error;
use entity_resolver_core::Resolver;

use crate::args::ResolveArgs;

pub fn run(args: ResolveArgs) -> Result<ExitCode, Error> {
    let options = args.options.options()?;
    let resolver = Resolver::new(Arc::new(super::load_index(args.aliases.as_deref())?));
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .map_err(|source| Error::Io {
            path: "<stdin>".to_string(),
            source,
        })?;
    let resolution = resolver.resolve(&text, &options)?;
    println!(
        "{}",
        serde_json::to_string_pretty(&resolution).expect("resolutions serialise")
    );
    Ok(ExitCode::SUCCESS)
}
