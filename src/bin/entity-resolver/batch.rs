//! `batch`: JSONL documents in, JSONL resolutions out, in input order, in
//! constant memory whatever the input size.
//!
//! Three stages run at once: a reader thread cuts the input into bounded
//! chunks, the resolver works on a chunk (in process across all cores, or on
//! a server over one ResolveStream), and a writer prints results in order.
//! Every channel between them is bounded, so a slow stage holds the ones
//! before it instead of letting memory grow.

use std::io::{self, BufRead, IsTerminal, Write};
use std::sync::mpsc::sync_channel;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use serde::Deserialize;

use entity_resolver::client::{connect, source_chain};
use entity_resolver::convert::{
    check_answer_size, options_to_proto, resolution_from_proto, resolution_to_proto,
};
use entity_resolver::{proto, Error, Resolution, ResolveOptions, Resolver};

/// Lines resolved together: enough to keep every core busy, few enough that
/// memory stays flat.
const CHUNK_LINES: usize = 1024;
/// A chunk also ends once it holds this much text, so long lines cannot make
/// a chunk large.
const CHUNK_BYTES: usize = 4 << 20;
/// Documents on their way to or from the server in `--server` mode.
const REMOTE_WINDOW: usize = 1024;

/// One input line as read: its number, where it ends in the input, and its
/// content (or why it has none).
pub struct Line {
    pub number: usize,
    pub end_offset: u64,
    pub content: Result<String, String>,
}

/// Reads lines without ever holding more than `max_bytes` of one: a longer
/// line is consumed and reported, not buffered.
pub struct LineReader<R> {
    reader: R,
    max_bytes: usize,
    number: usize,
    offset: u64,
}

impl<R: BufRead> LineReader<R> {
    pub fn new(reader: R, max_bytes: usize) -> Self {
        LineReader {
            reader,
            max_bytes,
            number: 0,
            offset: 0,
        }
    }

