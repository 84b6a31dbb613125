//! ResolveOptions (filters and their validation) and the text limit,
//! through all three resolving RPCs.

use entity_resolver::proto::{
    resolve_stream_response::Outcome, EntityType, MatchKind, ResolveBatchRequest, ResolveOptions,
    ResolveStreamRequest,
};
use entity_resolver::server::Limits;
use tonic::Code;

use crate::checks::*;
use crate::common::{TestResult, TestServer};

#[tokio::test]
async fn resolve_options_filter_mentions() -> TestResult {
    const REFERENCE: &str = "ISKP and the TTP clashed near Torkham.";
    const FUZZY: &str = "Taliban spokesman Zabiullah Mujahed said the talks in Khost had ended.";
    const EMIRATE: &str =
        "The Islamic Emirate of Afghanistan denied that Shehbaz Sharif had called.";
    struct Case {
        name: &'static str,
        text: &'static str,
        options: ResolveOptions,
        want: &'static [&'static str],
    }
    let cases = [
        Case {
            name: "defaults keep everything",
            text: REFERENCE,
            options: ResolveOptions::default(),
            want: &["isis-k", "ttp", "torkham"],
        },
        Case {
            name: "min_score equal to the acronym score keeps it (below, not at, is dropped)",
            text: REFERENCE,
            options: min_score(0.93),
            want: &["isis-k", "ttp", "torkham"],
        },
        Case {
            name: "min_score 0.95 drops acronyms scoring 0.93",
            text: REFERENCE,
            options: min_score(0.95),
            want: &["torkham"],
        },
        Case {
            name: "min_score 1 drops everything short of certainty",
            text: REFERENCE,
            options: min_score(1.0),
            want: &[],
        },
        Case {
            name: "a misspelt name is found by fuzzy matching",
            text: FUZZY,
            options: ResolveOptions::default(),
            want: &["taliban", "zabihullah-mujahid", "khost"],
        },
        Case {
            name: "disable_fuzzy drops the misspelt name",
            text: FUZZY,
            options: ResolveOptions {
                disable_fuzzy: true,
                ..Default::default()
            },
            want: &["taliban", "khost"],
        },
        Case {
            name: "locations only",
            text: REFERENCE,
            options: types_filter(&[LOCATION]),
            want: &["torkham"],
        },
        Case {
            name: "organizations only",
            text: REFERENCE,
            options: types_filter(&[ORG]),
            want: &["isis-k", "ttp"],
        },
        Case {
            name: "persons only, none in the text",
            text: REFERENCE,
            options: types_filter(&[PERSON]),
            want: &[],
        },
        Case {
            name: "two types",
            text: REFERENCE,
            options: types_filter(&[PERSON, LOCATION]),
            want: &["torkham"],
        },
        Case {
            name:
                "the type filter does not let Afghanistan out of the Islamic Emirate of Afghanistan",
            text: EMIRATE,
            options: types_filter(&[LOCATION, PERSON]),
            want: &["shehbaz-sharif"],
        },
        Case {
            name: "filters combine",
            text: FUZZY,
            options: ResolveOptions {
                min_score: 0.5,
                disable_fuzzy: false,
                entity_types: vec![PERSON],
                ..Default::default()
            },
            want: &["zabihullah-mujahid"],
        },
    ];
    let server = TestServer::start().await?;
    let mut client = server.client();
    for case in cases {
        let options = case.options.clone();
        let response = resolve(&mut client, request_with(case.text, case.options)).await;
        assert_eq!(ids(&response), case.want, "{}", case.name);
        for m in &response.mentions {
            assert!(
                m.score >= options.min_score,
                "{}: {m:?} under min_score",
                case.name
            );
            if !options.entity_types.is_empty() {
                assert!(
                    options.entity_types.contains(&m.r#type),
                    "{}: {m:?} not of a wanted type",
                    case.name
                );
            }
            if options.disable_fuzzy {
                assert_ne!(m.match_kind(), MatchKind::Fuzzy, "{}", case.name);
            }
        }
    }
    // The fuzzy match is reported as such.
    let fuzzy = resolve(&mut client, request(FUZZY)).await;
    let zabihullah = &fuzzy.mentions[1];
    assert_eq!(zabihullah.text, "Zabiullah Mujahed");
    assert_eq!(zabihullah.match_kind(), MatchKind::Fuzzy);
    assert_eq!(zabihullah.canonical_name, "Zabihullah Mujahid");
    server.stop().await;
    Ok(())
}

