//! Prometheus metrics: what the service did (calls by method and status,
//! latency, documents, mentions by match kind), what it holds (the alias
//! table, open streams) and an HTTP endpoint that serves them as OpenMetrics
//! text.
//!
//! Calls are counted by a tower layer around the whole gRPC server, so no
//! handler has to remember to count itself: it sees the request path and
//! the status, wherever gRPC puts it (in the response headers when a call
//! fails before any message, in the trailers at the end of the body
//! otherwise). A call ends when its body does, so a stream's latency is the
//! stream's whole life.

use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering as AtomicOrdering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::task::{ready, Context, Poll};
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;
use http::{HeaderMap, Request, Response};
use http_body::{Body, Frame, SizeHint};
use pin_project_lite::pin_project;
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric};
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::metrics::info::Info;
use prometheus_client::registry::{Registry, Unit};
use tonic::Code;

use crate::index::Index;
use crate::proto;
use crate::server::Activity;
use crate::transport::{ConnectionCounts, Incoming, Port};
use crate::types::MatchKind;

/// The content type of the OpenMetrics text that `prometheus-client` writes.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Latency buckets in seconds, 100 µs to 10 s in 1-2.5-5 steps: a cached
/// Resolve answers in well under a millisecond, a long stream takes seconds.
const LATENCY_BUCKETS: [f64; 16] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
    5.0, 10.0,
];

