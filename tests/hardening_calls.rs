//! Issue 11, the calls: no call can hold the async threads, run past its
//! deadline, answer more than the limits allow, or hold stream slots it does
//! not use. Each test runs the production `serve` in-process on
//! 127.0.0.1:0 and watches the server's own counters (`Activity`): nothing
//! here times anything; the waits below only guard against a hang.

use std::error::Error;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use entity_resolver::proto::entity_resolver_service_client::EntityResolverServiceClient;
use entity_resolver::proto::{
    resolve_stream_response::Outcome, ResolveBatchRequest, ResolveOptions, ResolveRequest,
    ResolveStreamRequest,
};
use entity_resolver::server::{serve, Activity, Limits, ResolverService};
use entity_resolver::Index;
use prost::Message;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot};
use tokio_stream::wrappers::ReceiverStream;
use tonic::transport::{Channel, Endpoint};
use tonic::{Code, Request};

type BoxError = Box<dyn Error + Send + Sync>;
type TestResult = Result<(), BoxError>;
type Client = EntityResolverServiceClient<Channel>;

struct TestServer {
    addr: SocketAddr,
    activity: Arc<Activity>,
    _shutdown: oneshot::Sender<()>,
}

impl TestServer {
    async fn start(limits: Limits) -> Result<Self, BoxError> {
        // The CPU pool has at least two threads whatever the machine, so
        // a small call has a thread while a large one holds another.
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(4)
            .build_global();
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let service = ResolverService::new(Arc::new(Index::embedded()?), limits);
        let activity = service.activity();
        let (shutdown, signal) = oneshot::channel::<()>();
        tokio::spawn(serve(listener, service, async move {
            let _ = signal.await;
        }));
        Ok(TestServer {
            addr,
            activity,
            _shutdown: shutdown,
        })
    }

    /// A client on a connection of its own.
    async fn client(&self) -> Result<Client, BoxError> {
        let channel = Endpoint::from_shared(format!("http://{}", self.addr))?
            .connect()
            .await?;
        Ok(EntityResolverServiceClient::new(channel).max_decoding_message_size(64 << 20))
    }
}

