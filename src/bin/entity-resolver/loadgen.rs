//! `loadgen`: drives a running service over gRPC and reports throughput and
//! latency per RPC, so Resolve can be set against Echo (the same transport
//! doing no work) and against ResolveStream.
//!
//! Unary RPCs run in one of two ways:
//! - closed loop (the default): every worker sends its next request when the
//!   previous answer arrives; latency runs from the actual send.
//! - fixed rate (`--rate`): requests follow a schedule whatever the answers
//!   do, and latency runs from the time the schedule intended. A stalled
//!   server then shows in the percentiles instead of quietly slowing the
//!   generator down (coordinated omission).
//!
//! Only requests scheduled (or, on a stream, answered) inside the measured
//! window count; the warm-up before it lets connections, caches and thread
//! pools settle.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use clap::ValueEnum;
use hdrhistogram::Histogram;
use serde::Serialize;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tonic::transport::{Channel, Endpoint};
use tonic::Code;

use entity_resolver::client::source_chain;
use entity_resolver::metrics::code_name;
use entity_resolver::proto;
use entity_resolver::proto::diagnostics_service_client::DiagnosticsServiceClient;
use entity_resolver::proto::entity_resolver_service_client::EntityResolverServiceClient;
use entity_resolver::proto::resolve_stream_response::Outcome;
use entity_resolver::server::Limits;
use entity_resolver::Error;

/// A target that accepts TCP but never answers HTTP/2 should fail the run
/// quickly rather than hang it.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Bounds the drain at the end of a run when the server stops answering.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
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
/// Latencies are recorded in microseconds, up to an hour, to 3 significant digits.
const HISTOGRAM_MAX_MICROS: u64 = 3_600_000_000;

/// The options of `loadgen`; its help text is the `Command::Loadgen` variant's.
#[derive(clap::Args)]
pub struct LoadgenArgs {
    /// URL of the service; https:// for TLS.
    #[arg(long, default_value = "http://127.0.0.1:50051")]
    target: String,
    /// PEM CA certificate(s) to trust for an https:// target; the system's
    /// roots when absent.
    #[arg(long)]
    tls_ca: Option<std::path::PathBuf>,
    /// RPC to load; repeat to run several in turn with the same settings and
    /// payload. With both resolve and echo, the ratio of their requests/s is
    /// printed.
    #[arg(long = "rpc", value_enum, required = true)]
    rpcs: Vec<Rpc>,
    /// Separate HTTP/2 connections; requests are spread over them.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=1024))]
    connections: u32,
    /// Closed loop: requests outstanding on each connection.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    concurrency: u32,
    /// Fixed rate instead of a closed loop: requests per second over all
    /// connections, sent on schedule whether or not answers have come back.
    /// Applies to resolve and echo; a stream always sends as fast as flow
    /// control allows.
    #[arg(long, conflicts_with = "concurrency")]
    rate: Option<f64>,
    /// How long each RPC is measured: 500ms, 10s, 2m.
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    duration: Duration,
    /// Load before the measured window, left out of every figure.
    #[arg(long, default_value = "1s", value_parser = parse_duration)]
    warmup: Duration,
    /// Texts to send: JSONL of {"id", "text"} when the file starts with `{`,
    /// otherwise plain text, one document per paragraph (split on blank
    /// lines). A built-in set of news paragraphs of about 1 KB when absent.
    #[arg(long)]
    payload: Option<PathBuf>,
    /// One JSON object per RPC run, then the ratio object, instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Rpc {
    /// EntityResolverService/Resolve, one document per call.
    Resolve,
    /// DiagnosticsService/Echo with the same texts: the transport's cost alone.
    Echo,
    /// EntityResolverService/ResolveStream, one stream per connection.
    Stream,
}

impl Rpc {
    fn name(self) -> &'static str {
        match self {
            Rpc::Resolve => "resolve",
            Rpc::Echo => "echo",
            Rpc::Stream => "stream",
        }
    }
}

/// How unary requests are paced.
#[derive(Clone, Copy)]
enum Pacing {
    ClosedLoop { concurrency: u32 },
    FixedRate { requests_per_second: f64 },
}

/// The settings every RPC run shares, validated.
struct Plan {
    endpoint: Endpoint,
    connections: u32,
    pacing: Pacing,
    duration: Duration,
    warmup: Duration,
}

