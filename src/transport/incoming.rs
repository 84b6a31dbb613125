//! The accept loop of one port: its connection limit, and what happens
//! when the process runs out of file descriptors.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use std::time::{Duration, Instant};

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::time::Sleep;
use tonic::transport::server::Connected;

use super::config::{Port, Transport};
use super::connection::{ConnectionRules, Guarded};
use super::counts::{ConnectionCounts, Open};

/// While accepting fails for lack of file descriptors, the pause before the
/// next try. The listener stays readable while connections wait in its
/// backlog, so retrying at once spins a core and frees nothing; a pause of
/// this length lets other connections finish and close, and is short
/// against a client's connect timeout.
const OUT_OF_FILES_PAUSE: Duration = Duration::from_millis(100);

/// Refused connections and accept failures are logged at most this often
/// (with a count of those not logged), so an attack cannot flood the log.
const LOG_EVERY: Duration = Duration::from_secs(1);

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
