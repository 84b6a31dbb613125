//! `entity-resolver suggest` end to end, on the made-up table and corpus of
//! tests/fixtures/suggest/.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

const ALIASES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/suggest/aliases"
);
const CORPUS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/suggest/corpus.jsonl"
);

fn suggest(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_entity-resolver"))
        .arg("suggest")
        .args(["--aliases", ALIASES])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let mut pipe = child.stdin.take().expect("stdin is piped");
    let input = stdin.to_vec();
    let writer = std::thread::spawn(move || pipe.write_all(&input));
    let output = child.wait_with_output().expect("the binary finishes");
    let _ = writer.join().expect("the writer thread finishes");
    output
}

fn json(output: &Output) -> Value {
    assert!(output.status.success(), "{output:?}");
    serde_json::from_slice(&output.stdout).expect("one JSON object")
}

/// Each entry of one of the three arrays as a line of its fields.
fn rows(report: &Value, section: &str, fields: &[&str]) -> Vec<String> {
    report[section]
        .as_array()
        .unwrap_or_else(|| panic!("{section} is an array"))
        .iter()
        .map(|entry| {
            fields
                .iter()
                .map(|f| match &entry[*f] {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect::<Vec<_>>()
                .join(" | ")
        })
        .collect()
}

#[test]
fn suggest_lists_the_three_kinds_of_gap_most_frequent_first() {
    let report = json(&suggest(&["--input", CORPUS, "--format", "json"], b""));
    // (section, fields shown, rows expected)
    let cases: &[(&str, &[&str], &[&str])] = &[
        (
            "aliases_to_add",
            &["text", "entity_id", "match_kind", "count"],
            &[
                "Nasir Kureshi | nasir-qureshi | MATCH_KIND_NORMALIZED | 2",
                "Zarghun Liberaton Front | zarghun-front | MATCH_KIND_FUZZY | 1",
            ],
        ),
        (
            "entities_to_add",
            &["text", "kind", "count", "seen_with"],
            &[
                r#"JQF | acronym | 2 | ["darband","zarghun-front"]"#,
                r#"Jaish Qahhar Front | name | 2 | ["darband","zarghun-front"]"#,
                r#"Qari Dost Mohammad | name | 1 | ["darband","nasir-qureshi"]"#,
                r#"Zahir Labour Federation | name | 1 | ["darband","zarghun-front"]"#,
                r#"جیش العدل | arabic_script | 1 | ["darband"]"#,
            ],
        ),
        (
            "acronyms_defined",
            &["acronym", "expansion", "status", "known_for", "count"],
            &[
                "JQF | Jaish Qahhar Front | new | null | 2",
                r#"ZLF | Zahir Labour Federation | collision | ["zarghun-front"] | 1"#,
            ],
        ),
    ];
    for (section, fields, want) in cases {
        assert_eq!(rows(&report, section, fields), *want, "{section}");
    }
    assert_eq!(
        report["aliases_to_add"][0]["sample"],
        serde_json::json!({
            "document_id": "n1",
            "context": "Nasir Kureshi told reporters in Darband that the Zarghun Front would not talk."
        }),
        "the first occurrence's sentence is the sample"
    );
    assert_eq!(
        report["acronyms_defined"][1]["sample"]["document_id"], "4",
        "a numeric id is kept as its JSON text"
    );
}

#[test]
fn suggest_options_and_input() {
    let corpus = std::fs::read(CORPUS).unwrap();
    let from_file = suggest(&["--input", CORPUS, "--format", "json"], b"");
    let from_stdin = suggest(&["--input", "-", "--format", "json"], &corpus);
    assert_eq!(from_file.stdout, from_stdin.stdout, "stdin reads the same");
    // (what it proves, arguments, rows of each section: aliases, entities, acronyms)
    let cases: &[(&str, &[&str], [usize; 3])] = &[
        ("everything", &[], [2, 5, 2]),
        ("--min-count 2", &["--min-count", "2"], [1, 2, 1]),
        ("--limit 1", &["--limit", "1"], [1, 1, 1]),
    ];
    for (name, args, want) in cases {
        let mut all = vec!["--input", CORPUS, "--format", "json"];
        all.extend_from_slice(args);
        let report = json(&suggest(&all, b""));
        let got = ["aliases_to_add", "entities_to_add", "acronyms_defined"]
            .map(|s| report[s].as_array().map_or(usize::MAX, Vec::len));
        assert_eq!(got, *want, "{name}");
    }
}

#[test]
fn suggest_prints_three_text_sections() {
    let output = suggest(&["--input", CORPUS], b"");
    assert!(output.status.success(), "{output:?}");
    let text = String::from_utf8(output.stdout).unwrap();
    for want in [
        "aliases to add (2)\n",
        "      2  \"Nasir Kureshi\" for nasir-qureshi (Nasir Qureshi), transliteration folding of \"Nasir Qureshi\"\n",
        "         n1: Nasir Kureshi told reporters in Darband that the Zarghun Front would not talk.\n",
        "\nentities to add (5)\n",
        "      1  \"Qari Dost Mohammad\" name, seen with darband, nasir-qureshi\n",
        "\nacronyms defined in the text (2)\n",
        "      1  ZLF = \"Zahir Labour Federation\", possible collision: the table has it for zarghun-front\n",
    ] {
        assert!(text.contains(want), "{want:?} missing from:\n{text}");
    }
}

#[test]
fn suggest_refuses_a_bad_line_naming_it() {
    // (what it proves, input, message expected on stderr)
    let cases: &[(&str, &[u8], &str)] = &[
        (
            "not JSON",
            b"{\"id\": \"a\", \"text\": \"Darband\"}\nnot json\n",
            "<stdin>:2: not a {\"id\", \"text\"} JSON object",
        ),
        (
            "no text",
            b"{\"id\": \"a\"}\n",
            "<stdin>:1: not a {\"id\", \"text\"} JSON object: missing field `text`",
        ),
        (
            "not UTF-8",
            b"\n{\"text\": \"a\xff\"}\n",
            "<stdin>:2: not UTF-8",
        ),
    ];
    for (name, input, want) in cases {
        let output = suggest(&["--input", "-"], input);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{name}: {stderr}");
        assert!(stderr.contains(want), "{name}: {stderr}");
        assert!(
            output.stdout.is_empty(),
            "{name}: no report after a bad line"
        );
    }
}
