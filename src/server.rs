//! The gRPC layer: a thin translation between the proto and the library.
//! Requests are validated here (naming the field at fault), the library does
//! the work, and `status` is the one place a domain error becomes a `Status`.

use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;
use prost::Message;
use tokio::net::TcpListener;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_stream::{wrappers::ReceiverStream, Stream, StreamExt};
use tonic::transport::server::ServerTlsConfig;
use tonic::transport::Identity;
use tonic::{Request, Response, Status, Streaming};

use crate::admin::{Admin, AdminToken};

use crate::convert::{
    check_answer_size, entity_to_proto, entity_type_from_proto, entity_types, match_kind_to_proto,
    options_from_proto, resolution_to_proto,
};
use crate::error::Error;
use crate::index::Index;
use crate::lookup::lookup;
use crate::metrics::{serve_metrics, Metrics, MetricsLayer};
use crate::proto;
use crate::proto::diagnostics_service_server::{DiagnosticsService, DiagnosticsServiceServer};
use crate::proto::entity_resolver_service_server::{
    EntityResolverService, EntityResolverServiceServer,
};
use crate::reload::{Reloader, TableSource};
use crate::resolve::{Interrupt, Resolver};
use crate::transport::{CallGuardLayer, CatchPanicLayer, Incoming, PeerInfo, Port, Transport};

/// Request limits. A request over one is refused with RESOURCE_EXHAUSTED and
/// a message naming the limit and its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Bytes of text in one document.
    pub max_text_bytes: usize,
    /// Documents in one ResolveBatch call.
    pub max_batch_documents: usize,
    /// Bytes of text, all documents together, in one ResolveBatch call.
    pub max_batch_bytes: usize,
    /// Bytes of one gRPC message (a whole batch must fit).
    pub max_message_bytes: usize,
    /// Unary calls of EntityResolverService in progress at once, over all
    /// connections. One more is refused at once, not queued.
    pub max_concurrent_requests: usize,
    /// ResolveStream calls open at once, over all connections. One more is
    /// refused at once, not queued.
    pub max_concurrent_streams: usize,
    /// HTTP/2 streams (calls of any service) open at once on one connection.
    /// This one is the transport's: past it a client waits for a free slot.
    pub max_connection_streams: u32,
    /// Bytes of one answer (the encoded ResolveResponse of Resolve or of one
    /// stream document), and of all the entries of one ResolveBatch answer
    /// together. Checked as each document's answer is built; never more than
    /// `max_message_bytes` in effect.
    pub max_answer_bytes: usize,
    /// Bytes of text in resolution at once, all calls together: the memory
    /// budget. A call (or stream document) that does not fit is refused at
    /// once, not queued.
    pub max_inflight_bytes: usize,
    /// ResolveStream calls one connection (one remote address and port) may
    /// hold open, so one client cannot take every stream slot.
    pub max_streams_per_connection: usize,
    /// How long a ResolveStream may go without sending a document while no
    /// answer is pending before the server ends it.
    pub stream_idle_timeout: Duration,
    /// The longest a Resolve, ResolveBatch or Lookup call may run, and a
    /// stream document may take, whatever deadline the client asked for.
    pub max_deadline: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_text_bytes: 1 << 20,
            max_batch_documents: 1000,
            max_batch_bytes: 16 << 20,
            max_message_bytes: 32 << 20,
            max_concurrent_requests: 1000,
            max_concurrent_streams: 100,
            max_connection_streams: 200,
            // Ordinary news answers at about 9 bytes per byte of text with
            // normalized text on, so 16 MiB answers any 1 MiB document of
            // real text; half the message limit keeps the answer and its
            // encoded copy of one call under 32 MiB together.
            max_answer_bytes: 16 << 20,
            // Eight full batches (16 MiB each) at once. A full batch of news
            // peaked at about 80 MB of RSS per batch (BENCHMARKS.md), so this
            // keeps a spike under 1 GiB instead of letting 1000 calls of
            // 16 MiB in; two cores could not get through more than eight
            // such batches within the maximum deadline anyway. One
            // connection's streams can hold at most half of it
            // (16 streams x STREAM_WINDOW_BYTES).
            max_inflight_bytes: 128 << 20,
            // A pipeline needs a handful of streams per connection; 16
            // leaves room for fan-out while six connections are needed to
            // take the default 100 server-wide slots.
            max_streams_per_connection: 16,
            // A producer between bursts pauses for seconds, not minutes; a
            // minute is generous to it and frees a held slot soon enough.
            stream_idle_timeout: Duration::from_secs(60),
            // The largest allowed batch takes a few seconds on one core;
            // a minute is over ten times that on a loaded server, and no
            // call can hold a CPU thread longer.
            max_deadline: Duration::from_secs(60),
        }
    }
}

impl Limits {
    /// The answer limit in effect: a message over `max_message_bytes` could
    /// not be sent whatever `max_answer_bytes` says.
    pub fn answer_limit(&self) -> usize {
        self.max_answer_bytes.min(self.max_message_bytes)
    }
}

/// Texts up to this size are resolved on the async thread the call arrived
/// on. Their worst case is bounded by the resolver's per-word caps and
/// per-document fuzzy budget (a few milliseconds for any 4 KiB text, see
/// BENCHMARKS.md), so they cannot stall the thread; most single calls are
/// this small (a headline, a paragraph, a record's field).
pub const INLINE_TEXT_BYTES: usize = 4 * 1024;

/// Page size of ListEntities when the caller does not say.
pub const DEFAULT_PAGE_SIZE: usize = 100;
/// Largest page of ListEntities.
pub const MAX_PAGE_SIZE: usize = 1000;
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

