//! The output side of `batch`: results written in input order, rejected
//! lines skipped or fatal, the progress bar and the closing counts.

use std::io::{self, IsTerminal, Write};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

use entity_resolver::Error;
use entity_resolver_core::Resolution;

/// What became of one line.
pub struct Outcome {
    pub number: usize,
    pub end_offset: u64,
    pub text_bytes: usize,
    /// The output line, or why the input line was rejected.
    pub result: Result<String, String>,
}

pub(super) fn to_json_line(resolution: &Resolution) -> String {
    serde_json::to_string(resolution).expect("resolutions serialise")
}

/// Where the results go: the output, the counts, the progress bar, and the
/// choice between skipping and failing on a rejected line.
pub struct Sink {
    writer: Box<dyn Write + Send>,
    pub(super) input_name: String,
    output_name: String,
    skip_invalid: bool,
    progress: Progress,
    documents: u64,
    skipped: u64,
    text_bytes: u64,
    output_closed: bool,
}

/// Counts for the closing summary line.
pub struct Summary {
    pub documents: u64,
    pub skipped: u64,
    pub text_bytes: u64,
    pub input_bytes: u64,
    pub seconds: f64,
    /// The output's reader went away (`batch | head`): the run stopped
    /// there, a normal end for a pipeline tool.
    pub output_closed: bool,
}

impl Sink {
    pub fn new(
        writer: Box<dyn Write + Send>,
        input_name: String,
        output_name: String,
        skip_invalid: bool,
        input_size: Option<u64>,
    ) -> Self {
        Sink {
            writer,
            input_name,
            output_name,
            skip_invalid,
            progress: Progress::new(input_size),
            documents: 0,
            skipped: 0,
            text_bytes: 0,
            output_closed: false,
        }
    }

    /// Writes one outcome. `Ok(false)` once the output is closed: nothing
    /// more can be written, so the caller stops reading and resolving.
    pub(super) fn accept(&mut self, outcome: Outcome) -> Result<bool, Error> {
        self.text_bytes += outcome.text_bytes as u64;
        match outcome.result {
            Ok(json) => {
                self.documents += 1;
                if let Err(source) = writeln!(self.writer, "{json}") {
                    return self.write_failed(source);
                }
            }
            Err(message) if self.skip_invalid => {
                self.skipped += 1;
                self.progress.println(format!(
                    "{}:{}: skipped: {message}",
                    self.input_name, outcome.number
                ));
            }
            Err(message) => {
                if !self.flush()? {
                    return Ok(false);
                }
                self.progress.clear();
                return Err(Error::invalid_argument(
                    format!("{}:{}", self.input_name, outcome.number),
                    format!("{message} (--skip-invalid skips such lines)"),
                ));
            }
        }
        self.progress
            .update(outcome.end_offset, self.documents + self.skipped);
        Ok(true)
    }

    /// `Ok(false)` when the output is closed.
    pub(super) fn flush(&mut self) -> Result<bool, Error> {
        match self.writer.flush() {
            Ok(()) => Ok(!self.output_closed),
            Err(source) => self.write_failed(source),
        }
    }

    /// A reader that went away (EPIPE; Rust ignores SIGPIPE) ends the run
    /// normally; any other write error is an error.
    fn write_failed(&mut self, source: io::Error) -> Result<bool, Error> {
        if source.kind() == io::ErrorKind::BrokenPipe {
            self.output_closed = true;
            return Ok(false);
        }
        Err(Error::Io {
            path: self.output_name.clone(),
            source,
        })
    }

    pub(super) fn finish(mut self, input_bytes: u64) -> Result<Summary, Error> {
        if !self.output_closed {
            self.flush()?;
        }
        self.progress.clear();
        Ok(Summary {
            documents: self.documents,
            skipped: self.skipped,
            text_bytes: self.text_bytes,
            input_bytes,
            seconds: self.progress.started.elapsed().as_secs_f64(),
            output_closed: self.output_closed,
        })
    }
}

/// A progress bar on stderr when stderr is a terminal; nothing otherwise, so
/// logs of pipelines stay clean.
struct Progress {
    bar: Option<ProgressBar>,
    started: Instant,
    last_drawn: Instant,
}

impl Progress {
    fn new(input_size: Option<u64>) -> Self {
        let bar = io::stderr().is_terminal().then(|| {
            let (bar, template) = match input_size {
                Some(size) => (
                    ProgressBar::new(size),
                    "{bar:20} {bytes}/{total_bytes} {bytes_per_sec} ETA {eta} {msg}",
                ),
                None => (
                    ProgressBar::new_spinner(),
                    "{spinner} {bytes} {bytes_per_sec} {msg}",
                ),
            };
            if let Ok(style) = ProgressStyle::with_template(template) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar
        });
        let now = Instant::now();
        Progress {
            bar,
            started: now,
            last_drawn: now,
        }
    }

    fn update(&mut self, position: u64, documents: u64) {
        let Some(bar) = &self.bar else { return };
        if self.last_drawn.elapsed() < Duration::from_millis(100) {
            return;
        }
        self.last_drawn = Instant::now();
        let seconds = self.started.elapsed().as_secs_f64().max(1e-9);
        bar.set_position(position);
        bar.set_message(format!(
            "{documents} docs, {:.0}/s",
            documents as f64 / seconds
        ));
    }

    fn println(&self, line: String) {
        match &self.bar {
            Some(bar) => bar.suspend(|| eprintln!("{line}")),
            None => eprintln!("{line}"),
        }
    }

    fn clear(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