/// The method label of a path the server has no method for. Any client can
/// send any path; labelling each one would let a scanner grow the series
/// without bound.
pub const UNKNOWN_METHOD: &str = "unknown";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CallLabels {
    method: String,
    code: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct MethodLabels {
    method: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CodeLabels {
    code: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PortLabels {
    port: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct MatchKindLabels {
    match_kind: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: &'static str,
}

type LatencyFamily = Family<MethodLabels, Histogram, fn() -> Histogram>;

/// Every metric of the service, and the registry that encodes them.
/// Counting is a few atomic operations per call, so it is always on; only
/// the HTTP endpoint (`serve_metrics`) is optional.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    calls: Family<CallLabels, Counter>,
    latency: LatencyFamily,
    documents: Counter,
    document_errors: Family<CodeLabels, Counter>,
    mentions: Family<MatchKindLabels, Counter>,
    reloads: Family<OutcomeLabels, Counter>,
    state: Arc<State>,
}

/// What the service holds, read at the moment of a scrape rather than
/// copied into gauges whenever it changes: whoever swaps the table, a scrape
/// sees the one in service, never half of a reload.
#[derive(Debug, Default)]
struct State {
    table: OnceLock<Arc<ArcSwap<Index>>>,
    /// Of the table in service; unknown until someone reports it.
    load_seconds: Mutex<Option<f64>>,
    activity: OnceLock<Arc<Activity>>,
    /// Of each listening port, once serving.
    connections: Mutex<Vec<(Port, Arc<ConnectionCounts>)>>,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("entity_resolver");
        let calls = Family::<CallLabels, Counter>::default();
        registry.register(
            "grpc_requests",
            "gRPC calls ended, by method (the full path) and status code",
            calls.clone(),
        );
        let latency: LatencyFamily =
            Family::new_with_constructor(|| Histogram::new(LATENCY_BUCKETS));
        registry.register_with_unit(
            "grpc_request_duration",
            "Time from a call's arrival to the end of its response (a stream's whole life), by method",
            Unit::Seconds,
            latency.clone(),
        );
        let documents = Counter::default();
        registry.register(
            "documents",
            "Documents resolved, by any RPC (each stream or batch document counts)",
            documents.clone(),
        );
        let document_errors = Family::<CodeLabels, Counter>::default();
        registry.register(
            "document_errors",
            "Documents refused, by status code (a stream document fails alone, inside an OK call)",
            document_errors.clone(),
        );
        let mentions = Family::<MatchKindLabels, Counter>::default();
        registry.register(
            "mentions",
            "Mentions returned, by match kind",
            mentions.clone(),
        );
        let reloads = Family::<OutcomeLabels, Counter>::default();
        registry.register(
            "table_reloads",
            "Alias table reloads, by outcome (ok, or refused: the table in service stays)",
            reloads.clone(),
        );
        // Every series that is known in advance starts at zero, so a rate
        // over a counter's first increment is not lost.
        for kind in ALL_MATCH_KINDS {
            mentions
                .get_or_create(&MatchKindLabels {
                    match_kind: kind.as_str(),
                })
                .inc_by(0);
        }
        for outcome in [ReloadOutcome::Ok, ReloadOutcome::Refused] {
            reloads
                .get_or_create(&OutcomeLabels {
                    outcome: outcome.label(),
                })
                .inc_by(0);
        }
        let state = Arc::new(State::default());
        registry.register_collector(Box::new(state.clone()));
        Metrics {
            registry,
            calls,
            latency,
            documents,
            document_errors,
            mentions,
            reloads,
            state,
        }
    }

    /// Reports the stream gauges from these live counters at each scrape.
    /// The first set of counters watched stays.
    pub fn watch_activity(&self, activity: Arc<Activity>) {
        let _ = self.state.activity.set(activity);
    }

    /// Reports the connections of `port` from these live counters at each
    /// scrape.
    pub fn watch_connections(&self, port: Port, counts: Arc<ConnectionCounts>) {
        let mut watched = lock(&self.state.connections);
        watched.retain(|(watched, _)| *watched != port);
        watched.push((port, counts));
    }

    /// Reports the table gauges from the table in this slot at each scrape.
    /// The first slot watched stays.
    pub fn watch_table(&self, table: Arc<ArcSwap<Index>>) {
        let _ = self.state.table.set(table);
    }

    /// How long the table in service took to read, check and compile.
    pub fn record_load_time(&self, load_time: Duration) {
        *lock(&self.state.load_seconds) = Some(load_time.as_secs_f64());
    }

    /// A reload that put a new table in service after `load_time`.
    pub fn record_reload(&self, load_time: Duration) {
        self.record_load_time(load_time);
        self.count_reload(ReloadOutcome::Ok);
    }

    /// A reload refused (an invalid table, an unreadable file): the table in
    /// service stays.
    pub fn record_reload_refused(&self) {
        self.count_reload(ReloadOutcome::Refused);
    }

    fn count_reload(&self, outcome: ReloadOutcome) {
        self.reloads
            .get_or_create(&OutcomeLabels {
                outcome: outcome.label(),
            })
            .inc();
    }

    /// One document resolved: counts it and its mentions by match kind.
    pub fn record_resolution(&self, response: &proto::ResolveResponse) {
        self.documents.inc();
        let mut by_kind = [0u64; ALL_MATCH_KINDS.len()];
        for mention in &response.mentions {
            if let Some(slot) = match_kind_slot(mention.match_kind) {
                by_kind[slot] += 1;
            }
        }
        for (kind, count) in ALL_MATCH_KINDS.iter().zip(by_kind) {
            if count > 0 {
                self.mentions
                    .get_or_create(&MatchKindLabels {
                        match_kind: kind.as_str(),
                    })
                    .inc_by(count);
            }
        }
    }

    /// One document's outcome: resolved, or refused with a status code.
    pub fn record_document(&self, outcome: Result<&proto::ResolveResponse, Code>) {
        match outcome {
            Ok(response) => self.record_resolution(response),
            Err(code) => self.record_document_error(code),
        }
    }

    /// One document refused with `code`.
    pub fn record_document_error(&self, code: Code) {
        self.document_errors
            .get_or_create(&CodeLabels {
                code: code_name(code),
            })
            .inc();
    }

    fn record_call(&self, method: String, code: Code, elapsed: Duration) {
        let method = if code == Code::Unimplemented {
            UNKNOWN_METHOD.to_string()
        } else {
            method
        };
        self.latency
            .get_or_create(&MethodLabels {
                method: method.clone(),
            })
            .observe(elapsed.as_secs_f64());
        self.calls
            .get_or_create(&CallLabels {
                method,
                code: code_name(code),
            })
            .inc();
    }

    /// Every metric, as OpenMetrics text (ending in `# EOF`).
    pub fn encode(&self) -> String {
        let mut text = String::new();
        // Writing to a String cannot fail, and the encoders only fail on
        // writer errors.
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry);
        text
    }
}

#[derive(Clone, Copy)]
enum ReloadOutcome {
    Ok,
    Refused,
}

impl ReloadOutcome {
    fn label(self) -> &'static str {
        match self {
            ReloadOutcome::Ok => "ok",
            ReloadOutcome::Refused => "refused",
        }
    }
}