    /// The next non-blank line, or `None` at the end of the input.
    pub fn next_line(&mut self) -> io::Result<Option<Line>> {
        loop {
            let mut bytes = Vec::new();
            let mut length = 0usize;
            let mut seen_any = false;
            loop {
                let available = self.reader.fill_buf()?;
                if available.is_empty() {
                    break;
                }
                seen_any = true;
                let newline = memchr::memchr(b'\n', available);
                let piece = &available[..newline.unwrap_or(available.len())];
                length += piece.len();
                if length <= self.max_bytes {
                    bytes.extend_from_slice(piece);
                } else {
                    bytes = Vec::new();
                }
                let consumed = piece.len() + usize::from(newline.is_some());
                self.reader.consume(consumed);
                self.offset += consumed as u64;
                if newline.is_some() {
                    break;
                }
            }
            if !seen_any {
                return Ok(None);
            }
            self.number += 1;
            if bytes.last() == Some(&b'\r') {
                bytes.pop();
                length -= 1;
            }
            let content = if length > self.max_bytes {
                Err(format!(
                    "line is {length} bytes, over the limit of {} (--max-line-bytes)",
                    self.max_bytes
                ))
            } else {
                match String::from_utf8(bytes) {
                    Ok(text) if text.trim().is_empty() => continue,
                    Ok(text) => Ok(text),
                    Err(error) => Err(format!("not UTF-8: {}", error.utf8_error())),
                }
            };
            return Ok(Some(Line {
                number: self.number,
                end_offset: self.offset,
                content,
            }));
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InputDocument {
    #[serde(default)]
    id: serde_json::Value,
    text: String,
}

/// A parsed input line: the caller's id (a string; other JSON values are kept
/// as their JSON text) and the text.
fn parse_document(line: &str) -> Result<(String, String), String> {
    let document: InputDocument = serde_json::from_str(line)
        .map_err(|error| format!("not a {{\"id\", \"text\"}} JSON object: {error}"))?;
    let id = match document.id {
        serde_json::Value::String(id) => id,
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    };
    Ok((id, document.text))
}

/// What became of one line.
pub struct Outcome {
    number: usize,
    end_offset: u64,
    text_bytes: usize,
    /// The output line, or why the input line was rejected.
    result: Result<String, String>,
}

fn to_json_line(resolution: &Resolution) -> String {
    serde_json::to_string(resolution).expect("resolutions serialise")
}

/// Where the results go: the output, the counts, the progress bar, and the
/// choice between skipping and failing on a rejected line.
pub struct Sink {
    writer: Box<dyn Write + Send>,
    input_name: String,
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
    fn accept(&mut self, outcome: Outcome) -> Result<bool, Error> {
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
    fn flush(&mut self) -> Result<bool, Error> {
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

    fn finish(mut self, input_bytes: u64) -> Result<Summary, Error> {
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

/// Resolves every line in process, on all cores. An answer over
/// `max_answer_bytes` (measured as the server measures it) is that line's
/// error, so the output is the same as through a server.
pub fn run_in_process<R: BufRead + Send + 'static>(
    resolver: &Resolver,
    options: &ResolveOptions,
    max_answer_bytes: usize,
    mut lines: LineReader<R>,
    mut sink: Sink,
) -> Result<Summary, Error> {
    use rayon::prelude::*;
    let input_name = sink.input_name.clone();
    let (chunks, chunks_in) = sync_channel::<Vec<Line>>(2);
    let (outcomes, outcomes_in) = sync_channel::<Vec<Outcome>>(2);
    // The reader and the resolver run on threads of their own that the
    // writer (this thread) does not wait for when it stops early (a closed
    // output, a refused line): the reader may be waiting on input that never
    // comes (a pipe held open), and the process ends anyway.
    let reader = std::thread::spawn(move || -> Result<u64, Error> {
        loop {
            let mut chunk = Vec::with_capacity(CHUNK_LINES);
            let mut chunk_bytes = 0;
            while chunk.len() < CHUNK_LINES && chunk_bytes < CHUNK_BYTES {
                let line = lines.next_line().map_err(|source| Error::Io {
                    path: input_name.clone(),
                    source,
                })?;
                let Some(line) = line else { break };
                chunk_bytes += line.content.as_ref().map_or(0, String::len);
                chunk.push(line);
            }
            // A closed channel means the writer stopped.
            if chunk.is_empty() || chunks.send(chunk).is_err() {
                return Ok(lines.offset);
            }
        }
    });
    let (resolver, options) = (resolver.clone(), options.clone());
    let resolving = std::thread::spawn(move || {
        for chunk in chunks_in {
            let resolved: Vec<Outcome> = chunk
                .into_par_iter()
                .map(|line| {
                    let text_bytes = line.content.as_ref().map_or(0, String::len);
                    let result = line.content.and_then(|content| {
                        let (id, text) = parse_document(&content)?;
                        let mut resolution = resolver
                            .resolve(&text, &options)
                            .map_err(|e| e.to_string())?;
                        resolution.id = id;
                        // Measured as the server measures it, so that an
                        // answer too large to send fails here too.
                        let answer = resolution_to_proto(resolution);
                        check_answer_size(&answer, max_answer_bytes).map_err(|e| e.to_string())?;
                        Ok(to_json_line(
                            &resolution_from_proto(answer).map_err(|e| e.to_string())?,
                        ))
                    });
                    Outcome {
                        number: line.number,
                        end_offset: line.end_offset,
                        text_bytes,
                        result,
                    }
                })
                .collect();
            if outcomes.send(resolved).is_err() {
                break;
            }
        }
    });
    for chunk in outcomes_in {
        for outcome in chunk {
            if !sink.accept(outcome)? {
                return sink.finish(0);
            }
        }
    }
    resolving.join().map_err(|_| panicked())?;
    let input_bytes = reader.join().unwrap_or_else(|_| Err(panicked()))?;
    sink.finish(input_bytes)
}

fn panicked() -> Error {
    Error::Internal("a batch thread panicked".to_string())
}

/// What the writer expects next from the server, in input order.
enum Expected {
    Document {
        number: usize,
        end_offset: u64,
        text_bytes: usize,
        id: String,
    },
    Rejected(Outcome),
    ReadFailed(Error),
}

/// Sends every document to a running service over one ResolveStream and
/// writes its answers; the output is the same as in process.
/// How long the writer waits, after the server ends the stream, for the
/// reader to say the input has ended too: the two ends arrive together on a
/// normal finish, only a few scheduler ticks apart.
const INPUT_END_GRACE: std::time::Duration = std::time::Duration::from_millis(500);

pub fn run_remote<R: BufRead + Send + 'static>(
    url: &str,
    tls_ca: Option<&std::path::Path>,
    max_message_bytes: usize,
    options: &ResolveOptions,
    mut lines: LineReader<R>,
    mut sink: Sink,
) -> Result<Summary, Error> {
    let remote = |message: String| Error::Remote {
        target: url.to_string(),
        message,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|error| remote(format!("cannot start the async runtime: {error}")))?;
    let options = options_to_proto(options);
    let input_name = sink.input_name.clone();
    let result = runtime.block_on(async move {
        let mut client = connect(url, tls_ca, max_message_bytes).await?;
        let (requests, requests_out) =
            tokio::sync::mpsc::channel::<proto::ResolveStreamRequest>(REMOTE_WINDOW);
        let (expected, mut expected_in) = tokio::sync::mpsc::channel::<Expected>(REMOTE_WINDOW);
        // The reader blocks on file I/O, so it gets a thread of its own. It
        // records what to expect before sending, so the writer always knows
        // the order.
        let reader = tokio::task::spawn_blocking(move || -> u64 {
            loop {
                let line = match lines.next_line() {
                    Ok(Some(line)) => line,
                    Ok(None) => return lines.offset,
                    Err(source) => {
                        let failed = Expected::ReadFailed(Error::Io {
                            path: input_name.clone(),
                            source,
                        });
                        let _ = expected.blocking_send(failed);
                        return lines.offset;
                    }
                };
                let text_bytes = line.content.as_ref().map_or(0, String::len);
                match line.content.and_then(|content| parse_document(&content)) {
                    Ok((id, text)) => {
                        let next = Expected::Document {
                            number: line.number,
                            end_offset: line.end_offset,
                            text_bytes,
                            id: id.clone(),
                        };
                        let request = proto::ResolveStreamRequest {
                            document: Some(proto::ResolveRequest {
                                id,
                                text,
                                options: Some(options.clone()),
                            }),
                        };
                        if expected.blocking_send(next).is_err()
                            || requests.blocking_send(request).is_err()
                        {
                            return lines.offset;
                        }
                    }
                    Err(message) => {
                        let rejected = Expected::Rejected(Outcome {
                            number: line.number,
                            end_offset: line.end_offset,
                            text_bytes,
                            result: Err(message),
                        });
                        if expected.blocking_send(rejected).is_err() {
                            return lines.offset;
                        }
                    }
                }
            }
        });
        let mut responses = client
            .resolve_stream(tokio_stream::wrappers::ReceiverStream::new(requests_out))
            .await
            .map_err(|status| remote(format!("ResolveStream failed: {status}")))?
            .into_inner();
        // An answer that came while the writer waited for the reader.
        let mut early: Option<proto::ResolveStreamResponse> = None;
        loop {
            let next = match early {
                Some(_) => expected_in.recv().await,
                // While the reader waits on its input (a pipe kept open),
                // watch the stream too: a server that shuts down must stop
                // the batch now, not when the input ends.
                None => tokio::select! {
                    biased;
                    next = expected_in.recv() => next,
                    answer = responses.message() => match answer {
                        Ok(Some(response)) => {
                            early = Some(response);
                            continue;
                        }
                        Ok(None) => match tokio::time::timeout(
                            INPUT_END_GRACE,
                            expected_in.recv(),
                        )
                        .await
                        {
                            // The input ended too: a normal finish.
                            Ok(None) => None,
                            _ => {
                                return Err(remote(
                                    "the server ended ResolveStream before the input ended"
                                        .to_string(),
                                ))
                            }
                        },
                        Err(status) => {
                            return Err(remote(format!("ResolveStream broke: {status}")))
                        }
                    },
                },
            };
            let Some(next) = next else { break };
            let outcome = match next {
                Expected::ReadFailed(error) => return Err(error),
                Expected::Rejected(outcome) => outcome,
                Expected::Document {
                    number,
                    end_offset,
                    text_bytes,
                    id,
                } => {
                    let response = match early.take() {
                        Some(response) => response,
                        None => responses
                            .message()
                            .await
                            .map_err(|status| remote(format!("ResolveStream broke: {status}")))?
                            .ok_or_else(|| remote("ResolveStream ended early".to_string()))?,
                    };
                    if response.id != id {
                        return Err(remote(format!(
                            "answered document {:?} where {id:?} was expected",
                            response.id
                        )));
                    }
                    let result = match response.outcome {
                        Some(proto::resolve_stream_response::Outcome::Result(result)) => {
                            Ok(to_json_line(&resolution_from_proto(result)?))
                        }
                        Some(proto::resolve_stream_response::Outcome::Error(error)) => {
                            Err(format!(
                                "the server refused it: {} ({})",
                                error.message,
                                tonic::Code::from_i32(error.code).description()
                            ))
                        }
                        None => return Err(remote("a response without an outcome".to_string())),
                    };
                    Outcome {
                        number,
                        end_offset,
                        text_bytes,
                        result,
                    }
                }
            };
            // Nothing more read yet (a producer writing line by line): let
            // what is answered out now rather than when the buffer fills.
            if !sink.accept(outcome)? || (expected_in.is_empty() && !sink.flush()?) {
                // The output closed: stop without waiting for the input.
                return sink.finish(0);
            }
        }
        let input_bytes = reader.await.map_err(|error| {
            Error::Internal(format!("the reader failed: {}", source_chain(&error)))
        })?;
        sink.finish(input_bytes)
    });
    // On an error the reader may still wait on its input; do not wait for it.
    runtime.shutdown_background();
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads all of `input` with a tiny buffer, so lines span many reads.
    fn read_all(input: &[u8], max_bytes: usize) -> Vec<(usize, u64, Result<String, String>)> {
        let mut reader = LineReader::new(io::BufReader::with_capacity(3, input), max_bytes);
        let mut lines = Vec::new();
        while let Some(line) = reader.next_line().unwrap() {
            lines.push((line.number, line.end_offset, line.content));
        }
        lines
    }

    #[test]
    fn lines_are_numbered_bounded_and_checked() {
        type Want = &'static [(usize, u64, Result<&'static str, &'static str>)];
        // (name, input, max line bytes, lines)
        let cases: [(&str, &[u8], usize, Want); 7] = [
            ("empty input", b"", 10, &[]),
            (
                "no final newline",
                b"ab\ncd",
                10,
                &[(1, 3, Ok("ab")), (2, 5, Ok("cd"))],
            ),
            (
                "CRLF",
                b"ab\r\ncd\r\n",
                10,
                &[(1, 4, Ok("ab")), (2, 8, Ok("cd"))],
            ),
            (
                "blank lines are skipped but counted",
                b"\n  \nab\n",
                10,
                &[(3, 7, Ok("ab"))],
            ),
            (
                "a line over the limit is reported, the next one read",
                b"abcdefghijkl\nab\n",
                10,
                &[
                    (
                        1,
                        13,
                        Err("line is 12 bytes, over the limit of 10 (--max-line-bytes)"),
                    ),
                    (2, 16, Ok("ab")),
                ],
            ),
            (
                "exactly the limit",
                b"abcdefghij\n",
                10,
                &[(1, 11, Ok("abcdefghij"))],
            ),
            (
                "invalid UTF-8",
                b"a\xffb\nok\n",
                10,
                &[
                    (
                        1,
                        4,
                        Err("not UTF-8: invalid utf-8 sequence of 1 bytes from index 1"),
                    ),
                    (2, 7, Ok("ok")),
                ],
            ),
        ];
        for (name, input, max_bytes, want) in cases {
            let got = read_all(input, max_bytes);
            let want: Vec<(usize, u64, Result<String, String>)> = want
                .iter()
                .map(|(n, o, c)| (*n, *o, c.map(str::to_string).map_err(str::to_string)))
                .collect();
            assert_eq!(got, want, "{name}");
        }
    }

    #[test]
    fn ids_of_any_json_type_become_strings() {
        let cases = [
            (r#"{"id": "a", "text": "t"}"#, Ok(("a", "t"))),
            (r#"{"id": 7, "text": "t"}"#, Ok(("7", "t"))),
            (r#"{"text": "t"}"#, Ok(("", "t"))),
            (r#"{"id": "a"}"#, Err("missing field `text`")),
            (r#"["t"]"#, Err("not a {\"id\", \"text\"} JSON object")),
        ];
        for (line, want) in cases {
            match (parse_document(line), want) {
                (Ok((id, text)), Ok((want_id, want_text))) => {
                    assert_eq!((id.as_str(), text.as_str()), (want_id, want_text), "{line}")
                }
                (Err(message), Err(want)) => assert!(message.contains(want), "{line}: {message}"),
                (got, want) => panic!("{line}: got {got:?}, want {want:?}"),
            }
        }
    }
}
