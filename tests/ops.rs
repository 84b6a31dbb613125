//! Operations: concurrency limits, hot reload, the admin token, TLS and the
//! drain on shutdown. Each test runs the production `serve_with` in-process
//! on 127.0.0.1:0 and talks to it over real HTTP/2 connections; the `reload`
//! command is run as the real binary.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use entity_resolver::admin::AdminToken;
use entity_resolver::client;
use entity_resolver::proto::admin_service_client::AdminServiceClient;
use entity_resolver::proto::entity_resolver_service_client::EntityResolverServiceClient;
use entity_resolver::proto::{
    resolve_stream_response::Outcome, GetEntityRequest, ListEntitiesRequest, LookupRequest,
    ReloadTableRequest, ReloadTableResponse, ResolveBatchRequest, ResolveRequest, ResolveResponse,
    ResolveStreamRequest,
};
use entity_resolver::reload::TableSource;
use entity_resolver::server::{
    serve_with, Activity, Limits, ResolverService, ServeConfig, Stopped,
};
use entity_resolver::Index;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio_stream::wrappers::ReceiverStream;
use tonic::transport::{Channel, Endpoint};
use tonic::Code;

type BoxError = Box<dyn std::error::Error + Send + Sync>;
type TestResult = Result<(), BoxError>;
type Resolver = EntityResolverServiceClient<Channel>;

const TOKEN: &str = "ops-test-token-0123456789";

// ---------------------------------------------------------------------------
// The server under test
// ---------------------------------------------------------------------------

struct Running {
    addr: std::net::SocketAddr,
    activity: Arc<Activity>,
    shutdown: oneshot::Sender<()>,
    task: JoinHandle<Result<Stopped, BoxError>>,
}

impl Running {
    async fn start(config: ServeConfig) -> Result<Running, BoxError> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let activity = config.service.activity();
        let (shutdown, signal) = oneshot::channel::<()>();
        let task = tokio::spawn(serve_with(listener, config, async move {
            let _ = signal.await;
        }));
        Ok(Running {
            addr,
            activity,
            shutdown,
            task,
        })
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    async fn channel(&self) -> Result<Channel, BoxError> {
        Ok(Endpoint::from_shared(self.url())?
            .timeout(Duration::from_secs(60))
            .connect()
            .await?)
    }

    async fn resolver(&self) -> Result<Resolver, BoxError> {
        Ok(EntityResolverServiceClient::new(self.channel().await?)
            .max_decoding_message_size(64 << 20)
            .max_encoding_message_size(64 << 20))
    }

    /// Signals shutdown and returns how serving ended.
    async fn stop(self) -> Stopped {
        let _ = self.shutdown.send(());
        tokio::time::timeout(Duration::from_secs(30), self.task)
            .await
            .expect("the server stops within 30 s")
            .expect("the server task does not panic")
            .expect("serve_with returns Ok")
    }
}

/// A server on the embedded table with `limits`. The index is built once
/// and shared: a debug build takes about a second per build.
fn embedded(limits: Limits) -> ServeConfig {
    static INDEX: std::sync::OnceLock<Arc<Index>> = std::sync::OnceLock::new();
    let index =
        INDEX.get_or_init(|| Arc::new(Index::embedded().expect("the embedded table loads")));
    ServeConfig::new(
        ResolverService::new(index.clone(), limits),
        TableSource::Embedded,
    )
}

fn request(id: &str, text: &str) -> ResolveRequest {
    ResolveRequest {
        id: id.to_string(),
        text: text.to_string(),
        options: None,
    }
}

fn stream_document(id: &str, text: &str) -> ResolveStreamRequest {
    ResolveStreamRequest {
        document: Some(request(id, text)),
    }
}

fn entity_ids(response: &ResolveResponse) -> Vec<&str> {
    response
        .mentions
        .iter()
        .map(|m| m.entity_id.as_str())
        .collect()
}

