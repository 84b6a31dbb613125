//! Hot reload: a valid table is swapped in whole, a broken one refused with
//! the old one serving, and a stream spanning reloads loses nothing.

use std::time::Duration;

use entity_resolver::proto::{
    resolve_stream_response::Outcome, GetEntityRequest, ListEntitiesRequest, LookupRequest,
};
use entity_resolver::server::Stopped;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::Code;

use super::{entity_ids, reload_with, request, write_table, BRIGADE, BROKEN, FRONT, TOKEN};
use crate::common::requests::stream_document;
use crate::common::{BoxError, Client as Resolver, Options, TestResult};

/// The version every table-dependent RPC names, checked to be one.
async fn served_version(client: &mut Resolver) -> Result<String, BoxError> {
    let resolved = client
        .resolve(request("", "Zorbistan Liberation Front"))
        .await?
        .into_inner()
        .table_version;
    let looked_up = client
        .lookup(LookupRequest {
            name: "Zorbistan".into(),
            limit: 1,
            entity_types: vec![],
        })
        .await?
        .into_inner()
        .table_version;
    let listed = client
        .list_entities(ListEntitiesRequest::default())
        .await?
        .into_inner();
    let first_id = listed.entities[0].id.clone();
    let got = client
        .get_entity(GetEntityRequest { id: first_id })
        .await?
        .into_inner()
        .table_version;
    assert!(!resolved.is_empty());
    for (rpc, version) in [
        ("Lookup", &looked_up),
        ("ListEntities", &listed.table_version),
        ("GetEntity", &got),
    ] {
        assert_eq!(version, &resolved, "{rpc} names another table version");
    }
    Ok(resolved)
}

#[derive(Debug)]
enum StepOutcome {
    /// The new table serves: each text resolves to its entity ("" for none).
    Swapped {
        version_changes: bool,
        resolves: &'static [(&'static str, &'static str)],
    },
    /// The reload is refused with a message holding each of these.
    Refused(&'static [&'static str]),
}

struct ReloadStep {
    name: &'static str,
    files: &'static [(&'static str, &'static str)],
    outcome: StepOutcome,
}

#[tokio::test]
async fn reload_swaps_a_valid_table_and_refuses_a_broken_one() -> TestResult {
    let dir = tempfile::tempdir()?;
    write_table(dir.path(), &[("front.toml", FRONT)]);
    let server = Options::default()
        .admin_token(TOKEN)
        .table_dir(dir.path())
        .start()
        .await?;
    let mut client = server.connect().await?;
    let mut serving = served_version(&mut client).await?;

    let steps = [
        ReloadStep {
            name: "a new entity in a new file is picked up",
            files: &[("front.toml", FRONT), ("brigade.toml", BRIGADE)],
            outcome: StepOutcome::Swapped {
                version_changes: true,
                resolves: &[
                    ("Qarvand Brigade", "qarvand-brigade"),
                    ("Zorbistan Liberation Front", "zorbistan-front"),
                ],
            },
        },
        ReloadStep {
            name: "a broken table is refused naming file and entity; the old one serves",
            files: &[
                ("front.toml", FRONT),
                ("brigade.toml", BRIGADE),
                ("broken.toml", BROKEN),
            ],
            outcome: StepOutcome::Refused(&["broken.toml", "broken-legion", "\"bl\""]),
        },
        ReloadStep {
            name: "an entity removed from the files is gone",
            files: &[("front.toml", FRONT)],
            outcome: StepOutcome::Swapped {
                version_changes: true,
                resolves: &[
                    ("Qarvand Brigade", ""),
                    ("Zorbistan Liberation Front", "zorbistan-front"),
                ],
            },
        },
        ReloadStep {
            name: "reloading unchanged files keeps the version",
            files: &[("front.toml", FRONT)],
            outcome: StepOutcome::Swapped {
                version_changes: false,
                resolves: &[("Zorbistan Liberation Front", "zorbistan-front")],
            },
        },
    ];
    for step in steps {
        let name = step.name;
        write_table(dir.path(), step.files);
        let reloaded = reload_with(server.connect_channel().await?, Some(TOKEN)).await;
        match (step.outcome, reloaded) {
            (
                StepOutcome::Swapped {
                    version_changes,
                    resolves: expected,
                },
                Ok(response),
            ) => {
                assert_eq!(response.old_table_version, serving, "{name}");
                let now = served_version(&mut client).await?;
                assert_eq!(response.new_table_version, now, "{name}");
                assert_eq!(now != serving, version_changes, "{name}: version change");
                assert_eq!(response.entities as usize, step.files.len(), "{name}");
                assert!(
                    response.source.contains(&dir.path().display().to_string()),
                    "{name}"
                );
                for (text, entity) in expected {
                    let answer = client.resolve(request("", text)).await?.into_inner();
                    let want: Vec<&str> = [*entity].into_iter().filter(|e| !e.is_empty()).collect();
                    assert_eq!(entity_ids(&answer), want, "{name}: {text}");
                }
                serving = now;
            }
            (StepOutcome::Refused(parts), Err(status)) => {
                assert_eq!(
                    status.code(),
                    Code::FailedPrecondition,
                    "{name}: {status:?}"
                );
                for part in parts {
                    assert!(
                        status.message().contains(part),
                        "{name}: {status:?} lacks {part:?}"
                    );
                }
                assert_eq!(
                    served_version(&mut client).await?,
                    serving,
                    "{name}: old table serves"
                );
                let answer = client
                    .resolve(request("", "Qarvand Brigade"))
                    .await?
                    .into_inner();
                assert_eq!(entity_ids(&answer), ["qarvand-brigade"], "{name}");
            }
            (expected, got) => panic!("{name}: expected {expected:?}, got {got:?}"),
        }
    }
    drop(client);
    assert_eq!(server.stop().await, Stopped::Drained);
    Ok(())
}

