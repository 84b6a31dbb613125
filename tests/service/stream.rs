//! ResolveStream: one answer per document, in order, whatever the
//! documents, the reader's pace or the client's fate.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use entity_resolver::proto::entity_resolver_service_client::EntityResolverServiceClient;
use entity_resolver::proto::{
    resolve_stream_response::Outcome, ResolveRequest, ResolveResponse, ResolveStreamRequest,
};
use tokio::sync::oneshot;
use tonic::Code;

use crate::checks::*;
use crate::common::wait::settled;
use crate::common::{BoxError, TestResult, TestServer};
use crate::news::*;

#[tokio::test]
async fn resolve_stream_answers_each_document_in_order() -> TestResult {
    const DOCUMENTS: usize = 200;
    const BAD: usize = 117;
    let server = TestServer::start().await?;
    let mut client = server.client();

    let texts: Vec<&str> = PARAGRAPHS
        .iter()
        .map(|p| p.text)
        .chain(["ISKP and the TTP clashed near Torkham.", ""])
        .collect();
    let mut expected = Vec::new();
    for text in &texts {
        expected.push(resolve(&mut client, request(text)).await);
    }

    let requests: Vec<ResolveStreamRequest> = (0..DOCUMENTS)
        .map(|i| ResolveStreamRequest {
            document: Some(ResolveRequest {
                id: format!("doc-{i:03}"),
                text: texts[i % texts.len()].to_string(),
                options: (i == BAD).then(|| min_score(5.0)),
            }),
        })
        .collect();
    let mut inbound = client
        .resolve_stream(tokio_stream::iter(requests))
        .await?
        .into_inner();
    let mut replies = Vec::new();
    while let Some(reply) = inbound.message().await? {
        replies.push(reply);
    }

    assert_eq!(replies.len(), DOCUMENTS, "one response per request");
    for (i, reply) in replies.iter().enumerate() {
        let id = format!("doc-{i:03}");
        assert_eq!(reply.id, id, "responses out of order");
        match (&reply.outcome, i == BAD) {
            (Some(Outcome::Error(error)), true) => {
                assert_eq!(error.code, Code::InvalidArgument as i32, "{error:?}");
                assert!(error.message.contains("options.min_score"), "{error:?}");
            }
            (Some(Outcome::Result(result)), false) => {
                assert_eq!(result.id, id);
                let text = texts[i % texts.len()];
                check_invariants(text, result);
                let want = ResolveResponse {
                    id: id.clone(),
                    ..expected[i % texts.len()].clone()
                };
                assert_eq!(result, &want, "stream and unary differ for {id}");
            }
            (outcome, bad) => panic!("{id} (bad: {bad}): unexpected outcome {outcome:?}"),
        }
    }

    server.stop().await;
    Ok(())
}

/// ResolveStream promises exactly one response per request document, a failed
/// document answering with its own `error`. Regression: up to 758200e the
/// document below made the resolver panic, which killed the stream's worker
/// task; its sender was dropped and the stream ended early with status OK,
/// every later document silently lost. That panic is fixed (6c78bdc), but the
/// worker task still does not catch one, so any future panic in `resolve_one`
/// would truncate a stream the same way.
#[tokio::test]
async fn resolve_stream_survives_a_document_that_breaks_the_resolver() -> TestResult {
    let server = TestServer::start().await?;
    let mut client = server.client();
    let texts = ["Torkham", DEFINED_ACRONYMS[0].0, "Kurram", "Chaman"];
    let requests: Vec<ResolveStreamRequest> = texts
        .iter()
        .enumerate()
        .map(|(i, text)| ResolveStreamRequest {
            document: Some(ResolveRequest {
                id: format!("s-{i}"),
                text: text.to_string(),
                options: None,
            }),
        })
        .collect();
    let mut inbound = client
        .resolve_stream(tokio_stream::iter(requests))
        .await?
        .into_inner();
    let mut replies = Vec::new();
    let ended = loop {
        match inbound.message().await {
            Ok(Some(reply)) => replies.push(reply),
            Ok(None) => break Ok(()),
            Err(status) => break Err(status),
        }
    };
    let got: Vec<&str> = replies.iter().map(|r| r.id.as_str()).collect();
    server.stop().await;
    assert_eq!(
        got,
        ["s-0", "s-1", "s-2", "s-3"],
        "one response per document (stream ended with {ended:?})"
    );
    for (reply, want) in replies
        .iter()
        .zip([Some("torkham"), None, Some("kurram"), Some("chaman")])
    {
        if let Some(want) = want {
            assert!(
                matches!(&reply.outcome, Some(Outcome::Result(r)) if ids(r) == [want]),
                "{reply:?}"
            );
        }
    }
    Ok(())
}

