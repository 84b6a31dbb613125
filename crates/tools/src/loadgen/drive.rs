//! The load itself: one task per connection, in a closed loop, at a fixed
//! rate, or over one ResolveStream.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tonic::transport::Channel;
use tonic::Code;

use entity_resolver::metrics::code_name;
use entity_resolver::proto;
use entity_resolver::proto::diagnostics_service_client::DiagnosticsServiceClient;
use entity_resolver::proto::entity_resolver_service_client::EntityResolverServiceClient;
use entity_resolver::proto::resolve_stream_response::Outcome;
use entity_resolver::server::Limits;

use super::payload::Document;
use super::plan::{Pacing, Plan, Rpc};
use super::report::Report;
use super::tally::{lock, take, Call, Tally, Window};

/// Requests in flight at a fixed rate, over all connections. Large enough
/// never to bind a healthy server; past it the schedule slips and the
/// requests are counted late, instead of memory growing without bound.
const MAX_OUTSTANDING: usize = 10_000;
/// A fixed-rate request that leaves this long after its intended time is
/// late. The timer's resolution is 1 ms, so smaller lags are the clock's, not
/// the generator's.
const LATE_AFTER: Duration = Duration::from_millis(5);
/// Stream documents queued ahead of the transport. HTTP/2 flow control is
/// what paces the producer; this only keeps the encoder fed.
const STREAM_SEND_AHEAD: usize = 128;

/// A unary client for one RPC over one connection.
#[derive(Clone)]
enum Caller {
    Resolve(EntityResolverServiceClient<Channel>),
    Echo(DiagnosticsServiceClient<Channel>),
}

impl Caller {
    fn new(rpc: Rpc, channel: Channel) -> Caller {
        // The server's own limit, so a large payload file fails the way it
        // would for any client rather than at tonic's 4 MiB default.
        let limit = Limits::default().max_message_bytes;
        match rpc {
            Rpc::Resolve => Caller::Resolve(
                EntityResolverServiceClient::new(channel)
                    .max_decoding_message_size(limit)
                    .max_encoding_message_size(limit),
            ),
            Rpc::Echo => Caller::Echo(
                DiagnosticsServiceClient::new(channel)
                    .max_decoding_message_size(limit)
                    .max_encoding_message_size(limit),
            ),
            Rpc::Stream => unreachable!("streams are not unary calls"),
        }
    }

    async fn call(&mut self, document: &Document) -> Result<(), Code> {
        let answer = match self {
            Caller::Resolve(client) => client
                .resolve(proto::ResolveRequest {
                    id: document.id.clone(),
                    text: document.text.clone(),
                    options: None,
                })
                .await
                .map(drop),
            Caller::Echo(client) => client
                .echo(proto::EchoRequest {
                    text: document.text.clone(),
                })
                .await
                .map(drop),
        };
        answer.map_err(|status| status.code())
    }
}

pub(super) async fn run_rpc(
    rpc: Rpc,
    channels: &[Channel],
    documents: &Arc<Vec<Document>>,
    plan: &Plan,
) -> Report {
    let window = Window::from_now(plan);
    let mut connections = JoinSet::new();
    for (index, channel) in channels.iter().enumerate() {
        let channel = channel.clone();
        let documents = documents.clone();
        let pacing = plan.pacing;
        let connection_count = channels.len();
        connections.spawn(async move {
            match (rpc, pacing) {
                (Rpc::Stream, _) => stream_connection(channel, documents, index, window).await,
                (_, Pacing::ClosedLoop { concurrency }) => {
                    let caller = Caller::new(rpc, channel);
                    closed_loop_connection(caller, documents, index, concurrency, window).await
                }
                (
                    _,
                    Pacing::FixedRate {
                        requests_per_second,
                    },
                ) => {
                    let caller = Caller::new(rpc, channel);
                    let schedule = Schedule::for_connection(
                        requests_per_second,
                        index,
                        connection_count,
                        window.begin,
                    );
                    let slots = MAX_OUTSTANDING.div_ceil(connection_count).max(1);
                    fixed_rate_connection(caller, documents, index, schedule, slots, window).await
                }
            }
        });
    }
    let mut total = Tally::new(window);
    while let Some(tally) = connections.join_next().await {
        total.merge(tally.expect("connection tasks do not panic"));
    }
    Report::new(rpc, plan, total)
}

