//! The gRPC layer: a thin translation between the proto and the library.
//! Requests are validated here (naming the field at fault), the library does
//! the work, and `status` is the one place a domain error becomes a `Status`.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;
use tokio::net::TcpListener;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_stream::{wrappers::ReceiverStream, Stream, StreamExt};
use tonic::transport::server::ServerTlsConfig;
use tonic::transport::Identity;
use tonic::{Request, Response, Status, Streaming};

use crate::admin::{Admin, AdminToken};

use crate::convert::{
    entity_to_proto, entity_type_from_proto, entity_types, match_kind_to_proto, options_from_proto,
    resolution_to_proto,
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
use crate::resolve::Resolver;
use crate::transport::{CallGuardLayer, CatchPanicLayer, Incoming, Port, Transport};

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
        }
    }
}

/// Page size of ListEntities when the caller does not say.
pub const DEFAULT_PAGE_SIZE: usize = 100;
/// Largest page of ListEntities.
pub const MAX_PAGE_SIZE: usize = 1000;
/// Documents one stream may have read but not yet sent back. Enough to keep
/// every core busy on one stream; past it the server stops reading, so a fast
/// producer meets back-pressure instead of an unbounded queue.
const STREAM_WINDOW: usize = 64;

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
}

/// The server-wide concurrency limits. A call over one is refused at once:
/// a silent queue would hide the overload from callers, who can back off or
/// go to another replica when told.
struct Admission {
    requests: Arc<Semaphore>,
    streams: Arc<Semaphore>,
}

impl Admission {
    fn new(limits: &Limits) -> Self {
        let permits = |limit: usize| Arc::new(Semaphore::new(limit.min(Semaphore::MAX_PERMITS)));
        Admission {
            requests: permits(limits.max_concurrent_requests),
            streams: permits(limits.max_concurrent_streams),
        }
    }
}

