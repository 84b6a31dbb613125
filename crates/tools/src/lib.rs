//! Measuring tools for entity-resolver, kept out of the product binary: the
//! gRPC load generator (`loadgen`) and the deterministic synthetic alias
//! tables of the scale benchmarks (`synth`). They reach the service only the
//! way a client does (its proto, its client setup), and the core only through
//! the root package.

pub mod loadgen;
pub mod synth;