async fn closed_loop_connection(
    caller: Caller,
    documents: Arc<Vec<Document>>,
    connection: usize,
    concurrency: u32,
    window: Window,
) -> Tally {
    let tally = Arc::new(Mutex::new(Tally::new(window)));
    let mut workers = JoinSet::new();
    for worker in 0..concurrency as usize {
        let mut caller = caller.clone();
        let documents = documents.clone();
        let tally = tally.clone();
        // Workers start at different texts so the mix is the same at any
        // moment, not all of them on the longest text at once.
        let mut next = connection * concurrency as usize + worker;
        workers.spawn(async move {
            while Instant::now() < window.end {
                let document = &documents[next % documents.len()];
                next += 1;
                let sent = Instant::now();
                let outcome = caller.call(document).await;
                let call = Call {
                    intended: sent,
                    answered: Instant::now(),
                    payload_bytes: document.text.len(),
                    outcome,
                };
                lock(&tally).record(call);
            }
        });
    }
    while let Some(worker) = workers.join_next().await {
        worker.expect("workers do not panic");
    }
    take(&tally)
}

/// When each request of one connection is meant to leave.
struct Schedule {
    first: Instant,
    interval_seconds: f64,
}

impl Schedule {
    fn for_connection(
        total_rate: f64,
        connection: usize,
        connections: usize,
        begin: Instant,
    ) -> Schedule {
        let interval_seconds = connections as f64 / total_rate;
        // Connections take turns, so together they send evenly spaced
        // requests rather than one burst per interval.
        let offset = interval_seconds * connection as f64 / connections as f64;
        Schedule {
            first: begin + Duration::try_from_secs_f64(offset).unwrap_or(Duration::ZERO),
            interval_seconds,
        }
    }

    /// `None` when the time is too far off to represent: never, in effect.
    fn intended(&self, request: u64) -> Option<Instant> {
        let after_first =
            Duration::try_from_secs_f64(self.interval_seconds * request as f64).ok()?;
        self.first.checked_add(after_first)
    }

    /// Requests from `from` on that the window would have counted.
    fn remaining_in_window(&self, from: u64, window: Window) -> u64 {
        (from..)
            .map_while(|request| self.intended(request).filter(|at| *at < window.end))
            .filter(|at| *at >= window.start)
            .count() as u64
    }
}

async fn fixed_rate_connection(
    caller: Caller,
    documents: Arc<Vec<Document>>,
    connection: usize,
    schedule: Schedule,
    max_outstanding: usize,
    window: Window,
) -> Tally {
    let tally = Arc::new(Mutex::new(Tally::new(window)));
    let slots = Arc::new(Semaphore::new(max_outstanding));
    // A request due just before the end may leave a timer tick after it;
    // past this the schedule is abandoned.
    let cutoff = window.end + LATE_AFTER;
    let mut late = 0;
    let mut request: u64 = 0;
    let unsent = loop {
        let Some(intended) = schedule.intended(request).filter(|at| *at < window.end) else {
            break 0;
        };
        tokio::time::sleep_until(intended.into()).await;
        let slot = tokio::select! {
            biased;
            slot = slots.clone().acquire_owned() => Some(slot.expect("the semaphore is never closed")),
            () = tokio::time::sleep_until(cutoff.into()) => None,
        };
        let sent = Instant::now();
        let Some(slot) = slot.filter(|_| sent < cutoff) else {
            break schedule.remaining_in_window(request, window);
        };
        if window.contains(intended) && sent.duration_since(intended) > LATE_AFTER {
            late += 1;
        }
        let mut caller = caller.clone();
        let documents = documents.clone();
        let tally = tally.clone();
        let document_index = (connection + request as usize) % documents.len();
        tokio::spawn(async move {
            let document = &documents[document_index];
            let outcome = caller.call(document).await;
            let call = Call {
                intended,
                answered: Instant::now(),
                payload_bytes: document.text.len(),
                outcome,
            };
            lock(&tally).record(call);
            drop(slot);
        });
        request += 1;
    };
    // Each request in flight holds a slot until it is recorded: with every
    // slot back, every answer is in.
    let all = u32::try_from(max_outstanding).unwrap_or(u32::MAX);
    let _drained = slots.acquire_many(all).await;
    let mut tally = take(&tally);
    tally.late = late;
    tally.unsent = unsent;
    tally
}

