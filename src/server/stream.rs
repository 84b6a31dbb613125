//! ResolveStream: documents in, answers out in the same order, each
//! document resolved on the CPU pool as soon as it is read. A stream holds
//! a bounded window of documents and bytes; past it the server stops
//! reading, so a fast producer meets HTTP/2 back-pressure rather than an
//! unbounded queue.

use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use prost::Message;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_stream::{wrappers::ReceiverStream, Stream, StreamExt};
use tonic::{Request, Response, Status, Streaming};

use super::activity::Held;
use super::admission::AdmittedBytes;
use super::deadline::Deadline;
use super::service::ResolverService;
use super::work::{document_error, stop_check, Work};
use crate::error::Error;
use crate::metrics::Metrics;
use crate::proto;
use crate::status::status;
use crate::transport::PeerInfo;
use entity_resolver_core::resolve::Interrupt;

/// Documents one stream may have read but not yet sent back. Enough to keep
/// every core busy on one stream; past it the server stops reading, so a fast
/// producer meets back-pressure instead of an unbounded queue.
const STREAM_WINDOW: usize = 64;
/// Bytes of text one stream may have read but not yet sent back. Without
/// it, a stream that does not read its answers could hold 64 documents of
/// 1 MiB, half the default in-flight budget, and a few such streams starve
/// every other call. Four documents of the largest default size keep two
/// cores busy; with 16 streams a connection holds at most 64 MiB.
pub const STREAM_WINDOW_BYTES: usize = 4 << 20;

pub(super) type ResponseStream =
    Pin<Box<dyn Stream<Item = Result<proto::ResolveStreamResponse, Status>> + Send>>;

/// What a stream's answer slot carries: the answer, and its document's
/// share of the in-flight budget and of the stream's window, held until the
/// response stream takes it.
type StreamAnswer = Result<(proto::ResolveStreamResponse, Holding), Status>;

#[derive(Default)]
struct Holding {
    _budget: Option<AdmittedBytes>,
    _window: Option<OwnedSemaphorePermit>,
}