impl Plan {
    fn from_args(args: &LoadgenArgs) -> Result<Plan, Error> {
        let endpoint = target_endpoint(&args.target, args.tls_ca.as_deref())?;
        if args.duration.is_zero() {
            return Err(Error::invalid_argument(
                "--duration",
                "must be longer than zero",
            ));
        }
        let pacing = match args.rate {
            None => Pacing::ClosedLoop {
                concurrency: args.concurrency,
            },
            Some(rate) if rate.is_finite() && rate > 0.0 => Pacing::FixedRate {
                requests_per_second: rate,
            },
            Some(rate) => {
                return Err(Error::invalid_argument(
                    "--rate",
                    format!("{rate} is not a positive number of requests per second"),
                ))
            }
        };
        Ok(Plan {
            endpoint,
            connections: args.connections,
            pacing,
            duration: args.duration,
            warmup: args.warmup,
        })
    }
}

fn target_endpoint(target: &str, tls_ca: Option<&std::path::Path>) -> Result<Endpoint, Error> {
    let invalid = |message: String| Error::invalid_argument("--target", message);
    let endpoint = Endpoint::from_shared(target.to_string())
        .map_err(|error| invalid(format!("{target:?} is not a valid URL: {error}")))?;
    if !matches!(endpoint.uri().scheme_str(), Some("http" | "https")) {
        return Err(invalid(format!(
            "{target:?} needs a scheme, e.g. http://127.0.0.1:50051"
        )));
    }
    entity_resolver::client::secure(
        endpoint
            .tcp_nodelay(true)
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT),
        tls_ca,
    )
}

