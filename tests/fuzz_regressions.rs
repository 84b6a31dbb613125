//! Replays, in plain `cargo test`, every input the fuzz targets ever crashed
//! on or found worth keeping (`tests/fuzz_regressions/<target>/`), and their
//! seed corpora (`fuzz/seeds/<target>/`), against the targets' own checks.

#[path = "../fuzz/src/lib.rs"]
mod checks;

use std::path::{Path, PathBuf};

use arbitrary::{Arbitrary, Unstructured};

/// The files of a directory, in name order.
fn inputs(dir: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.is_file())
        .collect();
    paths.sort();
    paths
}

/// Runs `check` on every file of the directories, reporting all failures.
fn replay(dirs: &[&str], check: impl Fn(&[u8]) -> Result<(), String>) {
    let mut failures = Vec::new();
    let mut replayed = 0;
    for dir in dirs {
        let paths = inputs(dir);
        assert!(!paths.is_empty(), "{dir} holds no input");
        for path in paths {
            let data = std::fs::read(&path).expect("the input is readable");
            if let Err(broken) = check(&data) {
                failures.push(format!("{}: {broken}", path.display()));
            }
            replayed += 1;
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {replayed} inputs break an invariant:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Decodes the bytes exactly as `fuzz_target!` does.
fn resolve_input(data: &[u8]) -> Result<(), String> {
    let input = checks::ResolveInput::arbitrary_take_rest(Unstructured::new(data))
        .map_err(|error| format!("not a ResolveInput: {error}"))?;
    checks::check_resolve(&input)
}

#[test]
fn resolve_inputs_kept_from_fuzzing_hold_the_invariants() {
    replay(
        &["tests/fuzz_regressions/resolve", "fuzz/seeds/resolve"],
        resolve_input,
    );
}

#[test]
fn alias_table_inputs_kept_from_fuzzing_hold_the_invariants() {
    replay(
        &[
            "tests/fuzz_regressions/alias_table",
            "fuzz/seeds/alias_table",
        ],
        checks::check_alias_table,
    );
}
