//! entity-resolver: finds the entities mentioned in news text about Pakistan,
//! Afghanistan and the armed groups around them, and resolves each mention to
//! a canonical entity of a curated alias table.
//!
//! This crate is the service and the binary. The matching itself is the
//! `entity-resolver-core` crate, which knows nothing of gRPC: `reload`
//! rebuilds its index and swaps it in whole; `server` and `admin` are the
//! thin gRPC layer over it.

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

// Transitional: the core's modules under the paths they had before the
// workspace split (`crate::resolve::Resolver`, `entity_resolver::fuzzy::...`),
// so code not yet moved onto `entity_resolver_core` keeps compiling. To be
// removed once every caller imports the core directly.
pub use entity_resolver_core::matching::{candidates, fuzzy, link, settle};
pub use entity_resolver_core::{eval, index, lookup, normalize, process, resolve, table, types};
pub use entity_resolver_core::{
    AliasTable, Alternative, EntityType, Index, Interrupt, MatchKind, Mention, NormalizedText,
    Resolution, ResolveOptions, Resolver,
};

/// Code generated from proto/entityresolution/v1/entity_resolver.proto.
pub mod proto {
    #![allow(clippy::all, missing_docs)]
    tonic::include_proto!("entityresolution.v1");

    /// The encoded descriptor set that server reflection serves.
    pub const FILE_DESCRIPTOR_SET: &[u8] =
        include_bytes!(concat!(env!("OUT_DIR"), "/entity_resolver_descriptor.bin"));
}