/// What the service shares between requests. The index is swapped whole on
/// reload; a request keeps the one it started with.
#[derive(Clone)]
pub struct ResolverService {
    index: Arc<ArcSwap<Index>>,
    limits: Limits,
    activity: Arc<Activity>,
    admission: Arc<Admission>,
    metrics: Arc<Metrics>,
}

/// Live counts of the work streams hold, so tests (and operators) can see
/// that a cancelled stream lets go of everything.
#[derive(Debug, Default)]
pub struct Activity {
    open_streams: AtomicUsize,
    stream_documents: AtomicUsize,
    requests: AtomicUsize,
    resolving: AtomicUsize,
    inflight_bytes: AtomicUsize,
    /// Times the memory trimmer should still give memory back.
    trims_wanted: AtomicUsize,
}

impl Activity {
    /// ResolveStream calls whose requests the server is still reading.
    pub fn open_streams(&self) -> usize {
        self.open_streams.load(Ordering::SeqCst)
    }

    /// Stream documents read and not yet resolved or dropped.
    pub fn stream_documents(&self) -> usize {
        self.stream_documents.load(Ordering::SeqCst)
    }

    /// Unary calls of EntityResolverService in progress.
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }

    /// Documents (and Lookup names) being worked on by the CPU pool now,
    /// for any call: what a cancelled or expired call must give back.
    pub fn resolving(&self) -> usize {
        self.resolving.load(Ordering::SeqCst)
    }

    /// Bytes of text admitted under `Limits::max_inflight_bytes` and not yet
    /// given back.
    pub fn inflight_bytes(&self) -> usize {
        self.inflight_bytes.load(Ordering::SeqCst)
    }
}

/// The server-wide concurrency limits. A call over one is refused at once:
/// a silent queue would hide the overload from callers, who can back off or
/// go to another replica when told.
struct Admission {
    requests: Arc<Semaphore>,
    streams: Arc<Semaphore>,
    /// One permit per byte of text in resolution.
    bytes: Arc<Semaphore>,
    /// ResolveStream calls open per remote address and port.
    connection_streams: Mutex<HashMap<SocketAddr, usize>>,
}

impl Admission {
    fn new(limits: &Limits) -> Self {
        let permits = |limit: usize| Arc::new(Semaphore::new(limit.min(Semaphore::MAX_PERMITS)));
        Admission {
            requests: permits(limits.max_concurrent_requests),
            streams: permits(limits.max_concurrent_streams),
            bytes: permits(limits.max_inflight_bytes),
            connection_streams: Mutex::default(),
        }
    }
}

/// Bytes of text admitted under the in-flight budget, given back when
/// dropped: when the work and its answer are done with.
struct AdmittedBytes {
    _permit: Option<OwnedSemaphorePermit>,
    activity: Arc<Activity>,
    bytes: usize,
}

impl Drop for AdmittedBytes {
    fn drop(&mut self) {
        self.activity
            .inflight_bytes
            .fetch_sub(self.bytes, Ordering::SeqCst);
        if self.bytes >= TRIM_AFTER_BYTES {
            // Twice: the answer may still be on its way out at the first.
            self.activity.trims_wanted.store(2, Ordering::SeqCst);
        }
    }
}

/// Calls of at least this much text leave enough freed memory behind to be
/// worth giving back; smaller ones are the steady state the allocator keeps.
const TRIM_AFTER_BYTES: usize = 1 << 20;
/// How often the trimmer looks: a spike's memory goes back within seconds,
/// and a trim (a few milliseconds of madvise) never runs more often.
const TRIM_EVERY: Duration = Duration::from_secs(1);

/// glibc's malloc keeps freed memory in its arenas (one per thread that
/// allocated), so after one 16 MB batch the process stayed at hundreds of
/// MB. Once the calls that made a spike are done and nothing is in flight,
/// `malloc_trim` returns the free pages of every arena to the system. A
/// thread of its own, so no request waits for it; it ends with the service.
fn spawn_memory_trimmer(activity: std::sync::Weak<Activity>) {
    let trimmer = move || loop {
        std::thread::sleep(TRIM_EVERY);
        let Some(activity) = activity.upgrade() else {
            return;
        };
        if activity.inflight_bytes() == 0
            && activity
                .trims_wanted
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok()
        {
            trim_memory();
        }
    };
    if let Err(error) = std::thread::Builder::new()
        .name("memory-trim".to_string())
        .spawn(trimmer)
    {
        tracing::warn!(%error, "cannot start the memory trimmer; memory stays with the allocator");
    }
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn trim_memory() {
    // SAFETY: malloc_trim only walks and releases glibc's own free lists;
    // it takes the arena locks itself and touches no memory in use.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Other allocators (musl, macOS) keep no per-thread arenas this large.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn trim_memory() {}

/// A stream's place among its connection's streams, given back when dropped.
struct ConnectionStream {
    admission: Arc<Admission>,
    peer: SocketAddr,
}

impl Drop for ConnectionStream {
    fn drop(&mut self) {
        let mut open = lock(&self.admission.connection_streams);
        if let Some(count) = open.get_mut(&self.peer) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.peer);
            }
        }
    }
}

/// The map's counts stay right even if a holder panicked mid-update: every
/// update is a single step.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A call's place under a concurrency limit, given back when dropped.
struct Admitted {
    _permit: OwnedSemaphorePermit,
    _counted: Option<Held>,
    _connection: Option<ConnectionStream>,
}

fn admit(
    permits: &Arc<Semaphore>,
    what: &str,
    limit: usize,
) -> Result<OwnedSemaphorePermit, Status> {
    permits.clone().try_acquire_owned().map_err(|_| {
        status(Error::LimitExceeded {
            what: what.to_string(),
            actual: limit.saturating_add(1),
            limit,
        })
    })
}

