//! entity-resolver-core: finds the entities mentioned in news text about
//! Pakistan, Afghanistan and the armed groups around them, and resolves each
//! mention to a canonical entity of a curated alias table.
//!
//! This crate knows nothing of gRPC, protobuf or async runtimes: the service,
//! the CLI and later bindings all sit on top of it. Its modules follow the
//! data: `table` (alias files as written, validated) → `index` (compiled,
//! immutable, shared) → per document: `normalize` → `matching` (exact and
//! fuzzy candidates, settling, linking) → `resolve` (the pipeline, emitting
//! mentions and their explanations). `lookup` ranks entities for a bare name;
//! `eval` scores the resolver against a gold annotation; `work` holds the
//! counters and the interrupt every stage shares.
//!
//! Result types serialise (serde) with the field names of the gRPC API's
//! proto, so every interface names things alike.

#![forbid(unsafe_code)]

pub mod error;
pub mod eval;
pub mod index;
pub mod lookup;
pub mod matching;
pub mod normalize;
pub mod process;
pub mod resolve;
pub mod suggest;
pub mod table;
pub mod types;
pub mod work;

pub use error::{Error, Result, TableError};
pub use index::Index;
pub use resolve::{Interrupt, Resolver};
pub use table::AliasTable;
pub use types::{
    Alternative, EntityType, MatchKind, Mention, NormalizedText, Resolution, ResolveOptions,
};
