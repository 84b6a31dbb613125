//! Section 1 of issue 11: `entity-resolver serve`, as a child process, stops
//! when told, whatever runs in it.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use entity_resolver::proto::entity_resolver_service_client::EntityResolverServiceClient;
use entity_resolver::proto::{ResolveRequest, ResolveStreamRequest};

use crate::common::runtime;

/// `entity-resolver serve` as a child process, its log collected.
struct Serving {
    child: Child,
    url: String,
    log: Arc<Mutex<Vec<String>>>,
}

impl Serving {
    fn start(drain_seconds: &str) -> Serving {
        let mut child = Command::new(env!("CARGO_BIN_EXE_entity-resolver"))
            .args([
                "serve",
                "--addr",
                "127.0.0.1:0",
                "--drain-seconds",
                drain_seconds,
            ])
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let log = Arc::new(Mutex::new(Vec::new()));
        let (address, found) = std::sync::mpsc::channel();
        let lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let collected = log.clone();
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                if line.contains("serving entityresolution.v1.EntityResolverService") {
                    let addr = line
                        .split_whitespace()
                        .find_map(|word| word.strip_prefix("addr="))
                        .map(str::to_string);
                    let _ = address.send(addr);
                }
                collected.lock().unwrap().push(line);
            }
        });
        let addr = found
            .recv_timeout(Duration::from_secs(60))
            .expect("the server starts within a minute")
            .expect("the log names the address");
        Serving {
            child,
            url: format!("http://{addr}"),
            log,
        }
    }

    fn signal(&self, name: &str) {
        let sent = Command::new("kill")
            .args([format!("-{name}"), self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
    }

    /// Waits for a log line containing `text`; false after a minute.
    fn logged(&self, text: &str) -> bool {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if self
                .log
                .lock()
                .unwrap()
                .iter()
                .any(|line| line.contains(text))
            {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }

    /// The exit code; None when the process was still running after a
    /// minute (then it is killed: a hang).
    fn exit_code(&mut self) -> Option<i32> {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        None
    }

    fn log(&self) -> String {
        self.log.lock().unwrap().join("\n")
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Opens a ResolveStream that stays open (nothing sent, nothing ended): a
/// call in flight for the drain to wait for.
async fn open_stream(url: &str) -> impl Sized {
    let mut client = EntityResolverServiceClient::connect(url.to_string())
        .await
        .unwrap();
    let answers = client
        .resolve_stream(tokio_stream::pending::<ResolveStreamRequest>())
        .await
        .unwrap();
    (client, answers)
}

/// During a long drain, a second signal ends the process at once with 128
/// plus its number.
#[test]
fn a_second_signal_exits_at_once() {
    let runtime = runtime();
    for (first, second, expected) in [
        ("TERM", "TERM", 143),
        ("INT", "INT", 130),
        ("TERM", "INT", 130),
    ] {
        let mut serving = Serving::start("600");
        let _in_flight = runtime.block_on(open_stream(&serving.url));
        serving.signal(first);
        // Two signals close together may arrive as one: the second is sent
        // once the first has been seen.
        assert!(serving.logged("received"), "{first}: {}", serving.log());
        serving.signal(second);
        assert_eq!(
            serving.exit_code(),
            Some(expected),
            "{first} then {second}: {}",
            serving.log()
        );
        assert!(serving.logged("exiting at once"), "{}", serving.log());
    }
}

/// After the drain time the process exits, even while resolutions keep
/// the CPU busy (a text that took minutes to resolve before issue 11).
#[test]
fn the_process_exits_after_the_drain_time_while_work_runs() {
    let mut serving = Serving::start("1");
    let runtime = runtime();
    let url = serving.url.clone();
    let _in_flight = runtime.block_on(async move {
        let stream = open_stream(&url).await;
        let client = EntityResolverServiceClient::connect(url).await.unwrap();
        // More calls than the machine has cores.
        let busy: Vec<_> = (0..4)
            .map(|_| {
                let mut client = client.clone();
                tokio::spawn(async move {
                    client
                        .resolve(ResolveRequest {
                            id: String::new(),
                            text: "Ab".repeat(2000),
                            options: None,
                        })
                        .await
                })
            })
            .collect();
        (stream, busy)
    });
    // Time for the calls to reach the server; they run for minutes.
    std::thread::sleep(Duration::from_millis(500));
    serving.signal("TERM");
    assert_eq!(serving.exit_code(), Some(0), "{}", serving.log());
}