pub fn run(args: LoadgenArgs) -> Result<ExitCode, Error> {
    let plan = Plan::from_args(&args)?;
    let documents = Arc::new(load_payload(args.payload.as_deref())?);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|error| Error::Remote {
            target: args.target.clone(),
            message: format!("cannot start the async runtime: {error}"),
        })?;
    let reports = runtime.block_on(async {
        let channels = connect_all(&args.target, &plan).await?;
        let mut reports = Vec::new();
        for &rpc in &args.rpcs {
            eprintln!(
                "loadgen: {} on {} connection(s) for {:?} after {:?} of warm-up",
                rpc.name(),
                plan.connections,
                plan.duration,
                plan.warmup
            );
            reports.push(run_rpc(rpc, &channels, &documents, &plan).await);
        }
        Ok::<_, Error>(reports)
    })?;
    let ratio = resolve_to_echo(&reports);
    if args.json {
        for report in &reports {
            println!(
                "{}",
                serde_json::to_string(report).expect("reports serialise")
            );
        }
        if let Some(ratio) = &ratio {
            println!(
                "{}",
                serde_json::to_string(ratio).expect("ratios serialise")
            );
        }
    } else {
        for report in &reports {
            print_report(report);
        }
        if let Some(ratio) = &ratio {
            let value = ratio
                .value
                .map_or("undefined (no Echo requests)".to_string(), |value| {
                    format!("{value:.3}")
                });
            println!(
                "Resolve/Echo requests/s: {value} (Resolve {:.1}, Echo {:.1})",
                ratio.resolve_requests_per_second, ratio.echo_requests_per_second
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// One connection per Channel: `Endpoint::connect` opens a connection of its
/// own each time, which is what spreading load over connections needs.
async fn connect_all(target: &str, plan: &Plan) -> Result<Vec<Channel>, Error> {
    let mut channels = Vec::with_capacity(plan.connections as usize);
    for _ in 0..plan.connections {
        let channel = plan
            .endpoint
            .connect()
            .await
            .map_err(|error| Error::Remote {
                target: target.to_string(),
                message: format!("cannot connect: {}", source_chain(&error)),
            })?;
        channels.push(channel);
    }
    Ok(channels)
}

/// A text to send.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Document {
    id: String,
    text: String,
}

/// One run's time line: load from `begin`, figures from `start` to `end`.
#[derive(Clone, Copy)]
struct Window {
    begin: Instant,
    start: Instant,
    end: Instant,
}

impl Window {
    fn from_now(plan: &Plan) -> Window {
        let begin = Instant::now();
        let start = begin + plan.warmup;
        Window {
            begin,
            start,
            end: start + plan.duration,
        }
    }

    fn contains(&self, instant: Instant) -> bool {
        instant >= self.start && instant < self.end
    }
}

/// What became of one unary request.
struct Call {
    intended: Instant,
    answered: Instant,
    payload_bytes: usize,
    outcome: Result<(), Code>,
}

/// The figures of one connection, merged over connections at the end.
struct Tally {
    window: Window,
    requests: u64,
    payload_bytes: u64,
    errors: BTreeMap<&'static str, u64>,
    latency_micros: Histogram<u64>,
    last_answer: Option<Instant>,
    late: u64,
    unsent: u64,
}

impl Tally {
    fn new(window: Window) -> Tally {
        Tally {
            window,
            requests: 0,
            payload_bytes: 0,
            errors: BTreeMap::new(),
            latency_micros: Histogram::new_with_bounds(1, HISTOGRAM_MAX_MICROS, 3)
                .expect("constant histogram bounds are valid"),
            last_answer: None,
            late: 0,
            unsent: 0,
        }
    }

    fn record(&mut self, call: Call) {
        if !self.window.contains(call.intended) {
            return;
        }
        self.count(call.answered, call.payload_bytes);
        match call.outcome {
            Ok(()) => {
                let micros = call.answered.duration_since(call.intended).as_micros();
                self.latency_micros
                    .saturating_record(u64::try_from(micros).unwrap_or(u64::MAX).max(1));
            }
            Err(code) => self.error(code_name(code)),
        }
    }

    fn count(&mut self, answered: Instant, payload_bytes: usize) {
        self.requests += 1;
        self.payload_bytes += payload_bytes as u64;
        self.last_answer = self.last_answer.max(Some(answered));
    }

    fn error(&mut self, kind: &'static str) {
        *self.errors.entry(kind).or_default() += 1;
    }

    fn merge(&mut self, other: Tally) {
        self.requests += other.requests;
        self.payload_bytes += other.payload_bytes;
        for (kind, count) in other.errors {
            *self.errors.entry(kind).or_default() += count;
        }
        self.latency_micros
            .add(other.latency_micros)
            .expect("histograms with the same bounds add up");
        self.last_answer = self.last_answer.max(other.last_answer);
        self.late += other.late;
        self.unsent += other.unsent;
    }
}

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

async fn run_rpc(
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

fn lock(tally: &Mutex<Tally>) -> std::sync::MutexGuard<'_, Tally> {
    tally.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Takes the figures out once every task that recorded into them is done.
fn take(tally: &Mutex<Tally>) -> Tally {
    let mut tally = lock(tally);
    let window = tally.window;
    std::mem::replace(&mut *tally, Tally::new(window))
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

/// The figures of one RPC run, as printed.
#[derive(Debug, Serialize)]
struct Report {
    rpc: &'static str,
    /// "closed-loop", "fixed-rate" or "stream".
    mode: &'static str,
    connections: u32,
    /// Outstanding requests per connection in a closed loop.
    concurrency: Option<u32>,
    /// Requests per second asked for at a fixed rate.
    target_rate: Option<f64>,
    /// Requests counted (documents, for a stream), errors included.
    requests: u64,
    /// Failed requests by gRPC code, plus OUT_OF_ORDER and MISSING_ANSWER on
    /// a stream.
    errors: BTreeMap<&'static str, u64>,
    error_count: u64,
    /// From the start of the window to the last answer it counted (at least
    /// the window).
    seconds: f64,
    requests_per_second: f64,
    /// Of the successful requests; none for a stream.
    latency_ms: Option<Latency>,
    avg_payload_bytes: f64,
    /// At a fixed rate: requests that left more than 5 ms after their time.
    late: Option<u64>,
    /// At a fixed rate: requests due in the window that never left.
    unsent: Option<u64>,
}

#[derive(Debug, Serialize)]
struct Latency {
    p50: f64,
    p90: f64,
    p99: f64,
    p99_9: f64,
    max: f64,
}

impl Report {
    fn new(rpc: Rpc, plan: &Plan, tally: Tally) -> Report {
        let window = tally.window;
        let seconds = match rpc {
            Rpc::Stream => plan.duration,
            _ => tally
                .last_answer
                .map_or(window.end, |last| last.max(window.end))
                .duration_since(window.start),
        }
        .as_secs_f64();
        let millis = |micros: u64| micros as f64 / 1000.0;
        let histogram = &tally.latency_micros;
        let latency = (rpc != Rpc::Stream).then(|| Latency {
            p50: millis(histogram.value_at_quantile(0.5)),
            p90: millis(histogram.value_at_quantile(0.9)),
            p99: millis(histogram.value_at_quantile(0.99)),
            p99_9: millis(histogram.value_at_quantile(0.999)),
            max: millis(histogram.max()),
        });
        let (mode, concurrency, target_rate) = match (rpc, plan.pacing) {
            (Rpc::Stream, _) => ("stream", None, None),
            (_, Pacing::ClosedLoop { concurrency }) => ("closed-loop", Some(concurrency), None),
            (
                _,
                Pacing::FixedRate {
                    requests_per_second,
                },
            ) => ("fixed-rate", None, Some(requests_per_second)),
        };
        let fixed_rate = target_rate.is_some();
        Report {
            rpc: rpc.name(),
            mode,
            connections: plan.connections,
            concurrency,
            target_rate,
            requests: tally.requests,
            error_count: tally.errors.values().sum(),
            errors: tally.errors,
            seconds,
            requests_per_second: tally.requests as f64 / seconds,
            latency_ms: latency,
            avg_payload_bytes: if tally.requests == 0 {
                0.0
            } else {
                tally.payload_bytes as f64 / tally.requests as f64
            },
            late: fixed_rate.then_some(tally.late),
            unsent: fixed_rate.then_some(tally.unsent),
        }
    }
}

#[derive(Debug, Serialize)]
struct Ratio {
    ratio: &'static str,
    /// Resolve requests/s over Echo requests/s; none when Echo had none.
    value: Option<f64>,
    resolve_requests_per_second: f64,
    echo_requests_per_second: f64,
}

fn resolve_to_echo(reports: &[Report]) -> Option<Ratio> {
    let last = |rpc: Rpc| reports.iter().rev().find(|report| report.rpc == rpc.name());
    let resolve = last(Rpc::Resolve)?.requests_per_second;
    let echo = last(Rpc::Echo)?.requests_per_second;
    Some(Ratio {
        ratio: "resolve/echo",
        value: (echo > 0.0).then(|| resolve / echo),
        resolve_requests_per_second: resolve,
        echo_requests_per_second: echo,
    })
}

fn print_report(report: &Report) {
    let (unit, one) = if report.mode == "stream" {
        ("documents", "document")
    } else {
        ("requests", "request")
    };
    let how = match (report.concurrency, report.target_rate) {
        (Some(concurrency), _) => format!(
            "closed loop, {} connection(s) x {concurrency} outstanding",
            report.connections
        ),
        (_, Some(rate)) => format!(
            "fixed rate of {rate} requests/s over {} connection(s)",
            report.connections
        ),
        (None, None) => format!("one stream on each of {} connection(s)", report.connections),
    };
    println!("{}: {how}", report.rpc);
    println!(
        "  {unit:<10} {} in {:.2} s: {:.1} {unit}/s",
        report.requests, report.seconds, report.requests_per_second
    );
    if let (Some(late), Some(unsent)) = (report.late, report.unsent) {
        println!("  schedule   late {late}, unsent {unsent}");
    }
    let errors = if report.errors.is_empty() {
        "none".to_string()
    } else {
        let kinds: Vec<String> = report
            .errors
            .iter()
            .map(|(kind, count)| format!("{kind} {count}"))
            .collect();
        format!("{} ({})", report.error_count, kinds.join(", "))
    };
    println!("  errors     {errors}");
    if let Some(latency) = &report.latency_ms {
        println!(
            "  latency ms p50 {:.3}  p90 {:.3}  p99 {:.3}  p99.9 {:.3}  max {:.3}",
            latency.p50, latency.p90, latency.p99, latency.p99_9, latency.max
        );
    }
    println!(
        "  payload    {:.0} bytes per {one} on average",
        report.avg_payload_bytes
    );
}

/// "500ms", "10s", "1.5s", "2m", "1h". A bare number is refused: seconds and
/// milliseconds are both plausible, and guessing wrong skews a run by 1000x.
fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let unit_at = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .ok_or_else(|| format!("{text:?} has no unit: write e.g. 500ms, 10s or 2m"))?;
    let (number, unit) = text.split_at(unit_at);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a duration: write e.g. 500ms, 10s or 2m"))?;
    let seconds_per_unit = match unit {
        "ms" => 0.001,
        "s" => 1.0,
        "m" => 60.0,
        "h" => 3600.0,
        _ => {
            return Err(format!(
                "{text:?}: unknown unit {unit:?} (use ms, s, m or h)"
            ))
        }
    };
    Duration::try_from_secs_f64(value * seconds_per_unit)
        .map_err(|_| format!("{text:?} is too long a duration"))
}

fn load_payload(path: Option<&Path>) -> Result<Vec<Document>, Error> {
    let Some(path) = path else {
        return Ok(BUILT_IN_PARAGRAPHS
            .iter()
            .enumerate()
            .map(|(index, text)| Document {
                id: format!("built-in-{}", index + 1),
                text: text.to_string(),
            })
            .collect());
    };
    let name = path.display().to_string();
    let content = std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: name.clone(),
        source,
    })?;
    split_payload(&content, &name)
}

/// JSONL when the content starts with `{`, otherwise paragraphs separated by
/// blank lines. Empty texts are left out: they would measure nothing.
fn split_payload(content: &str, name: &str) -> Result<Vec<Document>, Error> {
    let invalid = |message: String| Error::invalid_argument("--payload", message);
    let mut documents = Vec::new();
    if content.trim_start().starts_with('{') {
        for (index, line) in content.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let at = format!("{name}:{}", index + 1);
            let value: serde_json::Value = serde_json::from_str(line)
                .map_err(|error| invalid(format!("{at}: not JSON: {error}")))?;
            let text = value
                .get("text")
                .and_then(serde_json::Value::as_str)
                .ok_or_else(|| invalid(format!("{at}: no \"text\" string")))?;
            let id = match value.get("id") {
                None | Some(serde_json::Value::Null) => format!("line-{}", index + 1),
                Some(serde_json::Value::String(id)) => id.clone(),
                Some(serde_json::Value::Number(id)) => id.to_string(),
                Some(_) => {
                    return Err(invalid(format!(
                        "{at}: \"id\" is neither a string nor a number"
                    )))
                }
            };
            if !text.is_empty() {
                documents.push(Document {
                    id,
                    text: text.to_string(),
                });
            }
        }
    } else {
        let mut paragraph: Vec<&str> = Vec::new();
        for line in content.lines().chain([""]) {
            if !line.trim().is_empty() {
                paragraph.push(line);
            } else if !paragraph.is_empty() {
                documents.push(Document {
                    id: format!("paragraph-{}", documents.len() + 1),
                    text: paragraph.join("\n"),
                });
                paragraph.clear();
            }
        }
    }
    if documents.is_empty() {
        return Err(invalid(format!("{name} holds no text to send")));
    }
    Ok(documents)
}

