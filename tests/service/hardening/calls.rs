//! A call cannot hold the async threads, run past its deadline or answer
//! more than the limits allow. Each test watches the server's own counters
//! (`Activity`).

use std::time::Duration;

use entity_resolver::proto::entity_resolver_service_client::EntityResolverServiceClient;
use entity_resolver::proto::{
    resolve_stream_response::Outcome, ResolveBatchRequest, ResolveOptions, ResolveRequest,
};
use entity_resolver::server::Limits;
use prost::Message;
use tonic::transport::Endpoint;
use tonic::{Code, Request};

use super::{large_limits, prose, LARGE};
use crate::common::requests::{document, ids, stream_document};
use crate::common::wait::{ends, until};
use crate::common::{TestResult, TestServer};

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
        let server = TestServer::with_limits(Limits {
            max_deadline: case.max_deadline,
            max_text_bytes: HUGE,
            max_message_bytes: 64 << 20,
            ..Limits::default()
        })
        .await?;
        let mut client = server.connect().await?;
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
    let server = TestServer::with_limits(large_limits()).await?;
    let mut large_client = server.connect().await?;
    let large = tokio::spawn(async move {
        large_client
            .resolve(document("large", &prose(LARGE)))
            .await
            .map(|answer| answer.into_inner().id)
    });
    until("unary calls in progress", 1, || server.activity.requests()).await;
    until("documents in resolution", 1, || server.activity.resolving()).await;

    let mut client = server.connect().await?;
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
    let server = TestServer::start().await?;
    let mut client = server.connect().await?;
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
    let server = TestServer::with_limits(Limits {
        max_answer_bytes: 2_000,
        ..Limits::default()
    })
    .await?;
    let mut client = server.connect().await?;
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
    let server = TestServer::with_limits(Limits {
        max_answer_bytes: LIMIT,
        ..Limits::default()
    })
    .await?;
    let mut client = server.connect().await?;
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

/// Not a test: the load for measuring a server's memory after a spike
/// (BENCHMARKS.md). `SPIKE_TARGET=http://127.0.0.1:PORT SPIKE_BATCHES=2
/// cargo test --release --test service -- --ignored hardening::calls::spike`
/// sends SPIKE_BATCHES ResolveBatch calls at once, each of 1000 documents of
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
