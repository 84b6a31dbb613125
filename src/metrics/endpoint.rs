//! The HTTP endpoint that serves the metrics to a scraper.

use std::future::Future;
use std::sync::Arc;

use super::registry::Metrics;
use crate::transport::Incoming;

/// The content type of the OpenMetrics text that `prometheus-client` writes.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Serves `GET /metrics` on `listener` until `shutdown` completes; every
/// other path is 404. The listener's connection limit and timeouts hold
/// here too: a scraper opens one connection at a time, an attacker many.
pub async fn serve_metrics(
    listener: Incoming,
    metrics: Arc<Metrics>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use axum::{extract::State, routing::get, Router};
    let app = Router::new()
        .route(
            "/metrics",
            get(|State(metrics): State<Arc<Metrics>>| async move {
                (
                    [(http::header::CONTENT_TYPE, CONTENT_TYPE)],
                    metrics.encode(),
                )
            }),
        )
        .with_state(metrics);
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}
