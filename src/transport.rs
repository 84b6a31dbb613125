//! What guards the two listening ports (gRPC and metrics) below the
//! handlers: how many connections are accepted, how long a connection may
//! stay silent or idle, how long a request may take to arrive, what happens
//! when the process runs out of file descriptors, and what a panicking
//! handler answers.
//!
//! Every limit here is a connection's, not a call's: a client that opens a
//! socket and never speaks, or starts a request and never finishes it,
//! holds a file descriptor and memory but no admission slot, so the call
//! limits of `server::Limits` cannot see it.

use std::any::Any;
use std::future::Future;
use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{ready, Context, Poll};
use std::time::{Duration, Instant};

use http::{Request, Response};
use http_body::{Body as HttpBody, Frame, SizeHint};
use pin_project_lite::pin_project;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Sleep;
use tonic::body::Body;
use tonic::codegen::Bytes;
use tonic::transport::server::{Connected, TcpConnectInfo, TlsConnectInfo};
use tonic::Status;

/// The connection limits and timeouts of both ports. `Default` holds the
/// production defaults; the README gives the reason for each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transport {
    /// Connections open at once on the gRPC port; one more is closed at
    /// once (logged and counted), before any byte is read.
    pub max_connections: usize,
    /// Connections open at once on the metrics port.
    pub max_metrics_connections: usize,
    /// A new connection must send its first bytes (TLS hello or HTTP/2
    /// preface) within this; on the metrics port, a connection may not stay
    /// silent longer than this, within a request or between requests.
    pub header_timeout: Duration,
    /// A gRPC connection with no call in progress for this long is closed.
    pub idle_timeout: Duration,
    /// The whole request of a unary call must arrive within this from the
    /// call's start; otherwise the call ends with DEADLINE_EXCEEDED.
    pub request_timeout: Duration,
    /// HTTP/2 PING sent after this long without a frame from the client.
    pub keepalive_interval: Duration,
    /// A PING not acknowledged within this closes the connection.
    pub keepalive_timeout: Duration,
    /// Longest life of a metrics connection, however busy: a client that
    /// sends one byte at a time cannot hold it forever.
    pub metrics_connection_lifetime: Duration,
}

impl Default for Transport {
    fn default() -> Self {
        Transport {
            max_connections: 2048,
            max_metrics_connections: 64,
            header_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(300),
            request_timeout: Duration::from_secs(60),
            keepalive_interval: Duration::from_secs(60),
            keepalive_timeout: Duration::from_secs(20),
            metrics_connection_lifetime: Duration::from_secs(60),
        }
    }
}

/// While accepting fails for lack of file descriptors, the pause before the
/// next try. The listener stays readable while connections wait in its
/// backlog, so retrying at once spins a core and frees nothing; a pause of
/// this length lets other connections finish and close, and is short
/// against a client's connect timeout.
const OUT_OF_FILES_PAUSE: Duration = Duration::from_millis(100);

/// Refused connections and accept failures are logged at most this often
/// (with a count of those not logged), so an attack cannot flood the log.
const LOG_EVERY: Duration = Duration::from_secs(1);

/// What the accept loop counts, for the metrics and for tests.
#[derive(Debug, Default)]
pub struct ConnectionCounts {
    open: AtomicUsize,
    refused: AtomicU64,
    accept_failures: AtomicU64,
}

impl ConnectionCounts {
    /// Connections accepted and not yet closed.
    pub fn open(&self) -> usize {
        self.open.load(Ordering::SeqCst)
    }

    /// Connections closed at once because the port was at its limit.
    pub fn refused(&self) -> u64 {
        self.refused.load(Ordering::SeqCst)
    }

    /// Accepts that failed because the process had no file descriptor left.
    pub fn accept_failures(&self) -> u64 {
        self.accept_failures.load(Ordering::SeqCst)
    }
}

/// Which port a listener serves, for the log and the rules of its
/// connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Port {
    Grpc,
    Metrics,
}

