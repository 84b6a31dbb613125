//! Concurrency limits: a call over a limit is refused at once, naming it,
//! and the slot is given back when its holder leaves.

use std::time::Duration;

use entity_resolver::server::{Limits, Stopped};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::Code;

use super::{heavy_batch, request, HEAVY_BATCH};
use crate::common::requests::stream_document;
use crate::common::wait::until;
use crate::common::{Client as Resolver, TestResult, TestServer};

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
        let server = TestServer::with_limits(case.limits).await?;
        let mut client = server.connect().await?;

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
