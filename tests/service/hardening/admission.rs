//! Admission: calls by bytes of text in flight, streams by connection, and
//! a stream holds no more than it uses.

use std::time::Duration;

use entity_resolver::proto::{
    resolve_stream_response::Outcome, ResolveBatchRequest, ResolveStreamRequest,
};
use entity_resolver::server::Limits;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::Code;

use super::{large_limits, prose, LARGE};
use crate::common::requests::{document, stream_document};
use crate::common::wait::{ends, settled, until};
use crate::common::{Client, TestResult, TestServer};

#[tokio::test]
async fn calls_are_admitted_by_bytes_of_text_in_flight() -> TestResult {
    let budget = LARGE + LARGE / 2;
    let server = TestServer::with_limits(Limits {
        max_inflight_bytes: budget,
        max_batch_bytes: 2 * LARGE,
        ..large_limits()
    })
    .await?;
    let mut client = server.connect().await?;

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
    let mut large_client = server.connect().await?;
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
    let server = TestServer::with_limits(Limits {
        max_streams_per_connection: 2,
        ..Limits::default()
    })
    .await?;
    let mut greedy = server.connect().await?;
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
    let mut other = server.connect().await?;
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
    let server = TestServer::with_limits(Limits {
        stream_idle_timeout: Duration::from_millis(200),
        ..Limits::default()
    })
    .await?;
    let mut client = server.connect().await?;
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

#[tokio::test]
async fn a_stream_that_does_not_read_holds_at_most_its_window_of_text() -> TestResult {
    use entity_resolver::server::STREAM_WINDOW_BYTES;
    const DOCUMENT: usize = 256 << 10;
    let server = TestServer::start().await?;
    let mut client = server.connect().await?;
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
