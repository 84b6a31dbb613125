//! The metrics endpoint of a real server: a table of calls, then a scrape
//! over HTTP, and the counters must have moved by exactly what was done.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use entity_resolver::proto::entity_resolver_service_client::EntityResolverServiceClient;
use entity_resolver::proto::resolve_stream_response::Outcome;
use entity_resolver::proto::{
    GetEntityRequest, ResolveOptions, ResolveRequest, ResolveResponse, ResolveStreamRequest,
};
use entity_resolver::server::Limits;
use entity_resolver_core::{Index, MatchKind};

use crate::common::scrape::{http_get, scrape, Scrape};
use crate::common::{runtime, Server};

const SERVICE: &str = "/entityresolution.v1.EntityResolverService/";

/// A paragraph with exact names, table acronyms, an acronym it defines
/// itself and a surname after the full name.
const TEXT: &str =
    "A suicide bomber from the Balochistan Liberation Army (BLA) rammed a car into a \
    convoy near Gwadar. The BLA said the attack was its third this year. Prime Minister Shehbaz \
    Sharif met the ISI chief in Islamabad; Sharif later chaired the security committee.";

/// Documents on the stream.
const STREAM_DOCUMENTS: usize = 25;

fn delta(before: &Scrape, after: &Scrape, series: &str) -> f64 {
    after.get(series).copied().unwrap_or(0.0) - before.get(series).copied().unwrap_or(0.0)
}

fn requests(method: &str, code: &str) -> String {
    format!("entity_resolver_grpc_requests_total{{method=\"{SERVICE}{method}\",code=\"{code}\"}}")
}

fn latency_count(method: &str) -> String {
    format!("entity_resolver_grpc_request_duration_seconds_count{{method=\"{SERVICE}{method}\"}}")
}

fn mentions(kind: MatchKind) -> String {
    format!(
        "entity_resolver_mentions_total{{match_kind=\"{}\"}}",
        kind.as_str()
    )
}

fn all_calls(scrape: &Scrape) -> f64 {
    scrape
        .iter()
        .filter(|(series, _)| series.starts_with("entity_resolver_grpc_requests_total{"))
        .map(|(_, value)| value)
        .sum()
}

fn kind_of(value: i32) -> MatchKind {
    use entity_resolver::proto::MatchKind as P;
    match P::try_from(value).unwrap() {
        P::Exact => MatchKind::Exact,
        P::Normalized => MatchKind::Normalized,
        P::Acronym => MatchKind::Acronym,
        P::DocumentAcronym => MatchKind::DocumentAcronym,
        P::Fuzzy => MatchKind::Fuzzy,
        P::PartialName => MatchKind::PartialName,
        P::NativeScript => MatchKind::NativeScript,
        P::Unspecified => panic!("a mention without a match kind"),
    }
}

/// The calls of the table, and the resolutions they returned.
async fn make_calls(url: &str) -> Vec<ResolveResponse> {
    let mut client = EntityResolverServiceClient::connect(url.to_string())
        .await
        .unwrap();
    let request = |text: &str| ResolveRequest {
        id: String::new(),
        text: text.to_string(),
        options: None,
    };
    let mut resolved = Vec::new();

    resolved.push(client.resolve(request(TEXT)).await.unwrap().into_inner());

    let invalid = client
        .resolve(ResolveRequest {
            options: Some(ResolveOptions {
                min_score: 2.0,
                ..Default::default()
            }),
            ..request(TEXT)
        })
        .await
        .unwrap_err();
    assert_eq!(invalid.code(), tonic::Code::InvalidArgument);

    let missing = client
        .get_entity(GetEntityRequest {
            id: "no-such-entity".to_string(),
        })
        .await
        .unwrap_err();
    assert_eq!(missing.code(), tonic::Code::NotFound);

    let documents = (0..STREAM_DOCUMENTS).map(move |i| ResolveStreamRequest {
        document: Some(ResolveRequest {
            id: i.to_string(),
            ..request(TEXT)
        }),
    });
    let mut answers = client
        .resolve_stream(tokio_stream::iter(documents))
        .await
        .unwrap()
        .into_inner();
    let mut ids = Vec::new();
    while let Some(answer) = answers.message().await.unwrap() {
        ids.push(answer.id.clone());
        match answer.outcome {
            Some(Outcome::Result(result)) => resolved.push(result),
            other => panic!("stream document {} failed: {other:?}", answer.id),
        }
    }
    let in_order: Vec<String> = (0..STREAM_DOCUMENTS).map(|i| i.to_string()).collect();
    assert_eq!(ids, in_order);
    resolved
}

