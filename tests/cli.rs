//! The command line, run as a user would: stdin and files in, JSON and exit
//! codes out. Every input is written here; nothing outside the repository is read.

mod common;

use common::Server;
use entity_resolver::server::Limits;
use std::io::Write;
use std::process::{Command, Output, Stdio};

fn run(args: &[&str], stdin: impl AsRef<[u8]>) -> Output {
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
    let input = stdin.as_ref().to_vec();
    let writer = std::thread::spawn(move || pipe.write_all(&input));
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
            "1 skipped",
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

/// Input that exercises the reader: numeric and missing ids, CRLF endings,
/// blank lines, non-Latin text, and more lines than one chunk.
fn varied_input() -> String {
    let texts = [
        "The TTP attacked a checkpoint near Torkham.",
        "Zabihullah Mujahid, the Taliban spokesman, denied it; Mujahid said ISKP lied.",
        "طالبان نے کابل میں اجلاس کیا۔ Kabul was calm.",
        "Nothing to resolve here.",
        "",
    ];
    let mut input = String::new();
    for i in 0..2600 {
        let text = texts[i % texts.len()];
        match i % 7 {
            0 => input.push_str(&format!("{{\"id\": {i}, \"text\": \"{text}\"}}\r\n")),
            1 => input.push_str(&format!("{{\"text\": \"{text}\"}}\n\n")),
            _ => input.push_str(&format!("{{\"id\": \"doc-{i}\", \"text\": \"{text}\"}}\n")),
        }
    }
    input
}

#[test]
fn batch_reads_and_writes_the_standard_streams_for_a_dash() {
    let dir = tempfile::tempdir().unwrap();
    let input = "{\"id\": \"a\", \"text\": \"The TTP attacked.\"}\n";
    // (args, what must be on stdout): absent and "-" mean the same.
    let cases: [&[&str]; 3] = [
        &["batch"],
        &["batch", "--input", "-", "--output", "-"],
        &["batch", "--output", "-"],
    ];
    for args in cases {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_entity-resolver"))
            .args(args)
            .current_dir(dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .and_then(|mut child| {
                child.stdin.take().unwrap().write_all(input.as_bytes())?;
                child.wait_with_output()
            })
            .unwrap();
        assert!(output.status.success(), "{args:?}: {}", stderr(&output));
        assert!(
            stdout(&output).contains("\"entity_id\":\"ttp\""),
            "{args:?}"
        );
        assert!(
            !dir.path().join("-").exists(),
            "{args:?} wrote a file named -"
        );
    }
}

#[test]
fn batch_over_a_server_prints_what_batch_in_process_prints() {
    let server = Server::start(Limits::default());
    let input = varied_input();
    // (name, extra arguments, a check on every output line)
    type Check = fn(&serde_json::Value) -> bool;
    let cases: [(&str, &[&str], Check); 4] = [
        ("defaults", &[], |line| line["normalized_text"].is_string()),
        (
            "replacement by id",
            &["--normalized-text", "entity-id"],
            |line| {
                let text = line["normalized_text"].as_str().unwrap();
                !text.contains("Tehrik-i-Taliban Pakistan") && !text.contains("Torkham")
            },
        ),
        (
            "no normalized text",
            &["--normalized-text", "omit"],
            |line| line.get("normalized_text").is_none(),
        ),
        ("persons only", &["--type", "person"], |line| {
            line["mentions"]
                .as_array()
                .unwrap()
                .iter()
                .all(|m| m["type"] == "ENTITY_TYPE_PERSON")
        }),
    ];
    for (name, extra, check) in cases {
        let mut local_args = vec!["batch"];
        local_args.extend(extra);
        let mut remote_args = local_args.clone();
        remote_args.extend(["--server", &server.url]);
        let local = run(&local_args, &input);
        let remote = run(&remote_args, &input);
        assert!(local.status.success(), "{name}: {}", stderr(&local));
        assert!(remote.status.success(), "{name}: {}", stderr(&remote));
        let lines: Vec<serde_json::Value> = stdout(&local)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 2600, "{name}: one output line per document");
        assert!(lines.iter().all(check), "{name}");
        assert_eq!(lines[0]["id"], "0", "{name}: numeric ids become strings");
        assert!(
            lines[1].get("id").is_none(),
            "{name}: missing ids stay missing"
        );
        assert_eq!(lines[2]["id"], "doc-2", "{name}");
        assert_eq!(lines[2599]["id"], "doc-2599", "{name}: order kept");
        assert!(
            stdout(&local) == stdout(&remote),
            "{name}: in process and over the server differ"
        );
    }
}

#[test]
fn batch_names_every_bad_line_and_skips_it_only_when_asked() {
    let server = Server::start(Limits {
        max_text_bytes: 200,
        ..Default::default()
    });
    let good = b"{\"id\": \"a\", \"text\": \"The TTP attacked.\"}\n".to_vec();
    let long_text = format!(
        "{{\"id\": \"long\", \"text\": \"{}\"}}\n",
        "Kabul ".repeat(100)
    );
    // (name, bad line, message on stderr, in process too?)
    let cases: [(&str, Vec<u8>, &str, bool); 5] = [
        (
            "not JSON",
            b"not json\n".to_vec(),
            "not a {\"id\", \"text\"} JSON object",
            true,
        ),
        (
            "an unknown field",
            b"{\"id\": \"x\", \"txt\": \"TTP\"}\n".to_vec(),
            "unknown field `txt`",
            true,
        ),
        (
            "invalid UTF-8",
            b"{\"text\": \"\xff\xfe\"}\n".to_vec(),
            "not UTF-8",
            true,
        ),
        (
            "over --max-line-bytes",
            format!("{{\"text\": \"{}\"}}\n", "x".repeat(5000)).into_bytes(),
            "over the limit of 4096 (--max-line-bytes)",
            true,
        ),
        (
            "refused by the server",
            long_text.into_bytes(),
            "over the limit of 200",
            false,
        ),
    ];
    for (name, bad, message, in_process) in cases {
        let input = [good.clone(), bad, good.clone()].concat();
        let mut modes = vec![vec![
            "batch",
            "--max-line-bytes",
            "4096",
            "--server",
            &server.url,
        ]];
        if in_process {
            modes.push(vec!["batch", "--max-line-bytes", "4096"]);
        }
        for args in modes {
            let failed = run(&args, &input);
            assert_eq!(
                failed.status.code(),
                Some(1),
                "{name} {args:?}: {}",
                stderr(&failed)
            );
            assert!(
                stderr(&failed).contains("<stdin>:2"),
                "{name}: {}",
                stderr(&failed)
            );
            assert!(
                stderr(&failed).contains(message),
                "{name}: {}",
                stderr(&failed)
            );
            assert_eq!(
                stdout(&failed).lines().count(),
                1,
                "{name}: lines before the bad one are written"
            );

            let mut skip = args.clone();
            skip.push("--skip-invalid");
            let skipped = run(&skip, &input);
            assert!(
                skipped.status.success(),
                "{name} {skip:?}: {}",
                stderr(&skipped)
            );
            assert_eq!(stdout(&skipped).lines().count(), 2, "{name}");
            assert!(
                stderr(&skipped).contains("1 skipped"),
                "{name}: {}",
                stderr(&skipped)
            );
            assert!(stderr(&skipped).contains("<stdin>:2: skipped"), "{name}");
        }
    }
}

#[test]
fn batch_without_a_terminal_prints_no_progress_bar() {
    let output = run(&["batch"], varied_input());
    assert!(output.status.success());
    let messages = stderr(&output);
    assert_eq!(
        messages.lines().count(),
        1,
        "only the summary: {messages:?}"
    );
    assert!(
        messages.starts_with("batch: 2600 documents resolved"),
        "{messages}"
    );
    assert!(
        !messages.contains('\r') && !messages.contains('\u{1b}'),
        "{messages:?}"
    );
}

#[test]
fn batch_with_an_unreachable_server_exits_5() {
    // A port that was just free: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let output = run(&["batch", "--server", &url], "{\"text\": \"TTP\"}\n");
    assert_eq!(output.status.code(), Some(5), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("cannot connect"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn batch_stops_when_its_server_shuts_down_while_the_input_is_still_open() {
    use std::io::{BufRead, BufReader};
    let server = Server::start_with(Limits::default(), |config| {
        config.drain = std::time::Duration::from_millis(200);
    });
    let mut child = Command::new(env!("CARGO_BIN_EXE_entity-resolver"))
        .args(["batch", "--server", &server.url])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    // The input stays open, as a pipe from a producer that has more to say.
    let mut input = child.stdin.take().expect("stdin is piped");
    writeln!(input, "{{\"id\": \"1\", \"text\": \"The TTP said so.\"}}").unwrap();
    input.flush().unwrap();
    // The answer must come out while the input is still open (read on a
    // thread, so a batch that holds it back fails the test, not hangs it).
    let output = BufReader::new(child.stdout.take().expect("stdout is piped"));
    let (first_line, first) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = first_line.send(output.lines().next().map(Result::unwrap));
    });
    let first = first
        .recv_timeout(std::time::Duration::from_secs(60))
        .expect("batch held its answer back while its input was open")
        .expect("one answer");
    assert!(first.contains("\"ttp\""), "{first}");
    drop(server);
    // Not a speed check: without the fix it waited for the input to end,
    // which here is never; a minute means it hangs.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("batch still waits for its input after the server shut down");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let mut errors = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut errors).unwrap();
    assert_eq!(status.code(), Some(5), "{errors}");
    // Cut at the end of the drain, or ended cleanly: either way named.
    assert!(errors.contains("ResolveStream"), "{errors}");
    drop(input);
}

/// Waits for `child` to exit; a minute means it hangs (not a speed check).
fn exit_status(child: &mut std::process::Child, what: &str) -> std::process::ExitStatus {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("{what}: still running");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

#[test]
fn batch_ends_quietly_when_its_output_closes() {
    use std::io::{BufRead, BufReader, Read};
    let server = Server::start(Limits::default());
    // Far more output than a pipe holds, so batch is still writing when
    // the reader goes away.
    let line = "{\"id\": \"x\", \"text\": \"The TTP attacked near Torkham; Imran Khan spoke.\"}\n";
    let input = line.repeat(5_000);
    let cases: [(&str, &[&str]); 2] = [
        ("in process", &["batch"]),
        ("over a server", &["batch", "--server", &server.url]),
    ];
    for (name, args) in cases {
        let mut child = Command::new(env!("CARGO_BIN_EXE_entity-resolver"))
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the binary starts");
        // The input stays open after it is written, as a producer's pipe
        // would: batch must stop reading it, not wait for its end.
        let mut pipe = child.stdin.take().expect("stdin is piped");
        let (done, keep_open) = std::sync::mpsc::channel::<()>();
        let input = input.clone();
        let writer = std::thread::spawn(move || {
            let _ = pipe.write_all(input.as_bytes());
            let _ = keep_open.recv();
        });
        // `| head -1`: one line read, then the pipe closed.
        let mut output = BufReader::new(child.stdout.take().expect("stdout is piped"));
        let mut first = String::new();
        output.read_line(&mut first).unwrap();
        assert!(first.contains("\"ttp\""), "{name}: {first}");
        drop(output);
        let status = exit_status(&mut child, name);
        let mut errors = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut errors)
            .unwrap();
        assert_eq!(status.code(), Some(0), "{name}: {errors}");
        assert_eq!(errors, "", "{name}: a closed output is a normal end");
        drop(done);
        writer.join().unwrap();
    }
}

#[test]
fn batch_in_process_and_over_a_server_agree_on_an_oversized_answer() {
    let server = Server::start(Limits::default());
    // The second answer (a mention every four bytes of a 1 MiB text) is far
    // over the answer limit; the documents around it are not.
    let huge = "TTP ".repeat(262_144);
    let input = format!(
        "{{\"id\": \"1\", \"text\": \"TTP\"}}\n{{\"id\": \"2\", \"text\": \"{huge}\"}}\n{{\"id\": \"3\", \"text\": \"Imran Khan\"}}\n"
    );
    // (extra arguments, exit code, output lines)
    let cases: [(&[&str], i32, &[&str]); 2] =
        [(&["--skip-invalid"], 0, &["1", "3"]), (&[], 1, &["1"])];
    for (extra, code, ids) in cases {
        let mut local_args = vec!["batch"];
        local_args.extend(extra);
        let mut remote_args = local_args.clone();
        remote_args.extend(["--server", &server.url]);
        for (name, args) in [("in process", &local_args), ("over a server", &remote_args)] {
            let output = run(args, &input);
            let errors = stderr(&output);
            assert_eq!(
                output.status.code(),
                Some(code),
                "{name} {extra:?}: {errors}"
            );
            let got: Vec<String> = stdout(&output)
                .lines()
                .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["id"].to_string())
                .collect();
            let want: Vec<String> = ids.iter().map(|id| format!("{id:?}")).collect();
            assert_eq!(got, want, "{name} {extra:?}");
            // The refused line is named, with the limit it broke (the
            // answer's size, or the mentions per document, whichever the
            // resolver meets first).
            assert!(errors.contains(":2:"), "{name} {extra:?}: {errors}");
            assert!(
                errors.contains("over the limit of"),
                "{name} {extra:?}: {errors}"
            );
        }
    }
}