/// Waits until `value` reaches `target` (work is admitted asynchronously).
async fn until(what: &str, target: usize, value: impl Fn() -> usize) {
    for _ in 0..5000 {
        if value() == target {
            return;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    panic!("{what} never reached {target} (is {})", value());
}

/// Documents in a batch that keeps the server busy for a second or more in
/// a test build: long enough to act while it runs.
const HEAVY_BATCH: usize = 150;

fn heavy_batch(documents: usize) -> ResolveBatchRequest {
    let paragraph = "ISKP claimed the attack near Torkham; the TTP and the Pakistani Taliban \
                     denied it while officials in Peshawar and Kabul traded blame. "
        .repeat(20);
    ResolveBatchRequest {
        documents: (0..documents)
            .map(|i| request(&i.to_string(), &paragraph))
            .collect(),
    }
}

// ---------------------------------------------------------------------------
// Concurrency limits
// ---------------------------------------------------------------------------

/// What occupies the server's only slot before the probe.
#[derive(Debug, Clone, Copy)]
enum Occupant {
    OpenStream,
    BatchInFlight,
}

/// The call that then tries its luck.
#[derive(Debug, Clone, Copy)]
enum Probe {
    Stream,
    Resolve,
}

struct LimitCase {
    name: &'static str,
    limits: Limits,
    occupant: Occupant,
    probe: Probe,
    /// `None`: the probe succeeds; else the message must hold every part.
    refused_with: Option<&'static [&'static str]>,
}

async fn run_probe(client: &mut Resolver, probe: Probe) -> Result<(), tonic::Status> {
    match probe {
        Probe::Resolve => client
            .resolve(request("probe", "Torkham"))
            .await
            .map(|_| ()),
        Probe::Stream => {
            let documents = tokio_stream::iter(vec![stream_document("probe", "Torkham")]);
            let mut answers = client.resolve_stream(documents).await?.into_inner();
            answers.message().await?;
            Ok(())
        }
    }
}

#[tokio::test]
async fn concurrency_limits_refuse_at_once_naming_the_limit() -> TestResult {
    let one_stream = Limits {
        max_concurrent_streams: 1,
        ..Limits::default()
    };
    let one_request = Limits {
        max_concurrent_requests: 1,
        ..Limits::default()
    };
    let cases = [
        LimitCase {
            name: "a second stream over a limit of one",
            limits: one_stream,
            occupant: Occupant::OpenStream,
            probe: Probe::Stream,
            refused_with: Some(&["ResolveStream calls open on this server", "limit of 1"]),
        },
        LimitCase {
            name: "a unary call while the only stream slot is taken",
            limits: one_stream,
            occupant: Occupant::OpenStream,
            probe: Probe::Resolve,
            refused_with: None,
        },
        LimitCase {
            name: "a second request over a limit of one",
            limits: one_request,
            occupant: Occupant::BatchInFlight,
            probe: Probe::Resolve,
            refused_with: Some(&["requests in progress on this server is 2", "limit of 1"]),
        },
        LimitCase {
            name: "a stream while the only request slot is taken",
            limits: one_request,
            occupant: Occupant::BatchInFlight,
            probe: Probe::Stream,
            refused_with: None,
        },
    ];
    for case in cases {
        let name = case.name;
        let server = Running::start(embedded(case.limits)).await?;
        let mut client = server.resolver().await?;

        // Occupy the slot and make sure the server counts it.
        let (hold, held) = mpsc::channel(4);
        let occupant = match case.occupant {
            Occupant::OpenStream => {
                hold.send(stream_document("held", "Torkham")).await?;
                let mut answers = client
                    .resolve_stream(ReceiverStream::new(held))
                    .await?
                    .into_inner();
                answers.message().await?.expect("the held stream answers");
                until("open streams", 1, || server.activity.open_streams()).await;
                tokio::spawn(async move {
                    while let Some(_answer) = answers.message().await? {}
                    Ok::<usize, tonic::Status>(0)
                })
            }
            Occupant::BatchInFlight => {
                let mut batch_client = client.clone();
                let task = tokio::spawn(async move {
                    let answer = batch_client.resolve_batch(heavy_batch(HEAVY_BATCH)).await?;
                    Ok::<_, tonic::Status>(answer.into_inner().results.len())
                });
                until("requests", 1, || server.activity.requests()).await;
                task
            }
        };

        let probed = run_probe(&mut client, case.probe).await;
        match (case.refused_with, &probed) {
            (None, Ok(())) => {}
            (Some(parts), Err(status)) => {
                assert_eq!(status.code(), Code::ResourceExhausted, "{name}: {status:?}");
                for part in parts {
                    assert!(
                        status.message().contains(part),
                        "{name}: {status:?} lacks {part:?}"
                    );
                }
            }
            (expected, got) => panic!("{name}: expected refusal {expected:?}, got {got:?}"),
        }

        // Once the occupant is gone, the slot is free again.
        drop(hold);
        let occupant_answers = occupant.await??;
        if let Occupant::BatchInFlight = case.occupant {
            assert_eq!(
                occupant_answers, HEAVY_BATCH,
                "{name}: the batch got every answer"
            );
        }
        until("open streams", 0, || server.activity.open_streams()).await;
        until("requests", 0, || server.activity.requests()).await;
        let mut freed = None;
        for _ in 0..100 {
            match run_probe(&mut client, case.probe).await {
                Ok(()) => {
                    freed = Some(());
                    break;
                }
                // The stream's slot is given back when its response stream
                // is dropped, just after the client saw it end.
                Err(status) if status.code() == Code::ResourceExhausted => {
                    tokio::time::sleep(Duration::from_millis(10)).await
                }
                Err(status) => panic!("{name}: after the occupant left: {status:?}"),
            }
        }
        assert!(freed.is_some(), "{name}: the slot was never given back");
        drop(client);
        assert_eq!(server.stop().await, Stopped::Drained, "{name}");
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Shutdown and drain
// ---------------------------------------------------------------------------

/// A batch sent before the signal gets its whole answer; meanwhile the
/// listener is closed, so a new connection is refused.
#[tokio::test]
async fn shutdown_finishes_a_batch_in_flight_and_refuses_new_connections() -> TestResult {
    let server = Running::start(embedded(Limits::default())).await?;
    let mut client = server.resolver().await?;
    let batch = tokio::spawn(async move { client.resolve_batch(heavy_batch(HEAVY_BATCH)).await });
    until("requests", 1, || server.activity.requests()).await;

    let Running {
        addr,
        shutdown,
        task,
        activity,
    } = server;
    shutdown.send(()).expect("the server is running");

    let mut refused = false;
    for _ in 0..200 {
        if tokio::net::TcpStream::connect(addr).await.is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(
        refused,
        "new connections are still accepted after shutdown began"
    );
    assert_eq!(activity.requests(), 1, "the batch is still running");

    let answer = batch.await??.into_inner();
    assert_eq!(
        answer.results.len(),
        HEAVY_BATCH,
        "every document is answered"
    );
    assert!(answer
        .results
        .iter()
        .all(|r| !r.table_version.is_empty() && entity_ids(r).contains(&"ttp")));
    let stopped = tokio::time::timeout(Duration::from_secs(10), task).await???;
    assert_eq!(stopped, Stopped::Drained);
    Ok(())
}

/// A stream that stays open is answered during the drain time and cut off
/// at its end, and serving then ends by itself.
#[tokio::test]
async fn drain_time_answers_an_open_stream_then_cuts_it_off() -> TestResult {
    let drain = Duration::from_millis(800);
    let server = Running::start(ServeConfig {
        drain,
        ..embedded(Limits::default())
    })
    .await?;
    let mut client = server.resolver().await?;
    let (outbound, requests) = mpsc::channel(4);
    let mut answers = client
        .resolve_stream(ReceiverStream::new(requests))
        .await?
        .into_inner();
    outbound.send(stream_document("before", "Torkham")).await?;
    assert_eq!(answers.message().await?.expect("an answer").id, "before");

    let Running { shutdown, task, .. } = server;
    let began = std::time::Instant::now();
    shutdown.send(()).expect("the server is running");
    tokio::time::sleep(Duration::from_millis(100)).await;
    outbound.send(stream_document("during", "Kurram")).await?;
    let during = answers
        .message()
        .await?
        .expect("an answer during the drain");
    assert_eq!(during.id, "during");
    assert!(
        matches!(&during.outcome, Some(Outcome::Result(r)) if entity_ids(r) == ["kurram"]),
        "{during:?}"
    );
    assert!(!task.is_finished(), "serving ended with a stream open");

    // The client never closes its stream: the drain time ends it.
    let ended = tokio::time::timeout(Duration::from_secs(5), answers.message()).await;
    assert!(
        matches!(ended, Ok(Err(_)) | Ok(Ok(None))),
        "the stream was not cut off: {ended:?}"
    );
    assert!(
        began.elapsed() >= drain,
        "cut off before the drain time: {:?}",
        began.elapsed()
    );
    let stopped = tokio::time::timeout(Duration::from_secs(5), task).await???;
    assert_eq!(stopped, Stopped::CutOff);
    Ok(())
}

// ---------------------------------------------------------------------------
// Hot reload
// ---------------------------------------------------------------------------

const FRONT: &str = r#"
[[entity]]
id = "zorbistan-front"
name = "Zorbistan Liberation Front"
type = "organization"
"#;

const BRIGADE: &str = r#"
[[entity]]
id = "qarvand-brigade"
name = "Qarvand Brigade"
type = "organization"
"#;

const BROKEN: &str = r#"
[[entity]]
id = "broken-legion"
name = "Broken Legion"
type = "organization"
acronyms = ["bl"]
"#;

/// Writes exactly `files` into `dir`, removing the *.toml files not listed.
fn write_table(dir: &Path, files: &[(&str, &str)]) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            std::fs::remove_file(path).unwrap();
        }
    }
    for (name, content) in files {
        std::fs::write(dir.join(name), content).unwrap();
    }
}

async fn reload_with(
    channel: Channel,
    token: Option<&str>,
) -> Result<ReloadTableResponse, tonic::Status> {
    let mut request = tonic::Request::new(ReloadTableRequest {});
    if let Some(token) = token {
        request.metadata_mut().insert(
            "authorization",
            format!("Bearer {token}").parse().expect("a header value"),
        );
    }
    AdminServiceClient::new(channel)
        .reload_table(request)
        .await
        .map(|r| r.into_inner())
}

/// The version every table-dependent RPC names, checked to be one.
async fn served_version(client: &mut Resolver) -> Result<String, BoxError> {
    let resolved = client
        .resolve(request("", "Zorbistan Liberation Front"))
        .await?
        .into_inner()
        .table_version;
    let looked_up = client
        .lookup(LookupRequest {
            name: "Zorbistan".into(),
            limit: 1,
            entity_types: vec![],
        })
        .await?
        .into_inner()
        .table_version;
    let listed = client
        .list_entities(ListEntitiesRequest::default())
        .await?
        .into_inner();
    let first_id = listed.entities[0].id.clone();
    let got = client
        .get_entity(GetEntityRequest { id: first_id })
        .await?
        .into_inner()
        .table_version;
    assert!(!resolved.is_empty());
    for (rpc, version) in [
        ("Lookup", &looked_up),
        ("ListEntities", &listed.table_version),
        ("GetEntity", &got),
    ] {
        assert_eq!(version, &resolved, "{rpc} names another table version");
    }
    Ok(resolved)
}

#[derive(Debug)]
enum StepOutcome {
    /// The new table serves: each text resolves to its entity ("" for none).
    Swapped {
        version_changes: bool,
        resolves: &'static [(&'static str, &'static str)],
    },
    /// The reload is refused with a message holding each of these.
    Refused(&'static [&'static str]),
}

