//! `loadgen` run as a user would, against a real server in this process: the
//! JSON report is read back and checked for sense, not for speed.

use entity_resolver::reload::TableSource;
use entity_resolver::server::{serve_with, Limits, ResolverService, ServeConfig};
use std::process::{Command, Output};

/// The embedded table served on 127.0.0.1:0 in this process until dropped.
/// The root package's shared fixture (tests/common) is not visible from this
/// package, and loadgen needs only this much of it.
struct Server {
    url: String,
    /// Serves until dropped, after the shutdown signal.
    _runtime: tokio::runtime::Runtime,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Server {
    fn start(limits: Limits) -> Server {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let index = std::sync::Arc::new(entity_resolver_core::Index::embedded().unwrap());
        let config = ServeConfig::new(ResolverService::new(index, limits), TableSource::Embedded);
        let (shutdown, signal) = tokio::sync::oneshot::channel::<()>();
        runtime.spawn(serve_with(listener, config, async move {
            let _ = signal.await;
        }));
        Server {
            url,
            _runtime: runtime,
            shutdown: Some(shutdown),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

fn loadgen(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_entity-resolver-tools"))
        .arg("loadgen")
        .args(args)
        .output()
        .expect("the binary runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The JSON objects printed, one per line.
fn json_lines(output: &Output) -> Vec<serde_json::Value> {
    assert!(output.status.success(), "{}", stderr(output));
    String::from_utf8(output.stdout.clone())
        .expect("stdout is UTF-8")
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect()
}

fn runs(lines: &[serde_json::Value]) -> Vec<&serde_json::Value> {
    lines
        .iter()
        .filter(|line| line.get("rpc").is_some())
        .collect()
}

#[test]
fn every_rpc_runs_cleanly_and_the_ratio_is_reported() {
    let server = Server::start(Limits::default());
    let output = loadgen(&[
        "--target",
        &server.url,
        "--rpc",
        "resolve",
        "--rpc",
        "echo",
        "--rpc",
        "stream",
        "--duration",
        "1s",
        "--warmup",
        "200ms",
        "--connections",
        "2",
        "--concurrency",
        "2",
        "--json",
    ]);
    let lines = json_lines(&output);
    let runs = runs(&lines);
    let names: Vec<&str> = runs
        .iter()
        .map(|run| run["rpc"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["resolve", "echo", "stream"]);
    for run in &runs {
        let name = &run["rpc"];
        assert!(run["requests"].as_u64().unwrap() > 0, "{name}: {run}");
        assert_eq!(run["error_count"], 0, "{name}: {run}");
        assert_eq!(run["errors"], serde_json::json!({}), "{name}: {run}");
        assert_eq!(run["connections"], 2, "{name}");
        assert!(run["seconds"].as_f64().unwrap() >= 1.0, "{name}: {run}");
        let payload = run["avg_payload_bytes"].as_f64().unwrap();
        assert!((800.0..=1300.0).contains(&payload), "{name}: {run}");
        if run["mode"] == "stream" {
            assert!(run["latency_ms"].is_null(), "{name}: {run}");
            continue;
        }
        assert_eq!(run["mode"], "closed-loop", "{name}");
        assert_eq!(run["concurrency"], 2, "{name}");
        let latency = &run["latency_ms"];
        let at = |key: &str| {
            latency[key]
                .as_f64()
                .unwrap_or_else(|| panic!("{key}: {run}"))
        };
        assert!(at("p50") > 0.0, "{name}: {run}");
        assert!(
            at("p50") <= at("p90")
                && at("p90") <= at("p99")
                && at("p99") <= at("p99_9")
                && at("p99_9") <= at("max"),
            "{name}: percentiles out of order: {run}"
        );
    }
    let ratio = lines
        .iter()
        .find(|line| line.get("ratio").is_some())
        .unwrap_or_else(|| panic!("no ratio in {lines:?}"));
    let resolve = runs[0]["requests_per_second"].as_f64().unwrap();
    let echo = runs[1]["requests_per_second"].as_f64().unwrap();
    let value = ratio["value"].as_f64().unwrap();
    assert!((value - resolve / echo).abs() < 1e-9, "{ratio}");
}

#[test]
fn a_fixed_rate_is_kept_roughly() {
    let server = Server::start(Limits::default());
    let output = loadgen(&[
        "--target",
        &server.url,
        "--rpc",
        "resolve",
        "--rate",
        "200",
        "--duration",
        "1s",
        "--warmup",
        "200ms",
        "--connections",
        "2",
        "--json",
    ]);
    let lines = json_lines(&output);
    let runs = runs(&lines);
    assert_eq!(runs.len(), 1, "{lines:?}");
    let run = runs[0];
    assert_eq!(run["mode"], "fixed-rate");
    assert_eq!(run["target_rate"], 200.0);
    assert_eq!(run["error_count"], 0, "{run}");
    // The schedule, not the machine's speed: every request due in the 1 s
    // window is either sent or counted unsent, whatever else the machine is
    // doing. Off by a connection count, the sum would be 100 or 400.
    let scheduled = run["requests"].as_u64().unwrap() + run["unsent"].as_u64().unwrap();
    assert!((199..=201).contains(&scheduled), "{run}");
    assert!(run["late"].is_u64(), "{run}");
    // Only one RPC ran, so there is nothing to compare.
    assert!(!lines.iter().any(|line| line.get("ratio").is_some()));
}

#[test]
fn an_unreachable_target_exits_with_code_5() {
    // A port just released by this process: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let target = format!("http://127.0.0.1:{port}");
    let output = loadgen(&["--target", &target, "--rpc", "echo", "--duration", "1s"]);
    assert_eq!(output.status.code(), Some(5), "{}", stderr(&output));
    let message = stderr(&output);
    assert!(message.contains("cannot connect"), "{message}");
    assert!(message.contains(&target), "{message}");
    assert!(output.stdout.is_empty());
}

#[test]
fn bad_arguments_exit_with_a_usage_or_input_code_naming_the_flag() {
    // (args, exit code, stderr must contain)
    let cases: &[(&[&str], i32, &str)] = &[
        (&["--rpc", "echo", "--rate", "0"], 1, "--rate"),
        (&["--rpc", "echo", "--rate=-5"], 1, "--rate"),
        (&["--rpc", "echo", "--rate", "NaN"], 1, "--rate"),
        (&["--rpc", "echo", "--duration", "0s"], 1, "--duration"),
        (&["--rpc", "echo", "--target", "localhost:1"], 1, "--target"),
        (
            &["--rpc", "echo", "--payload", "/nonexistent/texts"],
            1,
            "/nonexistent/texts",
        ),
        (&["--rpc", "echo", "--duration", "10"], 2, "--duration"),
        (&["--rpc", "echo", "--connections", "0"], 2, "--connections"),
        (&["--rpc", "lookup"], 2, "--rpc"),
        (&["--duration", "1s"], 2, "--rpc"),
        (
            &["--rpc", "echo", "--rate", "10", "--concurrency", "2"],
            2,
            "--concurrency",
        ),
    ];
    for (args, code, message) in cases {
        let output = loadgen(args);
        assert_eq!(
            output.status.code(),
            Some(*code),
            "{args:?}: {}",
            stderr(&output)
        );
        assert!(
            stderr(&output).contains(message),
            "{args:?}: {}",
            stderr(&output)
        );
    }
}

#[test]
fn a_payload_file_is_sent_instead_of_the_built_in_texts() {
    let server = Server::start(Limits::default());
    let dir = tempfile::tempdir().unwrap();
    let payload = dir.path().join("texts.txt");
    std::fs::write(&payload, "The TTP attacked.\n\nKabul was calm today.\n").unwrap();
    let output = loadgen(&[
        "--target",
        &server.url,
        "--rpc",
        "echo",
        "--payload",
        payload.to_str().unwrap(),
        "--duration",
        "300ms",
        "--warmup",
        "0s",
        "--connections",
        "1",
        "--concurrency",
        "2",
        "--json",
    ]);
    let lines = json_lines(&output);
    let run = runs(&lines)[0];
    assert!(run["requests"].as_u64().unwrap() > 0, "{run}");
    // 17 and 21 bytes sent in turn.
    let payload = run["avg_payload_bytes"].as_f64().unwrap();
    assert!((17.0..=21.0).contains(&payload), "{run}");
}