const ALL_MATCH_KINDS: [MatchKind; 7] = [
    MatchKind::Exact,
    MatchKind::Normalized,
    MatchKind::Acronym,
    MatchKind::DocumentAcronym,
    MatchKind::Fuzzy,
    MatchKind::PartialName,
    MatchKind::NativeScript,
];

/// Where a mention's proto match kind counts in `ALL_MATCH_KINDS`; none for
/// a value the server never sends.
fn match_kind_slot(value: i32) -> Option<usize> {
    use proto::MatchKind as P;
    let kind = match P::try_from(value).ok()? {
        P::Unspecified => return None,
        P::Exact => MatchKind::Exact,
        P::Normalized => MatchKind::Normalized,
        P::Acronym => MatchKind::Acronym,
        P::DocumentAcronym => MatchKind::DocumentAcronym,
        P::Fuzzy => MatchKind::Fuzzy,
        P::PartialName => MatchKind::PartialName,
        P::NativeScript => MatchKind::NativeScript,
    };
    ALL_MATCH_KINDS.iter().position(|&k| k == kind)
}

impl Collector for State {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        if let Some(table) = self.table.get() {
            let table = table.load();
            let info = Info::new([(
                Cow::Borrowed("version"),
                Cow::Owned(table.version().to_string()),
            )]);
            info.encode(encoder.encode_descriptor(
                "table",
                "The alias table in service (its version is a content hash).",
                None,
                info.metric_type(),
            )?)?;
            gauge(
                &mut encoder,
                "table_entities",
                "Entities of the table in service.",
                None,
                table.entity_count() as u64,
            )?;
            gauge(
                &mut encoder,
                "table_aliases",
                "Aliases of the table in service.",
                None,
                table.alias_count() as u64,
            )?;
        }
        if let Some(seconds) = *lock(&self.load_seconds) {
            gauge(
                &mut encoder,
                "table_load",
                "Time it took to read, check and compile the table in service.",
                Some(&Unit::Seconds),
                seconds,
            )?;
        }
        if let Some(activity) = self.activity.get() {
            gauge(
                &mut encoder,
                "open_streams",
                "ResolveStream calls whose requests the server is still reading.",
                None,
                activity.open_streams() as u64,
            )?;
            gauge(
                &mut encoder,
                "stream_documents_in_flight",
                "Stream documents read and not yet resolved or dropped.",
                None,
                activity.stream_documents() as u64,
            )?;
        }
        let connections = lock(&self.connections).clone();
        if !connections.is_empty() {
            let mut family = encoder.encode_descriptor(
                "open_connections",
                "Connections open, by port (grpc, metrics).",
                None,
                prometheus_client::metrics::MetricType::Gauge,
            )?;
            for (port, counts) in &connections {
                ConstGauge::new(counts.open() as u64)
                    .encode(family.encode_family(&PortLabels { port: port.name() })?)?;
            }
            let mut family = encoder.encode_descriptor(
                "connections_refused",
                "Connections closed at once because their port was at its connection limit, by port.",
                None,
                prometheus_client::metrics::MetricType::Counter,
            )?;
            for (port, counts) in &connections {
                ConstCounter::new(counts.refused())
                    .encode(family.encode_family(&PortLabels { port: port.name() })?)?;
            }
            let mut family = encoder.encode_descriptor(
                "accept_failures",
                "Accepts that failed for lack of file descriptors (the port pauses 100 ms after each), by port.",
                None,
                prometheus_client::metrics::MetricType::Counter,
            )?;
            for (port, counts) in &connections {
                ConstCounter::new(counts.accept_failures())
                    .encode(family.encode_family(&PortLabels { port: port.name() })?)?;
            }
        }
        Ok(())
    }
}

