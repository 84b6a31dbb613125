//! `entity-resolver-tools`: the load generator and the synthetic table
//! generator, one binary with a subcommand each, so the scripts find it beside
//! `entity-resolver` and both tools share its exit codes.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use entity_resolver::Error;
use entity_resolver_tools::{loadgen, synth};

/// Exit codes, the same as `entity-resolver`'s (README).
mod exit {
    /// Bad input: a bad option value, an unreadable or unwritable file.
    pub const INPUT: u8 = 1;
    /// The alias table is invalid.
    pub const TABLE: u8 = 3;
    /// The target could not be reached or failed.
    pub const SERVER: u8 = 5;
}

#[derive(Parser)]
#[command(
    name = "entity-resolver-tools",
    version,
    about = "Benchmark tools for entity-resolver: a gRPC load generator and synthetic alias tables"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Load a running service over gRPC and report requests/s and latency.
    ///
    /// Exit codes: 0 the runs finished (errors the server returned are
    /// counted in the report); 1 a bad option value or payload file; 2 bad
    /// usage; 5 the target could not be reached.
    Loadgen(loadgen::LoadgenArgs),
    /// Write a deterministic synthetic alias table (for the scale benchmarks).
    SynthTable {
        /// About this many names in all (canonical names, aliases, acronyms).
        #[arg(long)]
        aliases: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Directory to write the *.toml files into (created if missing).
        #[arg(long)]
        out: PathBuf,
        /// Also write text.txt: this many MB of sentences naming the table's entities.
        #[arg(long)]
        text_mb: Option<f64>,
    },
}

fn main() -> ExitCode {
    let result = match Cli::parse().command {
        Command::Loadgen(args) => loadgen::run(args),
        Command::SynthTable {
            aliases,
            seed,
            out,
            text_mb,
        } => synth_table(aliases, seed, &out, text_mb),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error}");
            let code = match error {
                Error::InvalidTable(_) => exit::TABLE,
                Error::Remote { .. } => exit::SERVER,
                _ => exit::INPUT,
            };
            ExitCode::from(code)
        }
    }
}

fn synth_table(
    aliases: usize,
    seed: u64,
    out: &std::path::Path,
    text_mb: Option<f64>,
) -> Result<ExitCode, Error> {
    let io_error = |source| Error::Io {
        path: out.display().to_string(),
        source,
    };
    std::fs::create_dir_all(out).map_err(io_error)?;
    let table = synth::SyntheticTable::generate(aliases, seed);
    let files = table.files();
    for (name, toml) in &files {
        std::fs::write(out.join(name), toml).map_err(io_error)?;
    }
    if let Some(megabytes) = text_mb {
        let text = table.text((megabytes * 1e6) as usize);
        std::fs::write(out.join("text.txt"), text).map_err(io_error)?;
    }
    eprintln!("wrote {} alias files to {}", files.len(), out.display());
    Ok(ExitCode::SUCCESS)
}
