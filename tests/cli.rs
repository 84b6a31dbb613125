//! The command line, run as a user would: stdin and files in, JSON and exit
//! codes out. Every input is written here; nothing outside the repository is read.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn run(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_entity-resolver"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    // Written from another thread: a large input would otherwise fill the
    // pipes in both directions and deadlock.
    let mut pipe = child.stdin.take().expect("stdin is piped");
    let input = stdin.to_string();
    let writer = std::thread::spawn(move || pipe.write_all(input.as_bytes()));
    let output = child.wait_with_output().expect("the binary finishes");
    // A child that stops early (a malformed line) may close its stdin first.
    let _ = writer.join().expect("the writer thread finishes");
    output
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("stdout is UTF-8")
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).expect("stderr is UTF-8")
}

#[test]
fn resolve_prints_json_with_proto_field_names() {
    let output = run(&["resolve"], "ISKP and the TTP clashed near Torkham.");
    assert!(output.status.success(), "{}", stderr(&output));
    let json: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("valid JSON");
    let mentions = json["mentions"].as_array().expect("mentions");
    let got: Vec<(&str, u64, u64)> = mentions
        .iter()
        .map(|m| {
            (
                m["entity_id"].as_str().unwrap(),
                m["start"].as_u64().unwrap(),
                m["end"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [("isis-k", 0, 4), ("ttp", 13, 16), ("torkham", 30, 37)]
    );
    assert_eq!(mentions[0]["match_kind"], "MATCH_KIND_ACRONYM");
    assert_eq!(mentions[2]["type"], "ENTITY_TYPE_LOCATION");
    assert!(json["table_version"]
        .as_str()
        .is_some_and(|v| !v.is_empty()));
}

#[test]
fn batch_keeps_input_order_and_reports_bad_lines() {
    let mut input = String::new();
    for i in 0..3000 {
        let text = if i % 2 == 0 {
            "The TTP attacked."
        } else {
            "Kabul was calm."
        };
        input.push_str(&format!("{{\"id\": \"doc-{i}\", \"text\": \"{text}\"}}\n"));
    }
    let output = run(&["batch"], &input);
    assert!(output.status.success(), "{}", stderr(&output));
    let lines: Vec<serde_json::Value> = stdout(&output)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3000);
    for (i, line) in lines.iter().enumerate() {
        assert_eq!(line["id"], format!("doc-{i}"));
        let expected = if i % 2 == 0 { "ttp" } else { "kabul" };
        assert_eq!(line["mentions"][0]["entity_id"], expected, "line {i}");
    }

    let bad =
        "{\"id\": \"1\", \"text\": \"TTP\"}\nnot json\n{\"id\": \"3\", \"text\": \"Kabul\"}\n";
    // (name, args, success, stdout lines, stderr must contain)
    let cases: &[(&str, &[&str], bool, usize, &str)] = &[
        (
            "fails on a malformed line, naming it",
            &["batch"],
            false,
            1,
            "<stdin>:2",
        ),
        (
            "skips and counts with --skip-invalid",
            &["batch", "--skip-invalid"],
            true,
            2,
            "1 malformed lines skipped",
        ),
    ];
    for (name, args, success, count, message) in cases {
        let output = run(args, bad);
        assert_eq!(output.status.success(), *success, "{name}");
        assert_eq!(stdout(&output).lines().count(), *count, "{name}");
        assert!(
            stderr(&output).contains(message),
            "{name}: {}",
            stderr(&output)
        );
        if !success {
            assert_eq!(output.status.code(), Some(1), "{name}");
        }
    }
}

#[test]
fn check_accepts_the_default_table_and_refuses_a_bad_one() {
    let output = run(&["check"], "");
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).contains("is valid"));

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bad.toml"),
        "[[entity]]\nid = \"a\"\nname = \"Alpha Front\"\ntype = \"organization\"\naliases = [\"The Front\"]\n\
         [[entity]]\nid = \"b\"\nname = \"Beta Front\"\ntype = \"army\"\naliases = [\"The Front\"]\n",
    )
    .unwrap();
    let output = run(&["check", "--aliases", dir.path().to_str().unwrap()], "");
    assert_eq!(output.status.code(), Some(3));
    let message = stderr(&output);
    assert!(
        message.contains("entity \"b\": unknown type \"army\""),
        "{message}"
    );
}

#[test]
fn eval_scores_a_gold_file_and_enforces_the_threshold() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    std::fs::create_dir(&corpus).unwrap();
    let text = "The TTP and the ISI met in Kabul. Pakistani officials denied it.";
    std::fs::write(corpus.join("d1.txt"), text).unwrap();
    let gold = dir.path().join("gold.jsonl");
    std::fs::write(
        &gold,
        r#"{"doc": "d1", "mentions": [{"start": 4, "end": 7, "text": "TTP", "entity": "ttp"}, {"start": 16, "end": 19, "text": "ISI", "entity": "isi"}, {"start": 27, "end": 32, "text": "Kabul", "entity": "herat"}], "ignore": [{"start": 34, "end": 43, "text": "Pakistani"}]}"#,
    )
    .unwrap();
    let args = [
        "eval",
        "--gold",
        gold.to_str().unwrap(),
        "--corpus",
        corpus.to_str().unwrap(),
    ];
    let output = run(&args, "");
    assert!(output.status.success(), "{}", stderr(&output));
    let report = stdout(&output);
    assert!(report.contains("MISS"), "{report}");
    assert!(report.contains("FALSE HIT"), "{report}");
    assert!(
        report.contains("precision 0.6667  recall 0.6667  F1 0.6667"),
        "{report}"
    );

    let mut strict = args.to_vec();
    strict.extend(["--min-f1", "0.9"]);
    assert_eq!(run(&strict, "").status.code(), Some(4));
}

#[test]
fn bad_option_values_exit_with_a_clear_message() {
    let output = run(&["resolve", "--min-score", "2"], "TTP");
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("options.min_score"),
        "{}",
        stderr(&output)
    );
}
