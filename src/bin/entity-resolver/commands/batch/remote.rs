//! `batch --server`: every document sent to a running service over one
//! ResolveStream, the answers written in input order.

use std::io::BufRead;

use entity_resolver::client::{connect, source_chain};
use entity_resolver::convert::{options_to_proto, resolution_from_proto};
use entity_resolver::{proto, Error};
use entity_resolver_core::ResolveOptions;

use super::output::{to_json_line, Outcome, Sink, Summary};
use super::read::{parse_document, LineReader};

/// Documents on their way to or from the server in `--server` mode.
const REMOTE_WINDOW: usize = 1024;

/// How long the writer waits, after the server ends the stream, for the
/// reader to say the input has ended too: the two ends arrive together on a
/// normal finish, only a few scheduler ticks apart.
const INPUT_END_GRACE: std::time::Duration = std::time::Duration::from_millis(500);

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
                    Ok(None) => return lines.offset(),
                    Err(source) => {
                        let failed = Expected::ReadFailed(Error::Io {
                            path: input_name.clone(),
                            source,
                        });
                        let _ = expected.blocking_send(failed);
                        return lines.offset();
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
                            return lines.offset();
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
                            return lines.offset();
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
