//! Section 5 of issue 11: malformed requests, clients that go away, and
//! admin tokens guessed.

use std::io::Write;
use std::net::IpAddr;

use entity_resolver::admin::{AdminToken, FREE_FAILURES};
use entity_resolver::proto::admin_service_client::AdminServiceClient;
use entity_resolver::proto::entity_resolver_service_client::EntityResolverServiceClient;
use entity_resolver::proto::{ListEntitiesRequest, ReloadTableRequest};
use entity_resolver::server::Limits;
use tonic::codegen::Bytes;
use tonic::transport::{Channel, Endpoint};
use tonic::Code;

use super::calls;
use crate::common::raw::{
    call_headers, closed_by_server, connect, frame, part_of_a_message, raw_call, wait_for_headers,
    Stalled, Whole, PREFACE, RESOLVE,
};
use crate::common::scrape::scrape_until;
use crate::common::{runtime, Server};

/// tonic refuses a length prefix over the message limit with OUT_OF_RANGE
/// (the README documents tonic's status) without reading further.
#[test]
fn a_length_prefix_of_4_gb_is_refused_with_out_of_range() {
    let server = Server::start(Limits::default());
    let runtime = runtime();
    let prefix = Bytes::from_static(&[0, 0xff, 0xff, 0xff, 0xff]);
    for (name, body) in [
        (
            "prefix, then the end",
            tonic::body::Body::new(Whole(Some(prefix.clone()))),
        ),
        (
            "prefix, then nothing",
            tonic::body::Body::new(Stalled {
                first: Some(prefix.clone()),
            }),
        ),
    ] {
        let (code, message) = runtime.block_on(raw_call(&server.url, body));
        assert_eq!(code, Some(Code::OutOfRange), "{name}: {message}");
        assert!(message.contains("too large"), "{name}: {message}");
        assert!(message.contains("4294967295"), "{name}: {message}");
    }
}

#[test]
fn a_page_token_with_a_multibyte_character_is_invalid_argument() {
    let server = Server::start(Limits::default());
    let runtime = runtime();
    runtime.block_on(async {
        let mut client = EntityResolverServiceClient::connect(server.url.clone())
            .await
            .unwrap();
        for token in ["a€", "€€", "ab€c"] {
            let refused = client
                .list_entities(ListEntitiesRequest {
                    page_token: token.to_string(),
                    ..Default::default()
                })
                .await
                .unwrap_err();
            assert_eq!(
                refused.code(),
                Code::InvalidArgument,
                "{token}: {refused:?}"
            );
            assert!(
                refused.message().contains("page_token"),
                "{token}: {refused:?}"
            );
        }
        // The server is still there.
        let page = client
            .list_entities(ListEntitiesRequest::default())
            .await
            .unwrap();
        assert!(!page.into_inner().entities.is_empty());
    });
}

/// A client that closes its connection halfway through a request: the
/// call counts as CANCELLED (tonic hands the handler UNKNOWN).
#[test]
fn a_client_that_closes_mid_request_counts_as_cancelled() {
    let server = Server::start(Limits::default());
    let mut stream = connect(&server.url);
    const END_STREAM: u8 = 0x1;
    let empty_message = [0u8, 0, 0, 0, 0];
    stream
        .write_all(
            &[
                PREFACE.to_vec(),
                frame(4, 0, 0, &[]),
                // The call that breaks off, on stream 1.
                call_headers(1, RESOLVE),
                frame(0, 0, 1, &part_of_a_message()),
                // A whole call behind it, on stream 3: once it is answered,
                // the server has taken the call on stream 1 too.
                call_headers(3, "/entityresolution.v1.DiagnosticsService/Echo"),
                frame(0, END_STREAM, 3, &empty_message),
            ]
            .concat(),
        )
        .unwrap();
    wait_for_headers(&mut stream, 3);
    // A FIN, not a reset (which dropping a socket with unread data sends):
    // the server reads everything before it finds the end.
    stream.shutdown(std::net::Shutdown::Write).unwrap();
    assert!(closed_by_server(&mut stream));
    let text = scrape_until(&server.metrics_url, |text| {
        calls(text, "CANCELLED") + calls(text, "UNKNOWN") > 0.0
    });
    assert_eq!(calls(&text, "CANCELLED"), 1.0, "{text}");
    assert_eq!(calls(&text, "UNKNOWN"), 0.0, "{text}");
}

async fn admin_from(url: &str, local: &str) -> AdminServiceClient<Channel> {
    let local: IpAddr = local.parse().unwrap();
    let channel = Endpoint::from_shared(url.to_string())
        .unwrap()
        .local_address(Some(local))
        .connect()
        .await
        .unwrap();
    AdminServiceClient::new(channel)
}

async fn reload_with(client: &mut AdminServiceClient<Channel>, token: &str) -> Result<(), Code> {
    let mut request = tonic::Request::new(ReloadTableRequest {});
    request
        .metadata_mut()
        .insert("authorization", format!("Bearer {token}").parse().unwrap());
    client
        .reload_table(request)
        .await
        .map(|_| ())
        .map_err(|status| status.code())
}

/// A guesser on 127.0.0.1 is held back after a few tries; the operator on
/// 127.0.0.2 (another address of the loopback network) still gets in.
#[test]
fn admin_failures_are_limited_per_address() {
    let server = Server::start_with(Limits::default(), |config| {
        config.admin_token = Some(AdminToken::new("the-right-token"));
    });
    let runtime = runtime();
    runtime.block_on(async {
        let mut guesser = admin_from(&server.url, "127.0.0.1").await;
        let mut outcomes = Vec::new();
        for i in 0..20 {
            outcomes.push(reload_with(&mut guesser, &format!("guess-{i}")).await);
        }
        let count = |code| outcomes.iter().filter(|&&o| o == Err(code)).count();
        // The waits run from one second up: the 20 tries take far less, so
        // at most one more try is looked at than the free ones.
        let looked_at = count(Code::Unauthenticated);
        assert!(
            (FREE_FAILURES as usize + 1..=FREE_FAILURES as usize + 2).contains(&looked_at),
            "{outcomes:?}"
        );
        assert_eq!(
            count(Code::ResourceExhausted),
            20 - looked_at,
            "{outcomes:?}"
        );
        let mut operator = admin_from(&server.url, "127.0.0.2").await;
        assert_eq!(reload_with(&mut operator, "the-right-token").await, Ok(()));
    });
}