fn gauge<N: prometheus_client::encoding::EncodeGaugeValue>(
    encoder: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    unit: Option<&Unit>,
    value: N,
) -> Result<(), std::fmt::Error> {
    let gauge = ConstGauge::new(value);
    gauge.encode(encoder.encode_descriptor(name, help, unit, gauge.metric_type())?)
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The canonical name of a status code, as the gRPC documentation writes it.
pub fn code_name(code: Code) -> &'static str {
    match code {
        Code::Ok => "OK",
        Code::Cancelled => "CANCELLED",
        Code::Unknown => "UNKNOWN",
        Code::InvalidArgument => "INVALID_ARGUMENT",
        Code::DeadlineExceeded => "DEADLINE_EXCEEDED",
        Code::NotFound => "NOT_FOUND",
        Code::AlreadyExists => "ALREADY_EXISTS",
        Code::PermissionDenied => "PERMISSION_DENIED",
        Code::ResourceExhausted => "RESOURCE_EXHAUSTED",
        Code::FailedPrecondition => "FAILED_PRECONDITION",
        Code::Aborted => "ABORTED",
        Code::OutOfRange => "OUT_OF_RANGE",
        Code::Unimplemented => "UNIMPLEMENTED",
        Code::Internal => "INTERNAL",
        Code::Unavailable => "UNAVAILABLE",
        Code::DataLoss => "DATA_LOSS",
        Code::Unauthenticated => "UNAUTHENTICATED",
    }
}

/// Counts every call through the service it wraps (tonic's
/// `Server::builder().layer(..)`).
#[derive(Debug, Clone)]
pub struct MetricsLayer {
    metrics: Arc<Metrics>,
}

impl MetricsLayer {
    pub fn new(metrics: Arc<Metrics>) -> Self {
        MetricsLayer { metrics }
    }
}

