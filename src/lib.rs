//! entity-resolver: finds the entities mentioned in news text about Pakistan,
//! Afghanistan and the armed groups around them, and resolves each mention to
//! a canonical entity of a curated alias table.
//!
//! This crate is the service and the binary. The matching itself is the
//! `entity-resolver-core` crate, which knows nothing of gRPC; this crate
//! depends on it, never the other way round. Arrows point one way: `status`
//! (the one Error -> Status mapping) and `transport` (connections) import
//! nothing of the rest; `metrics`, `reload`, `admin` and `convert` build on
//! them; `server` wires everything together; the binary sits on top.

pub mod admin;
pub mod client;
pub mod convert;
pub mod error;
pub mod metrics;
pub mod reload;
pub mod server;
pub mod status;
pub mod token;
pub mod transport;

pub use error::{Error, Result, TableError};

/// Code generated from proto/entityresolution/v1/entity_resolver.proto.
pub mod proto {
    #![allow(clippy::all, missing_docs)]
    tonic::include_proto!("entityresolution.v1");

    /// The encoded descriptor set that server reflection serves.
    pub const FILE_DESCRIPTOR_SET: &[u8] =
        include_bytes!(concat!(env!("OUT_DIR"), "/entity_resolver_descriptor.bin"));
}