/// Holds one unit of a counter of `Activity` and gives it back when dropped,
/// however the work ends.
struct Held(Arc<Activity>, fn(&Activity) -> &AtomicUsize);

impl Held {
    fn new(activity: &Arc<Activity>, counter: fn(&Activity) -> &AtomicUsize) -> Self {
        counter(activity).fetch_add(1, Ordering::SeqCst);
        Held(activity.clone(), counter)
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        (self.1)(&self.0).fetch_sub(1, Ordering::SeqCst);
    }
}

impl ResolverService {
    pub fn new(index: Arc<Index>, limits: Limits) -> Self {
        let index = Arc::new(ArcSwap::new(index));
        let activity = Arc::<Activity>::default();
        let metrics = Arc::new(Metrics::new());
        metrics.watch_table(index.clone());
        metrics.watch_activity(activity.clone());
        spawn_memory_trimmer(Arc::downgrade(&activity));
        ResolverService {
            index,
            admission: Arc::new(Admission::new(&limits)),
            limits,
            activity,
            metrics,
        }
    }

    /// What the service counts; always counting, served over HTTP only
    /// when `ServeConfig::metrics_listener` is set.
    pub fn metrics(&self) -> Arc<Metrics> {
        self.metrics.clone()
    }

    pub fn activity(&self) -> Arc<Activity> {
        self.activity.clone()
    }

    /// The slot the index is served from, for a `Reloader` to swap.
    pub fn table(&self) -> Arc<ArcSwap<Index>> {
        self.index.clone()
    }

    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Admits one unary call, or refuses it naming the limit.
    fn admit_request(&self) -> Result<Admitted, Status> {
        let permit = admit(
            &self.admission.requests,
            "requests in progress on this server",
            self.limits.max_concurrent_requests,
        )?;
        Ok(Admitted {
            _permit: permit,
            _counted: Some(Held::new(&self.activity, |a| &a.requests)),
            _connection: None,
        })
    }

    /// Admits one ResolveStream call from `peer`, or refuses it naming the
    /// limit: the connection's own first, so a client over its share is
    /// told so rather than that the server is full.
    fn admit_stream(&self, peer: Option<SocketAddr>) -> Result<Admitted, Status> {
        let connection = match peer {
            Some(peer) => {
                let limit = self.limits.max_streams_per_connection;
                let mut open = lock(&self.admission.connection_streams);
                let count = open.entry(peer).or_insert(0);
                if *count >= limit {
                    return Err(status(Error::LimitExceeded {
                        what: "ResolveStream calls open on this connection".to_string(),
                        actual: count.saturating_add(1),
                        limit,
                    }));
                }
                *count += 1;
                Some(ConnectionStream {
                    admission: self.admission.clone(),
                    peer,
                })
            }
            // Not a TCP connection (an in-memory transport): only the
            // server-wide limit applies.
            None => None,
        };
        let permit = admit(
            &self.admission.streams,
            "ResolveStream calls open on this server",
            self.limits.max_concurrent_streams,
        )?;
        Ok(Admitted {
            _permit: permit,
            _counted: None,
            _connection: connection,
        })
    }

    /// Admits `bytes` of text under the in-flight budget, or refuses them
    /// at once naming the limit. Waiting would hold the request's memory
    /// while admitting nothing; a refused caller can retry or go to
    /// another replica.
    fn admit_bytes(&self, bytes: usize, what: &str) -> Result<AdmittedBytes, Error> {
        let limit = self.limits.max_inflight_bytes;
        let refused = || {
            Error::LimitExceeded {
            what: format!("{what}: bytes of text in resolution on this server (--max-inflight-bytes) with this call"),
            actual: self.activity.inflight_bytes().saturating_add(bytes),
            limit,
        }
        };
        let permit = if bytes == 0 {
            None
        } else {
            let wanted = u32::try_from(bytes).map_err(|_| refused())?;
            Some(
                self.admission
                    .bytes
                    .clone()
                    .try_acquire_many_owned(wanted)
                    .map_err(|_| refused())?,
            )
        };
        self.activity
            .inflight_bytes
            .fetch_add(bytes, Ordering::SeqCst);
        Ok(AdmittedBytes {
            _permit: permit,
            activity: self.activity.clone(),
            bytes,
        })
    }

    /// When the work of `request` must stop.
    fn deadline<T>(&self, request: &Request<T>) -> Result<Deadline, Status> {
        let asked = grpc_timeout(request.metadata()).map_err(status)?;
        Ok(Deadline::new(
            arrived(request),
            asked,
            self.limits.max_deadline,
        ))
    }

    fn work(&self) -> Work {
        Work {
            resolver: self.resolver(),
            limits: self.limits,
            activity: self.activity.clone(),
        }
    }

    fn resolver(&self) -> Resolver {
        Resolver::new(self.index.load_full())
    }

    /// The tonic service, with message limits applied and each call
    /// stamped with when it arrived.
    pub fn into_server(self) -> Stamped<EntityResolverServiceServer<Self>> {
        let limit = self.limits.max_message_bytes;
        Stamped(
            EntityResolverServiceServer::new(self)
                .max_decoding_message_size(limit)
                .max_encoding_message_size(limit),
        )
    }
}

/// When a call's headers arrived: where its client's grpc-timeout counts
/// from, as tonic's own timer for it does. The handler runs only once the
/// whole request has arrived, which for a large request is well after.
#[derive(Debug, Clone, Copy)]
struct Arrived(Instant);

/// A service that stamps each request with `Arrived` before passing it on.
#[derive(Debug, Clone)]
pub struct Stamped<S>(S);

impl<S: tonic::server::NamedService> tonic::server::NamedService for Stamped<S> {
    const NAME: &'static str = S::NAME;
}