impl Port {
    pub fn name(self) -> &'static str {
        match self {
            Port::Grpc => "grpc",
            Port::Metrics => "metrics",
        }
    }
}

/// A rate limit for one kind of log line: the first event is logged, the
/// rest within `LOG_EVERY` only counted and reported with the next line.
#[derive(Debug)]
struct LogLimit {
    last: Option<Instant>,
    unlogged: u64,
}

impl LogLimit {
    fn new() -> Self {
        LogLimit {
            last: None,
            unlogged: 0,
        }
    }

    /// Some(events not logged since the last line) when this one is due.
    fn due(&mut self) -> Option<u64> {
        let now = Instant::now();
        if self.last.is_some_and(|last| now - last < LOG_EVERY) {
            self.unlogged += 1;
            return None;
        }
        self.last = Some(now);
        Some(std::mem::take(&mut self.unlogged))
    }
}

/// The accepted connections of one port, as a stream that never fails:
/// over the connection limit a connection is closed at once; when the
/// process is out of file descriptors the stream pauses instead of
/// spinning; other accept errors (a client that reset before it was
/// accepted) are skipped. tonic's own loop would `continue` on an error
/// item and call accept again at once, which at the file limit spins a core.
pub struct Incoming {
    listener: TcpListener,
    port: Port,
    rules: ConnectionRules,
    permits: Arc<Semaphore>,
    limit: usize,
    counts: Arc<ConnectionCounts>,
    paused: Option<Pin<Box<Sleep>>>,
    severed: tokio::sync::watch::Receiver<bool>,
    refused_log: LogLimit,
    failure_log: LogLimit,
}

/// How a port's connections may time out.
#[derive(Debug, Clone, Copy)]
enum ConnectionRules {
    /// gRPC: silent until the first byte for at most `header`, then closed
    /// after `idle` with no call in progress.
    Calls { header: Duration, idle: Duration },
    /// Metrics (HTTP/1): silent for at most `silence` at any point, and
    /// open for at most `lifetime`.
    Reads {
        silence: Duration,
        lifetime: Duration,
    },
}

impl Incoming {
    /// The connections of `listener`, severed when `severed` turns true
    /// (the end of the drain time) or its sender is dropped.
    pub fn new(
        listener: TcpListener,
        port: Port,
        transport: &Transport,
        severed: tokio::sync::watch::Receiver<bool>,
    ) -> Self {
        let (limit, rules) = match port {
            Port::Grpc => (
                transport.max_connections,
                ConnectionRules::Calls {
                    header: transport.header_timeout,
                    idle: transport.idle_timeout,
                },
            ),
            Port::Metrics => (
                transport.max_metrics_connections,
                ConnectionRules::Reads {
                    silence: transport.header_timeout,
                    lifetime: transport.metrics_connection_lifetime,
                },
            ),
        };
        let limit = limit.clamp(1, Semaphore::MAX_PERMITS);
        Incoming {
            listener,
            port,
            rules,
            permits: Arc::new(Semaphore::new(limit)),
            limit,
            counts: Arc::default(),
            paused: None,
            severed,
            refused_log: LogLimit::new(),
            failure_log: LogLimit::new(),
        }
    }