struct ReloadStep {
    name: &'static str,
    files: &'static [(&'static str, &'static str)],
    outcome: StepOutcome,
}

#[tokio::test]
async fn reload_swaps_a_valid_table_and_refuses_a_broken_one() -> TestResult {
    let dir = tempfile::tempdir()?;
    write_table(dir.path(), &[("front.toml", FRONT)]);
    let server = Running::start(ServeConfig {
        admin_token: Some(AdminToken::new(TOKEN)),
        ..ServeConfig::load(
            TableSource::Directory(dir.path().to_path_buf()),
            Limits::default(),
        )?
    })
    .await?;
    let mut client = server.resolver().await?;
    let mut serving = served_version(&mut client).await?;

    let steps = [
        ReloadStep {
            name: "a new entity in a new file is picked up",
            files: &[("front.toml", FRONT), ("brigade.toml", BRIGADE)],
            outcome: StepOutcome::Swapped {
                version_changes: true,
                resolves: &[
                    ("Qarvand Brigade", "qarvand-brigade"),
                    ("Zorbistan Liberation Front", "zorbistan-front"),
                ],
            },
        },
        ReloadStep {
            name: "a broken table is refused naming file and entity; the old one serves",
            files: &[
                ("front.toml", FRONT),
                ("brigade.toml", BRIGADE),
                ("broken.toml", BROKEN),
            ],
            outcome: StepOutcome::Refused(&["broken.toml", "broken-legion", "\"bl\""]),
        },
        ReloadStep {
            name: "an entity removed from the files is gone",
            files: &[("front.toml", FRONT)],
            outcome: StepOutcome::Swapped {
                version_changes: true,
                resolves: &[
                    ("Qarvand Brigade", ""),
                    ("Zorbistan Liberation Front", "zorbistan-front"),
                ],
            },
        },
        ReloadStep {
            name: "reloading unchanged files keeps the version",
            files: &[("front.toml", FRONT)],
            outcome: StepOutcome::Swapped {
                version_changes: false,
                resolves: &[("Zorbistan Liberation Front", "zorbistan-front")],
            },
        },
    ];
    for step in steps {
        let name = step.name;
        write_table(dir.path(), step.files);
        let reloaded = reload_with(server.channel().await?, Some(TOKEN)).await;
        match (step.outcome, reloaded) {
            (
                StepOutcome::Swapped {
                    version_changes,
                    resolves: expected,
                },
                Ok(response),
            ) => {
                assert_eq!(response.old_table_version, serving, "{name}");
                let now = served_version(&mut client).await?;
                assert_eq!(response.new_table_version, now, "{name}");
                assert_eq!(now != serving, version_changes, "{name}: version change");
                assert_eq!(response.entities as usize, step.files.len(), "{name}");
                assert!(
                    response.source.contains(&dir.path().display().to_string()),
                    "{name}"
                );
                for (text, entity) in expected {
                    let answer = client.resolve(request("", text)).await?.into_inner();
                    let want: Vec<&str> = [*entity].into_iter().filter(|e| !e.is_empty()).collect();
                    assert_eq!(entity_ids(&answer), want, "{name}: {text}");
                }
                serving = now;
            }
            (StepOutcome::Refused(parts), Err(status)) => {
                assert_eq!(
                    status.code(),
                    Code::FailedPrecondition,
                    "{name}: {status:?}"
                );
                for part in parts {
                    assert!(
                        status.message().contains(part),
                        "{name}: {status:?} lacks {part:?}"
                    );
                }
                assert_eq!(
                    served_version(&mut client).await?,
                    serving,
                    "{name}: old table serves"
                );
                let answer = client
                    .resolve(request("", "Qarvand Brigade"))
                    .await?
                    .into_inner();
                assert_eq!(entity_ids(&answer), ["qarvand-brigade"], "{name}");
            }
            (expected, got) => panic!("{name}: expected {expected:?}, got {got:?}"),
        }
    }
    drop(client);
    assert_eq!(server.stop().await, Stopped::Drained);
    Ok(())
}