impl<S, B> tower_service::Service<http::Request<B>> for Stamped<S>
where
    S: tower_service::Service<http::Request<B>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, mut request: http::Request<B>) -> Self::Future {
        request.extensions_mut().insert(Arrived(Instant::now()));
        self.0.call(request)
    }
}

/// The Echo baseline: no work, the same transport.
#[derive(Debug, Clone, Copy, Default)]
pub struct Diagnostics {
    max_message_bytes: usize,
}

#[tonic::async_trait]
impl DiagnosticsService for Diagnostics {
    async fn echo(
        &self,
        request: Request<proto::EchoRequest>,
    ) -> Result<Response<proto::EchoResponse>, Status> {
        Ok(Response::new(proto::EchoResponse {
            text: request.into_inner().text,
        }))
    }
}

impl Diagnostics {
    fn into_server(self) -> DiagnosticsServiceServer<Self> {
        DiagnosticsServiceServer::new(self)
            .max_decoding_message_size(self.max_message_bytes)
            .max_encoding_message_size(self.max_message_bytes)
    }
}

/// The one mapping from domain errors to gRPC status codes.
pub fn status(error: Error) -> Status {
    match error {
        Error::InvalidArgument { .. } => Status::invalid_argument(error.to_string()),
        Error::LimitExceeded { .. } => Status::resource_exhausted(error.to_string()),
        Error::EntityNotFound(_) => Status::not_found(error.to_string()),
        Error::InvalidTable(_) => Status::failed_precondition(error.to_string()),
        Error::Remote { .. } => Status::unavailable(error.to_string()),
        Error::Unauthenticated(_) => Status::unauthenticated(error.to_string()),
        Error::PermissionDenied(_) => Status::permission_denied(error.to_string()),
        Error::Cancelled(_) => Status::cancelled(error.to_string()),
        Error::DeadlineExceeded(_) => Status::deadline_exceeded(error.to_string()),
        Error::Io { .. } | Error::Internal(_) => Status::internal(error.to_string()),
    }
}

/// How long requests in flight may run once shutdown begins. Below the 30 s
/// Kubernetes waits between SIGTERM and SIGKILL, so the server ends on its
/// own terms and logs what it cut off.
pub const DEFAULT_DRAIN: Duration = Duration::from_secs(20);

/// Everything `serve_with` needs besides the listener and the shutdown
/// signal. `new` and `load` fill in the defaults; set the fields to change
/// them.
pub struct ServeConfig {
    pub service: ResolverService,
    /// Rebuilds the served table, for AdminService/ReloadTable (and SIGHUP,
    /// which `main` wires to the same reloader).
    pub reloader: Arc<Reloader>,
    /// The token AdminService calls must carry; without one they are refused.
    pub admin_token: Option<AdminToken>,
    /// Serve TLS with this certificate chain and key instead of plaintext.
    pub tls: Option<Identity>,
    /// How long requests in flight may run after the shutdown signal.
    pub drain: Duration,
    /// Serve the metrics (`GET /metrics`, OpenMetrics text) on this
    /// listener, until the gRPC server has stopped.
    pub metrics_listener: Option<TcpListener>,
    /// Connection limits and timeouts of both ports.
    pub transport: Transport,
}

impl ServeConfig {
    /// Serves `service`, whose table was loaded from `source`.
    pub fn new(service: ResolverService, source: TableSource) -> Self {
        ServeConfig {
            reloader: Arc::new(Reloader::new(source, service.table(), service.metrics())),
            service,
            admin_token: None,
            tls: None,
            drain: DEFAULT_DRAIN,
            metrics_listener: None,
            transport: Transport::default(),
        }
    }

    /// Loads the table from `source` and serves it under `limits`.
    pub fn load(source: TableSource, limits: Limits) -> Result<Self, Error> {
        let started = std::time::Instant::now();
        let index = source.load()?;
        let service = ResolverService::new(Arc::new(index), limits);
        service.metrics().record_load_time(started.elapsed());
        Ok(Self::new(service, source))
    }
}

/// How serving ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stopped {
    /// Every request in flight finished within the drain time.
    Drained,
    /// The drain time ran out and the connections still open were closed,
    /// ending the calls on them.
    CutOff,
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// How long `serve_with` waits for severed connections to close before it
/// returns anyway: a handler blocking its thread would otherwise hold the
/// return past the drain time the operator set.
const CUT_OFF_WAIT: Duration = Duration::from_secs(1);

/// Serves with the defaults of `ServeConfig::new` (plaintext, admin calls
/// refused, reloads read the embedded table) until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    service: ResolverService,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), BoxError> {
    serve_with(
        listener,
        ServeConfig::new(service, TableSource::Embedded),
        shutdown,
    )
    .await
    .map(|_| ())
}

