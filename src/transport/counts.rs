//! What the accept loops count, and one connection's place under its
//! port's limit.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;

use tokio::sync::OwnedSemaphorePermit;

/// What the accept loop counts, for the metrics and for tests.
#[derive(Debug, Default)]
pub struct ConnectionCounts {
    open: AtomicUsize,
    pub(super) refused: AtomicU64,
    pub(super) accept_failures: AtomicU64,
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

/// One open connection's place under its port's limit, given back when the
/// connection closes.
pub(super) struct Open {
    counts: Arc<ConnectionCounts>,
    _permit: OwnedSemaphorePermit,
}

impl Open {
    pub(super) fn new(counts: &Arc<ConnectionCounts>, permit: OwnedSemaphorePermit) -> Self {
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