impl<S> tower_layer::Layer<S> for MetricsLayer {
    type Service = MetricsService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        MetricsService {
            inner,
            metrics: self.metrics.clone(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct MetricsService<S> {
    inner: S,
    metrics: Arc<Metrics>,
}

impl<S, ResponseBody> tower_service::Service<Request<tonic::body::Body>> for MetricsService<S>
where
    S: tower_service::Service<Request<tonic::body::Body>, Response = Response<ResponseBody>>,
{
    type Response = Response<MetricsBody<ResponseBody>>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<tonic::body::Body>) -> Self::Future {
        let client_gone = Arc::new(AtomicBool::new(false));
        let call = Call {
            metrics: self.metrics.clone(),
            method: request.uri().path().to_string(),
            started: Instant::now(),
            code: None,
            client_gone: client_gone.clone(),
        };
        let request = request.map(|inner| {
            tonic::body::Body::new(WatchedRequest {
                inner,
                client_gone: Some(client_gone),
            })
        });
        ResponseFuture {
            inner: self.inner.call(request),
            call: Some(call),
        }
    }
}

/// One call on its way. It is recorded once, when dropped: by then its code
/// is known, or it never will be because the client went away.
struct Call {
    metrics: Arc<Metrics>,
    method: String,
    started: Instant,
    /// From the response headers (a call that failed before any message)
    /// or the trailers. None at the end means the call was cut short.
    code: Option<Code>,
    /// Set when the request broke off (the client reset the call or closed
    /// its connection): whatever the handler then answered, nobody was
    /// there to read it, and the call counts as CANCELLED.
    client_gone: Arc<AtomicBool>,
}

impl Drop for Call {
    fn drop(&mut self) {
        let code = match self.code {
            _ if self.client_gone.load(AtomicOrdering::SeqCst) => Code::Cancelled,
            Some(code) => code,
            None => Code::Cancelled,
        };
        self.metrics.record_call(
            std::mem::take(&mut self.method),
            code,
            self.started.elapsed(),
        );
    }
}

pin_project! {
    /// A request body that notes when it breaks off: the transport's error,
    /// a reset call or a closed connection, before the handler sees it
    /// (tonic turns a closed connection into an UNKNOWN status).
    struct WatchedRequest<B> {
        #[pin]
        inner: B,
        client_gone: Option<Arc<AtomicBool>>,
    }
}

impl<B: Body> Body for WatchedRequest<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let this = self.project();
        let frame = ready!(this.inner.poll_frame(cx));
        if let Some(Err(_)) = &frame {
            if let Some(gone) = this.client_gone.take() {
                gone.store(true, AtomicOrdering::SeqCst);
            }
        }
        Poll::Ready(frame)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

fn grpc_status(headers: &HeaderMap) -> Option<Code> {
    headers
        .get("grpc-status")
        .map(|value| Code::from_bytes(value.as_bytes()))
}

pin_project! {
    /// The response of a call still being worked out.
    pub struct ResponseFuture<F> {
        #[pin]
        inner: F,
        call: Option<Call>,
    }
}

impl<F, ResponseBody, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<Response<ResponseBody>, E>>,
{
    type Output = Result<Response<MetricsBody<ResponseBody>>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let result = ready!(this.inner.poll(cx));
        let mut call = this.call.take();
        Poll::Ready(match result {
            Ok(response) => {
                if let Some(call) = call.as_mut() {
                    call.code = grpc_status(response.headers());
                }
                Ok(response.map(|inner| MetricsBody { inner, call }))
            }
            Err(error) => {
                if let Some(call) = call.as_mut() {
                    call.code = Some(Code::Unknown);
                }
                Err(error)
            }
        })
    }
}

pin_project! {
    /// A response body that records its call when it ends or is dropped.
    pub struct MetricsBody<B> {
        #[pin]
        inner: B,
        call: Option<Call>,
    }
}

impl<B: Body> Body for MetricsBody<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let this = self.project();
        let frame = ready!(this.inner.poll_frame(cx));
        let ended_with = match &frame {
            Some(Ok(frame)) => frame
                .trailers_ref()
                .map(|trailers| grpc_status(trailers).unwrap_or(Code::Unknown)),
            // A body that fails is a transport failure the client sees as
            // a broken call, whatever the handler meant.
            Some(Err(_)) => Some(Code::Unknown),
            None => Some(Code::Unknown),
        };
        if let Some(code) = ended_with {
            if let Some(mut call) = this.call.take() {
                // Trailers-only responses put the code in the headers and
                // end the body without trailers.
                call.code = match (frame.is_none(), call.code) {
                    (true, Some(from_headers)) => Some(from_headers),
                    _ => Some(code),
                };
            }
        }
        Poll::Ready(frame)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// Serves `GET /metrics` on `listener` until `shutdown` completes; every
/// other path is 404. The listener's connection limit and timeouts hold
/// here too: a scraper opens one connection at a time, an attacker many.
pub async fn serve_metrics(
    listener: Incoming,
    metrics: Arc<Metrics>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use axum::{extract::State, routing::get, Router};
    let app = Router::new()
        .route(
            "/metrics",
            get(|State(metrics): State<Arc<Metrics>>| async move {
                (
                    [(http::header::CONTENT_TYPE, CONTENT_TYPE)],
                    metrics.encode(),
                )
            }),
        )
        .with_state(metrics);
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::VecDeque;
    use std::convert::Infallible;
    use tower_layer::Layer;
    use tower_service::Service;

    /// A response body made of given frames.
    struct Frames(VecDeque<Frame<&'static [u8]>>);

    impl Body for Frames {
        type Data = &'static [u8];
        type Error = Infallible;

        fn poll_frame(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
        ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
            Poll::Ready(self.0.pop_front().map(Ok))
        }
    }

    fn status_map(code: Code) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("grpc-status", (code as i32).to_string().parse().unwrap());
        headers
    }

    /// What the fake server answers.
    #[derive(Clone)]
    struct Answer {
        headers_code: Option<Code>,
        messages: usize,
        trailers_code: Option<Code>,
    }

    #[derive(Clone)]
    struct FakeServer(Answer);

    impl Service<Request<tonic::body::Body>> for FakeServer {
        type Response = Response<Frames>;
        type Error = Infallible;
        type Future = std::future::Ready<Result<Response<Frames>, Infallible>>;

        fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
            Poll::Ready(Ok(()))
        }

        fn call(&mut self, request: Request<tonic::body::Body>) -> Self::Future {
            // Reads the request as tonic does before a handler runs.
            let mut body = std::pin::pin!(request.into_body());
            let mut cx = Context::from_waker(std::task::Waker::noop());
            while let Poll::Ready(Some(Ok(_))) = body.as_mut().poll_frame(&mut cx) {}
            let answer = &self.0;
            let mut frames: VecDeque<_> = (0..answer.messages)
                .map(|_| Frame::data(b"message".as_slice()))
                .collect();
            if let Some(code) = answer.trailers_code {
                frames.push_back(Frame::trailers(status_map(code)));
            }
            let mut response = Response::new(Frames(frames));
            if let Some(code) = answer.headers_code {
                *response.headers_mut() = status_map(code);
            }
            std::future::ready(Ok(response))
        }
    }

