//! Criterion benches of the resolver in process (see BENCHMARKS.md):
//!
//! - `resolve/default_table`: MB/s on one core over the reference corpus
//!   (../shared/eval/corpus when it is beside the repository, else the own
//!   evaluation set), repeated to about 2 MB; fuzzy matching on.
//! - `resolve/synthetic_table/N`: the same text over synthetic tables of N
//!   aliases (`ER_BENCH_MAX_ALIASES` caps N; default 100,000; set 1000000
//!   for the largest).
//! - `resolve/text_length/B`: time against text length, default table.
//! - `table_build/*`: parse, validate and compile a table.
//! - `lookup/*`: Lookup latency on bare names.
//!
//! Run: `cargo bench --bench resolve` (one core: criterion runs one thread).

use std::hint::black_box;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use entity_resolver::{lookup, synth, AliasTable, Index, ResolveOptions, Resolver};

/// Documents of the benchmark corpus, repeated to at least `bytes`.
fn corpus(bytes: usize) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let shared = root.join("../shared/eval/corpus");
    let dir = if shared.is_dir() {
        shared
    } else {
        root.join("eval/own/corpus")
    };
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .expect("the corpus directory is readable")
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "txt"))
        .collect();
    paths.sort();
    let documents: Vec<String> = paths
        .iter()
        .map(|path| std::fs::read_to_string(path).expect("a UTF-8 document"))
        .collect();
    let mut repeated = Vec::new();
    let mut total = 0;
    while total < bytes {
        for document in &documents {
            total += document.len();
            repeated.push(document.clone());
        }
    }
    repeated
}

fn resolve_all(resolver: &Resolver, documents: &[String], options: &ResolveOptions) -> usize {
    documents
        .iter()
        .map(|d| {
            resolver
                .resolve(d, options)
                .expect("resolves")
                .mentions
                .len()
        })
        .sum()
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
    resolve_synthetic_tables,
    table_build,
    lookup_latency
);
criterion_main!(benches);
