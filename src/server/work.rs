//! The resolver's work for a call, done on the CPU pool: one document or a
//! whole batch, within the answer limit, stopping when the caller goes away
//! or the deadline passes.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use prost::Message;

use super::activity::{Activity, Held};
use super::deadline::Deadline;
use super::limits::Limits;
use crate::convert::{check_answer_size, options_from_proto, resolution_to_proto};
use crate::error::Error;
use crate::proto;
use crate::status::status;
use entity_resolver_core::resolve::{Interrupt, Resolver};

/// Runs CPU-bound work on rayon's pool (one thread per core) and waits for
/// it without blocking an async thread. The same pool as batches and
/// streams: one pool sized to the cores never oversubscribes them, where
/// tokio's blocking threads beside it would compete with it for the same
/// cores. The work is told to stop (through its `Interrupt`) once the caller
/// has gone away (this future was dropped: the client cancelled, or tonic's
/// own grpc-timeout fired) or `deadline` has passed; past the deadline the
/// caller is answered at once, whether or not the work has started.
pub(super) async fn on_cpu_pool<T: Send + 'static>(
    deadline: Deadline,
    work: impl FnOnce(&Interrupt<'_>) -> Result<T, Error> + Send + 'static,
) -> Result<T, Error> {
    let (slot, answer) = tokio::sync::oneshot::channel();
    rayon::spawn(move || {
        let result = {
            let stop = || stop_check(&slot, &deadline).map_err(Error::into_interrupt);
            // Gone or expired while it waited for a thread: skip it.
            if stop().is_err() {
                return;
            }
            work(&Interrupt::new(&stop))
        };
        let _ = slot.send(result);
    });
    match tokio::time::timeout_at(deadline.at.into(), answer).await {
        Ok(Ok(result)) => result,
        Ok(Err(_)) => Err(Error::Internal(
            "a resolver worker stopped without answering".to_string(),
        )),
        // Dropping `answer` closes the slot: the work stops at its next check.
        Err(_) => Err(deadline.exceeded()),
    }
}

/// Asked by the work of a call: stop once its answer slot is closed (the
/// caller is gone) or its deadline has passed.
pub(super) fn stop_check<T>(
    slot: &tokio::sync::oneshot::Sender<T>,
    deadline: &Deadline,
) -> Result<(), Error> {
    if slot.is_closed() {
        return Err(Error::Cancelled(
            "the client cancelled the call or went away".to_string(),
        ));
    }
    deadline.check()
}

/// What resolving a call's documents needs, moved onto the CPU pool.
pub(super) struct Work {
    pub(super) resolver: Resolver,
    pub(super) limits: Limits,
    pub(super) activity: Arc<Activity>,
}

/// Longest DocumentError message. Messages name a field and a limit; the
/// bound keeps the cost of a failed document in a batch answer known ahead.
const MAX_ERROR_MESSAGE_BYTES: usize = 1024;

impl Work {
    /// Validates and resolves one request document; its answer must fit in
    /// the answer limit.
    pub(super) fn resolve_document(
        &self,
        request: proto::ResolveRequest,
        interrupt: &Interrupt<'_>,
    ) -> Result<proto::ResolveResponse, Error> {
        let _working = Held::new(&self.activity, |a| &a.resolving);
        Resolver::check_text_size(&request.text, self.limits.max_text_bytes)?;
        let options = options_from_proto(request.options.unwrap_or_default())?;
        let mut resolution = self
            .resolver
            .resolve_until(&request.text, &options, interrupt)?;
        resolution.id = request.id;
        let answer = resolution_to_proto(resolution);
        check_answer_size(&answer, self.limits.answer_limit())?;
        Ok(answer)
    }

