//! `synth-table` run as a user would; the table it writes must pass the same
//! validation and build `entity-resolver check` runs (the product binary is
//! another package's, so the library does the check here).

use std::process::Command;

use entity_resolver_core::{AliasTable, Index};

#[test]
fn synth_table_writes_a_table_that_check_accepts() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("table");
    let written = Command::new(env!("CARGO_BIN_EXE_entity-resolver-tools"))
        .args(["synth-table", "--aliases", "300", "--out"])
        .arg(&out)
        .args(["--text-mb", "0.01"])
        .output()
        .expect("the binary runs");
    assert!(
        written.status.success(),
        "{}",
        String::from_utf8_lossy(&written.stderr)
    );
    assert!(out.join("text.txt").is_file());
    let table = AliasTable::from_dir(&out).expect("the table validates");
    let aliases = Index::from_table(table)
        .expect("and builds")
        .summary()
        .aliases;
    assert!(
        (300..400).contains(&aliases),
        "{aliases} aliases for 300 asked"
    );
}
