//! Prometheus metrics: what the service did (calls by method and status,
//! latency, documents, mentions by match kind), what it holds (the alias
//! table, open streams) and an HTTP endpoint that serves them as OpenMetrics
//! text.
//!
//! Calls are counted by a tower layer around the whole gRPC server, so no
//! handler has to remember to count itself: it sees the request path and
//! the status, wherever gRPC puts it (in the response headers when a call
//! fails before any message, in the trailers at the end of the body
//! otherwise). A call ends when its body does, so a stream's latency is the
//! stream's whole life.
//!
//! `registry` holds the counters and what handlers call to count,
//! `collector` what a scrape reads live, `layer` the tower layer around the
//! gRPC server, `endpoint` the HTTP endpoint. The module knows nothing of the
//! server: the server hands it what to watch.

mod collector;
mod endpoint;
mod layer;
mod registry;

pub use collector::StreamGauges;
pub use endpoint::{serve_metrics, CONTENT_TYPE};
pub use layer::{MetricsBody, MetricsLayer, MetricsService, ResponseFuture};
pub use registry::{code_name, Metrics, UNKNOWN_METHOD};
