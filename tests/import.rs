//! `import un-sanctions` end to end on five entries of the UN list and a
//! two-entity table: what it selects, creates, extends and reports, that
//! its output loads with the table, and that it is the same on every run.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_entity-resolver"))
        .args(args)
        .output()
        .expect("the binary runs")
}

/// Runs the import into a fresh directory with a map file of `map`;
/// returns the output and the generated file's text.
fn import(map: &str) -> (Output, String, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let map_path = dir.path().join("existing.toml");
    std::fs::write(&map_path, map).unwrap();
    let out = dir.path().join("out");
    let output = run(&[
        "import",
        "un-sanctions",
        "--list",
        fixture("un-sanctions-mini.xml").to_str().unwrap(),
        "--aliases",
        fixture("un-table").to_str().unwrap(),
        "--existing",
        map_path.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    let text = std::fs::read_to_string(out.join("un-sanctions.toml")).unwrap_or_default();
    (output, text, dir)
}

#[test]
fn selects_creates_extends_and_reports() {
    let (output, text, dir) = import("\"TAi.144\" = \"sirajuddin-haqqani\"\n");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let cases: &[(&str, &str)] = &[
        (
            "Taliban entries and the regional Al-Qaida one, not the Philippine one",
            "selected:  4 entries",
        ),
        (
            "the Taliban individual and entity are new",
            "created:   2 entities",
        ),
        (
            "the mapped entry extends its curated entity",
            "sirajuddin-haqqani <- TAi.144",
        ),
        (
            "an unmapped entry the table holds is reported, not created",
            "QDe.132 \"Tehrik-e Taliban Pakistan\": not created",
        ),
    ];
    for (name, expected) in cases {
        assert!(
            stdout.contains(expected),
            "{name}: {expected:?} not in\n{stdout}"
        );
    }
    let written: &[(&str, &str)] = &[
        ("id from the name", "id = \"muhammad-taher-anwari\""),
        ("natural case", "name = \"Muhammad Taher Anwari\""),
        ("Low a.k.a. as weak", "weak = [\"Haji Mudir\"]"),
        ("original script as native", "native = [\"محمد طاهر أنوري\"]"),
        ("entity names keep their titles", "name = \"Haji Khairullah Haji Sattar Money Exchange\""),
        ("reference number", "external_ids = { un_sc = \"TAi.005\" }"),
        ("provenance", "sources = [{ source = \"UN Security Council Consolidated List\", date = \"2024-09-26\" }]"),
        ("extension record", "[[extend]]\nid = \"sirajuddin-haqqani\"\naliases = [\"Sirajuddin Jallaloudine Haqqani\""),
    ];
    for (name, expected) in written {
        assert!(
            text.contains(expected),
            "{name}: {expected:?} not in\n{text}"
        );
    }
    assert!(
        !text.contains("Isnilon"),
        "an entry of another region was imported"
    );

    // The output loads with the table it was fitted into.
    let table = dir.path().join("table");
    std::fs::create_dir(&table).unwrap();
    std::fs::copy(fixture("un-table/base.toml"), table.join("base.toml")).unwrap();
    std::fs::write(table.join("un-sanctions.toml"), &text).unwrap();
    let check = run(&["check", "--aliases", table.to_str().unwrap()]);
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );

    // Generated output is the same on every run (CI diffs it).
    let (_, again, _) = import("\"TAi.144\" = \"sirajuddin-haqqani\"\n");
    assert_eq!(text, again);
}

#[test]
fn a_map_to_an_unknown_id_is_refused() {
    let (output, text, _dir) = import("\"TAi.144\" = \"no-such-entity\"\n");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("TAi.144") && stderr.contains("no-such-entity"),
        "{stderr}"
    );
    assert!(text.is_empty(), "nothing is written");
}
