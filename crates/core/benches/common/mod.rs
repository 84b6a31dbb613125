//! What the benches of both packages share: the corpus they read and the
//! loop they time. The tools crate's bench includes this file by path, so
//! the two measure the same text the same way.

use std::path::Path;

use entity_resolver_core::{ResolveOptions, Resolver};

/// Documents of the benchmark corpus, repeated to at least `bytes`:
/// ../shared/eval/corpus beside the repository at `root`, else its own
/// evaluation set.
pub fn corpus(root: &Path, bytes: usize) -> Vec<String> {
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

/// Mentions found in all `documents`, returned so the work is not optimised away.
pub fn resolve_all(resolver: &Resolver, documents: &[String], options: &ResolveOptions) -> usize {
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
