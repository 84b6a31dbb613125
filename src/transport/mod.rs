//! What guards the two listening ports (gRPC and metrics) below the
//! handlers: how many connections are accepted, how long a connection may
//! stay silent or idle, how long a request may take to arrive, what happens
//! when the process runs out of file descriptors, and what a panicking
//! handler answers.
//!
//! Every limit here is a connection's, not a call's: a client that opens a
//! socket and never speaks, or starts a request and never finishes it,
//! holds a file descriptor and memory but no admission slot, so the call
//! limits of `server::Limits` cannot see it.
//!
//! `config` holds the limits and timeouts, `incoming` the accept loop of
//! a port, `counts` what it counts, `connection` the guarded
//! connection and its timers, `peer` what each request learns of its
//! connection, `call_guard` and `catch_panic` the layers around the whole
//! gRPC server. The module imports nothing else of the crate.

mod call_guard;
mod catch_panic;
mod config;
mod connection;
mod counts;
mod incoming;
mod peer;

pub use call_guard::{CallGuard, CallGuardLayer};
pub use catch_panic::{CatchPanic, CatchPanicFuture, CatchPanicLayer, PANIC_MESSAGE};
pub use config::{Port, Transport};
pub use connection::Guarded;
pub use counts::ConnectionCounts;
pub use incoming::Incoming;
pub use peer::{ConnectionCalls, PeerInfo};
