//! What the command-line tests share: a real server on 127.0.0.1:0 in the
//! test process, for the binary to talk to.

use entity_resolver::reload::TableSource;
use entity_resolver::server::{serve_with, Limits, ResolverService, ServeConfig};

/// Serves the embedded table until dropped.
pub struct Server {
    pub url: String,
    /// Where `GET /metrics` answers.
    #[allow(dead_code)] // Only tests/metrics.rs scrapes.
    pub metrics_url: String,
    /// Serves until dropped, after the shutdown signal.
    _runtime: tokio::runtime::Runtime,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Server {
    pub fn start(limits: Limits) -> Server {
        Self::start_with(limits, |_| {})
    }

    /// Serves with the configuration `configure` leaves (drain time, say).
    pub fn start_with(limits: Limits, configure: impl FnOnce(&mut ServeConfig)) -> Server {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let metrics_listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let metrics_url = format!("http://{}", metrics_listener.local_addr().unwrap());
        let index = std::sync::Arc::new(entity_resolver::Index::embedded().unwrap());
        let (shutdown, signal) = tokio::sync::oneshot::channel::<()>();
        let mut config = ServeConfig {
            metrics_listener: Some(metrics_listener),
            ..ServeConfig::new(ResolverService::new(index, limits), TableSource::Embedded)
        };
        configure(&mut config);
        runtime.spawn(serve_with(listener, config, async move {
            let _ = signal.await;
        }));
        Server {
            url,
            metrics_url,
            _runtime: runtime,
            shutdown: Some(shutdown),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}
