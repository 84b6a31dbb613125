//! `batch` in process: chunks of lines resolved on all cores.

use std::io::BufRead;
use std::sync::mpsc::sync_channel;

use entity_resolver::convert::{check_answer_size, resolution_from_proto, resolution_to_proto};
use entity_resolver::Error;
use entity_resolver_core::{ResolveOptions, Resolver};

use super::output::{to_json_line, Outcome, Sink, Summary};
use super::read::{parse_document, Line, LineReader};

/// Lines resolved together: enough to keep every core busy, few enough that
/// memory stays flat.
const CHUNK_LINES: usize = 1024;
/// A chunk also ends once it holds this much text, so long lines cannot make
/// a chunk large.
const CHUNK_BYTES: usize = 4 << 20;

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
                return Ok(lines.offset());
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
