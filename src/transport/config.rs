//! The connection limits and timeouts of both ports, and which port is
//! which.

use std::time::Duration;

/// The connection limits and timeouts of both ports. `Default` holds the
/// production defaults; the README gives the reason for each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transport {
    /// Connections open at once on the gRPC port; one more is closed at
    /// once (logged and counted), before any byte is read.
    pub max_connections: usize,
    /// Connections open at once on the metrics port.
    pub max_metrics_connections: usize,
    /// A new connection must send its first bytes (TLS hello or HTTP/2
    /// preface) within this; on the metrics port, a connection may not stay
    /// silent longer than this, within a request or between requests.
    pub header_timeout: Duration,
    /// A gRPC connection with no call in progress for this long is closed.
    pub idle_timeout: Duration,
    /// The whole request of a unary call must arrive within this from the
    /// call's start; otherwise the call ends with DEADLINE_EXCEEDED.
    pub request_timeout: Duration,
    /// HTTP/2 PING sent after this long without a frame from the client.
    pub keepalive_interval: Duration,
    /// A PING not acknowledged within this closes the connection.
    pub keepalive_timeout: Duration,
    /// Longest life of a metrics connection, however busy: a client that
    /// sends one byte at a time cannot hold it forever.
    pub metrics_connection_lifetime: Duration,
}

impl Default for Transport {
    fn default() -> Self {
        Transport {
            max_connections: 2048,
            max_metrics_connections: 64,
            header_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(300),
            request_timeout: Duration::from_secs(60),
            keepalive_interval: Duration::from_secs(60),
            keepalive_timeout: Duration::from_secs(20),
            metrics_connection_lifetime: Duration::from_secs(60),
        }
    }
}

/// Which port a listener serves, for the log and the rules of its
/// connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Port {
    Grpc,
    Metrics,
}

impl Port {
    pub fn name(self) -> &'static str {
        match self {
            Port::Grpc => "grpc",
            Port::Metrics => "metrics",
        }
    }
}