/// Waits until `value` is `want`; panics (naming `what`) if it never is.
async fn until(what: &str, want: usize, value: impl Fn() -> usize) {
    for _ in 0..12_000 {
        if value() == want {
            return;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("{what} never reached {want}: still {}", value());
}

/// Guards a step that must end against a hang, without timing it.
async fn ends<T>(what: &str, step: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(120), step)
        .await
        .unwrap_or_else(|_| panic!("{what} never ended"))
}

fn document(id: &str, text: &str) -> ResolveRequest {
    ResolveRequest {
        id: id.to_string(),
        text: text.to_string(),
        options: None,
    }
}

fn stream_document(id: &str, text: &str) -> ResolveStreamRequest {
    ResolveStreamRequest {
        document: Some(document(id, text)),
    }
}

/// Plain prose without entities: slow to get through in bulk (every word is
/// a fuzzy candidate), with a small answer.
fn prose(bytes: usize) -> String {
    let sentence = "Officials said the convoy was delayed by heavy rain and that talks \
                    would resume after the holiday, according to local reports. ";
    sentence.repeat(bytes / sentence.len() + 1)[..bytes].to_string()
}

const LARGE: usize = 8 << 20;

fn large_limits() -> Limits {
    Limits {
        max_text_bytes: LARGE,
        max_message_bytes: 64 << 20,
        ..Limits::default()
    }
}

fn ids(response: &entity_resolver::proto::ResolveResponse) -> Vec<&str> {
    response
        .mentions
        .iter()
        .map(|m| m.entity_id.as_str())
        .collect()
}

#[tokio::test]
async fn a_call_past_its_deadline_stops_and_frees_the_pool() -> TestResult {
    struct Case {
        name: &'static str,
        client_timeout: Option<Duration>,
        max_deadline: Duration,
        message: &'static str,
    }
    let cases = [
        Case {
            name: "the client's grpc-timeout",
            // Long enough that the 32 MiB request has arrived well before
            // the server stops the work (a loaded machine took over a second
            // to upload it), so only the server's early stop races the
            // client's own timer.
            client_timeout: Some(Duration::from_secs(5)),
            max_deadline: Duration::from_secs(60),
            message: "grpc-timeout",
        },
        Case {
            name: "the server's maximum, the client asking for none",
            client_timeout: None,
            max_deadline: Duration::from_millis(300),
            message: "--max-deadline-seconds",
        },
        Case {
            name: "the server's maximum below the client's",
            client_timeout: Some(Duration::from_secs(600)),
            max_deadline: Duration::from_millis(300),
            message: "--max-deadline-seconds",
        },
    ];
    // Far more than a second of work, even for a fast resolver.
    const HUGE: usize = 32 << 20;
    let text = prose(HUGE);
    for case in cases {
        let name = case.name;
        let server = TestServer::start(Limits {
            max_deadline: case.max_deadline,
            max_text_bytes: HUGE,
            max_message_bytes: 64 << 20,
            ..Limits::default()
        })
        .await?;
        let mut client = server.client().await?;
        let mut request = Request::new(document("large", &text));
        if let Some(timeout) = case.client_timeout {
            request.set_timeout(timeout);
        }
        let refused = ends(name, client.resolve(request))
            .await
            .expect_err("the call outlived its deadline");
        assert_eq!(
            refused.code(),
            Code::DeadlineExceeded,
            "{name}: {refused:?}"
        );
        assert!(
            refused.message().contains(case.message),
            "{name}: {refused:?}"
        );
        // The work stopped: nothing is left on the CPU pool or in the budget.
        until("documents in resolution", 0, || server.activity.resolving()).await;
        until("bytes in flight", 0, || server.activity.inflight_bytes()).await;
        until("requests", 0, || server.activity.requests()).await;
    }
    Ok(())
}

/// The test's runtime has one thread, which the server's async side shares
/// with the client: a handler that resolved on it would hold the small call
/// until the large one ended.
#[tokio::test]
async fn a_small_call_is_answered_while_a_large_one_runs() -> TestResult {
    let server = TestServer::start(large_limits()).await?;
    let mut large_client = server.client().await?;
    let large = tokio::spawn(async move {
        large_client
            .resolve(document("large", &prose(LARGE)))
            .await
            .map(|answer| answer.into_inner().id)
    });
    until("unary calls in progress", 1, || server.activity.requests()).await;
    until("documents in resolution", 1, || server.activity.resolving()).await;

    let mut client = server.client().await?;
    let small = ends(
        "the small call",
        client.resolve(document("small", "Torkham")),
    )
    .await?;
    assert_eq!(ids(small.get_ref()), ["torkham"]);
    assert!(
        !large.is_finished() && server.activity.resolving() == 1,
        "the large call ended before the small one was answered"
    );
    assert_eq!(ends("the large call", large).await??, "large");
    until("documents in resolution", 0, || server.activity.resolving()).await;
    Ok(())
}

#[tokio::test]
async fn a_stream_goes_on_past_an_oversized_answer() -> TestResult {
    let server = TestServer::start(Limits::default()).await?;
    let mut client = server.client().await?;
    let huge = "TTP ".repeat(262_144);
    let documents = [
        ("first", "TTP"),
        ("huge", huge.as_str()),
        ("last", "Imran Khan"),
    ]
    .map(|(id, text)| stream_document(id, text));
    let mut answers = client
        .resolve_stream(tokio_stream::iter(documents))
        .await?
        .into_inner();
    let mut got = Vec::new();
    while let Some(answer) = ends("the stream", answers.message()).await? {
        got.push((answer.id, answer.outcome));
    }
    assert_eq!(got.len(), 3, "one answer per document");
    assert!(
        matches!(&got[0], (id, Some(Outcome::Result(r))) if id == "first" && ids(r) == ["ttp"]),
        "{:?}",
        got[0]
    );
    match &got[1] {
        (id, Some(Outcome::Error(error))) if id == "huge" => {
            assert_eq!(error.code, Code::ResourceExhausted as i32, "{error:?}");
            assert!(error.message.contains("limit"), "{error:?}");
        }
        other => panic!("the oversized answer should be its document's error: {other:?}"),
    }
    assert!(
        matches!(&got[2], (id, Some(Outcome::Result(r))) if id == "last" && ids(r) == ["imran-khan"]),
        "{:?}",
        got[2]
    );
    Ok(())
}

#[tokio::test]
async fn resolve_refuses_an_answer_over_the_limit_naming_it() -> TestResult {
    let server = TestServer::start(Limits {
        max_answer_bytes: 2_000,
        ..Limits::default()
    })
    .await?;
    let mut client = server.client().await?;
    let fits = client.resolve(document("fits", "TTP near Torkham")).await?;
    assert!(fits.get_ref().encoded_len() <= 2_000);
    let refused = client
        .resolve(document("over", &"TTP ".repeat(200)))
        .await
        .expect_err("an answer over the limit");
    assert_eq!(refused.code(), Code::ResourceExhausted, "{refused:?}");
    for part in ["--max-answer-bytes", "limit of 2000"] {
        assert!(refused.message().contains(part), "{refused:?} lacks {part}");
    }
    Ok(())
}

#[tokio::test]
async fn a_batch_answers_each_document_within_the_answer_budget() -> TestResult {
    // About 80 bytes of answer per mention of "TTP ".
    const LIMIT: usize = 20_000;
    let server = TestServer::start(Limits {
        max_answer_bytes: LIMIT,
        ..Limits::default()
    })
    .await?;
    let mut client = server.client().await?;
    let bad_options = ResolveRequest {
        options: Some(ResolveOptions {
            min_score: 2.0,
            ..Default::default()
        }),
        ..document("bad", "Torkham")
    };
    let third = "TTP ".repeat(60);
    struct Case {
        name: &'static str,
        documents: Vec<ResolveRequest>,
        /// (index, code, part of the message) of the documents that must fail.
        failed: Vec<(u32, Code, &'static str)>,
        /// How many of the rest (all of equal size) may fail for want of budget.
        over_budget: usize,
    }
    let cases = [
        Case {
            name: "invalid options fail that document only",
            documents: vec![
                document("a", "Torkham"),
                bad_options,
                document("c", "Kurram"),
            ],
            failed: vec![(1, Code::InvalidArgument, "documents[1].options.min_score")],
            over_budget: 0,
        },
        Case {
            name: "an answer over the limit on its own",
            documents: vec![
                document("a", "Torkham"),
                document("b", &"TTP ".repeat(1_000)),
                document("c", "Kurram"),
            ],
            failed: vec![(1, Code::ResourceExhausted, "documents[1]")],
            over_budget: 0,
        },
        Case {
            name: "answers that fit alone but not together",
            documents: (0..6).map(|i| document(&i.to_string(), &third)).collect(),
            failed: vec![],
            over_budget: 6,
        },
    ];
    for case in cases {
        let name = case.name;
        let count = case.documents.len();
        let answer = client
            .resolve_batch(ResolveBatchRequest {
                documents: case.documents,
            })
            .await
            .map_err(|status| format!("{name}: {status:?}"))?
            .into_inner();
        assert!(
            answer.encoded_len() <= LIMIT,
            "{name}: {}",
            answer.encoded_len()
        );
        assert_eq!(
            answer.results.len(),
            count,
            "{name}: one entry per document"
        );
        let mut budget_failures = 0;
        for error in &answer.errors {
            let entry = &answer.results[error.index as usize];
            assert!(
                entry.table_version.is_empty() && entry.mentions.is_empty(),
                "{name}: a failed entry carries only its id: {entry:?}"
            );
            let detail = error.error.as_ref().expect("an error");
            match case.failed.iter().find(|(i, ..)| *i == error.index) {
                Some((_, code, part)) => {
                    assert_eq!(detail.code, *code as i32, "{name}: {detail:?}");
                    assert!(detail.message.contains(part), "{name}: {detail:?}");
                }
                None => {
                    assert_eq!(detail.code, Code::ResourceExhausted as i32, "{name}");
                    assert!(
                        detail.message.contains("ResolveBatch answer"),
                        "{name}: {detail:?}"
                    );
                    budget_failures += 1;
                }
            }
        }
        for (index, ..) in &case.failed {
            assert!(
                answer.errors.iter().any(|e| e.index == *index),
                "{name}: document {index} should have failed"
            );
        }
        assert!(
            budget_failures <= case.over_budget,
            "{name}: {budget_failures} refused for the budget"
        );
        if case.over_budget > 0 {
            assert!(budget_failures > 0, "{name}: the budget was never reached");
        }
        for (i, entry) in answer.results.iter().enumerate() {
            if !answer.errors.iter().any(|e| e.index == i as u32) {
                assert!(!entry.table_version.is_empty(), "{name}: entry {i}");
            }
        }
    }
    Ok(())
}

#[tokio::test]
async fn calls_are_admitted_by_bytes_of_text_in_flight() -> TestResult {
    let budget = LARGE + LARGE / 2;
    let server = TestServer::start(Limits {
        max_inflight_bytes: budget,
        max_batch_bytes: 2 * LARGE,
        ..large_limits()
    })
    .await?;
    let mut client = server.client().await?;

    // Over the budget on its own: refused at once, whatever else runs.
    let too_large = prose(budget + 1);
    let refused = client
        .resolve_batch(ResolveBatchRequest {
            documents: vec![
                document("a", &too_large[..LARGE]),
                document("b", &too_large[LARGE..]),
            ],
        })
        .await
        .expect_err("a batch over the whole budget");
    assert_eq!(refused.code(), Code::ResourceExhausted, "{refused:?}");
    assert!(
        refused.message().contains("--max-inflight-bytes"),
        "{refused:?}"
    );
    assert_eq!(server.activity.inflight_bytes(), 0, "nothing held");

    // A large call holds its bytes while it runs ...
    let mut large_client = server.client().await?;
    let large = tokio::spawn(async move {
        large_client
            .resolve(document("large", &prose(LARGE)))
            .await
            .map(|answer| answer.into_inner().id)
    });
    until("bytes in flight", LARGE, || {
        server.activity.inflight_bytes()
    })
    .await;
    // ... so one that would pass the budget with it is refused at once,
    let second = prose(LARGE / 2 + 1);
    let refused = client
        .resolve(document("second", &second))
        .await
        .expect_err("a call past the budget");
    assert_eq!(refused.code(), Code::ResourceExhausted, "{refused:?}");
    let total = (LARGE + second.len()).to_string();
    for part in ["--max-inflight-bytes", total.as_str()] {
        assert!(refused.message().contains(part), "{refused:?} lacks {part}");
    }
    assert!(!large.is_finished(), "the large call was still running");
    // ... and once it is done, the budget is whole again.
    assert_eq!(ends("the large call", large).await??, "large");
    until("bytes in flight", 0, || server.activity.inflight_bytes()).await;
    client.resolve(document("second", &second)).await?;
    assert_eq!(server.activity.inflight_bytes(), 0);
    Ok(())
}

/// Opens a stream that sends `first` (when given) and then nothing until
/// the returned sender is dropped.
async fn held_stream(
    client: &mut Client,
    first: Option<ResolveStreamRequest>,
) -> Result<
    (
        mpsc::Sender<ResolveStreamRequest>,
        tonic::Streaming<entity_resolver::proto::ResolveStreamResponse>,
    ),
    tonic::Status,
> {
    let (send, documents) = mpsc::channel(4);
    if let Some(first) = first {
        send.send(first).await.expect("the channel is open");
    }
    let answers = client
        .resolve_stream(ReceiverStream::new(documents))
        .await?
        .into_inner();
    Ok((send, answers))
}

#[tokio::test]
async fn one_connection_holds_at_most_its_share_of_streams() -> TestResult {
    let server = TestServer::start(Limits {
        max_streams_per_connection: 2,
        ..Limits::default()
    })
    .await?;
    let mut greedy = server.client().await?;
    let mut held = Vec::new();
    for _ in 0..2 {
        held.push(held_stream(&mut greedy, None).await?);
    }
    until("open streams", 2, || server.activity.open_streams()).await;
    let refused = held_stream(&mut greedy, None)
        .await
        .expect_err("a third stream on the connection");
    assert_eq!(refused.code(), Code::ResourceExhausted, "{refused:?}");
    for part in ["on this connection", "limit of 2"] {
        assert!(refused.message().contains(part), "{refused:?} lacks {part}");
    }

    // Another connection is not held up by the greedy one.
    let mut other = server.client().await?;
    let (send, mut answers) =
        held_stream(&mut other, Some(stream_document("other", "Torkham"))).await?;
    let answer = ends("the other stream", answers.message()).await?;
    assert!(matches!(
        answer.and_then(|a| a.outcome),
        Some(Outcome::Result(_))
    ));
    drop(send);

    // Closing one of its streams gives the connection its slot back.
    held.pop();
    until("open streams", 1, || server.activity.open_streams()).await;
    let mut reopened = None;
    for _ in 0..200 {
        match held_stream(&mut greedy, None).await {
            Ok(stream) => {
                reopened = Some(stream);
                break;
            }
            // The slot is given back when the response stream is dropped,
            // just after the reader counted the stream closed.
            Err(status) if status.code() == Code::ResourceExhausted => {
                tokio::time::sleep(Duration::from_millis(10)).await
            }
            Err(status) => return Err(status.into()),
        }
    }
    assert!(
        reopened.is_some(),
        "the connection's slot was never given back"
    );
    Ok(())
}

#[tokio::test]
async fn a_stream_that_sends_nothing_is_ended() -> TestResult {
    let server = TestServer::start(Limits {
        stream_idle_timeout: Duration::from_millis(200),
        ..Limits::default()
    })
    .await?;
    let mut client = server.client().await?;
    // (case, the document sent before going quiet)
    let cases = [
        ("a stream that never sends", None),
        (
            "a stream quiet after one answer",
            Some(stream_document("one", "Torkham")),
        ),
    ];
    for (name, first) in cases {
        let answered = usize::from(first.is_some());
        let (_still_open, mut answers) = held_stream(&mut client, first).await?;
        for _ in 0..answered {
            let answer = ends(name, answers.message()).await?;
            assert!(
                matches!(answer.and_then(|a| a.outcome), Some(Outcome::Result(_))),
                "{name}"
            );
        }
        let ended = ends(name, answers.message())
            .await
            .expect_err("an idle stream is ended");
        assert_eq!(ended.code(), Code::DeadlineExceeded, "{name}: {ended:?}");
        assert!(
            ended.message().contains("--stream-idle-seconds"),
            "{name}: {ended:?}"
        );
        until("open streams", 0, || server.activity.open_streams()).await;
    }
    Ok(())
}

/// Waits until `value` stops changing for half a second (at most a minute)
/// and returns where it settled.
async fn settled(value: impl Fn() -> usize) -> usize {
    let mut last = value();
    for _ in 0..120 {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let now = value();
        if now == last {
            return now;
        }
        last = now;
    }
    panic!("still changing after a minute: {last}");
}

#[tokio::test]
async fn a_stream_that_does_not_read_holds_at_most_its_window_of_text() -> TestResult {
    use entity_resolver::server::STREAM_WINDOW_BYTES;
    const DOCUMENT: usize = 256 << 10;
    let server = TestServer::start(Limits::default()).await?;
    let mut client = server.client().await?;
    let text = prose(DOCUMENT);
    let documents = (0..200).map(move |i| stream_document(&i.to_string(), &text));
    // The answers are never read: they pile up until the transport's flow
    // control stops the server sending them.
    let answers = client
        .resolve_stream(tokio_stream::iter(documents))
        .await?
        .into_inner();
    let held = settled(|| server.activity.inflight_bytes()).await;
    assert!(held > 0, "the stream holds the text it read");
    // Without a window of bytes, the window of 64 documents let it hold
    // all 64 (17 MB here).
    assert!(
        held <= STREAM_WINDOW_BYTES,
        "one stream holds {held} bytes of the in-flight budget"
    );
    assert!(
        held < 64 * DOCUMENT,
        "held {held}: a window of documents only"
    );
    // A client that never reads and never closes holds its window (and its
    // slot) until its connection goes: here, its process ends.
    drop(answers);
    drop(client);
    Ok(())
}

/// Not a test: the load for measuring a server's memory after a spike
/// (BENCHMARKS.md). `SPIKE_TARGET=http://127.0.0.1:PORT SPIKE_BATCHES=2
/// cargo test --release --test hardening_calls -- --ignored spike` sends
/// SPIKE_BATCHES ResolveBatch calls at once, each of 1000 documents of
/// 16 KB of news (16 MB, the largest batch the default limits allow), and
/// prints what came back.
#[tokio::test]
#[ignore]
async fn spike() -> TestResult {
    let target = std::env::var("SPIKE_TARGET")?;
    let batches: usize = std::env::var("SPIKE_BATCHES").map_or(Ok(1), |n| n.parse())?;
    let paragraph = "The Tehrik-i-Taliban Pakistan (TTP) claimed an attack on a checkpoint near                      Torkham on Tuesday. Imran Khan said Islamabad must talk to Kabul, while the                      Balochistan Liberation Army was blamed for a blast in Quetta. ";
    let text = paragraph.repeat(16_000 / paragraph.len() + 1)[..16_000].to_string();
    let channel = Endpoint::from_shared(target)?.connect().await?;
    let calls = (0..batches).map(|b| {
        let mut client = EntityResolverServiceClient::new(channel.clone())
            .max_decoding_message_size(256 << 20)
            .max_encoding_message_size(256 << 20);
        let documents = (0..1000)
            .map(|i| document(&format!("{b}-{i}"), &text))
            .collect();
        tokio::spawn(async move {
            client
                .resolve_batch(ResolveBatchRequest { documents })
                .await
        })
    });
    for call in calls.collect::<Vec<_>>() {
        match call.await? {
            Ok(answer) => {
                let answer = answer.into_inner();
                println!(
                    "answered: {} entries, {} errors, {} bytes",
                    answer.results.len(),
                    answer.errors.len(),
                    answer.encoded_len()
                );
            }
            Err(status) => println!("refused: {:?} {}", status.code(), status.message()),
        }
    }
    Ok(())
}