    pub fn counts(&self) -> Arc<ConnectionCounts> {
        self.counts.clone()
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    fn poll_accept(&mut self, cx: &mut Context<'_>) -> Poll<Guarded<TcpStream>> {
        loop {
            if let Some(pause) = self.paused.as_mut() {
                ready!(pause.as_mut().poll(cx));
                self.paused = None;
            }
            let (stream, peer) = match ready!(self.listener.poll_accept(cx)) {
                Ok(accepted) => accepted,
                Err(error) if is_out_of_files(&error) => {
                    self.counts.accept_failures.fetch_add(1, Ordering::SeqCst);
                    if let Some(unlogged) = self.failure_log.due() {
                        tracing::error!(
                            port = self.port.name(),
                            %error,
                            failures_not_logged = unlogged,
                            open_connections = self.counts.open(),
                            pause_ms = OUT_OF_FILES_PAUSE.as_millis() as u64,
                            "cannot accept connections: out of file descriptors (raise `ulimit -n` or lower --max-connections); pausing"
                        );
                    }
                    self.paused = Some(Box::pin(tokio::time::sleep(OUT_OF_FILES_PAUSE)));
                    continue;
                }
                Err(error) => {
                    tracing::debug!(port = self.port.name(), %error, "accept failed");
                    continue;
                }
            };
            let Ok(permit) = self.permits.clone().try_acquire_owned() else {
                self.counts.refused.fetch_add(1, Ordering::SeqCst);
                if let Some(unlogged) = self.refused_log.due() {
                    tracing::warn!(
                        port = self.port.name(),
                        %peer,
                        limit = self.limit,
                        refused_not_logged = unlogged,
                        "connection refused: the port is at its connection limit"
                    );
                }
                // Dropping the socket closes it before anything is read.
                drop(stream);
                continue;
            };
            if self.port == Port::Grpc {
                // tonic's own tcp_nodelay applies only to sockets it accepts
                // itself. Without it, Nagle's algorithm holds each small
                // answer until the client's delayed ACK: about 40 ms on
                // every unary call.
                if let Err(error) = stream.set_nodelay(true) {
                    tracing::warn!(%error, "cannot set TCP_NODELAY");
                }
            }
            let open = Open::new(&self.counts, permit);
            return Poll::Ready(Guarded::new(stream, self.rules, open, self.severed.clone()));
        }
    }
}

impl tokio_stream::Stream for Incoming {
    type Item = Result<Guarded<TcpStream>, std::io::Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.poll_accept(cx).map(|accepted| Some(Ok(accepted)))
    }
}

impl axum::serve::Listener for Incoming {
    type Io = Guarded<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        let io = std::future::poll_fn(|cx| self.poll_accept(cx)).await;
        let peer = io
            .connect_info()
            .tcp
            .remote_addr
            .unwrap_or_else(|| SocketAddr::from(([0, 0, 0, 0], 0)));
        (io, peer)
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.listener.local_addr()
    }
}

/// EMFILE and ENFILE (and the buffer shortages that look like them): the
/// connection stays in the backlog and the next accept fails the same way
/// until something closes.
fn is_out_of_files(error: &std::io::Error) -> bool {
    #[cfg(unix)]
    {
        const EMFILE: i32 = 24;
        const ENFILE: i32 = 23;
        const ENOBUFS: i32 = 105;
        const ENOMEM: i32 = 12;
        matches!(
            error.raw_os_error(),
            Some(EMFILE | ENFILE | ENOBUFS | ENOMEM)
        )
    }
    #[cfg(not(unix))]
    {
        error.kind() == std::io::ErrorKind::OutOfMemory
    }
}

/// One open connection's place under its port's limit, given back when the
/// connection closes.
struct Open {
    counts: Arc<ConnectionCounts>,
    _permit: OwnedSemaphorePermit,
}

impl Open {
    fn new(counts: &Arc<ConnectionCounts>, permit: OwnedSemaphorePermit) -> Self {
        counts.open.fetch_add(1, Ordering::SeqCst);
        Open {
            counts: counts.clone(),
            _permit: permit,
        }
    }
}

