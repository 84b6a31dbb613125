//! The `entity-resolver` command: serve the gRPC API, or resolve, batch,
//! check and evaluate from the command line. This file parses, dispatches
//! and turns errors into exit codes; `args` checks the flags, `commands`
//! runs them.

mod args;
mod commands;

use std::process::ExitCode;

use clap::Parser;

use entity_resolver::Error;

use args::{Cli, Command};

/// Exit codes, as documented in the README.
mod exit {
    /// Bad input: a malformed line, an unreadable file, a bad option value.
    pub const INPUT: u8 = 1;
    /// Usage error (clap's own code).
    #[allow(dead_code)]
    pub const USAGE: u8 = 2;
    /// The alias table is invalid.
    pub const TABLE: u8 = 3;
    /// `eval` scored below `--min-f1`.
    pub const BELOW_THRESHOLD: u8 = 4;
    /// The server failed.
    pub const SERVER: u8 = 5;
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command) {
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

fn run(command: Command) -> Result<ExitCode, Error> {
    match command {
        Command::Serve(args) => commands::serve::run(args),
        Command::Reload(args) => commands::reload::run(args),
        Command::Resolve(args) => commands::resolve::run(args),
        Command::Batch(args) => commands::batch::run(args),
        Command::Lookup(args) => commands::lookup::run(args),
        Command::Suggest(args) => commands::suggest::run(args),
        Command::Check(args) => commands::check::run(args),
        Command::Eval(args) => commands::eval::run(args),
        Command::Import(command) => commands::import::run(command),
    }
}
