//! entity-resolver: finds the entities mentioned in news text about Pakistan,
//! Afghanistan and the armed groups around them, and resolves each mention to
//! a canonical entity of a curated alias table.
//!
//! The library knows nothing of gRPC. Its modules follow the data:
//! `table` (alias files as written) → `index` (compiled, immutable, shared) →
//! per document: `normalize` → `candidates` and `fuzzy` → `settle` → `link` →
//! `resolve` (emit). `lookup` ranks entities for a bare name; `eval` scores
//! the resolver against a gold annotation; `reload` rebuilds the index and
//! swaps it in whole. `server` and `admin` are the thin gRPC layer.

pub mod admin;
pub mod candidates;
pub mod client;
pub mod convert;
pub mod error;
pub mod eval;
pub mod fuzzy;
pub mod index;
pub mod link;
pub mod lookup;
pub mod metrics;
pub mod normalize;
pub mod reload;
pub mod resolve;
pub mod server;
pub mod settle;
pub mod table;
pub mod transport;
pub mod types;

pub use error::{Error, Result, TableError};
pub use index::Index;
pub use resolve::{Interrupt, Resolver};
pub use table::AliasTable;
pub use types::{
    Alternative, EntityType, MatchKind, Mention, NormalizedText, Resolution, ResolveOptions,
};

/// Code generated from proto/entityresolution/v1/entity_resolver.proto.
pub mod proto {
    #![allow(clippy::all, missing_docs)]
    tonic::include_proto!("entityresolution.v1");

    /// The encoded descriptor set that server reflection serves.
    pub const FILE_DESCRIPTOR_SET: &[u8] =
        include_bytes!(concat!(env!("OUT_DIR"), "/entity_resolver_descriptor.bin"));
}