    /// How far the client reads the response.
    #[derive(Clone, Copy, Debug)]
    enum Reading {
        ToTheEnd,
        /// Reads this many frames, then drops the body.
        Frames(usize),
        /// Drops the response future before it completes.
        NotEvenTheHeaders,
        /// The request breaks off before the server has read it whole; the
        /// server answers anyway (tonic: UNKNOWN), to nobody.
        RequestBrokenOff,
    }

    const RESOLVE: &str = "/entityresolution.v1.EntityResolverService/Resolve";

    /// A request body that breaks off after its first bytes, as hyper's
    /// does when the client closes its connection mid-request.
    struct BrokenOff {
        sent: bool,
    }

    impl Body for BrokenOff {
        type Data = tonic::codegen::Bytes;
        type Error = std::io::Error;

        fn poll_frame(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
        ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
            if !std::mem::replace(&mut self.sent, true) {
                return Poll::Ready(Some(Ok(Frame::data(tonic::codegen::Bytes::from_static(
                    &[0, 0, 0, 0, 100, 0x0a],
                )))));
            }
            Poll::Ready(Some(Err(std::io::Error::other(
                "connection closed before message completed",
            ))))
        }
    }

    async fn run(path: &str, answer: Answer, reading: Reading) -> Arc<Metrics> {
        let metrics = Arc::new(Metrics::new());
        let mut service = MetricsLayer::new(metrics.clone()).layer(FakeServer(answer));
        let body = match reading {
            Reading::RequestBrokenOff => tonic::body::Body::new(BrokenOff { sent: false }),
            _ => tonic::body::Body::empty(),
        };
        let request = Request::builder().uri(path).body(body).unwrap();
        let future = service.call(request);
        let frames_to_read = match reading {
            Reading::NotEvenTheHeaders => {
                drop(future);
                return metrics;
            }
            Reading::ToTheEnd | Reading::RequestBrokenOff => usize::MAX,
            Reading::Frames(n) => n,
        };
        let mut body = Box::pin(future.await.unwrap().into_body());
        for _ in 0..frames_to_read {
            let frame = std::future::poll_fn(|cx| body.as_mut().poll_frame(cx)).await;
            if frame.is_none() {
                break;
            }
        }
        drop(body);
        metrics
    }

