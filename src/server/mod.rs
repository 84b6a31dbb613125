//! The gRPC layer: a thin translation between the proto and the library.
//! Requests are validated here (naming the field at fault), the library does
//! the work, and `crate::status` is the one place a domain error becomes a
//! `Status`.
//!
//! One concern per module: `limits` (what a request may ask), `admission`
//! (whether a call may start now), `activity` (what is held right now),
//! `deadline` (when a call's work must stop), `service` (the state every
//! handler shares), `work` (the resolver's work on the CPU pool), one module
//! per gRPC service or call family (`resolver_service`, `stream`,
//! `entities`, `diagnostics`), `trim` (giving memory back) and `serve`,
//! which wires them, the admin service, the metrics and the transport
//! together. Nothing outside imports this module but the binary and the
//! tests: admin, reload, metrics and transport know nothing of it.

mod activity;
mod admission;
mod deadline;
mod diagnostics;
mod entities;
mod limits;
mod resolver_service;
mod serve;
mod service;
mod stream;
mod trim;
mod work;

pub use activity::Activity;
pub use deadline::Stamped;
pub use diagnostics::Diagnostics;
pub use entities::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
pub use limits::Limits;
pub use resolver_service::INLINE_TEXT_BYTES;
pub use serve::{serve, serve_with, ServeConfig, Stopped, DEFAULT_DRAIN};
pub use service::ResolverService;
pub use stream::STREAM_WINDOW_BYTES;
