//! Lookup: ranking, limits and validation.

use entity_resolver::proto::{EntityType, LookupRequest, MatchKind};
use tonic::Code;

use crate::checks::*;
use crate::common::{TestResult, TestServer};

#[tokio::test]
async fn lookup_ranks_candidates() -> TestResult {
    struct Case {
        name: &'static str,
        limit: u32,
        types: &'static [i32],
        first: Option<(&'static str, MatchKind)>,
    }
    let cases = [
        Case {
            name: "Aslam Faroqqi",
            limit: 0,
            types: &[],
            first: Some(("aslam-farooqi", MatchKind::Fuzzy)),
        },
        Case {
            name: "Aslam Farooqi",
            limit: 0,
            types: &[],
            first: Some(("aslam-farooqi", MatchKind::Exact)),
        },
        Case {
            name: "ISI",
            limit: 0,
            types: &[],
            first: Some(("isi", MatchKind::Acronym)),
        },
        Case {
            name: "  Torkham  ",
            limit: 1,
            types: &[],
            first: Some(("torkham", MatchKind::Exact)),
        },
        Case {
            name: "Tehreek-e-Labbaik Pakistan",
            limit: 5,
            types: &[],
            first: Some(("tehreek-e-labbaik-pakistan", MatchKind::Exact)),
        },
        Case {
            name: "Aslam Faroqqi",
            limit: 0,
            types: &[PERSON],
            first: Some(("aslam-farooqi", MatchKind::Fuzzy)),
        },
        Case {
            name: "Aslam Faroqqi",
            limit: 0,
            types: &[LOCATION, ORG],
            first: None,
        },
    ];
    let server = TestServer::start().await?;
    let mut client = server.client();
    for case in cases {
        let response = client
            .lookup(LookupRequest {
                name: case.name.into(),
                limit: case.limit,
                entity_types: case.types.to_vec(),
            })
            .await?
            .into_inner();
        let label = format!(
            "{:?} limit {} types {:?}",
            case.name, case.limit, case.types
        );
        assert!(!response.table_version.is_empty(), "{label}");
        match case.first {
            None => assert!(
                response.candidates.is_empty(),
                "{label}: {:?}",
                response.candidates
            ),
            Some((id, kind)) => {
                let first = response
                    .candidates
                    .first()
                    .unwrap_or_else(|| panic!("{label}: no candidate"));
                let entity = first.entity.as_ref().expect("candidate carries its entity");
                assert_eq!(entity.id, id, "{label}: {:?}", response.candidates);
                assert_eq!(first.match_kind(), kind, "{label}");
                assert!(first.score > 0.0 && first.score <= 1.0, "{label}");
                assert!(
                    !first.matched_alias.is_empty() && !first.explanation.is_empty(),
                    "{label}"
                );
            }
        }
        let limit = if case.limit == 0 {
            10
        } else {
            case.limit as usize
        };
        assert!(response.candidates.len() <= limit, "{label}");
        for candidate in &response.candidates {
            let entity = candidate.entity.as_ref().expect("entity");
            if !case.types.is_empty() {
                assert!(case.types.contains(&entity.r#type), "{label}: {entity:?}");
            }
        }
        assert!(
            response
                .candidates
                .windows(2)
                .all(|w| w[0].score >= w[1].score),
            "{label}: not best first"
        );
    }
    server.stop().await;
    Ok(())
}

#[tokio::test]
async fn lookup_respects_limit() -> TestResult {
    // "Abdul" is the first word of many people's names: more than ten candidates.
    let server = TestServer::start().await?;
    let mut client = server.client();
    let lookup = |limit: u32| {
        let mut client = client.clone();
        async move {
            client
                .lookup(LookupRequest {
                    name: "Abdul".into(),
                    limit,
                    entity_types: vec![],
                })
                .await
                .map(|r| r.into_inner().candidates)
        }
    };
    let all = lookup(100).await?;
    assert!(
        all.len() > 10,
        "the test needs a name with many candidates, got {}",
        all.len()
    );
    for (limit, want) in [(1, 1), (3, 3), (0, 10), (10, 10), (100, all.len())] {
        let got = lookup(limit).await?;
        assert_eq!(got.len(), want, "limit {limit}");
        assert_eq!(
            got[..],
            all[..want],
            "limit {limit} is a prefix of the full ranking"
        );
    }
    let cases: Vec<(&str, u32, Vec<i32>, &[&str])> = vec![
        ("", 0, vec![], &["name"]),
        ("   ", 0, vec![], &["name"]),
        ("?!", 0, vec![], &["name"]),
        ("ISI", 101, vec![], &["limit", "101"]),
        ("ISI", 0, vec![99], &["entity_types[0]"]),
        (
            "ISI",
            0,
            vec![EntityType::Unspecified as i32],
            &["entity_types[0]"],
        ),
    ];
    for (name, limit, entity_types, needles) in cases {
        let result = client
            .lookup(LookupRequest {
                name: name.into(),
                limit,
                entity_types,
            })
            .await;
        assert_status(
            result,
            Code::InvalidArgument,
            needles,
            &format!("lookup {name:?} limit {limit}"),
        );
    }
    server.stop().await;
    Ok(())
}

/// One word of a person's full name, wherever it stands ("Akram", not only
/// "Munir"), is offered as a low-ranked candidate. Regression test: only the
/// first word used to work.
#[tokio::test]
async fn lookup_finds_a_person_by_one_word_of_the_name() -> TestResult {
    let cases = [
        ("Munir", "munir-akram"),
        ("Akram", "munir-akram"),
        ("Pashteen", "manzoor-pashteen"),
        ("Muttaqi", "amir-khan-muttaqi"),
    ];
    let server = TestServer::start().await?;
    let mut client = server.client();
    let mut failures = Vec::new();
    for (name, id) in cases {
        let candidates = client
            .lookup(LookupRequest {
                name: name.into(),
                limit: 100,
                entity_types: vec![],
            })
            .await?
            .into_inner()
            .candidates;
        let found = candidates
            .iter()
            .find(|c| c.entity.as_ref().is_some_and(|e| e.id == id));
        match found {
            Some(c) => assert_eq!(c.match_kind(), MatchKind::PartialName, "{name}"),
            None => failures.push(format!("{name:?} does not find {id}")),
        }
    }
    server.stop().await;
    assert!(failures.is_empty(), "{failures:#?}");
    Ok(())
}