    /// The value of one series in the encoded text; none when absent.
    fn value(text: &str, series: &str) -> Option<f64> {
        text.lines()
            .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
            .and_then(|value| value.parse().ok())
    }

    fn calls(text: &str, method: &str, code: Code) -> Option<f64> {
        let series = format!(
            "entity_resolver_grpc_requests_total{{method=\"{method}\",code=\"{}\"}}",
            code_name(code)
        );
        value(text, &series)
    }

    fn latency(text: &str, method: &str, part: &str) -> Option<f64> {
        let series =
            format!("entity_resolver_grpc_request_duration_seconds_{part}{{method=\"{method}\"}}");
        value(text, &series)
    }

    #[tokio::test]
    async fn the_layer_counts_each_call_once_with_the_code_wherever_grpc_put_it() {
        let ok = Answer {
            headers_code: None,
            messages: 1,
            trailers_code: Some(Code::Ok),
        };
        struct Case {
            name: &'static str,
            path: &'static str,
            answer: Answer,
            reading: Reading,
            method: &'static str,
            code: Code,
        }
        let cases = [
            Case {
                name: "success: status in the trailers",
                path: RESOLVE,
                answer: ok.clone(),
                reading: Reading::ToTheEnd,
                method: RESOLVE,
                code: Code::Ok,
            },
            Case {
                name: "trailers-only error: status in the headers, empty body",
                path: RESOLVE,
                answer: Answer {
                    headers_code: Some(Code::InvalidArgument),
                    messages: 0,
                    trailers_code: None,
                },
                reading: Reading::ToTheEnd,
                method: RESOLVE,
                code: Code::InvalidArgument,
            },
            Case {
                name: "trailers-only error the transport never polls",
                path: RESOLVE,
                answer: Answer {
                    headers_code: Some(Code::NotFound),
                    messages: 0,
                    trailers_code: None,
                },
                reading: Reading::Frames(0),
                method: RESOLVE,
                code: Code::NotFound,
            },
            Case {
                name: "a stream that fails after some messages",
                path: "/entityresolution.v1.EntityResolverService/ResolveStream",
                answer: Answer {
                    headers_code: None,
                    messages: 3,
                    trailers_code: Some(Code::Internal),
                },
                reading: Reading::ToTheEnd,
                method: "/entityresolution.v1.EntityResolverService/ResolveStream",
                code: Code::Internal,
            },
            Case {
                name: "a body dropped before its trailers",
                path: "/entityresolution.v1.EntityResolverService/ResolveStream",
                answer: Answer {
                    headers_code: None,
                    messages: 3,
                    trailers_code: Some(Code::Ok),
                },
                reading: Reading::Frames(2),
                method: "/entityresolution.v1.EntityResolverService/ResolveStream",
                code: Code::Cancelled,
            },
            Case {
                name: "a call dropped before its response",
                path: RESOLVE,
                answer: ok.clone(),
                reading: Reading::NotEvenTheHeaders,
                method: RESOLVE,
                code: Code::Cancelled,
            },
            Case {
                name: "a request broken off by the client (closed connection)",
                path: RESOLVE,
                answer: Answer {
                    headers_code: Some(Code::Unknown),
                    messages: 0,
                    trailers_code: None,
                },
                reading: Reading::RequestBrokenOff,
                method: RESOLVE,
                code: Code::Cancelled,
            },
            Case {
                name: "a body that ends without any status",
                path: RESOLVE,
                answer: Answer {
                    headers_code: None,
                    messages: 1,
                    trailers_code: None,
                },
                reading: Reading::ToTheEnd,
                method: RESOLVE,
                code: Code::Unknown,
            },
            Case {
                name: "a path the server has no method for",
                path: "/scanner.Probe/Anything",
                answer: Answer {
                    headers_code: Some(Code::Unimplemented),
                    messages: 0,
                    trailers_code: None,
                },
                reading: Reading::ToTheEnd,
                method: UNKNOWN_METHOD,
                code: Code::Unimplemented,
            },
        ];
        for case in cases {
            let text = run(case.path, case.answer, case.reading).await.encode();
            assert_eq!(
                calls(&text, case.method, case.code),
                Some(1.0),
                "{}: {text}",
                case.name
            );
            assert_eq!(
                text.matches("entity_resolver_grpc_requests_total{").count(),
                1,
                "{}: exactly one series: {text}",
                case.name
            );
            assert_eq!(
                latency(&text, case.method, "count"),
                Some(1.0),
                "{}: latency observed once: {text}",
                case.name
            );
        }
    }