impl Drop for Open {
    fn drop(&mut self) {
        self.counts.open.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The calls in progress on one connection, kept by `CallGuardLayer` and
/// read by the connection's idle timer.
#[derive(Debug)]
pub struct ConnectionCalls {
    in_progress: AtomicUsize,
    /// When the last call ended (or the connection opened).
    idle_since: Mutex<Instant>,
}

impl ConnectionCalls {
    fn new() -> Self {
        ConnectionCalls {
            in_progress: AtomicUsize::new(0),
            idle_since: Mutex::new(Instant::now()),
        }
    }

    fn begin(self: &Arc<Self>) -> CallInProgress {
        self.in_progress.fetch_add(1, Ordering::SeqCst);
        CallInProgress(self.clone())
    }

    /// Since when the connection has had no call, if it has none now.
    fn idle_since(&self) -> Option<Instant> {
        let since = *self
            .idle_since
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        (self.in_progress.load(Ordering::SeqCst) == 0).then_some(since)
    }
}

/// One call counted in its connection's `ConnectionCalls` until dropped.
struct CallInProgress(Arc<ConnectionCalls>);

impl Drop for CallInProgress {
    fn drop(&mut self) {
        // The time is set before the count drops, so a timer that sees no
        // call in progress never reads an idle time older than this call.
        *self
            .0
            .idle_since
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Instant::now();
        self.0.in_progress.fetch_sub(1, Ordering::SeqCst);
    }
}

/// What tonic puts in every request's extensions for a guarded connection
/// (inside `TlsConnectInfo` when serving TLS).
#[derive(Debug, Clone)]
pub struct PeerInfo {
    pub tcp: TcpConnectInfo,
    calls: Arc<ConnectionCalls>,
}

impl PeerInfo {
    /// The peer of the request with these extensions, with or without TLS.
    pub fn of(extensions: &http::Extensions) -> Option<&PeerInfo> {
        extensions.get::<PeerInfo>().or_else(|| {
            extensions
                .get::<TlsConnectInfo<PeerInfo>>()
                .map(TlsConnectInfo::get_ref)
        })
    }

    pub fn remote_addr(&self) -> Option<SocketAddr> {
        self.tcp.remote_addr
    }
}

/// An accepted connection under its port's rules. It fails every read and
/// write (so hyper drops it, and the calls on it) once:
/// - `severed` turns true: the drain time is over. hyper finishes a
///   connection gracefully or never; this makes "never" end;
/// - it stayed silent past its header or silence timeout;
/// - (gRPC) it had no call in progress for the idle timeout;
/// - (metrics) it lived past its lifetime.
///
/// The timers are polled on each read, which registers the connection's
/// task for a wake-up; hyper always has a read pending, so an idle
/// connection is closed too.
pub struct Guarded<IO> {
    io: IO,
    severed: Pin<Box<dyn Future<Output = ()> + Send>>,
    cut: Option<&'static str>,
    rules: ConnectionRules,
    opened: Instant,
    /// When the connection last sent bytes; None until it first does.
    heard: Option<Instant>,
    timer: Pin<Box<Sleep>>,
    calls: Arc<ConnectionCalls>,
    peer: TcpConnectInfo,
    _open: Option<Open>,
}

impl Guarded<TcpStream> {
    fn new(
        io: TcpStream,
        rules: ConnectionRules,
        open: Open,
        severed: tokio::sync::watch::Receiver<bool>,
    ) -> Self {
        let peer = io.connect_info();
        Self::with_rules(io, peer, rules, Some(open), severed)
    }
}

impl<IO> Guarded<IO> {
    fn with_rules(
        io: IO,
        peer: TcpConnectInfo,
        rules: ConnectionRules,
        open: Option<Open>,
        mut severed: tokio::sync::watch::Receiver<bool>,
    ) -> Self {
        let opened = Instant::now();
        let first = match rules {
            ConnectionRules::Calls { header, .. } => header,
            ConnectionRules::Reads { silence, .. } => silence,
        };
        Guarded {
            io,
            // A dropped sender (the server is gone) severs too.
            severed: Box::pin(async move {
                let _ = severed.wait_for(|&cut| cut).await;
            }),
            cut: None,
            rules,
            opened,
            heard: None,
            timer: Box::pin(tokio::time::sleep_until((opened + first).into())),
            calls: Arc::new(ConnectionCalls::new()),
            peer,
            _open: open,
        }
    }

    /// Why the connection is to be closed now, if it is.
    fn cut(&mut self, cx: &mut Context<'_>) -> Option<&'static str> {
        if self.cut.is_none() && self.severed.as_mut().poll(cx).is_ready() {
            self.cut = Some("the drain time is over");
        }
        while self.cut.is_none() && self.timer.as_mut().poll(cx).is_ready() {
            let now = Instant::now();
            let (due, reason) = match (self.rules, self.heard) {
                (ConnectionRules::Calls { header, .. }, None) => (
                    self.opened + header,
                    "nothing received within the header timeout",
                ),
                (ConnectionRules::Calls { idle, .. }, Some(_)) => match self.calls.idle_since() {
                    Some(since) => (since + idle, "no call for the idle timeout"),
                    // Busy: look again one idle timeout from now.
                    None => (now + idle, ""),
                },
                (ConnectionRules::Reads { silence, lifetime }, heard) => {
                    let silent_since = heard.unwrap_or(self.opened);
                    let lifetime_over = self.opened + lifetime;
                    if silent_since + silence <= lifetime_over {
                        (silent_since + silence, "silent for the header timeout")
                    } else {
                        (lifetime_over, "open for the longest lifetime")
                    }
                }
            };
            if due <= now && !reason.is_empty() {
                tracing::debug!(peer = ?self.peer.remote_addr, reason, "closing connection");
                self.cut = Some(reason);
            } else {
                self.timer.as_mut().reset(due.max(now).into());
            }
        }
        self.cut
    }
}

fn closed_error(reason: &'static str) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::ConnectionAborted, reason)
}

impl<IO: AsyncRead + Unpin> AsyncRead for Guarded<IO> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        if let Some(reason) = self.cut(cx) {
            return Poll::Ready(Err(closed_error(reason)));
        }
        let before = buf.filled().len();
        let read = ready!(Pin::new(&mut self.io).poll_read(cx, buf));
        if read.is_ok() && buf.filled().len() > before {
            let now = Instant::now();
            if self.heard.is_none() {
                // From the first bytes on, the idle rule times the
                // connection: wake up to look at it.
                if let ConnectionRules::Calls { idle, .. } = self.rules {
                    self.timer.as_mut().reset((now + idle).into());
                }
            }
            self.heard = Some(now);
        }
        Poll::Ready(read)
    }
}

impl<IO: AsyncWrite + Unpin> AsyncWrite for Guarded<IO> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        if let Some(reason) = self.cut(cx) {
            return Poll::Ready(Err(closed_error(reason)));
        }
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        if let Some(reason) = self.cut(cx) {
            return Poll::Ready(Err(closed_error(reason)));
        }
        Pin::new(&mut self.io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

impl<IO> Connected for Guarded<IO> {
    type ConnectInfo = PeerInfo;

    fn connect_info(&self) -> Self::ConnectInfo {
        PeerInfo {
            tcp: self.peer.clone(),
            calls: self.calls.clone(),
        }
    }
}

/// gRPC methods whose request is a stream: their request body lives as long
/// as the call, so the request timeout does not apply to them.
const CLIENT_STREAMING: [&str; 3] = [
    "/entityresolution.v1.EntityResolverService/ResolveStream",
    "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
    "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
];

/// Around the whole gRPC server: counts each call against its connection
/// (the idle timer waits for none), and gives the request of a unary call
/// `request_timeout` to arrive whole. A request still arriving then fails
/// with DEADLINE_EXCEEDED, so tonic answers the call and the stream ends
/// before any handler ran.
#[derive(Debug, Clone, Copy)]
pub struct CallGuardLayer {
    request_timeout: Duration,
}

impl CallGuardLayer {
    pub fn new(request_timeout: Duration) -> Self {
        CallGuardLayer { request_timeout }
    }
}

impl<S> tower_layer::Layer<S> for CallGuardLayer {
    type Service = CallGuard<S>;

    fn layer(&self, inner: S) -> Self::Service {
        CallGuard {
            inner,
            request_timeout: self.request_timeout,
        }
    }
}

#[derive(Debug, Clone)]
pub struct CallGuard<S> {
    inner: S,
    request_timeout: Duration,
}

impl<S, ResBody> tower_service::Service<Request<Body>> for CallGuard<S>
where
    S: tower_service::Service<Request<Body>, Response = Response<ResBody>>,
    S::Future: Send + 'static,
    ResBody: HttpBody<Data = Bytes> + Send + 'static,
    ResBody::Error: Into<tonic::codegen::StdError>,
{
    type Response = Response<Body>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response<Body>, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<Body>) -> Self::Future {
        let call = PeerInfo::of(request.extensions()).map(|peer| peer.calls.begin());
        let unary = !CLIENT_STREAMING.contains(&request.uri().path());
        let request = if unary {
            let timeout = self.request_timeout;
            request.map(|body| {
                Body::new(TimedRequest {
                    inner: body,
                    timeout,
                    deadline: Some(Box::pin(tokio::time::sleep(timeout))),
                })
            })
        } else {
            request
        };
        let response = self.inner.call(request);
        Box::pin(async move {
            let response = response.await?;
            // The call lasts as long as its response body.
            Ok(response.map(|body| {
                Body::new(HeldBody {
                    inner: body,
                    _call: call,
                })
            }))
        })
    }
}

pin_project! {
    /// A request body that must end before its deadline.
    struct TimedRequest<B> {
        #[pin]
        inner: B,
        timeout: Duration,
        deadline: Option<Pin<Box<Sleep>>>,
    }
}

impl<B: HttpBody<Data = Bytes>> HttpBody for TimedRequest<B>
where
    B::Error: Into<tonic::codegen::StdError>,
{
    type Data = Bytes;
    type Error = tonic::codegen::StdError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let this = self.project();
        if let Poll::Ready(frame) = this.inner.poll_frame(cx) {
            if frame.is_none() {
                *this.deadline = None;
            }
            return Poll::Ready(frame.map(|frame| frame.map_err(Into::into)));
        }
        if let Some(deadline) = this.deadline.as_mut() {
            if deadline.as_mut().poll(cx).is_ready() {
                *this.deadline = None;
                // A Status, so tonic answers with it as it is.
                return Poll::Ready(Some(Err(Box::new(Status::deadline_exceeded(format!(
                    "the request did not arrive whole within {} s (the server's request timeout)",
                    this.timeout.as_secs_f64()
                ))))));
            }
        }
        Poll::Pending
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

pin_project! {
    /// A response body that keeps its call counted until it is done.
    struct HeldBody<B> {
        #[pin]
        inner: B,
        _call: Option<CallInProgress>,
    }
}

impl<B: HttpBody> HttpBody for HeldBody<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        self.project().inner.poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// Around the whole gRPC server: a handler that panics answers INTERNAL
/// instead of a reset stream. The answer says only that the server failed
/// (the panic message may quote the request); the method is logged.
#[derive(Debug, Clone, Copy, Default)]
pub struct CatchPanicLayer;

impl<S> tower_layer::Layer<S> for CatchPanicLayer {
    type Service = CatchPanic<S>;

    fn layer(&self, inner: S) -> Self::Service {
        CatchPanic { inner }
    }
}

#[derive(Debug, Clone)]
pub struct CatchPanic<S> {
    inner: S,
}

/// The answer to a call whose handler panicked.
pub const PANIC_MESSAGE: &str = "internal error: the server failed on this call (logged)";

fn log_panic(method: &str, payload: &(dyn Any + Send)) {
    // The payload is logged only as its kind: it may quote request text.
    let kind = if payload.is::<&str>() || payload.is::<String>() {
        "message"
    } else {
        "other"
    };
    tracing::error!(
        method,
        payload = kind,
        "a handler panicked: answered INTERNAL"
    );
}

impl<S, B, ResBody> tower_service::Service<Request<B>> for CatchPanic<S>
where
    S: tower_service::Service<Request<B>, Response = Response<ResBody>>,
    ResBody: HttpBody<Data = Bytes> + Send + 'static,
    ResBody::Error: Into<tonic::codegen::StdError>,
{
    type Response = Response<Body>;
    type Error = S::Error;
    type Future = CatchPanicFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let method: Arc<str> = request.uri().path().into();
        let inner = match std::panic::catch_unwind(AssertUnwindSafe(|| self.inner.call(request))) {
            Ok(future) => Some(future),
            Err(payload) => {
                log_panic(&method, payload.as_ref());
                None
            }
        };
        CatchPanicFuture { inner, method }
    }
}

pin_project! {
    pub struct CatchPanicFuture<F> {
        #[pin]
        inner: Option<F>,
        method: Arc<str>,
    }
}

fn panic_response() -> Response<Body> {
    Status::internal(PANIC_MESSAGE).into_http()
}

impl<F, ResBody, E> Future for CatchPanicFuture<F>
where
    F: Future<Output = Result<Response<ResBody>, E>>,
    ResBody: HttpBody<Data = Bytes> + Send + 'static,
    ResBody::Error: Into<tonic::codegen::StdError>,
{
    type Output = Result<Response<Body>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let Some(inner) = this.inner.as_pin_mut() else {
            return Poll::Ready(Ok(panic_response()));
        };
        match std::panic::catch_unwind(AssertUnwindSafe(|| inner.poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(result)) => Poll::Ready(result.map(|response| {
                let method = this.method.clone();
                response.map(|body| {
                    Body::new(CatchPanicBody {
                        inner: Some(body),
                        method,
                    })
                })
            })),
            Err(payload) => {
                log_panic(this.method, payload.as_ref());
                Poll::Ready(Ok(panic_response()))
            }
        }
    }
}

