//! A connection under its port's rules: closed when it stays silent, idle
//! or open too long, or when the drain time is over.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::time::Sleep;
use tonic::transport::server::{Connected, TcpConnectInfo};

use super::counts::Open;
use super::peer::{ConnectionCalls, PeerInfo};

/// How a port's connections may time out.
#[derive(Debug, Clone, Copy)]
pub(super) enum ConnectionRules {
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
    pub(super) fn new(
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