/// One ResolveStream for the whole run: a producer sends documents as fast as
/// flow control lets it while this task reads the answers, which must come
/// back in order. Documents count when their answer arrives in the window.
async fn stream_connection(
    channel: Channel,
    documents: Arc<Vec<Document>>,
    connection: usize,
    window: Window,
) -> Tally {
    let limit = Limits::default().max_message_bytes;
    let mut client = EntityResolverServiceClient::new(channel)
        .max_decoding_message_size(limit)
        .max_encoding_message_size(limit);
    let mut tally = Tally::new(window);
    let document_count = documents.len();
    let document_of = move |sequence: u64| (connection + sequence as usize) % document_count;
    let sent = Arc::new(AtomicU64::new(0));
    let (requests, outgoing) = tokio::sync::mpsc::channel(STREAM_SEND_AHEAD);
    let producer = {
        let sent = sent.clone();
        let documents = documents.clone();
        tokio::spawn(async move {
            let mut sequence: u64 = 0;
            while Instant::now() < window.end {
                let document = &documents[document_of(sequence)];
                let request = proto::ResolveStreamRequest {
                    document: Some(proto::ResolveRequest {
                        id: sequence.to_string(),
                        text: document.text.clone(),
                        options: None,
                    }),
                };
                if requests.send(request).await.is_err() {
                    break;
                }
                sequence += 1;
                sent.store(sequence, Ordering::Relaxed);
            }
        })
    };
    let mut answers = match client
        .resolve_stream(tokio_stream::wrappers::ReceiverStream::new(outgoing))
        .await
    {
        Ok(response) => response.into_inner(),
        Err(status) => {
            producer.abort();
            tally.error(code_name(status.code()));
            return tally;
        }
    };
    let mut expected: u64 = 0;
    let ended_cleanly = loop {
        match answers.message().await {
            Ok(Some(answer)) => {
                let arrived = Instant::now();
                let sequence = answer.id.parse::<u64>().ok();
                // Order is a promise of the API, so a break in it is counted
                // even during the warm-up.
                if sequence != Some(expected) {
                    tally.error("OUT_OF_ORDER");
                }
                expected = sequence.unwrap_or(expected) + 1;
                if window.contains(arrived) {
                    let payload_bytes =
                        sequence.map_or(0, |sequence| documents[document_of(sequence)].text.len());
                    tally.count(arrived, payload_bytes);
                    if let Some(Outcome::Error(error)) = answer.outcome {
                        tally.error(code_name(Code::from_i32(error.code)));
                    }
                }
            }
            Ok(None) => break true,
            Err(status) => {
                tally.error(code_name(status.code()));
                break false;
            }
        }
    };
    if ended_cleanly {
        // The server ends its answers only after reading every document, so
        // the producer is done and its count final.
        let _ = producer.await;
        let missing = sent.load(Ordering::Relaxed).saturating_sub(expected);
        if missing > 0 {
            *tally.errors.entry("MISSING_ANSWER").or_default() += missing;
        }
    } else {
        producer.abort();
    }
    tally
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fixed_rate_schedule_counts_what_the_window_would_have_held() {
        let begin = Instant::now();
        let window = Window {
            begin,
            start: begin + Duration::from_secs(1),
            end: begin + Duration::from_secs(3),
        };
        // 10 requests/s over 2 connections: 5/s each, the second half a step later.
        let first = Schedule::for_connection(10.0, 0, 2, begin);
        let second = Schedule::for_connection(10.0, 1, 2, begin);
        assert_eq!(first.intended(5), Some(begin + Duration::from_secs(1)));
        assert_eq!(second.intended(0), Some(begin + Duration::from_millis(100)));
        assert_eq!(first.remaining_in_window(0, window), 10);
        assert_eq!(first.remaining_in_window(12, window), 3);
        assert_eq!(first.remaining_in_window(15, window), 0);
    }
}
