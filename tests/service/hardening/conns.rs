//! Section 3 of issue 11: connection limits and timeouts, on both ports.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use entity_resolver::proto::entity_resolver_service_client::EntityResolverServiceClient;
use entity_resolver::proto::{ResolveRequest, ResolveStreamRequest};
use entity_resolver::server::Limits;
use entity_resolver::transport::Transport;
use tonic::codegen::Bytes;
use tonic::Code;

use super::calls;
use crate::common::raw::{
    closed_by_server, connect, frame, part_of_a_message, raw_call, Stalled, PREFACE,
};
use crate::common::scrape::{sample, scrape_until};
use crate::common::{runtime, Server};

/// Timeouts of one second, so that a test sees them act; no connection
/// limit unless a test sets one.
fn test_sized() -> Transport {
    Transport {
        header_timeout: Duration::from_secs(1),
        idle_timeout: Duration::from_secs(1),
        request_timeout: Duration::from_secs(1),
        ..Transport::default()
    }
}

fn start(transport: Transport) -> Server {
    Server::start_with(Limits::default(), |config| config.transport = transport)
}

#[test]
fn connections_over_the_limit_are_closed_at_once_on_both_ports() {
    let server = start(Transport {
        max_connections: 3,
        max_metrics_connections: 2,
        header_timeout: Duration::from_secs(60),
        ..Transport::default()
    });
    let mut held = Vec::new();
    for _ in 0..3 {
        let mut stream = connect(&server.url);
        // Served: the server opens with its SETTINGS.
        let mut settings = [0u8; 9];
        stream.read_exact(&mut settings).unwrap();
        assert_eq!(settings[3], 4, "a SETTINGS frame");
        held.push(stream);
    }
    let mut over = connect(&server.url);
    assert!(closed_by_server(&mut over), "the 4th gRPC connection");

    let metrics_held: Vec<TcpStream> = (0..2).map(|_| connect(&server.metrics_url)).collect();
    let mut over = connect(&server.metrics_url);
    assert!(closed_by_server(&mut over), "the 3rd metrics connection");

    drop(metrics_held);
    drop(held);
    let refused =
        |port: &str| format!("entity_resolver_connections_refused_total{{port=\"{port}\"}}");
    let open = |port: &str| format!("entity_resolver_open_connections{{port=\"{port}\"}}");
    let text = scrape_until(&server.metrics_url, |text| {
        sample(text, &open("grpc")) == 0.0 && sample(text, &open("metrics")) == 1.0
    });
    assert_eq!(sample(&text, &refused("grpc")), 1.0, "{text}");
    // The test's own, and maybe a scrape that came before a place was free.
    assert!(sample(&text, &refused("metrics")) >= 1.0, "{text}");
    assert_eq!(sample(&text, &open("grpc")), 0.0, "{text}");
    // The scrape's own connection.
    assert_eq!(sample(&text, &open("metrics")), 1.0, "{text}");
    // Places are given back: a new connection is served again.
    let mut again = connect(&server.url);
    let mut settings = [0u8; 9];
    again.read_exact(&mut settings).unwrap();
}

#[test]
fn silent_idle_and_half_sent_connections_are_closed() {
    let server = start(test_sized());
    struct Case {
        name: &'static str,
        metrics_port: bool,
        sends: Vec<u8>,
    }
    let cases = [
        Case {
            name: "gRPC: connected, sends nothing",
            metrics_port: false,
            sends: vec![],
        },
        Case {
            name: "gRPC: preface and settings, then no call",
            metrics_port: false,
            sends: [PREFACE.to_vec(), frame(4, 0, 0, &[])].concat(),
        },
        Case {
            name: "metrics: connected, sends nothing",
            metrics_port: true,
            sends: vec![],
        },
        Case {
            name: "metrics: half a request line",
            metrics_port: true,
            sends: b"GET /metr".to_vec(),
        },
        Case {
            name: "metrics: headers without their end",
            metrics_port: true,
            sends: b"GET /metrics HTTP/1.1\r\nHost: localhost\r\n".to_vec(),
        },
    ];
    // All at once: each waits for the same second.
    let mut streams: Vec<(&Case, TcpStream)> = cases
        .iter()
        .map(|case| {
            let url = if case.metrics_port {
                &server.metrics_url
            } else {
                &server.url
            };
            let mut stream = connect(url);
            stream.write_all(&case.sends).unwrap();
            (case, stream)
        })
        .collect();
    for (case, stream) in &mut streams {
        assert!(closed_by_server(stream), "{}", case.name);
    }
}

/// A call in progress keeps its connection open across many idle timeouts.
#[test]
fn a_connection_with_a_call_in_progress_is_not_idle() {
    let server = start(test_sized());
    let runtime = runtime();
    runtime.block_on(async {
        let mut client = EntityResolverServiceClient::connect(server.url.clone())
            .await
            .unwrap();
        let (documents, inbound) = tokio::sync::mpsc::channel(4);
        let mut answers = client
            .resolve_stream(tokio_stream::wrappers::ReceiverStream::new(inbound))
            .await
            .unwrap()
            .into_inner();
        for id in ["before", "after"] {
            documents
                .send(ResolveStreamRequest {
                    document: Some(ResolveRequest {
                        id: id.to_string(),
                        text: "Imran Khan spoke in Lahore.".to_string(),
                        options: None,
                    }),
                })
                .await
                .unwrap();
            let answer = answers.message().await.unwrap().unwrap();
            assert_eq!(answer.id, id);
            // Three idle timeouts with the stream open, the client silent.
            tokio::time::sleep(Duration::from_secs(3)).await;
        }
    });
}

/// A unary call whose request never ends is answered DEADLINE_EXCEEDED
/// after the request timeout, before any handler runs.
#[test]
fn a_unary_request_that_never_finishes_ends_with_deadline_exceeded() {
    let server = start(test_sized());
    let runtime = runtime();
    let (code, message) = runtime.block_on(raw_call(
        &server.url,
        tonic::body::Body::new(Stalled {
            first: Some(Bytes::from(part_of_a_message())),
        }),
    ));
    assert_eq!(code, Some(Code::DeadlineExceeded), "{message}");
    assert!(message.contains("request timeout"), "{message}");
    let text = scrape_until(&server.metrics_url, |text| {
        calls(text, "DEADLINE_EXCEEDED") > 0.0
    });
    assert_eq!(calls(&text, "DEADLINE_EXCEEDED"), 1.0, "{text}");
}