/// Serves the resolver, the admin service, health and reflection on
/// `listener` until `shutdown` completes. Then health turns NOT_SERVING,
/// the listener closes (new connections are refused), open connections are
/// told to go away once their calls finish, and the calls in flight get
/// `config.drain` to finish before their connections are closed.
pub async fn serve_with(
    listener: TcpListener,
    config: ServeConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<Stopped, BoxError> {
    let ServeConfig {
        service,
        reloader,
        admin_token,
        tls,
        drain,
        metrics_listener,
        transport,
    } = config;
    let limits = service.limits;
    let activity = service.activity();
    let (health_reporter, health_service) = tonic_health::server::health_reporter();
    health_reporter
        .set_serving::<EntityResolverServiceServer<ResolverService>>()
        .await;
    let reflection_v1 = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(proto::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1()?;
    let reflection_v1alpha = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(proto::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1alpha()?;

    let reporter = health_reporter.clone();
    let (drain_begins, drain_began) = tokio::sync::oneshot::channel::<()>();
    let shutdown = async move {
        shutdown.await;
        // Load balancers stop routing here before the listener closes.
        reporter
            .set_not_serving::<EntityResolverServiceServer<ResolverService>>()
            .await;
        tracing::info!(
            drain_seconds = drain.as_secs_f64(),
            "shutting down: refusing new connections, finishing requests in flight"
        );
        let _ = drain_begins.send(());
    };
    let (sever, severed) = tokio::sync::watch::channel(false);
    let incoming = Incoming::new(listener, Port::Grpc, &transport, severed.clone());
    service
        .metrics()
        .watch_connections(Port::Grpc, incoming.counts());
    // The metrics endpoint stops when this function returns and drops
    // `_stop_metrics`: it answers scrapes through the drain.
    let (_stop_metrics, metrics_stop) = tokio::sync::oneshot::channel::<()>();
    if let Some(listener) = metrics_listener {
        let metrics = service.metrics();
        let listener = Incoming::new(listener, Port::Metrics, &transport, severed);
        metrics.watch_connections(Port::Metrics, listener.counts());
        tokio::spawn(async move {
            let stopped = async move {
                let _ = metrics_stop.await;
            };
            if let Err(error) = serve_metrics(listener, metrics, stopped).await {
                tracing::error!(%error, "the metrics endpoint failed");
            }
        });
    }
    let mut builder = tonic::transport::Server::builder()
        .layer(MetricsLayer::new(service.metrics()))
        .layer(CatchPanicLayer)
        .layer(CallGuardLayer::new(transport.request_timeout))
        .max_concurrent_streams(limits.max_connection_streams)
        // Finds peers that vanished without closing (a crashed client, a
        // dropped NAT mapping): their connections and calls are let go.
        .http2_keepalive_interval(Some(transport.keepalive_interval))
        .http2_keepalive_timeout(Some(transport.keepalive_timeout));
    if let Some(identity) = tls {
        builder = builder.tls_config(ServerTlsConfig::new().identity(identity))?;
    }
    let server = builder
        .add_service(health_service)
        .add_service(reflection_v1)
        .add_service(reflection_v1alpha)
        .add_service(
            Diagnostics {
                max_message_bytes: limits.max_message_bytes,
            }
            .into_server(),
        )
        .add_service(Admin::into_server(reloader, admin_token))
        .add_service(service.into_server())
        .serve_with_incoming_shutdown(incoming, shutdown);
    tokio::pin!(server);
    let drain_over = async move {
        match drain_began.await {
            Ok(()) => tokio::time::sleep(drain).await,
            // The server ended without a shutdown signal.
            Err(_) => std::future::pending().await,
        }
    };
    tokio::select! {
        served = &mut server => {
            served?;
            Ok(Stopped::Drained)
        }
        () = drain_over => {
            tracing::warn!(
                drain_seconds = drain.as_secs_f64(),
                requests = activity.requests(),
                open_streams = activity.open_streams(),
                "drain time is over: closing the connections still open, cutting off their calls"
            );
            let _ = sever.send(true);
            // A severed connection fails at its next read or write, so the
            // server's wait for its connections ends at once.
            match tokio::time::timeout(CUT_OFF_WAIT, server).await {
                Ok(served) => served?,
                Err(_) => tracing::warn!("connections still open 1 s after being cut off"),
            }
            Ok(Stopped::CutOff)
        }
    }
}

type ResponseStream =
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

#[tonic::async_trait]
impl EntityResolverService for ResolverService {
    async fn resolve(
        &self,
        request: Request<proto::ResolveRequest>,
    ) -> Result<Response<proto::ResolveResponse>, Status> {
        let _admitted = self.admit_request()?;
        let deadline = self.deadline(&request)?;
        let document = request.into_inner();
        let outcome = match self.admit_bytes(document.text.len(), "Resolve") {
            // A short text is resolved where it arrived: the hop to the CPU
            // pool would cost more than the work, and a short call would wait
            // there behind long ones.
            Ok(_bytes) if document.text.len() <= INLINE_TEXT_BYTES => {
                let stop = || deadline.check().map_err(Error::into_interrupt);
                self.work()
                    .resolve_document(document, &Interrupt::new(&stop))
            }
            Ok(bytes) => {
                let work = self.work();
                on_cpu_pool(deadline, move |interrupt| {
                    let _bytes = bytes;
                    work.resolve_document(document, interrupt)
                })
                .await
            }
            Err(refused) => Err(refused),
        }
        .map_err(status);
        self.metrics
            .record_document(outcome.as_ref().map_err(Status::code));
        Ok(Response::new(outcome?))
    }

    async fn resolve_batch(
        &self,
        request: Request<proto::ResolveBatchRequest>,
    ) -> Result<Response<proto::ResolveBatchResponse>, Status> {
        let _admitted = self.admit_request()?;
        let deadline = self.deadline(&request)?;
        let documents = request.into_inner().documents;
        if documents.len() > self.limits.max_batch_documents {
            return Err(status(Error::LimitExceeded {
                what: "documents in one ResolveBatch call".to_string(),
                actual: documents.len(),
                limit: self.limits.max_batch_documents,
            }));
        }
        let total_bytes: usize = documents.iter().map(|d| d.text.len()).sum();
        if total_bytes > self.limits.max_batch_bytes {
            return Err(status(Error::LimitExceeded {
                what: "bytes of text in one ResolveBatch call".to_string(),
                actual: total_bytes,
                limit: self.limits.max_batch_bytes,
            }));
        }
        let bytes = self
            .admit_bytes(total_bytes, "ResolveBatch")
            .map_err(status)?;
        let work = self.work();
        // Resolution is CPU work: spread it over the cores, off the async threads.
        let answered = on_cpu_pool(deadline, move |interrupt| {
            let _bytes = bytes;
            work.resolve_batch(documents, interrupt)
        })
        .await
        .map_err(status);
        match &answered {
            Ok(response) => {
                let failed: std::collections::HashSet<u32> =
                    response.errors.iter().map(|e| e.index).collect();
                for (i, result) in response.results.iter().enumerate() {
                    if !failed.contains(&(i as u32)) {
                        self.metrics.record_resolution(result);
                    }
                }
                for failure in &response.errors {
                    let code = failure.error.as_ref().map_or(0, |e| e.code);
                    self.metrics
                        .record_document_error(tonic::Code::from_i32(code));
                }
            }
            Err(refused) => self.metrics.record_document_error(refused.code()),
        }
        Ok(Response::new(answered?))
    }

    type ResolveStreamStream = ResponseStream;

    async fn resolve_stream(
        &self,
        request: Request<Streaming<proto::ResolveStreamRequest>>,
    ) -> Result<Response<Self::ResolveStreamStream>, Status> {
        // Held until the response stream is dropped: the call's whole life.
        let peer = PeerInfo::of(request.extensions()).and_then(PeerInfo::remote_addr);
        let admitted = self.admit_stream(peer)?;
        // A stream's own deadline, when its client set one, ends its
        // documents' work; each document also gets at most the server's
        // maximum, as a unary call would.
        let call_deadline = grpc_timeout(request.metadata())
            .map_err(status)?
            .map(|asked| Deadline::new(arrived(&request), Some(asked), Duration::MAX));
        let mut inbound = request.into_inner();
        // Each document read is handed to the CPU pool at once and its
        // answer slot queued here, in request order. The queue is bounded: when
        // the client stops reading, the slots fill up, this task stops reading
        // requests, and HTTP/2 flow control holds the producer.
        let (pending, answers) = tokio::sync::mpsc::channel(STREAM_WINDOW);
        // Answers queued and not yet taken by the response stream: while
        // there are any, the client is waiting on the server, not idle.
        let unanswered = Arc::new(AtomicUsize::new(0));
        let service = self.clone();
        let stream_open = Held::new(&self.activity, |a| &a.open_streams);
        let idle_timeout = self.limits.stream_idle_timeout;
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
                        match service.admit_bytes(document.text.len(), "ResolveStream document") {
                            Ok(bytes) => {
                                let work = service.work();
                                let metrics = service.metrics.clone();
                                let queued = Held::new(&service.activity, |a| &a.stream_documents);
                                let deadline = Deadline::new(
                                    Instant::now(),
                                    None,
                                    service.limits.max_deadline,
                                )
                                .earlier(call_deadline);
                                rayon::spawn(move || {
                                    let _queued = queued;
                                    let reply = {
                                        let stop = || {
                                            stop_check(&slot, &deadline)
                                                .map_err(Error::into_interrupt)
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

    async fn lookup(
        &self,
        request: Request<proto::LookupRequest>,
    ) -> Result<Response<proto::LookupResponse>, Status> {
        let _admitted = self.admit_request()?;
        let deadline = self.deadline(&request)?;
        let request = request.into_inner();
        let types = entity_types(&request.entity_types, "entity_types").map_err(status)?;
        let bytes = self
            .admit_bytes(request.name.len(), "Lookup")
            .map_err(status)?;
        let index = self.index.load_full();
        let activity = self.activity.clone();
        // Ranking a name is CPU work too; the name's length is bounded by
        // lookup itself, so the work is small but kept off the async threads.
        let response = on_cpu_pool(deadline, move |interrupt| {
            let _bytes = bytes;
            let _working = Held::new(&activity, |a| &a.resolving);
            interrupt.check()?;
            let found = lookup(&index, &request.name, request.limit as usize, &types)?;
            let candidates = found
                .into_iter()
                .map(|c| proto::Candidate {
                    entity: Some(entity_to_proto(&index, c.entity)),
                    score: c.score,
                    match_kind: match_kind_to_proto(c.kind) as i32,
                    matched_alias: index.alias_at(c.alias).surface.clone(),
                    explanation: c.explanation,
                })
                .collect();
            Ok(proto::LookupResponse {
                candidates,
                table_version: index.version().to_string(),
            })
        })
        .await
        .map_err(status)?;
        Ok(Response::new(response))
    }

    async fn get_entity(
        &self,
        request: Request<proto::GetEntityRequest>,
    ) -> Result<Response<proto::GetEntityResponse>, Status> {
        let _admitted = self.admit_request()?;
        let id = request.into_inner().id;
        if id.is_empty() {
            return Err(status(Error::invalid_argument("id", "must not be empty")));
        }
        let index = self.index.load_full();
        let entity = index
            .entity_number(&id)
            .ok_or_else(|| status(Error::EntityNotFound(id)))?;
        Ok(Response::new(proto::GetEntityResponse {
            entity: Some(entity_to_proto(&index, entity)),
            table_version: index.version().to_string(),
        }))
    }

    async fn list_entities(
        &self,
        request: Request<proto::ListEntitiesRequest>,
    ) -> Result<Response<proto::ListEntitiesResponse>, Status> {
        let _admitted = self.admit_request()?;
        let request = request.into_inner();
        let page_size = match request.page_size as usize {
            0 => DEFAULT_PAGE_SIZE,
            n if n > MAX_PAGE_SIZE => {
                return Err(status(Error::invalid_argument(
                    "page_size",
                    format!("{n} is over the maximum of {MAX_PAGE_SIZE}"),
                )))
            }
            n => n,
        };
        let type_filter = match request.r#type {
            0 => None,
            value => Some(entity_type_from_proto(value, "type").map_err(status)?),
        };
        let after = decode_page_token(&request.page_token).map_err(status)?;
        let index = self.index.load_full();
        let page = index.entities_page(after.as_deref(), type_filter, page_size);
        let next_page_token = if page.more {
            page.entities
                .last()
                .map(|&e| encode_page_token(&index.entity_at(e).id))
                .unwrap_or_default()
        } else {
            String::new()
        };
        Ok(Response::new(proto::ListEntitiesResponse {
            entities: page
                .entities
                .iter()
                .map(|&e| entity_to_proto(&index, e))
                .collect(),
            next_page_token,
            total_size: page.total as u32,
            table_version: index.version().to_string(),
        }))
    }
}

/// Runs CPU-bound work on rayon's pool (one thread per core) and waits for
/// it without blocking an async thread. The same pool as batches and
/// streams: one pool sized to the cores never oversubscribes them, where
/// tokio's blocking threads beside it would compete with it for the same
/// cores. The work is told to stop (through its `Interrupt`) once the caller
/// has gone away (this future was dropped: the client cancelled, or tonic's
/// own grpc-timeout fired) or `deadline` has passed; past the deadline the
/// caller is answered at once, whether or not the work has started.
async fn on_cpu_pool<T: Send + 'static>(
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
fn stop_check<T>(slot: &tokio::sync::oneshot::Sender<T>, deadline: &Deadline) -> Result<(), Error> {
    if slot.is_closed() {
        return Err(Error::Cancelled(
            "the client cancelled the call or went away".to_string(),
        ));
    }
    deadline.check()
}

/// When a call's work must stop, and why.
#[derive(Debug, Clone, Copy)]
struct Deadline {
    at: Instant,
    allowed: Duration,
    /// The server's maximum, not the client's deadline, set `at`.
    capped: bool,
}

impl Deadline {
    /// The client's `asked` timeout (grpc-timeout), counted from `from`,
    /// capped at `max`.
    ///
    /// tonic's server ends a call whose grpc-timeout passes with its own
    /// CANCELLED ("Timeout expired"), and a tonic client reports its own
    /// timer the same way. Stopping a little early (a tenth, at most
    /// 250 ms) lets the server's DEADLINE_EXCEEDED, which says what
    /// happened, cross the network and a busy client's scheduler first; an
    /// answer that came in the last tenth would hardly have reached the
    /// client in time anyway.
    fn new(from: Instant, asked: Option<Duration>, max: Duration) -> Self {
        let (allowed, capped) = match asked {
            Some(asked) if asked <= max => {
                let early = (asked / 10).min(Duration::from_millis(250));
                (asked - early, false)
            }
            _ => (max, true),
        };
        // A deadline too far to represent is no deadline: a year will do.
        let at = from
            .checked_add(allowed)
            .unwrap_or_else(|| from + Duration::from_secs(365 * 24 * 3600));
        Deadline {
            at,
            allowed,
            capped,
        }
    }

    /// The earlier of this deadline and `other`.
    fn earlier(self, other: Option<Deadline>) -> Self {
        match other {
            Some(other) if other.at < self.at => other,
            _ => self,
        }
    }

    fn check(&self) -> Result<(), Error> {
        if Instant::now() >= self.at {
            Err(self.exceeded())
        } else {
            Ok(())
        }
    }

    fn exceeded(&self) -> Error {
        let seconds = self.allowed.as_secs_f64();
        Error::DeadlineExceeded(if self.capped {
            format!(
                "the work ran past the server's maximum of {seconds} s per call \
                 (--max-deadline-seconds); send less text per call"
            )
        } else {
            format!("the call ran past its deadline (grpc-timeout, {seconds} s of work)")
        })
    }
}

/// When `request` arrived; now if it was not stamped (a handler called
/// directly, without `into_server`).
fn arrived<T>(request: &Request<T>) -> Instant {
    request
        .extensions()
        .get::<Arrived>()
        .map_or_else(Instant::now, |arrived| arrived.0)
}

/// The client's grpc-timeout: 1 to 8 digits and a unit (H, M, S, m, u, n),
/// per gRPC over HTTP/2. Absent, the server's maximum applies.
fn grpc_timeout(metadata: &tonic::metadata::MetadataMap) -> Result<Option<Duration>, Error> {
    let Some(value) = metadata.get("grpc-timeout") else {
        return Ok(None);
    };
    let invalid = || {
        Error::invalid_argument(
            "grpc-timeout",
            format!("{value:?} is not 1 to 8 digits followed by H, M, S, m, u or n"),
        )
    };
    // Visible ASCII only, so the split below is on a character boundary.
    let text = value.to_str().map_err(|_| invalid())?;
    if text.len() < 2 {
        return Err(invalid());
    }
    let (digits, unit) = text.split_at(text.len() - 1);
    if digits.len() > 8 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid());
    }
    let amount: u64 = digits.parse().map_err(|_| invalid())?;
    Ok(Some(match unit {
        "H" => Duration::from_secs(amount * 3600),
        "M" => Duration::from_secs(amount * 60),
        "S" => Duration::from_secs(amount),
        "m" => Duration::from_millis(amount),
        "u" => Duration::from_micros(amount),
        "n" => Duration::from_nanos(amount),
        _ => return Err(invalid()),
    }))
}

/// What resolving a call's documents needs, moved onto the CPU pool.
struct Work {
    resolver: Resolver,
    limits: Limits,
    activity: Arc<Activity>,
}

/// Longest DocumentError message. Messages name a field and a limit; the
/// bound keeps the cost of a failed document in a batch answer known ahead.
const MAX_ERROR_MESSAGE_BYTES: usize = 1024;

impl Work {
    /// Validates and resolves one request document; its answer must fit in
    /// the answer limit.
    fn resolve_document(
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
    fn resolve_batch(
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
fn document_error(error: Error) -> proto::DocumentError {
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

/// Page tokens are opaque to callers: the hex of the last id returned, so a
/// page stays valid across a table reload.
fn encode_page_token(last_id: &str) -> String {
    last_id.bytes().map(|b| format!("{b:02x}")).collect()
}

fn decode_page_token(token: &str) -> Result<Option<String>, Error> {
    if token.is_empty() {
        return Ok(None);
    }
    let invalid = || Error::invalid_argument("page_token", "not a token returned by ListEntities");
    if token.len() % 2 != 0 || token.len() > 512 {
        return Err(invalid());
    }
    // Read as bytes: a token is ASCII hex, and a character of several bytes
    // must be refused, not sliced through.
    let bytes = token
        .as_bytes()
        .chunks(2)
        .map(|pair| match (hex_digit(pair[0]), hex_digit(pair[1])) {
            (Some(high), Some(low)) => Ok(high << 4 | low),
            _ => Err(invalid()),
        })
        .collect::<Result<Vec<u8>, Error>>()?;
    String::from_utf8(bytes).map(Some).map_err(|_| invalid())
}

fn hex_digit(byte: u8) -> Option<u8> {
    (byte as char).to_digit(16).map(|digit| digit as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_maps_to_its_status_code() {
        use tonic::Code;
        let cases: Vec<(Error, Code)> = vec![
            (
                Error::invalid_argument("options.min_score", "2 is outside [0, 1]"),
                Code::InvalidArgument,
            ),
            (
                Error::LimitExceeded {
                    what: "text".into(),
                    actual: 2,
                    limit: 1,
                },
                Code::ResourceExhausted,
            ),
            (Error::EntityNotFound("nope".into()), Code::NotFound),
            (Error::InvalidTable(vec![]), Code::FailedPrecondition),
            (
                Error::Io {
                    path: "x".into(),
                    source: std::io::Error::other("boom"),
                },
                Code::Internal,
            ),
            (
                Error::Remote {
                    target: "http://127.0.0.1:1".into(),
                    message: "connection refused".into(),
                },
                Code::Unavailable,
            ),
            (
                Error::Unauthenticated("wrong token".into()),
                Code::Unauthenticated,
            ),
            (
                Error::PermissionDenied("admin calls are off".into()),
                Code::PermissionDenied,
            ),
            (
                Error::Cancelled("the client went away".into()),
                Code::Cancelled,
            ),
            (
                Error::DeadlineExceeded("the call's deadline passed".into()),
                Code::DeadlineExceeded,
            ),
        ];
        for (error, code) in cases {
            let message = error.to_string();
            let status = status(error);
            assert_eq!(status.code(), code, "{message}");
            assert_eq!(status.message(), message);
        }
    }

    #[test]
    fn grpc_timeouts_parse_per_the_spec() {
        // (header value, the timeout, or None for a refusal)
        let cases: [(&str, Option<Duration>); 12] = [
            ("1H", Some(Duration::from_secs(3600))),
            ("2M", Some(Duration::from_secs(120))),
            ("30S", Some(Duration::from_secs(30))),
            ("250m", Some(Duration::from_millis(250))),
            ("7u", Some(Duration::from_micros(7))),
            ("99999999n", Some(Duration::from_nanos(99_999_999))),
            ("100000000n", None),
            ("5", None),
            ("S", None),
            ("-5S", None),
            ("5s", None),
            ("1.5S", None),
        ];
        for (value, want) in cases {
            let mut metadata = tonic::metadata::MetadataMap::new();
            metadata.insert("grpc-timeout", value.parse().unwrap());
            match (grpc_timeout(&metadata), want) {
                (Ok(Some(got)), Some(want)) => assert_eq!(got, want, "{value}"),
                (Err(error), None) => {
                    assert!(
                        error.to_string().contains("grpc-timeout"),
                        "{value}: {error}"
                    )
                }
                (got, want) => panic!("{value}: got {got:?}, want {want:?}"),
            }
        }
        let none = tonic::metadata::MetadataMap::new();
        assert!(grpc_timeout(&none).unwrap().is_none());
    }

    #[test]
    fn deadlines_take_the_client_timeout_capped_by_the_server() {
        let now = Instant::now();
        let max = Duration::from_secs(60);
        // (client timeout, work allowed, set by the server's maximum)
        let cases = [
            (None, max, true),
            (Some(Duration::from_secs(600)), max, true),
            // A tenth early, so the server's status arrives first ...
            (
                Some(Duration::from_millis(200)),
                Duration::from_millis(180),
                false,
            ),
            // ... but never more than 250 ms early.
            (
                Some(Duration::from_secs(10)),
                Duration::from_millis(9_750),
                false,
            ),
        ];
        for (asked, allowed, capped) in cases {
            let deadline = Deadline::new(now, asked, max);
            assert_eq!(deadline.at - now, allowed, "{asked:?}");
            assert_eq!(deadline.capped, capped, "{asked:?}");
        }
        let past = Deadline::new(now, Some(Duration::ZERO), max);
        assert!(matches!(past.check(), Err(Error::DeadlineExceeded(_))));
        assert!(Deadline::new(now, None, Duration::MAX).check().is_ok());
    }

    #[test]
    fn page_tokens_round_trip_and_reject_garbage() {
        assert_eq!(
            decode_page_token(&encode_page_token("isis-k")).unwrap(),
            Some("isis-k".to_string())
        );
        // "a€" and "€a" are of even length in bytes with the multi-byte
        // character across a pair; "+1" is what from_str_radix would take.
        for bad in ["zz", "abc", "ff", "a€", "€a", "aa€", "+1", "é"] {
            assert!(
                matches!(
                    decode_page_token(bad),
                    Err(Error::InvalidArgument { ref field, .. }) if field == "page_token"
                ),
                "{bad}"
            );
        }
    }
}
