//! Serving: the library function that `main` and the tests call with a
//! listener and a shutdown future. It wires the services (resolver, admin,
//! diagnostics, health, reflection), the layers around them (metrics, panic
//! catching, call guard), the metrics endpoint, and the drain: health turns
//! NOT_SERVING, new connections are refused, calls in flight get the drain
//! time, and what is left is then cut off.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tonic::transport::server::ServerTlsConfig;
use tonic::transport::Identity;

use super::diagnostics::Diagnostics;
use super::limits::Limits;
use super::service::ResolverService;
use crate::admin::{Admin, AdminToken};
use crate::error::Error;
use crate::metrics::{serve_metrics, MetricsLayer};
use crate::proto;
use crate::proto::entity_resolver_service_server::EntityResolverServiceServer;
use crate::reload::{Reloader, TableSource};
use crate::transport::{CallGuardLayer, CatchPanicLayer, Incoming, Port, Transport};

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
