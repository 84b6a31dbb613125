//! The request limits of the service and their defaults.

use std::time::Duration;

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