pub(super) fn resolve_stream(
    resolver_service: &ResolverService,
    request: Request<Streaming<proto::ResolveStreamRequest>>,
) -> Result<Response<ResponseStream>, Status> {
    // Held until the response stream is dropped: the call's whole life.
    let peer = PeerInfo::of(request.extensions()).and_then(PeerInfo::remote_addr);
    let admitted = resolver_service.admission.admit_stream(peer)?;
    // A stream's own deadline, when its client set one, ends its
    // documents' work; each document also gets at most the server's
    // maximum, as a unary call would.
    let call_deadline = Deadline::of_stream(&request)?;
    let mut inbound = request.into_inner();
    // Each document read is handed to the CPU pool at once and its
    // answer slot queued here, in request order. The queue is bounded: when
    // the client stops reading, the slots fill up, this task stops reading
    // requests, and HTTP/2 flow control holds the producer.
    let (pending, answers) = tokio::sync::mpsc::channel(STREAM_WINDOW);
    // Answers queued and not yet taken by the response stream: while
    // there are any, the client is waiting on the server, not idle.
    let unanswered = Arc::new(AtomicUsize::new(0));
    let service = resolver_service.clone();
    let stream_open = Held::new(&resolver_service.activity, |a| &a.open_streams);
    let idle_timeout = resolver_service.limits.stream_idle_timeout;
    let counted = unanswered.clone();
    let window = Arc::new(Semaphore::new(STREAM_WINDOW_BYTES));
    tokio::spawn(async move {
        let _stream_open = stream_open;
        loop {
            let next = match tokio::time::timeout(idle_timeout, inbound.next()).await {
                Ok(next) => next,
                Err(_) if counted.load(Ordering::SeqCst) > 0 => continue,
                Err(_) => {
                    let idle = Error::DeadlineExceeded(format!(
                        "ResolveStream sent no document for {} s while no answer was \
                         pending (the server's --stream-idle-seconds); open a new stream \
                         when there is more to send",
                        idle_timeout.as_secs_f64()
                    ));
                    let (slot, answer) = tokio::sync::oneshot::channel::<StreamAnswer>();
                    let _ = slot.send(Err(status(idle)));
                    counted.fetch_add(1, Ordering::SeqCst);
                    let _ = pending.send(answer).await;
                    break;
                }
            };
            let Some(message) = next else { break };
            let (slot, answer) = tokio::sync::oneshot::channel::<StreamAnswer>();
            let failed = match message {
                Ok(message) => {
                    let document = message.document.unwrap_or_default();
                    // Back-pressure, not a refusal: the stream waits
                    // until its own answers have gone out.
                    let share = document.text.len().min(STREAM_WINDOW_BYTES) as u32;
                    let Ok(window) = window.clone().acquire_many_owned(share).await else {
                        break;
                    };
                    match service
                        .admission
                        .admit_bytes(document.text.len(), "ResolveStream document")
                    {
                        Ok(bytes) => {
                            let work = service.work();
                            let metrics = service.metrics.clone();
                            let queued = Held::new(&service.activity, |a| &a.stream_documents);
                            let deadline =
                                Deadline::new(Instant::now(), None, service.limits.max_deadline)
                                    .earlier(call_deadline);
                            rayon::spawn(move || {
                                let _queued = queued;
                                let reply = {
                                    let stop = || {
                                        stop_check(&slot, &deadline).map_err(Error::into_interrupt)
                                    };
                                    // The client went away while this waited: skip it.
                                    if stop().is_err() {
                                        return;
                                    }
                                    let interrupt = Interrupt::new(&stop);
                                    stream_reply(&work, document, &interrupt, &metrics)
                                };
                                let holding = Holding {
                                    _budget: Some(bytes),
                                    _window: Some(window),
                                };
                                let _ = slot.send(Ok((reply, holding)));
                            });
                        }
                        Err(refused) => {
                            let reply = stream_error(document.id, refused, &service.metrics);
                            let _ = slot.send(Ok((reply, Holding::default())));
                        }
                    }
                    false
                }
                Err(transport) => {
                    let _ = slot.send(Err(transport));
                    true
                }
            };
            counted.fetch_add(1, Ordering::SeqCst);
            // A closed queue means the response stream was dropped: the
            // client cancelled or disconnected. Stop reading at once.
            if pending.send(answer).await.is_err() || failed {
                break;
            }
        }
    });
    let responses = ReceiverStream::new(answers).then(move |answer| {
        let _admitted = &admitted;
        let unanswered = unanswered.clone();
        async move {
            let answer = answer.await;
            unanswered.fetch_sub(1, Ordering::SeqCst);
            // The budget's bytes go back here, as the answer leaves.
            answer
                .unwrap_or_else(|_| {
                    Err(Status::internal(
                        "a stream worker stopped without answering",
                    ))
                })
                .map(|(reply, _holding)| reply)
        }
    });
    Ok(Response::new(Box::pin(responses)))
}

/// One stream response: the document's result or its own error. An answer
/// too large to send becomes the document's error, so the stream goes on.
fn stream_reply(
    work: &Work,
    document: proto::ResolveRequest,
    interrupt: &Interrupt<'_>,
    metrics: &Metrics,
) -> proto::ResolveStreamResponse {
    let id = document.id.clone();
    match work.resolve_document(document, interrupt) {
        Ok(result) => {
            let reply = proto::ResolveStreamResponse {
                id,
                outcome: Some(proto::resolve_stream_response::Outcome::Result(result)),
            };
            // The echoed id is the only thing past the result's own check.
            let limit = work.limits.max_message_bytes;
            let bytes = reply.encoded_len();
            if bytes > limit {
                return stream_error(
                    reply.id,
                    Error::LimitExceeded {
                        what: "bytes of the ResolveStream answer (--max-message-bytes)".to_string(),
                        actual: bytes,
                        limit,
                    },
                    metrics,
                );
            }
            if let Some(proto::resolve_stream_response::Outcome::Result(result)) = &reply.outcome {
                metrics.record_resolution(result);
            }
            reply
        }
        Err(error) => stream_error(id, error, metrics),
    }
}

/// A stream response carrying the document's own error.
fn stream_error(id: String, error: Error, metrics: &Metrics) -> proto::ResolveStreamResponse {
    let error = document_error(error);
    metrics.record_document_error(tonic::Code::from_i32(error.code));
    proto::ResolveStreamResponse {
        outcome: Some(proto::resolve_stream_response::Outcome::Error(error)),
        id,
    }
}