/// Reloads (two at once, alternating tables) while a stream is fed: every
/// document is answered, in order, by one table or the other, and no reload
/// fails.
#[tokio::test]
async fn a_stream_spanning_reloads_answers_every_document() -> TestResult {
    let dir = tempfile::tempdir()?;
    write_table(dir.path(), &[("front.toml", FRONT)]);
    let server = Running::start(ServeConfig {
        admin_token: Some(AdminToken::new(TOKEN)),
        ..ServeConfig::load(
            TableSource::Directory(dir.path().to_path_buf()),
            Limits::default(),
        )?
    })
    .await?;
    let mut client = server.resolver().await?;
    let first = served_version(&mut client).await?;

    const DOCUMENTS: usize = 300;
    let (outbound, requests) = mpsc::channel(16);
    let mut answers = client
        .resolve_stream(ReceiverStream::new(requests))
        .await?
        .into_inner();
    let feeder = tokio::spawn(async move {
        for i in 0..DOCUMENTS {
            let text = "The Zorbistan Liberation Front and the Qarvand Brigade met in Torkham.";
            if outbound
                .send(stream_document(&i.to_string(), text))
                .await
                .is_err()
            {
                break;
            }
            if i % 20 == 0 {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }
        outbound
    });
    let channel = server.channel().await?;
    let table = dir.path().to_path_buf();
    let reloader = tokio::spawn(async move {
        let mut versions = Vec::new();
        // Rounds 0 and 2 add the brigade: the last table differs from the first.
        for round in 0..3 {
            // The files change only between reloads: a reload that read a
            // half-written directory would fail for a reason of the test's.
            if round % 2 == 0 {
                write_table(&table, &[("front.toml", FRONT), ("brigade.toml", BRIGADE)]);
            } else {
                write_table(&table, &[("front.toml", FRONT)]);
            }
            let (a, b) = tokio::join!(
                reload_with(channel.clone(), Some(TOKEN)),
                reload_with(channel.clone(), Some(TOKEN))
            );
            versions.push(a.map(|r| r.new_table_version));
            versions.push(b.map(|r| r.new_table_version));
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        versions
    });

    let mut seen = std::collections::BTreeSet::new();
    for i in 0..DOCUMENTS {
        let answer = answers.message().await?.expect("an answer per document");
        assert_eq!(answer.id, i.to_string(), "answers in request order");
        match answer.outcome {
            Some(Outcome::Result(result)) => {
                assert!(
                    entity_ids(&result).contains(&"zorbistan-front"),
                    "{i}: {result:?}"
                );
                seen.insert(result.table_version);
            }
            other => panic!("document {i} failed during a reload: {other:?}"),
        }
    }
    let outbound = feeder.await?;
    let versions = reloader.await?;
    let mut produced = std::collections::BTreeSet::from([first]);
    for version in &versions {
        produced.insert(version.clone().expect("every reload succeeds"));
    }
    assert_eq!(produced.len(), 2, "two tables alternate: {produced:?}");
    assert!(
        seen.is_subset(&produced),
        "answers from a table no reload produced: {seen:?} vs {produced:?}"
    );

    // The same stream, after the last reload, answers from the last table:
    // each document takes the table current when it is read.
    outbound
        .send(stream_document("last", "The Qarvand Brigade"))
        .await?;
    let last = answers.message().await?.expect("an answer");
    match last.outcome {
        Some(Outcome::Result(result)) => {
            assert_eq!(
                Some(&result.table_version),
                versions.last().unwrap().as_ref().ok()
            );
            assert_eq!(entity_ids(&result), ["qarvand-brigade"]);
        }
        other => panic!("{other:?}"),
    }
    drop((outbound, answers, client));
    assert_eq!(server.stop().await, Stopped::Drained);
    Ok(())
}

// ---------------------------------------------------------------------------
// Who may reload
// ---------------------------------------------------------------------------

#[tokio::test]
async fn admin_calls_need_the_token_and_other_calls_do_not() -> TestResult {
    struct AuthCase {
        name: &'static str,
        server_token: Option<&'static str>,
        presented: Option<&'static str>,
        admin_outcome: Result<(), (Code, &'static str)>,
    }
    let cases = [
        AuthCase {
            name: "no token configured: refused, naming the flag",
            server_token: None,
            presented: Some(TOKEN),
            admin_outcome: Err((Code::PermissionDenied, "--admin-token-file")),
        },
        AuthCase {
            name: "no token presented",
            server_token: Some(TOKEN),
            presented: None,
            admin_outcome: Err((Code::Unauthenticated, "Bearer")),
        },
        AuthCase {
            name: "wrong token",
            server_token: Some(TOKEN),
            presented: Some("ops-test-token-0123456788"),
            admin_outcome: Err((Code::Unauthenticated, "wrong admin token")),
        },
        AuthCase {
            name: "right token",
            server_token: Some(TOKEN),
            presented: Some(TOKEN),
            admin_outcome: Ok(()),
        },
    ];
    for case in cases {
        let name = case.name;
        let server = Running::start(ServeConfig {
            admin_token: case.server_token.map(AdminToken::new),
            ..embedded(Limits::default())
        })
        .await?;
        let outcome = reload_with(server.channel().await?, case.presented).await;
        match (&case.admin_outcome, &outcome) {
            (Ok(()), Ok(response)) => {
                assert_eq!(response.source, "the embedded table", "{name}");
                assert_eq!(
                    response.old_table_version, response.new_table_version,
                    "{name}"
                );
            }
            (Err((code, part)), Err(status)) => {
                assert_eq!(status.code(), *code, "{name}: {status:?}");
                assert!(status.message().contains(part), "{name}: {status:?}");
            }
            (expected, got) => panic!("{name}: expected {expected:?}, got {got:?}"),
        }
        // The resolver's RPCs need no token, whatever the admin setting.
        let mut client = server.resolver().await?;
        let answer = client.resolve(request("", "Torkham")).await?.into_inner();
        assert_eq!(entity_ids(&answer), ["torkham"], "{name}");
        drop(client);
        assert_eq!(server.stop().await, Stopped::Drained, "{name}");
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// TLS
// ---------------------------------------------------------------------------

/// A self-signed certificate for 127.0.0.1, its PEM written to `dir/ca.pem`.
fn self_signed(dir: &Path) -> (tonic::transport::Identity, std::path::PathBuf) {
    std::fs::create_dir_all(dir).unwrap();
    let rcgen::CertifiedKey { cert, signing_key } =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string(), "localhost".to_string()])
            .expect("a certificate");
    let ca = dir.join("ca.pem");
    std::fs::write(&ca, cert.pem()).unwrap();
    (
        tonic::transport::Identity::from_pem(cert.pem(), signing_key.serialize_pem()),
        ca,
    )
}

#[tokio::test]
async fn tls_serves_clients_that_trust_the_certificate_only() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (identity, ca) = self_signed(dir.path());
    let server = Running::start(ServeConfig {
        tls: Some(identity),
        ..embedded(Limits::default())
    })
    .await?;
    let port = server.addr.port();
    let other_ca = self_signed(&dir.path().join("other")).1;
    let cases: [(&str, String, Option<&Path>, bool); 4] = [
        (
            "https trusting the server's CA",
            format!("https://127.0.0.1:{port}"),
            Some(&ca),
            true,
        ),
        (
            "plaintext to a TLS server",
            format!("http://127.0.0.1:{port}"),
            None,
            false,
        ),
        (
            "https with the system's roots only",
            format!("https://127.0.0.1:{port}"),
            None,
            false,
        ),
        (
            "https trusting another CA",
            format!("https://127.0.0.1:{port}"),
            Some(&other_ca),
            false,
        ),
    ];
    for (name, url, tls_ca, works) in cases {
        let attempt = async {
            let mut client = client::connect(&url, tls_ca, 1 << 20).await?;
            let answer = client
                .resolve(request("", "Torkham"))
                .await
                .map_err(|status| entity_resolver::Error::Remote {
                    target: url.clone(),
                    message: status.to_string(),
                })?;
            Ok::<_, entity_resolver::Error>(answer.into_inner())
        };
        let outcome = tokio::time::timeout(Duration::from_secs(10), attempt)
            .await
            .unwrap_or_else(|_| panic!("{name}: no answer within 10 s"));
        match (works, outcome) {
            (true, Ok(answer)) => assert_eq!(entity_ids(&answer), ["torkham"], "{name}"),
            (false, Err(_)) => {}
            (works, got) => panic!("{name}: expected success {works}, got {got:?}"),
        }
    }
    assert_eq!(server.stop().await, Stopped::Drained);
    Ok(())
}

// ---------------------------------------------------------------------------
// The `reload` command
// ---------------------------------------------------------------------------

#[tokio::test]
async fn reload_command_exit_codes() -> TestResult {
    let dir = tempfile::tempdir()?;
    let table = dir.path().join("aliases");
    std::fs::create_dir(&table)?;
    write_table(&table, &[("front.toml", FRONT)]);
    let (identity, ca) = self_signed(dir.path());
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, format!("{TOKEN}\n"))?;
    let wrong_token_file = dir.path().join("wrong-token");
    std::fs::write(&wrong_token_file, "not-the-token\n")?;
    let server = Running::start(ServeConfig {
        tls: Some(identity),
        admin_token: Some(AdminToken::new(TOKEN)),
        ..ServeConfig::load(TableSource::Directory(table.clone()), Limits::default())?
    })
    .await?;
    let https = format!("https://127.0.0.1:{}", server.addr.port());
    let http = format!("http://127.0.0.1:{}", server.addr.port());
    let missing = dir.path().join("no-such-file");

    struct CliCase<'a> {
        name: &'a str,
        files: &'a [(&'a str, &'a str)],
        args: Vec<&'a str>,
        code: i32,
        output: &'a str,
    }
    let ca = ca.to_str().unwrap();
    let token = token_file.to_str().unwrap();
    let cases = [
        CliCase {
            name: "right token over TLS",
            files: &[("front.toml", FRONT), ("brigade.toml", BRIGADE)],
            args: vec![
                "--server",
                https.as_str(),
                "--tls-ca",
                ca,
                "--token-file",
                token,
            ],
            code: 0,
            output: "2 entities",
        },
        CliCase {
            name: "a broken table",
            files: &[("front.toml", FRONT), ("broken.toml", BROKEN)],
            args: vec![
                "--server",
                https.as_str(),
                "--tls-ca",
                ca,
                "--token-file",
                token,
            ],
            code: 3,
            output: "broken-legion",
        },
        CliCase {
            name: "wrong token",
            files: &[("front.toml", FRONT)],
            args: vec![
                "--server",
                https.as_str(),
                "--tls-ca",
                ca,
                "--token-file",
                wrong_token_file.to_str().unwrap(),
            ],
            code: 5,
            output: "wrong admin token",
        },
        CliCase {
            name: "no token",
            files: &[("front.toml", FRONT)],
            args: vec!["--server", https.as_str(), "--tls-ca", ca],
            code: 5,
            output: "Bearer",
        },
        CliCase {
            name: "plaintext to a TLS server",
            files: &[("front.toml", FRONT)],
            args: vec!["--server", http.as_str(), "--token-file", token],
            code: 5,
            output: "error",
        },
        CliCase {
            name: "an unreadable token file",
            files: &[("front.toml", FRONT)],
            args: vec![
                "--server",
                https.as_str(),
                "--tls-ca",
                ca,
                "--token-file",
                missing.to_str().unwrap(),
            ],
            code: 1,
            output: "no-such-file",
        },
    ];
    for case in cases {
        write_table(&table, case.files);
        let args: Vec<String> = case.args.iter().map(|a| a.to_string()).collect();
        let output = tokio::task::spawn_blocking(move || {
            std::process::Command::new(env!("CARGO_BIN_EXE_entity-resolver"))
                .arg("reload")
                .args(args)
                .output()
        })
        .await??;
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert_eq!(
            output.status.code(),
            Some(case.code),
            "{}: {text}",
            case.name
        );
        assert!(text.contains(case.output), "{}: {text}", case.name);
    }
    assert_eq!(server.stop().await, Stopped::Drained);
    Ok(())
}

