//! One module per command; each takes its checked arguments and returns the
//! exit code, or the error `main` maps to one.

pub mod batch;
pub mod check;
pub mod eval;
pub mod import;
pub mod lookup;
pub mod reload;
pub mod resolve;
pub mod serve;
pub mod suggest;

use std::path::Path;

use entity_resolver::Error;
use entity_resolver_core::{AliasTable, Index};

use crate::args::LogFormat;

/// The table of `--aliases`, or the embedded one.
fn load_index(aliases: Option<&Path>) -> Result<Index, Error> {
    let table = match aliases {
        Some(dir) => AliasTable::from_dir(dir)?,
        None => AliasTable::embedded()?,
    };
    Ok(Index::from_table(table)?)
}

/// Logs go to stderr, so stdout stays the command's output.
fn init_tracing(format: LogFormat) {
    let filter =
        tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}