    /// Resolves a batch in parallel. A document's own failure becomes its
    /// entry in `errors`; only the caller going away or the deadline passing
    /// ends the call. The entries together stay within the answer limit:
    /// each document's fallback (its id and an error) is set aside first,
    /// and a result is kept only if the budget left still holds it. The
    /// budget is taken as documents finish, so which document of an
    /// over-full batch fails depends on timing; its memory is bounded either
    /// way.
    pub(super) fn resolve_batch(
        &self,
        documents: Vec<proto::ResolveRequest>,
        interrupt: &Interrupt<'_>,
    ) -> Result<proto::ResolveBatchResponse, Error> {
        use rayon::prelude::*;
        let limit = self.limits.answer_limit();
        let fallbacks: usize = documents
            .iter()
            .enumerate()
            .map(|(i, d)| fallback_cost(i, &d.id))
            .sum();
        let budget = limit.checked_sub(fallbacks).ok_or(Error::LimitExceeded {
            what:
                "bytes of the ResolveBatch answer for its ids and errors alone (--max-answer-bytes)"
                    .to_string(),
            actual: fallbacks,
            limit,
        })?;
        let left = AtomicUsize::new(budget);
        let outcomes = documents
            .into_par_iter()
            .enumerate()
            .map(|(i, document)| {
                interrupt.check()?;
                let id = document.id.clone();
                let outcome = match self.resolve_document(document, interrupt) {
                    Ok(answer) => {
                        let cost = entry_len(answer.encoded_len());
                        let taken = left
                            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| {
                                left.checked_sub(cost)
                            })
                            .map_err(|left| Error::LimitExceeded {
                                what: "bytes of the ResolveBatch answer with this document \
                                       (--max-answer-bytes; resend it in a smaller batch)"
                                    .to_string(),
                                actual: limit - left + cost,
                                limit,
                            });
                        taken.map(|_| answer)
                    }
                    Err(error @ (Error::Cancelled(_) | Error::DeadlineExceeded(_))) => {
                        return Err(error)
                    }
                    Err(error) => Err(error),
                };
                Ok((
                    id,
                    outcome.map_err(|error| prefix_field(error, &format!("documents[{i}]"))),
                ))
            })
            .collect::<Result<Vec<_>, Error>>()?;
        let mut response = proto::ResolveBatchResponse::default();
        for (i, (id, outcome)) in outcomes.into_iter().enumerate() {
            match outcome {
                Ok(answer) => response.results.push(answer),
                Err(error) => {
                    response.results.push(proto::ResolveResponse {
                        id,
                        ..Default::default()
                    });
                    response.errors.push(proto::BatchDocumentError {
                        index: i as u32,
                        error: Some(document_error(error)),
                    });
                }
            }
        }
        Ok(response)
    }
}

/// Bytes a field of `len` bytes takes in its message: a one-byte tag, the
/// length, the bytes.
fn entry_len(len: usize) -> usize {
    1 + prost::length_delimiter_len(len) + len
}

/// The most a batch entry that failed can take: its id alone in `results`,
/// and its error in `errors`.
fn fallback_cost(index: usize, id: &str) -> usize {
    let result = proto::ResolveResponse {
        id: id.to_string(),
        ..Default::default()
    };
    let error = proto::BatchDocumentError {
        index: index as u32,
        error: Some(proto::DocumentError {
            code: i32::MAX,
            message: "x".repeat(MAX_ERROR_MESSAGE_BYTES),
        }),
    };
    entry_len(result.encoded_len()) + entry_len(error.encoded_len())
}

/// A document's error as the client sees it on a stream or in a batch: the
/// code it would fail with as a unary call, and a bounded message.
pub(super) fn document_error(error: Error) -> proto::DocumentError {
    let status = status(error);
    let mut message = status.message().to_string();
    if message.len() > MAX_ERROR_MESSAGE_BYTES {
        let mut end = MAX_ERROR_MESSAGE_BYTES - 3;
        while !message.is_char_boundary(end) {
            end -= 1;
        }
        message.truncate(end);
        message.push_str("...");
    }
    proto::DocumentError {
        code: status.code() as i32,
        message,
    }
}

fn prefix_field(error: Error, prefix: &str) -> Error {
    match error {
        Error::InvalidArgument { field, message } => Error::InvalidArgument {
            field: format!("{prefix}.{field}"),
            message,
        },
        Error::LimitExceeded {
            what,
            actual,
            limit,
        } => Error::LimitExceeded {
            what: format!("{prefix}: {what}"),
            actual,
            limit,
        },
        other => other,
    }
}
