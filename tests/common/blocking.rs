//! The fixture for tests that are not async (they run the binary, or hold
//! raw sockets): the server on a runtime of its own.

use entity_resolver::server::{Limits, ServeConfig};

use super::fixture::{Options, TestServer};

/// A runtime for a test's clients, apart from the server's.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Runtime::new().expect("a runtime")
}

/// Serves the embedded table, and its metrics, until dropped; dropping it
/// shuts the server down and asserts serving returned `Ok`.
pub struct Server {
    pub url: String,
    /// Where `GET /metrics` answers.
    pub metrics_url: String,
    server: Option<TestServer>,
    runtime: tokio::runtime::Runtime,
}

impl Server {
    pub fn start(limits: Limits) -> Server {
        Self::start_with(limits, |_| {})
    }

    /// Serves with the configuration `configure` leaves (drain time, say).
    pub fn start_with(limits: Limits, configure: impl FnOnce(&mut ServeConfig)) -> Server {
        let runtime = runtime();
        let server = runtime
            .block_on(
                Options::default()
                    .limits(limits)
                    .metrics()
                    .start_with(configure),
            )
            .expect("the server starts");
        Server {
            url: server.url(),
            metrics_url: server.metrics_url(),
            server: Some(server),
            runtime,
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let Some(server) = self.server.take() else {
            return;
        };
        if std::thread::panicking() {
            // The test failed already; a second panic would abort the run.
            drop(server);
            return;
        }
        self.runtime.block_on(server.stop());
    }
}
