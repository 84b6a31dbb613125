//! Criterion benches of the resolver in process (see BENCHMARKS.md):
//!
//! - `resolve/default_table`: MB/s on one core over the reference corpus
//!   (../shared/eval/corpus when it is beside the repository, else the own
//!   evaluation set), repeated to about 2 MB; fuzzy matching on.
//! - `resolve/text_length/B`: time against text length, default table.
//! - `table_build/default`: parse, validate and compile the embedded table.
//! - `lookup/*`: Lookup latency on bare names.
//!
//! Run: `cargo bench --bench resolve` (one core: criterion runs one thread).
//! The benches over synthetic tables need the tools crate's generator:
//! crates/tools/benches/synthetic.rs (`cargo bench --bench synthetic`).

mod common;

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use entity_resolver_core::{lookup, AliasTable, Index, ResolveOptions, Resolver};

use common::resolve_all;

/// The benchmark corpus of this repository.
fn corpus(bytes: usize) -> Vec<String> {
    common::corpus(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."), bytes)
}

fn resolve_default_table(c: &mut Criterion) {
    let resolver = Resolver::embedded().expect("the embedded table");
    let documents = corpus(2 << 20);
    let bytes: usize = documents.iter().map(String::len).sum();
    let mut group = c.benchmark_group("resolve");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    for (name, options) in [
        ("default_table", ResolveOptions::default()),
        (
            "default_table_no_fuzzy",
            ResolveOptions {
                fuzzy: false,
                ..ResolveOptions::default()
            },
        ),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| resolve_all(&resolver, black_box(&documents), &options))
        });
    }
    group.finish();
}

fn resolve_by_text_length(c: &mut Criterion) {
    let resolver = Resolver::embedded().expect("the embedded table");
    let text = corpus(1 << 20).concat();
    let mut group = c.benchmark_group("resolve/text_length");
    group.sample_size(10);
    for length in [1 << 10, 10 << 10, 100 << 10, 1 << 20] {
        let mut end = length.min(text.len());
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        let slice = &text[..end];
        group.throughput(Throughput::Bytes(slice.len() as u64));
        group.bench_with_input(BenchmarkId::from_parameter(length), slice, |b, slice| {
            b.iter(|| {
                resolver
                    .resolve(black_box(slice), &ResolveOptions::default())
                    .expect("resolves")
            })
        });
    }
    group.finish();
}

fn table_build(c: &mut Criterion) {
    let mut group = c.benchmark_group("table_build");
    group.sample_size(10);
    group.bench_function("default", |b| {
        b.iter(|| Index::build(&AliasTable::embedded().expect("valid")).expect("builds"))
    });
    group.finish();
}

fn lookup_latency(c: &mut Criterion) {
    let index = Index::embedded().expect("the embedded table");
    let mut group = c.benchmark_group("lookup");
    for name in [
        "TTP",
        "Tehreek-e-Taliban",
        "Aslam Faroqqi",
        "Zabiullah Mujahed",
        "nobody at all",
    ] {
        group.bench_with_input(BenchmarkId::from_parameter(name), name, |b, name| {
            b.iter(|| lookup::lookup(&index, black_box(name), 10, &[]).expect("looks up"))
        });
    }
    group.finish();
}

criterion_group!(
    benches,
    resolve_default_table,
    resolve_by_text_length,
    table_build,
    lookup_latency
);
criterion_main!(benches);
