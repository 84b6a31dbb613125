//! Shutdown: calls in flight finish within the drain time, new connections
//! are refused, and what outlasts the drain is cut off.

use std::time::Duration;

use entity_resolver::proto::{
    resolve_stream_response::Outcome, ResolveRequest, ResolveStreamRequest,
};
use entity_resolver::server::Stopped;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

use super::{entity_ids, heavy_batch, HEAVY_BATCH};
use crate::checks::ids;
use crate::common::requests::stream_document;
use crate::common::wait::until;
use crate::common::{Options, TestResult, TestServer};

/// A batch sent before the signal gets its whole answer; meanwhile the
/// listener is closed, so a new connection is refused.
#[tokio::test]
async fn shutdown_finishes_a_batch_in_flight_and_refuses_new_connections() -> TestResult {
    let mut server = TestServer::start().await?;
    let mut client = server.connect().await?;
    let batch = tokio::spawn(async move { client.resolve_batch(heavy_batch(HEAVY_BATCH)).await });
    until("requests", 1, || server.activity.requests()).await;

    server.begin_shutdown();
    let (addr, activity) = (server.addr, server.activity.clone());

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
    let stopped = server.finish(Duration::from_secs(10)).await;
    assert_eq!(stopped, Stopped::Drained);
    Ok(())
}

/// A stream that stays open is answered during the drain time and cut off
/// at its end, and serving then ends by itself.
#[tokio::test]
async fn drain_time_answers_an_open_stream_then_cuts_it_off() -> TestResult {
    let drain = Duration::from_millis(800);
    let mut server = Options::default().drain(drain).start().await?;
    let mut client = server.connect().await?;
    let (outbound, requests) = mpsc::channel(4);
    let mut answers = client
        .resolve_stream(ReceiverStream::new(requests))
        .await?
        .into_inner();
    outbound.send(stream_document("before", "Torkham")).await?;
    assert_eq!(answers.message().await?.expect("an answer").id, "before");

    let began = std::time::Instant::now();
    server.begin_shutdown();
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
    assert!(!server.is_finished(), "serving ended with a stream open");

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
    let stopped = server.finish(Duration::from_secs(5)).await;
    assert_eq!(stopped, Stopped::CutOff);
    Ok(())
}

/// README: on shutdown "health turns NOT_SERVING, requests in flight finish".
/// A stream opened before the signal keeps being answered until the client
/// closes it, and only then does `serve` return.
#[tokio::test]
async fn shutdown_lets_a_stream_in_flight_finish() -> TestResult {
    let mut server = TestServer::start().await?;
    let mut client = server.client();
    let (outbound, requests) = tokio::sync::mpsc::channel(4);
    let mut inbound = client
        .resolve_stream(tokio_stream::wrappers::ReceiverStream::new(requests))
        .await?
        .into_inner();
    let document = |id: &str, text: &str| ResolveStreamRequest {
        document: Some(ResolveRequest {
            id: id.into(),
            text: text.into(),
            options: None,
        }),
    };

    outbound.send(document("before", "Torkham")).await?;
    let before = inbound.message().await?.expect("a reply before shutdown");
    assert_eq!(before.id, "before");

    server.begin_shutdown();
    // Give the server time to act on the signal before sending more.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        !server.is_finished(),
        "serve returned with a stream still open"
    );

    outbound.send(document("during", "Kurram")).await?;
    let during = tokio::time::timeout(Duration::from_secs(5), inbound.message())
        .await
        .expect("the open stream is still answered")?
        .expect("a reply during shutdown");
    assert_eq!(during.id, "during");
    assert!(
        matches!(&during.outcome, Some(Outcome::Result(r)) if ids(r) == ["kurram"]),
        "{during:?}"
    );

    drop(outbound);
    assert!(
        inbound.message().await?.is_none(),
        "the stream ends when the client closes it"
    );
    drop((inbound, client));
    server.finish(Duration::from_secs(10)).await;
    Ok(())
}