#[tokio::test]
async fn resolve_rejects_invalid_options_naming_the_field() -> TestResult {
    let cases: Vec<(&str, ResolveOptions, &[&str])> = vec![
        (
            "min_score above 1",
            min_score(2.0),
            &["options.min_score", "2"],
        ),
        (
            "min_score negative",
            min_score(-0.1),
            &["options.min_score"],
        ),
        ("min_score NaN", min_score(f32::NAN), &["options.min_score"]),
        (
            "min_score infinite",
            min_score(f32::INFINITY),
            &["options.min_score"],
        ),
        (
            "unknown entity type",
            types_filter(&[99]),
            &["options.entity_types[0]", "99"],
        ),
        (
            "negative entity type",
            types_filter(&[-1]),
            &["options.entity_types[0]"],
        ),
        (
            "unknown entity type after a good one",
            types_filter(&[ORG, 99]),
            &["options.entity_types[1]"],
        ),
        (
            "ENTITY_TYPE_UNSPECIFIED is not a filter",
            types_filter(&[EntityType::Unspecified as i32]),
            &["options.entity_types[0]"],
        ),
    ];
    let server = TestServer::start().await?;
    let mut client = server.client();
    for (name, options, needles) in cases {
        let result = client
            .resolve(request_with(
                "ISKP and the TTP clashed near Torkham.",
                options,
            ))
            .await;
        assert_status(result, Code::InvalidArgument, needles, name);
    }
    server.stop().await;
    Ok(())
}

#[tokio::test]
async fn text_over_the_limit_is_resource_exhausted() -> TestResult {
    let server = TestServer::with_limits(Limits {
        max_text_bytes: 100,
        ..Limits::default()
    })
    .await?;
    let mut client = server.client();

    // At the limit: fine.
    let at_limit = format!(
        "ISKP near Torkham.{}",
        " ".repeat(100 - "ISKP near Torkham.".len())
    );
    assert_eq!(at_limit.len(), 100);
    let response = resolve(&mut client, request(&at_limit)).await;
    assert_eq!(ids(&response), ["isis-k", "torkham"]);

    // One byte over, and a text of only 34 chars that is 136 bytes: the limit
    // counts bytes.
    let over = "a".repeat(101);
    let emoji = "🇵🇰".repeat(17);
    assert!(emoji.chars().count() < 100 && emoji.len() > 100);
    for (name, text) in [
        ("101 ASCII bytes", over.as_str()),
        ("136 bytes in 34 chars", emoji.as_str()),
    ] {
        let result = client.resolve(request(text)).await;
        let actual = text.len().to_string();
        assert_status(
            result,
            Code::ResourceExhausted,
            &["100", actual.as_str()],
            name,
        );
    }

    // In a batch, only that document fails, named, as on a stream.
    let response = client
        .resolve_batch(ResolveBatchRequest {
            documents: vec![request("Torkham"), request(&over)],
        })
        .await?
        .into_inner();
    assert_one_document_failed(
        &response,
        1,
        Code::ResourceExhausted,
        &["documents[1]", "100"],
        "batch",
    );
    assert_eq!(ids(&response.results[0]), ["torkham"]);

    // On a stream, only that document fails, with the unary code.
    let outbound =
        tokio_stream::iter(
            ["Torkham", over.as_str(), "Kurram"].map(|text| ResolveStreamRequest {
                document: Some(request(text)),
            }),
        );
    let mut inbound = client.resolve_stream(outbound).await?.into_inner();
    let mut outcomes = Vec::new();
    while let Some(reply) = inbound.message().await? {
        outcomes.push(reply.outcome);
    }
    assert_eq!(outcomes.len(), 3, "{outcomes:?}");
    assert!(
        matches!(&outcomes[0], Some(Outcome::Result(r)) if ids(r) == ["torkham"]),
        "{:?}",
        outcomes[0]
    );
    match &outcomes[1] {
        Some(Outcome::Error(error)) => {
            assert_eq!(error.code, Code::ResourceExhausted as i32, "{error:?}");
            assert!(error.message.contains("100"), "{error:?}");
        }
        other => panic!("the oversized stream document should fail: {other:?}"),
    }
    assert!(
        matches!(&outcomes[2], Some(Outcome::Result(r)) if ids(r) == ["kurram"]),
        "{:?}",
        outcomes[2]
    );

    server.stop().await;
    Ok(())
}
