//! What a request learns of its connection: the peer's address and the
//! connection's count of calls in progress.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use tonic::transport::server::{TcpConnectInfo, TlsConnectInfo};

/// The calls in progress on one connection, kept by `CallGuardLayer` and
/// read by the connection's idle timer.
#[derive(Debug)]
pub struct ConnectionCalls {
    in_progress: AtomicUsize,
    /// When the last call ended (or the connection opened).
    idle_since: Mutex<Instant>,
}

impl ConnectionCalls {
    pub(super) fn new() -> Self {
        ConnectionCalls {
            in_progress: AtomicUsize::new(0),
            idle_since: Mutex::new(Instant::now()),
        }
    }

    pub(super) fn begin(self: &Arc<Self>) -> CallInProgress {
        self.in_progress.fetch_add(1, Ordering::SeqCst);
        CallInProgress(self.clone())
    }

    /// Since when the connection has had no call, if it has none now.
    pub(super) fn idle_since(&self) -> Option<Instant> {
        let since = *self
            .idle_since
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        (self.in_progress.load(Ordering::SeqCst) == 0).then_some(since)
    }
}

/// One call counted in its connection's `ConnectionCalls` until dropped.
pub(super) struct CallInProgress(Arc<ConnectionCalls>);

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
    pub(super) calls: Arc<ConnectionCalls>,
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

#[cfg(test)]
mod tests {
    use super::*;

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