    #[tokio::test]
    async fn a_stream_is_timed_until_its_body_ends() {
        let metrics = Arc::new(Metrics::new());
        let mut service = MetricsLayer::new(metrics.clone()).layer(FakeServer(Answer {
            headers_code: None,
            messages: 1,
            trailers_code: Some(Code::Ok),
        }));
        let request = Request::builder()
            .uri(RESOLVE)
            .body(tonic::body::Body::empty())
            .unwrap();
        let mut body = Box::pin(service.call(request).await.unwrap().into_body());
        tokio::time::sleep(Duration::from_millis(30)).await;
        while std::future::poll_fn(|cx| body.as_mut().poll_frame(cx))
            .await
            .is_some()
        {}
        let text = metrics.encode();
        assert_eq!(latency(&text, RESOLVE, "count"), Some(1.0), "{text}");
        let seconds = latency(&text, RESOLVE, "sum").unwrap_or_default();
        assert!(seconds >= 0.030, "{seconds} s: {text}");
    }

    #[test]
    fn resolutions_count_documents_and_mentions_by_kind() {
        let metrics = Metrics::new();
        let mention = |kind: proto::MatchKind| proto::Mention {
            match_kind: kind as i32,
            ..Default::default()
        };
        metrics.record_resolution(&proto::ResolveResponse {
            mentions: vec![
                mention(proto::MatchKind::Exact),
                mention(proto::MatchKind::Fuzzy),
                mention(proto::MatchKind::Exact),
                mention(proto::MatchKind::Unspecified),
            ],
            ..Default::default()
        });
        metrics.record_resolution(&proto::ResolveResponse::default());
        metrics.record_document_error(Code::ResourceExhausted);
        let text = metrics.encode();
        for line in [
            "entity_resolver_documents_total 2",
            "entity_resolver_mentions_total{match_kind=\"exact\"} 2",
            "entity_resolver_mentions_total{match_kind=\"fuzzy\"} 1",
            "entity_resolver_mentions_total{match_kind=\"partial_name\"} 0",
            "entity_resolver_document_errors_total{code=\"RESOURCE_EXHAUSTED\"} 1",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} missing in\n{text}");
        }
    }

    #[test]
    fn the_table_gauges_follow_reloads() {
        let metrics = Metrics::new();
        assert!(!metrics.encode().contains("entity_resolver_table_info"));
        let index = Arc::new(Index::embedded().unwrap());
        let slot = Arc::new(ArcSwap::new(index.clone()));
        metrics.watch_table(slot.clone());
        metrics.record_load_time(Duration::from_millis(250));
        // A reload as `reload` does it: a new table swapped into the slot.
        let mut table = crate::AliasTable::embedded().unwrap();
        table.version = "reloaded-version".to_string();
        table.entities.truncate(3);
        let reloaded = Index::from_table(table).unwrap();
        slot.store(Arc::new(reloaded));
        metrics.record_reload(Duration::from_millis(500));
        metrics.record_reload_refused();
        metrics.record_reload_refused();
        let text = metrics.encode();
        for line in [
            "entity_resolver_table_info{version=\"reloaded-version\"} 1",
            "entity_resolver_table_entities 3",
            "entity_resolver_table_reloads_total{outcome=\"ok\"} 1",
            "entity_resolver_table_reloads_total{outcome=\"refused\"} 2",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} missing in\n{text}");
        }
        assert_eq!(text.matches("entity_resolver_table_info{").count(), 1);
    }
}