/// `count` requests numbered from 0, counting how many the transport has taken.
fn counted_requests(
    count: usize,
    taken: Arc<AtomicUsize>,
    text: &'static str,
) -> impl tokio_stream::Stream<Item = ResolveStreamRequest> {
    use tokio_stream::StreamExt;
    tokio_stream::iter(0..count).map(move |i| {
        taken.fetch_add(1, Ordering::SeqCst);
        ResolveStreamRequest {
            document: Some(ResolveRequest {
                id: i.to_string(),
                text: text.to_string(),
                options: None,
            }),
        }
    })
}

#[tokio::test]
async fn resolve_stream_holds_a_producer_that_outruns_its_reader() -> TestResult {
    const DOCUMENTS: usize = 40_000;
    let server = TestServer::start().await?;
    let mut client = server.client();
    let taken = Arc::new(AtomicUsize::new(0));
    // A fast producer; the client reads nothing at first.
    let text =
        "Torkham was closed again on Tuesday, traders said, and the queue of lorries grew longer.";
    let requests = counted_requests(DOCUMENTS, taken.clone(), text);
    let mut inbound = client.resolve_stream(requests).await?.into_inner();
    let stalled_at = settled(|| taken.load(Ordering::SeqCst)).await;
    // What is in flight is bounded by the HTTP/2 flow-control windows (about
    // 1 MiB each way) and the server's window of documents, not by the input.
    let held_bytes = stalled_at * text.len();
    eprintln!("the producer stalled after {stalled_at} documents ({held_bytes} bytes of text)");
    assert!(
        held_bytes < 4 << 20 && stalled_at < DOCUMENTS,
        "the server kept reading a stream nobody answers: {stalled_at} documents"
    );
    // Reading lets the producer go on; every answer comes, in order.
    for i in 0..DOCUMENTS {
        let reply = inbound.message().await?.expect("the stream goes on");
        assert_eq!(reply.id, i.to_string(), "responses out of order");
    }
    assert!(inbound.message().await?.is_none(), "one answer per request");
    server.stop().await;
    Ok(())
}

#[tokio::test]
async fn resolve_stream_of_a_client_that_vanishes_frees_its_work() -> TestResult {
    let server = TestServer::start().await?;
    let activity = server.activity.clone();
    let taken = Arc::new(AtomicUsize::new(0));
    let long_text: &'static str = "The TTP attacked near Torkham; Kabul denied it. "
        .repeat(400)
        .leak();
    // The client lives on a runtime of its own, so the test can kill it the
    // way a crashed client process goes: its connection closes mid-stream.
    let client_process = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    let (first, first_answer) = oneshot::channel();
    let url = format!("http://{}", server.addr);
    let requests = counted_requests(usize::MAX, taken.clone(), long_text);
    client_process.spawn(async move {
        let mut client = EntityResolverServiceClient::connect(url).await?;
        let mut inbound = client.resolve_stream(requests).await?.into_inner();
        let _ = first.send(inbound.message().await?.map(|reply| reply.id));
        std::future::pending::<()>().await;
        Ok::<(), BoxError>(())
    });
    assert_eq!(first_answer.await?, Some("0".to_string()));
    assert_eq!(activity.open_streams(), 1, "the stream is being served");
    client_process.shutdown_background();
    let left = settled(|| activity.open_streams() + activity.stream_documents()).await;
    assert_eq!(left, 0, "the stream of a vanished client still holds work");
    let after = taken.load(Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(taken.load(Ordering::SeqCst), after, "requests still read");
    server.stop().await;
    Ok(())
}