#[test]
fn a_scrape_shows_exactly_the_calls_made() {
    let server = Server::start(Limits::default());
    let before = scrape(&server.metrics_url);
    let runtime = runtime();
    let resolved = runtime.block_on(make_calls(&server.url));

    // A call is counted when the server lets go of its response, a moment
    // after the client has read the end of it; the stream's gauges fall when
    // its task ends, which on a loaded machine can come later still.
    let calls_made = 4.0;
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut after = scrape(&server.metrics_url);
    let settled = |after: &Scrape| {
        all_calls(after) - all_calls(&before) >= calls_made
            && after.get("entity_resolver_open_streams") == Some(&0.0)
            && after.get("entity_resolver_stream_documents_in_flight") == Some(&0.0)
    };
    while !settled(&after) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
        after = scrape(&server.metrics_url);
    }

    struct Expected {
        series: String,
        delta: f64,
    }
    let mut expected = vec![
        Expected {
            series: requests("Resolve", "OK"),
            delta: 1.0,
        },
        Expected {
            series: requests("Resolve", "INVALID_ARGUMENT"),
            delta: 1.0,
        },
        Expected {
            series: requests("GetEntity", "NOT_FOUND"),
            delta: 1.0,
        },
        Expected {
            series: requests("ResolveStream", "OK"),
            delta: 1.0,
        },
        Expected {
            series: latency_count("Resolve"),
            delta: 2.0,
        },
        Expected {
            series: latency_count("GetEntity"),
            delta: 1.0,
        },
        Expected {
            series: latency_count("ResolveStream"),
            delta: 1.0,
        },
        Expected {
            series: "entity_resolver_documents_total".to_string(),
            delta: (1 + STREAM_DOCUMENTS) as f64,
        },
    ];
    let mut by_kind: BTreeMap<String, f64> = BTreeMap::new();
    for mention in resolved.iter().flat_map(|r| &r.mentions) {
        *by_kind
            .entry(mentions(kind_of(mention.match_kind)))
            .or_default() += 1.0;
    }
    assert!(
        by_kind.len() >= 3,
        "the text should have several match kinds: {by_kind:?}"
    );
    expected.extend(
        by_kind
            .into_iter()
            .map(|(series, delta)| Expected { series, delta }),
    );
    for Expected {
        series,
        delta: want,
    } in &expected
    {
        assert_eq!(
            delta(&before, &after, series),
            *want,
            "{series}\nbefore: {before:#?}\nafter: {after:#?}"
        );
    }
    assert_eq!(
        all_calls(&after) - all_calls(&before),
        calls_made,
        "no other call counted: {after:#?}"
    );

    let version = Index::embedded().unwrap().version().to_string();
    let info = format!("entity_resolver_table_info{{version=\"{version}\"}}");
    assert_eq!(after.get(&info), Some(&1.0), "{after:#?}");
    let entities = Index::embedded().unwrap().entity_count() as f64;
    assert_eq!(after.get("entity_resolver_table_entities"), Some(&entities));
    // The stream has ended and let go of everything it held.
    assert_eq!(after.get("entity_resolver_open_streams"), Some(&0.0));
    assert_eq!(
        after.get("entity_resolver_stream_documents_in_flight"),
        Some(&0.0)
    );
}

#[test]
fn only_get_metrics_is_served() {
    let server = Server::start(Limits::default());
    for path in [
        "/",
        "/metric",
        "/metrics/x",
        "/entityresolution.v1.EntityResolverService/Resolve",
    ] {
        let (status, head, _) = http_get(&server.metrics_url, path);
        assert_eq!(status, 404, "{path}: {head}");
    }
}
