//! Criterion benches over synthetic tables (see BENCHMARKS.md); they live
//! here because the table generator is a tool, not part of the product:
//!
//! - `resolve/synthetic_table/N`: the reference corpus plus text naming the
//!   synthetic entities, over synthetic tables of N aliases
//!   (`ER_BENCH_MAX_ALIASES` caps N; default 100,000; set 1000000 for the
//!   largest).
//! - `table_build/synthetic/N`: parse, validate and compile a synthetic table.
//!
//! Run: `cargo bench --bench synthetic` (one core: criterion runs one thread).
//! The benches on the default table are the root's `cargo bench --bench resolve`.

// The same corpus and timing loop as the root's benches.
#[path = "../../core/benches/common/mod.rs"]
mod common;

use std::hint::black_box;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use entity_resolver_core::{AliasTable, Index, ResolveOptions, Resolver};
use entity_resolver_tools::synth;

use common::resolve_all;

/// The benchmark corpus of the repository this crate sits in.
fn corpus(bytes: usize) -> Vec<String> {
    common::corpus(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."), bytes)
}

fn max_aliases() -> usize {
    std::env::var("ER_BENCH_MAX_ALIASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000)
}

fn resolve_synthetic_tables(c: &mut Criterion) {
    let documents = corpus(1 << 20);
    let bytes: usize = documents.iter().map(String::len).sum();
    let mut group = c.benchmark_group("resolve/synthetic_table");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(15));
    for size in [100, 10_000, 100_000, 1_000_000] {
        if size > max_aliases() {
            continue;
        }
        let table = AliasTable::from_sources(synth::alias_files(size, 1)).expect("valid");
        let resolver = Resolver::new(Arc::new(Index::build(&table).expect("builds")));
        // The news corpus plus text naming the synthetic entities, half and half.
        let mut mixed = documents.clone();
        mixed.extend(
            synth::text(size, 1, bytes)
                .split_inclusive(". ")
                .collect::<Vec<_>>()
                .chunks(12)
                .map(|sentences| sentences.concat()),
        );
        let mixed_bytes: usize = mixed.iter().map(String::len).sum();
        group.throughput(Throughput::Bytes(mixed_bytes as u64));
        group.bench_with_input(BenchmarkId::from_parameter(size), &mixed, |b, mixed| {
            b.iter(|| resolve_all(&resolver, black_box(mixed), &ResolveOptions::default()))
        });
    }
    group.finish();
}

fn table_build_synthetic(c: &mut Criterion) {
    let mut group = c.benchmark_group("table_build");
    group.sample_size(10);
    for size in [10_000, 100_000] {
        if size > max_aliases() {
            continue;
        }
        let files = synth::alias_files(size, 1);
        group.bench_with_input(BenchmarkId::new("synthetic", size), &files, |b, files| {
            b.iter(|| {
                Index::build(&AliasTable::from_sources(files.clone()).expect("valid"))
                    .expect("builds")
            })
        });
    }
    group.finish();
}

criterion_group!(benches, resolve_synthetic_tables, table_build_synthetic);
criterion_main!(benches);
