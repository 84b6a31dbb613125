//! Live counts of the work the service holds, so tests (and operators, via
//! the metrics) can see that a cancelled call or stream lets go of
//! everything. The counters are raised and lowered only through guards
//! (`Held`, the admission's byte guard), so they stay right however the work
//! ends.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use crate::metrics::StreamGauges;

/// Live counts of the work calls and streams hold.
#[derive(Debug, Default)]
pub struct Activity {
    pub(super) open_streams: AtomicUsize,
    pub(super) stream_documents: AtomicUsize,
    pub(super) requests: AtomicUsize,
    pub(super) resolving: AtomicUsize,
    pub(super) inflight_bytes: AtomicUsize,
    /// Times the memory trimmer should still give memory back.
    pub(super) trims_wanted: AtomicUsize,
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

impl StreamGauges for Activity {
    fn open_streams(&self) -> usize {
        Activity::open_streams(self)
    }

    fn stream_documents(&self) -> usize {
        Activity::stream_documents(self)
    }
}

/// Holds one unit of a counter of `Activity` and gives it back when dropped,
/// however the work ends.
pub(super) struct Held(Arc<Activity>, fn(&Activity) -> &AtomicUsize);

impl Held {
    pub(super) fn new(activity: &Arc<Activity>, counter: fn(&Activity) -> &AtomicUsize) -> Self {
        counter(activity).fetch_add(1, Ordering::SeqCst);
        Held(activity.clone(), counter)
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        (self.1)(&self.0).fetch_sub(1, Ordering::SeqCst);
    }
}