/// News-style paragraphs of about 1 KB, written for this tool, dense with the
/// names the resolver knows (and a few it must tell apart).
const BUILT_IN_PARAGRAPHS: [&str; 8] = [
    "PESHAWAR - Security officials in Khyber Pakhtunkhwa said on Tuesday that a convoy carrying \
     Frontier Corps personnel came under fire near the Torkham border crossing, hours after trade \
     between Pakistan and Afghanistan resumed following a week-long closure. A provincial police \
     spokesman said the attackers fled toward the mountains and that a search operation was under \
     way. No group immediately claimed responsibility, though officials privately pointed to the \
     Tehrik-i-Taliban Pakistan (TTP), which has stepped up its attacks in the north-west over the \
     past two years. In Kabul, Zabihullah Mujahid, the chief spokesman of the Taliban \
     administration, said Afghan soil would not be used against any neighbour and urged Islamabad \
     to solve its security problems at home. Traders at Torkham said hundreds of lorries loaded \
     with fruit, coal and cement were still waiting on both sides of the frontier, and that every \
     closure cost them dearly in spoiled goods and lost contracts.",
    "KABUL - The Islamic State Khorasan Province (ISKP) said it was behind a suicide bombing \
     outside a government ministry in the Afghan capital on Monday that killed at least six \
     people, according to a statement circulated on the group's channels. ISIS-K, as the \
     affiliate is also known, has repeatedly targeted Taliban officials, Hazara neighbourhoods \
     and foreign interests since the last American troops left in August 2021. Taliban security \
     forces sealed off the area, and a spokesman for the interior ministry said the bomber had \
     been stopped at a checkpoint before he reached the gate. Analysts in Islamabad said the \
     attack showed that the group could still strike heavily guarded districts of Kabul despite \
     a sustained crackdown on its cells in Nangarhar and Kunar. The United Nations Assistance \
     Mission in Afghanistan condemned the bombing and called for those responsible to be brought \
     to justice, while several embassies advised their staff to limit movement in the city.",
    "ISLAMABAD - Prime Minister Shehbaz Sharif chaired a meeting of the National Security \
     Committee on Friday to review the situation along the western border, his office said. The \
     chief of army staff, the director general of the Inter-Services Intelligence (ISI) and the \
     ministers for interior, defence and foreign affairs attended. Participants agreed that \
     militancy would be met with the full force of the state and that the government would press \
     the authorities in Kabul to act against TTP hideouts on Afghan soil. Sharif said Pakistan \
     wanted good relations with Afghanistan but could not accept attacks planned across the \
     Durand Line. Opposition lawmakers from Pakistan Tehreek-e-Insaf criticised the government \
     for failing to brief parliament first and demanded a debate on counter-terrorism policy in \
     both houses. A separate statement said the ISI would share evidence of cross-border \
     planning with friendly countries before the next round of regional talks in Tashkent.",
    "QUETTA - Thousands of Afghan families went back into Afghanistan through the Chaman border \
     crossing this week as Pakistan pressed ahead with its campaign to expel undocumented \
     foreigners, officials of the UN refugee agency said. UNHCR staff at the crossing reported \
     long queues of trucks piled with household belongings, and said many of those leaving had \
     lived in Balochistan for decades. In Kandahar, Taliban officials set up transit camps with \
     tents, water and basic medical care, but aid groups warned that the winter would strain \
     supplies already stretched by drought and a collapsing economy. The government in Islamabad \
     has defended the deportations as a security measure, citing what it describes as the \
     involvement of Afghan nationals in suicide attacks. Rights organisations, Amnesty \
     International among them, urged Pakistan to halt the expulsions and to protect women, \
     journalists and former soldiers who could face reprisals after their return.",
    "GWADAR - Fighters of the Balochistan Liberation Army (BLA) attacked a compound used by \
     Chinese engineers working on projects of the China-Pakistan Economic Corridor on \
     Wednesday, the military's media wing said. Inter-Services Public Relations said every \
     attacker was killed in an exchange of fire that lasted several hours and that no foreign \
     national was harmed. The BLA said in a message to reporters that it opposed what it called \
     the plunder of Baloch resources by outsiders. The Chinese embassy in Islamabad urged \
     Pakistan to tighten protection for its citizens, recalling earlier attacks in Karachi and \
     at Dasu. Officials in Quetta said the assault would not delay work on the port or the \
     coastal highway, but business leaders in the province said repeated violence was scaring \
     away the investors Balochistan needs. Police later arrested two men in Turbat suspected of \
     scouting the compound in the weeks before the attack.",
    "DOHA - Envoys of Pakistan and of the Taliban government in Afghanistan met in the Qatari \
     capital over the weekend to ease tensions after a series of cross-border clashes, \
     diplomats said. Pakistan's delegation was led by its special representative for \
     Afghanistan, while Amir Khan Muttaqi, the Taliban's acting foreign minister, headed the \
     Afghan side. According to a short joint statement, both sides agreed to set up a mechanism \
     to investigate incidents along the frontier and to keep the Torkham and Chaman crossings \
     open to trade. Zabihullah Mujahid told reporters in Kabul that the talks had been \
     constructive, but repeated that the TTP was a Pakistani problem. Officials in Islamabad \
     said they expected verifiable action against the militants, and that further rounds would \
     depend on whether violence in Khyber Pakhtunkhwa fell in the coming weeks. Qatar's foreign \
     ministry offered to host a second meeting before the end of the month.",
    "MIRAMSHAH - The Pakistan Army said on Thursday that soldiers had killed eleven militants \
     during an intelligence-based operation in North Waziristan, a former tribal district on \
     the border with Afghanistan's Khost province. The statement said the raid targeted a \
     hideout of the Hafiz Gul Bahadur group, a faction that has worked with the Tehreek-e-Taliban \
     Pakistan in recent attacks on security posts. Two soldiers, a captain among them, died in \
     the fighting. Residents of Mir Ali said mobile phone service had been suspended and that a \
     curfew was in force across several villages. Lawmakers from the district called for the \
     internet to be restored and for compensation for homes damaged in the raids, while tribal \
     elders held a jirga in Bannu to demand a say in security decisions that affect their area. \
     The Inter-Services Intelligence was not named in the statement, but officials said the \
     raid followed weeks of surveillance.",
    "NEW YORK - A United Nations monitoring team said in its latest report to the Security \
     Council that the Tehrik-e-Taliban Pakistan kept several thousand fighters in Afghanistan \
     and still received help from parts of the Taliban movement. The report also said that \
     al-Qaeda kept a small presence in several provinces and that ISIL-K remained the most \
     serious threat in the region, able to plan operations beyond Afghanistan's borders. \
     Pakistan's ambassador to the UN, Munir Akram, told the council that the findings \
     confirmed Islamabad's concerns and asked for the TTP to be treated as a danger to regional \
     peace. Akram said engagement with Kabul should depend on commitments against terrorism. In \
     Kabul, a Taliban spokesman dismissed the report as drawn from unreliable sources and said \
     no foreign armed group operated from Afghan territory. Diplomats in Peshawar and Islamabad \
     expect the findings to shape the next review of the sanctions regime.",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_with_a_unit_and_only_with_one() {
        let cases: &[(&str, Option<Duration>)] = &[
            ("500ms", Some(Duration::from_millis(500))),
            ("10s", Some(Duration::from_secs(10))),
            ("1.5s", Some(Duration::from_millis(1500))),
            ("2m", Some(Duration::from_secs(120))),
            ("1h", Some(Duration::from_secs(3600))),
            ("0s", Some(Duration::ZERO)),
            (" 200ms ", Some(Duration::from_millis(200))),
            ("10", None),
            ("", None),
            ("s", None),
            ("ten s", None),
            ("-1s", None),
            ("1.2.3s", None),
            ("5 s", None),
            ("5sec", None),
            ("3d", None),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_duration(text).ok(), *expected, "{text:?}");
        }
    }

    #[test]
    fn payloads_split_into_documents() {
        let doc = |id: &str, text: &str| Document {
            id: id.to_string(),
            text: text.to_string(),
        };
        let cases: &[(&str, &str, Vec<Document>)] = &[
            (
                "paragraphs on blank and blank-looking lines, CRLF too",
                "TTP attacked.\r\nNear Torkham.\r\n\r\n   \n\nKabul was calm.\n",
                vec![
                    doc("paragraph-1", "TTP attacked.\nNear Torkham."),
                    doc("paragraph-2", "Kabul was calm."),
                ],
            ),
            (
                "a last paragraph without a newline",
                "\n\nOne.\n\nTwo",
                vec![doc("paragraph-1", "One."), doc("paragraph-2", "Two")],
            ),
            (
                "JSONL with string, numeric and missing ids; blank and empty texts skipped",
                "{\"id\": \"a\", \"text\": \"ISKP\"}\n\n{\"id\": 7, \"text\": \"ISI\"}\n{\"text\": \"\"}\n{\"text\": \"BLA\", \"extra\": 1}\n",
                vec![doc("a", "ISKP"), doc("7", "ISI"), doc("line-5", "BLA")],
            ),
        ];
        for (name, content, expected) in cases {
            let documents = split_payload(content, "payload.txt")
                .unwrap_or_else(|error| panic!("{name}: {error}"));
            assert_eq!(&documents, expected, "{name}");
        }
    }

    #[test]
    fn bad_payloads_are_refused_naming_the_flag_and_line() {
        let cases: &[(&str, &str, &str)] = &[
            ("nothing but blank lines", "\n  \n\n", "holds no text"),
            (
                "not JSON",
                "{\"text\": \"a\"}\n{oops\n",
                "payload.txt:2: not JSON",
            ),
            ("no text", "{\"id\": \"a\"}\n", "payload.txt:1: no \"text\""),
            (
                "an object as id",
                "{\"id\": {}, \"text\": \"a\"}\n",
                "\"id\" is neither",
            ),
        ];
        for (name, content, message) in cases {
            let error = split_payload(content, "payload.txt").expect_err(name);
            let text = error.to_string();
            assert!(
                matches!(error, Error::InvalidArgument { ref field, .. } if field == "--payload"),
                "{name}: {text}"
            );
            assert!(text.contains(message), "{name}: {text}");
        }
    }

    #[test]
    fn built_in_paragraphs_are_about_a_kilobyte() {
        for (index, paragraph) in BUILT_IN_PARAGRAPHS.iter().enumerate() {
            assert!(
                (800..=1300).contains(&paragraph.len()),
                "paragraph {index} is {} bytes",
                paragraph.len()
            );
        }
    }

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