/// A call's place under a concurrency limit, given back when dropped.
struct Admitted {
    _permit: OwnedSemaphorePermit,
    _counted: Option<Held>,
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
        })
    }

    /// Admits one ResolveStream call, or refuses it naming the limit.
    fn admit_stream(&self) -> Result<Admitted, Status> {
        let permit = admit(
            &self.admission.streams,
            "ResolveStream calls open on this server",
            self.limits.max_concurrent_streams,
        )?;
        Ok(Admitted {
            _permit: permit,
            _counted: None,
        })
    }

    fn resolver(&self) -> Resolver {
        Resolver::new(self.index.load_full())
    }

    /// The tonic service, with message limits applied.
    pub fn into_server(self) -> EntityResolverServiceServer<Self> {
        let limit = self.limits.max_message_bytes;
        EntityResolverServiceServer::new(self)
            .max_decoding_message_size(limit)
            .max_encoding_message_size(limit)
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

#[tonic::async_trait]
impl EntityResolverService for ResolverService {
    async fn resolve(
        &self,
        request: Request<proto::ResolveRequest>,
    ) -> Result<Response<proto::ResolveResponse>, Status> {
        let _admitted = self.admit_request()?;
        let resolver = self.resolver();
        let response = resolve_one(&resolver, request.into_inner(), &self.limits).map_err(status);
        self.metrics
            .record_document(response.as_ref().map_err(Status::code));
        Ok(Response::new(response?))
    }

    async fn resolve_batch(
        &self,
        request: Request<proto::ResolveBatchRequest>,
    ) -> Result<Response<proto::ResolveBatchResponse>, Status> {
        let _admitted = self.admit_request()?;
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
        let resolver = self.resolver();
        let limits = self.limits;
        // Resolution is CPU work: spread it over the cores, off the async threads.
        let results = on_cpu_pool(move || {
            use rayon::prelude::*;
            documents
                .into_par_iter()
                .enumerate()
                .map(|(i, document)| {
                    resolve_one(&resolver, document, &limits)
                        .map_err(|error| prefix_field(error, &format!("documents[{i}]")))
                })
                .collect::<Result<Vec<_>, Error>>()
        })
        .await?
        .map_err(status);
        // A batch fails whole: its documents count only when it succeeds.
        match &results {
            Ok(results) => results
                .iter()
                .for_each(|result| self.metrics.record_resolution(result)),
            Err(refused) => self.metrics.record_document_error(refused.code()),
        }
        Ok(Response::new(proto::ResolveBatchResponse {
            results: results?,
        }))
    }

    type ResolveStreamStream = ResponseStream;

    async fn resolve_stream(
        &self,
        request: Request<Streaming<proto::ResolveStreamRequest>>,
    ) -> Result<Response<Self::ResolveStreamStream>, Status> {
        // Held until the response stream is dropped: the call's whole life.
        let admitted = self.admit_stream()?;
        let mut inbound = request.into_inner();
        // Each document read is handed to the CPU pool at once and its
        // answer slot queued here, in request order. The queue is bounded: when
        // the client stops reading, the slots fill up, this task stops reading
        // requests, and HTTP/2 flow control holds the producer.
        let (pending, answers) = tokio::sync::mpsc::channel(STREAM_WINDOW);
        let service = self.clone();
        let stream_open = Held::new(&self.activity, |a| &a.open_streams);
        tokio::spawn(async move {
            let _stream_open = stream_open;
            while let Some(message) = inbound.next().await {
                let (slot, answer) = tokio::sync::oneshot::channel();
                let failed = match message {
                    Ok(message) => {
                        let resolver = service.resolver();
                        let limits = service.limits;
                        let metrics = service.metrics.clone();
                        let queued = Held::new(&service.activity, |a| &a.stream_documents);
                        rayon::spawn(move || {
                            let _queued = queued;
                            // The client went away while this waited: skip it.
                            if slot.is_closed() {
                                return;
                            }
                            let reply = stream_reply(&resolver, message, &limits, &metrics);
                            let _ = slot.send(Ok(reply));
                        });
                        false
                    }
                    Err(transport) => {
                        let _ = slot.send(Err(transport));
                        true
                    }
                };
                // A closed queue means the response stream was dropped: the
                // client cancelled or disconnected. Stop reading at once.
                if pending.send(answer).await.is_err() || failed {
                    break;
                }
            }
        });
        let responses = ReceiverStream::new(answers).then(move |answer| {
            let _admitted = &admitted;
            async move {
                answer.await.unwrap_or_else(|_| {
                    Err(Status::internal(
                        "a stream worker stopped without answering",
                    ))
                })
            }
        });
        Ok(Response::new(Box::pin(responses)))
    }

    async fn lookup(
        &self,
        request: Request<proto::LookupRequest>,
    ) -> Result<Response<proto::LookupResponse>, Status> {
        let _admitted = self.admit_request()?;
        let request = request.into_inner();
        let types = entity_types(&request.entity_types, "entity_types").map_err(status)?;
        let index = self.index.load_full();
        let found =
            lookup(&index, &request.name, request.limit as usize, &types).map_err(status)?;
        let candidates = found
            .into_iter()
            .map(|c| proto::Candidate {
                entity: Some(entity_to_proto(&index, c.entity)),
                score: c.score,
                match_kind: match_kind_to_proto(c.kind) as i32,
                matched_alias: index.aliases[c.alias as usize].surface.clone(),
                explanation: c.explanation,
            })
            .collect();
        Ok(Response::new(proto::LookupResponse {
            candidates,
            table_version: index.version.clone(),
        }))
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
        let entity = *index
            .by_id
            .get(&id)
            .ok_or_else(|| status(Error::EntityNotFound(id)))?;
        Ok(Response::new(proto::GetEntityResponse {
            entity: Some(entity_to_proto(&index, entity)),
            table_version: index.version.clone(),
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
        let matching: Vec<u32> = index
            .sorted_ids
            .iter()
            .copied()
            .filter(|&e| type_filter.is_none_or(|t| index.entities[e as usize].entity_type == t))
            .collect();
        let begin = match &after {
            Some(after) => matching
                .partition_point(|&e| index.entities[e as usize].id.as_str() <= after.as_str()),
            None => 0,
        };
        let page: Vec<u32> = matching[begin..].iter().take(page_size).copied().collect();
        let next_page_token = if begin + page.len() < matching.len() {
            page.last()
                .map(|&e| encode_page_token(&index.entities[e as usize].id))
                .unwrap_or_default()
        } else {
            String::new()
        };
        Ok(Response::new(proto::ListEntitiesResponse {
            entities: page.iter().map(|&e| entity_to_proto(&index, e)).collect(),
            next_page_token,
            total_size: matching.len() as u32,
            table_version: index.version.clone(),
        }))
    }
}

/// Runs CPU-bound work on rayon's pool (one thread per core) and waits for it
/// without blocking an async thread. A caller that goes away before the work
/// starts cancels it.
async fn on_cpu_pool<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Status> {
    let (slot, answer) = tokio::sync::oneshot::channel();
    rayon::spawn(move || {
        if !slot.is_closed() {
            let _ = slot.send(work());
        }
    });
    answer
        .await
        .map_err(|_| Status::internal("a resolver worker stopped without answering"))
}

/// One stream response: the document's result or its own error.
fn stream_reply(
    resolver: &Resolver,
    message: proto::ResolveStreamRequest,
    limits: &Limits,
    metrics: &Metrics,
) -> proto::ResolveStreamResponse {
    let document = message.document.unwrap_or_default();
    let id = document.id.clone();
    let outcome = match resolve_one(resolver, document, limits) {
        Ok(result) => {
            metrics.record_resolution(&result);
            proto::resolve_stream_response::Outcome::Result(result)
        }
        Err(error) => {
            let status = status(error);
            metrics.record_document_error(status.code());
            proto::resolve_stream_response::Outcome::Error(proto::DocumentError {
                code: status.code() as i32,
                message: status.message().to_string(),
            })
        }
    };
    proto::ResolveStreamResponse {
        outcome: Some(outcome),
        id,
    }
}

/// Validates and resolves one request document.
pub fn resolve_one(
    resolver: &Resolver,
    request: proto::ResolveRequest,
    limits: &Limits,
) -> Result<proto::ResolveResponse, Error> {
    Resolver::check_text_size(&request.text, limits.max_text_bytes)?;
    let options = options_from_proto(request.options.unwrap_or_default())?;
    let mut resolution = resolver.resolve(&request.text, &options)?;
    resolution.id = request.id;
    Ok(resolution_to_proto(resolution))
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