/// Reloads (two at once, alternating tables) while a stream is fed: every
/// document is answered, in order, by one table or the other, and no reload
/// fails.
#[tokio::test]
async fn a_stream_spanning_reloads_answers_every_document() -> TestResult {
    let dir = tempfile::tempdir()?;
    write_table(dir.path(), &[("front.toml", FRONT)]);
    let server = Options::default()
        .admin_token(TOKEN)
        .table_dir(dir.path())
        .start()
        .await?;
    let mut client = server.connect().await?;
    let first = served_version(&mut client).await?;

    const DOCUMENTS: usize = 300;
    let (outbound, requests) = mpsc::channel(16);
    let mut answers = client
        .resolve_stream(ReceiverStream::new(requests))
        .await?
        .into_inner();
    let feeder = tokio::spawn(async move {
        for i in 0..DOCUMENTS {
            let text = "The Zorbistan Liberation Front and the Qarvand Brigade met in Torkham.";
            if outbound
                .send(stream_document(&i.to_string(), text))
                .await
                .is_err()
            {
                break;
            }
            if i % 20 == 0 {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }
        outbound
    });
    let channel = server.connect_channel().await?;
    let table = dir.path().to_path_buf();
    let reloader = tokio::spawn(async move {
        let mut versions = Vec::new();
        // Rounds 0 and 2 add the brigade: the last table differs from the first.
        for round in 0..3 {
            // The files change only between reloads: a reload that read a
            // half-written directory would fail for a reason of the test's.
            if round % 2 == 0 {
                write_table(&table, &[("front.toml", FRONT), ("brigade.toml", BRIGADE)]);
            } else {
                write_table(&table, &[("front.toml", FRONT)]);
            }
            let (a, b) = tokio::join!(
                reload_with(channel.clone(), Some(TOKEN)),
                reload_with(channel.clone(), Some(TOKEN))
            );
            versions.push(a.map(|r| r.new_table_version));
            versions.push(b.map(|r| r.new_table_version));
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        versions
    });

    let mut seen = std::collections::BTreeSet::new();
    for i in 0..DOCUMENTS {
        let answer = answers.message().await?.expect("an answer per document");
        assert_eq!(answer.id, i.to_string(), "answers in request order");
        match answer.outcome {
            Some(Outcome::Result(result)) => {
                assert!(
                    entity_ids(&result).contains(&"zorbistan-front"),
                    "{i}: {result:?}"
                );
                seen.insert(result.table_version);
            }
            other => panic!("document {i} failed during a reload: {other:?}"),
        }
    }
    let outbound = feeder.await?;
    let versions = reloader.await?;
    let mut produced = std::collections::BTreeSet::from([first]);
    for version in &versions {
        produced.insert(version.clone().expect("every reload succeeds"));
    }
    assert_eq!(produced.len(), 2, "two tables alternate: {produced:?}");
    assert!(
        seen.is_subset(&produced),
        "answers from a table no reload produced: {seen:?} vs {produced:?}"
    );

    // The same stream, after the last reload, answers from the last table:
    // each document takes the table current when it is read.
    outbound
        .send(stream_document("last", "The Qarvand Brigade"))
        .await?;
    let last = answers.message().await?.expect("an answer");
    match last.outcome {
        Some(Outcome::Result(result)) => {
            assert_eq!(
                Some(&result.table_version),
                versions.last().unwrap().as_ref().ok()
            );
            assert_eq!(entity_ids(&result), ["qarvand-brigade"]);
        }
        other => panic!("{other:?}"),
    }
    drop((outbound, answers, client));
    assert_eq!(server.stop().await, Stopped::Drained);
    Ok(())
}