// ---------------------------------------------------------------------------
// Reflection
// ---------------------------------------------------------------------------

/// `grpcurl` and `buf curl` find the admin service like the others.
#[tokio::test]
async fn reflection_lists_the_admin_service() -> TestResult {
    use tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient;
    use tonic_reflection::pb::v1::server_reflection_request::MessageRequest;
    use tonic_reflection::pb::v1::server_reflection_response::MessageResponse;
    use tonic_reflection::pb::v1::ServerReflectionRequest;

    let server = Running::start(embedded(Limits::default())).await?;
    let mut reflection = ServerReflectionClient::new(server.channel().await?);
    let requests = [
        MessageRequest::ListServices(String::new()),
        MessageRequest::FileContainingSymbol("entityresolution.v1.AdminService".into()),
    ]
    .map(|message| ServerReflectionRequest {
        host: String::new(),
        message_request: Some(message),
    });
    let mut replies = reflection
        .server_reflection_info(tokio_stream::iter(requests))
        .await?
        .into_inner();
    let listed = match replies.message().await?.and_then(|r| r.message_response) {
        Some(MessageResponse::ListServicesResponse(list)) => list.service,
        other => panic!("list_services answered {other:?}"),
    };
    for name in [
        "entityresolution.v1.AdminService",
        "entityresolution.v1.EntityResolverService",
    ] {
        assert!(
            listed.iter().any(|s| s.name == name),
            "{name} not in {listed:?}"
        );
    }
    let described = replies.message().await?.and_then(|r| r.message_response);
    assert!(
        matches!(described, Some(MessageResponse::FileDescriptorResponse(ref files)) if !files.file_descriptor_proto.is_empty()),
        "{described:?}"
    );
    drop((replies, reflection));
    assert_eq!(server.stop().await, Stopped::Drained);
    Ok(())
}
