//! `batch`: JSONL documents in, JSONL resolutions out, in input order, in
//! constant memory whatever the input size.
//!
//! Three stages run at once: a reader thread cuts the input into bounded
//! chunks (`read`), the resolver works on a chunk (in process across all
//! cores, `local`, or on a server over one ResolveStream, `remote`), and a
//! writer prints results in order (`output`). Every channel between them is
//! bounded, so a slow stage holds the ones before it instead of letting
//! memory grow.

mod local;
mod output;
// The line reader is `suggest`'s too.
pub(super) mod read;
mod remote;

use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use entity_resolver::server::Limits;
use entity_resolver::Error;
use entity_resolver_core::Resolver;

use crate::args::BatchArgs;
use output::Sink;
use read::LineReader;

pub fn run(args: BatchArgs) -> Result<ExitCode, Error> {
    let options = args.options.options()?;
    let io_error = |path: &str| {
        let path = path.to_string();
        move |source| Error::Io { path, source }
    };
    let input_name = args
        .input
        .as_ref()
        .map_or("<stdin>".to_string(), |p| p.display().to_string());
    let output_name = args
        .output
        .as_ref()
        .map_or("<stdout>".to_string(), |p| p.display().to_string());
    // Load the table (or reach the server) before touching the output.
    let resolver = match &args.server {
        Some(_) => None,
        None => Some(Resolver::new(Arc::new(super::load_index(
            args.aliases.as_deref(),
        )?))),
    };
    // "-" is the standard stream, as for most Unix tools.
    let named = |path: &Option<PathBuf>| path.clone().filter(|p| p.as_os_str() != "-");
    let (reader, input_size): (Box<dyn BufRead + Send>, Option<u64>) = match named(&args.input) {
        Some(path) => {
            let file = std::fs::File::open(path).map_err(io_error(&input_name))?;
            let size = file
                .metadata()
                .ok()
                .filter(|m| m.is_file())
                .map(|m| m.len());
            (Box::new(BufReader::with_capacity(1 << 16, file)), size)
        }
        None => (Box::new(BufReader::new(std::io::stdin())), None),
    };
    let writer: Box<dyn Write + Send> = match named(&args.output) {
        Some(path) => Box::new(BufWriter::with_capacity(
            1 << 16,
            std::fs::File::create(path).map_err(io_error(&output_name))?,
        )),
        None => Box::new(BufWriter::with_capacity(1 << 16, std::io::stdout())),
    };
    let lines = LineReader::new(reader, args.max_line_bytes);
    let sink = Sink::new(
        writer,
        input_name,
        output_name,
        args.skip_invalid,
        input_size,
    );
    let summary = match (&resolver, &args.server) {
        (Some(resolver), _) => local::run_in_process(
            resolver,
            &options,
            // The answers a server with the default limits sends.
            Limits {
                max_message_bytes: args.max_message_bytes,
                ..Limits::default()
            }
            .answer_limit(),
            lines,
            sink,
        )?,
        (None, Some(url)) => remote::run_remote(
            url,
            args.tls_ca.as_deref(),
            args.max_message_bytes,
            &options,
            lines,
            sink,
        )?,
        (None, None) => unreachable!("a resolver is built when there is no server"),
    };
    // `batch | head`: the reader has what it wanted; say nothing.
    if summary.output_closed {
        return Ok(ExitCode::SUCCESS);
    }
    let seconds = summary.seconds.max(1e-9);
    eprintln!(
        "batch: {} documents resolved, {} skipped (malformed or refused lines), {:.1} MB of text ({:.1} MB input) in {:.2} s: {:.0} documents/s, {:.2} MB/s{}",
        summary.documents,
        summary.skipped,
        summary.text_bytes as f64 / 1e6,
        summary.input_bytes as f64 / 1e6,
        seconds,
        summary.documents as f64 / seconds,
        summary.text_bytes as f64 / 1e6 / seconds,
        peak_memory().map_or(String::new(), |mb| format!(", peak memory {mb:.0} MB")),
    );
    Ok(ExitCode::SUCCESS)
}

/// Peak resident memory of this process in MB (Linux), for the summary line:
/// the evidence that memory stays flat on large inputs.
fn peak_memory() -> Option<f64> {
    entity_resolver_core::process::memory_kib("VmHWM").map(|kib| kib as f64 / 1024.0)
}