pin_project! {
    /// A response body whose panic (a response stream's) ends the call with
    /// INTERNAL trailers instead of a reset stream.
    struct CatchPanicBody<B> {
        #[pin]
        inner: Option<B>,
        method: Arc<str>,
    }
}

impl<B> HttpBody for CatchPanicBody<B>
where
    B: HttpBody<Data = Bytes>,
    B::Error: Into<tonic::codegen::StdError>,
{
    type Data = Bytes;
    type Error = tonic::codegen::StdError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let mut this = self.project();
        let Some(inner) = this.inner.as_mut().as_pin_mut() else {
            return Poll::Ready(None);
        };
        match std::panic::catch_unwind(AssertUnwindSafe(|| inner.poll_frame(cx))) {
            Ok(frame) => frame.map(|frame| frame.map(|frame| frame.map_err(Into::into))),
            Err(payload) => {
                log_panic(this.method, payload.as_ref());
                this.inner.set(None);
                let mut trailers = http::HeaderMap::new();
                let _ = Status::internal(PANIC_MESSAGE).add_header(&mut trailers);
                Poll::Ready(Some(Ok(Frame::trailers(trailers))))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.as_ref().is_none_or(HttpBody::is_end_stream)
    }

    fn size_hint(&self) -> SizeHint {
        self.inner
            .as_ref()
            .map_or_else(|| SizeHint::with_exact(0), HttpBody::size_hint)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tower_layer::Layer;
    use tower_service::Service;

    /// Where the fake handler panics, quoting its request as slicing does.
    #[derive(Clone, Copy, Debug)]
    enum PanicsIn {
        Call,
        Future,
        Body,
        Nowhere,
    }

    /// A response body that panics on its first poll.
    struct PanickingBody;

    impl HttpBody for PanickingBody {
        type Data = Bytes;
        type Error = Status;

        fn poll_frame(
            self: Pin<&mut Self>,
            _: &mut Context<'_>,
        ) -> Poll<Option<Result<Frame<Bytes>, Status>>> {
            panic!("byte index 1 is not a char boundary of `secret a€`")
        }
    }

    #[derive(Clone)]
    struct Handler(PanicsIn);

    impl Service<Request<Body>> for Handler {
        type Response = Response<Body>;
        type Error = std::convert::Infallible;
        type Future = Pin<Box<dyn Future<Output = Result<Response<Body>, Self::Error>> + Send>>;

        fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
            Poll::Ready(Ok(()))
        }

        fn call(&mut self, _: Request<Body>) -> Self::Future {
            match self.0 {
                PanicsIn::Call => panic!("secret a€ in call"),
                PanicsIn::Future => Box::pin(async { panic!("secret a€ in the handler") }),
                PanicsIn::Body => Box::pin(async { Ok(Response::new(Body::new(PanickingBody))) }),
                PanicsIn::Nowhere => Box::pin(async {
                    let mut trailers = http::HeaderMap::new();
                    trailers.insert("grpc-status", "0".parse().unwrap());
                    Ok(Response::new(Body::new(Trailers(Some(trailers)))))
                }),
            }
        }
    }

    struct Trailers(Option<http::HeaderMap>);

    impl HttpBody for Trailers {
        type Data = Bytes;
        type Error = Status;

        fn poll_frame(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
        ) -> Poll<Option<Result<Frame<Bytes>, Status>>> {
            Poll::Ready(self.0.take().map(|t| Ok(Frame::trailers(t))))
        }
    }

    /// The grpc-status of a response: in its headers, or else its trailers.
    async fn grpc_status(response: Response<Body>) -> (http::StatusCode, Option<String>, String) {
        let (parts, body) = response.into_parts();
        let mut found = parts.headers.get("grpc-status").cloned();
        let mut message = parts
            .headers
            .get("grpc-message")
            .map(|m| m.to_str().unwrap().to_string())
            .unwrap_or_default();
        let mut body = std::pin::pin!(body);
        while let Some(frame) = std::future::poll_fn(|cx| body.as_mut().poll_frame(cx)).await {
            if let Ok(trailers) = frame.unwrap().into_trailers() {
                found = trailers.get("grpc-status").cloned();
                message = trailers
                    .get("grpc-message")
                    .map(|m| m.to_str().unwrap().to_string())
                    .unwrap_or_default();
            }
        }
        let status = found.map(|s| s.to_str().unwrap().to_string());
        (parts.status, status, message)
    }

    #[tokio::test]
    async fn a_panicking_handler_answers_internal_without_echoing_the_request() {
        let cases = [
            (PanicsIn::Call, "13"),
            (PanicsIn::Future, "13"),
            (PanicsIn::Body, "13"),
            (PanicsIn::Nowhere, "0"),
        ];
        for (panics_in, expected) in cases {
            let mut service = CatchPanicLayer.layer(Handler(panics_in));
            let request = Request::builder()
                .uri("/entityresolution.v1.EntityResolverService/ListEntities")
                .body(Body::empty())
                .unwrap();
            let response = service.call(request).await.unwrap();
            if expected == "13" && !matches!(panics_in, PanicsIn::Body) {
                assert_eq!(
                    response.headers().get(http::header::CONTENT_TYPE).unwrap(),
                    "application/grpc",
                    "{panics_in:?}"
                );
            }
            let (http_status, code, message) = grpc_status(response).await;
            assert_eq!(http_status, http::StatusCode::OK, "{panics_in:?}");
            assert_eq!(code.as_deref(), Some(expected), "{panics_in:?}");
            assert!(!message.contains("secret"), "{panics_in:?}: {message}");
        }
    }

    /// The idle rule counts calls: none in progress from the start, one
    /// while a call's response is alive, none again after it ends.
    #[test]
    fn calls_in_progress_hold_a_connection_busy() {
        let calls = Arc::new(ConnectionCalls::new());
        assert!(calls.idle_since().is_some());
        let first = calls.begin();
        let second = calls.begin();
        assert!(calls.idle_since().is_none());
        drop(first);
        assert!(calls.idle_since().is_none());
        drop(second);
        assert!(calls.idle_since().is_some());
    }
}
