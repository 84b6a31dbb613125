//! GetEntity and ListEntities: the records of the alias table, paged.

use std::collections::{BTreeSet, HashMap};

use entity_resolver::proto::{self, EntityType, GetEntityRequest, ListEntitiesRequest};
use entity_resolver_core::AliasTable;
use tonic::Code;

use crate::checks::*;
use crate::common::{BoxError, Client, TestResult, TestServer};

fn proto_type(name: &str) -> i32 {
    match name {
        "organization" => ORG,
        "person" => PERSON,
        "location" => LOCATION,
        "event" => EntityType::Event as i32,
        "other" => EntityType::Other as i32,
        other => panic!("unknown type {other:?} in the alias table"),
    }
}

#[tokio::test]
async fn get_entity() -> TestResult {
    let server = TestServer::start().await?;
    let mut client = server.client();

    let ttp = client
        .get_entity(GetEntityRequest { id: "ttp".into() })
        .await?
        .into_inner()
        .entity
        .expect("entity set");
    assert_eq!(ttp.id, "ttp");
    assert_eq!(ttp.canonical_name, "Tehrik-i-Taliban Pakistan");
    assert_eq!(ttp.r#type(), EntityType::Organization);
    assert_eq!(ttp.acronyms, ["TTP"]);
    for alias in ["Tehrik-e-Taliban Pakistan", "Pakistani Taliban"] {
        assert!(
            ttp.aliases.iter().any(|a| a == alias),
            "{alias} missing from {:?}",
            ttp.aliases
        );
    }
    assert!(!ttp.native_names.is_empty() && !ttp.tags.is_empty());

    // Every field is the record of the alias table.
    let table = AliasTable::embedded()?;
    let (_, record, _) = table
        .entities
        .iter()
        .find(|(_, r, _)| r.id == "ttp")
        .expect("ttp in table");
    assert_eq!(ttp.aliases, record.aliases);
    assert_eq!(ttp.native_names, record.native);
    assert_eq!(ttp.tags, record.tags);
    assert_eq!(ttp.notes, record.notes);
    assert_eq!(
        ttp.external_ids,
        record
            .external_ids
            .clone()
            .into_iter()
            .collect::<HashMap<_, _>>()
    );
    // Provenance comes through whole: the curated record's and the UN
    // list's (merged by its extension record).
    let sources: Vec<(String, String, String)> = ttp
        .sources
        .iter()
        .map(|s| (s.source.clone(), s.date.clone(), s.url.clone()))
        .collect();
    let expected: Vec<(String, String, String)> = record
        .sources
        .iter()
        .map(|s| {
            let url = s.url.clone().unwrap_or_default();
            (s.source.clone(), s.date.clone(), url)
        })
        .collect();
    assert!(!sources.is_empty());
    assert_eq!(sources, expected);

    let isis_k = client
        .get_entity(GetEntityRequest {
            id: "isis-k".into(),
        })
        .await?
        .into_inner()
        .entity
        .expect("entity set");
    assert_eq!(isis_k.canonical_name, "Islamic State Khorasan Province");
    assert!(isis_k.acronyms.iter().any(|a| a == "ISKP"));

    let cases: [(&str, Code, &[&str]); 4] = [
        ("no-such-entity", Code::NotFound, &["no-such-entity"]),
        ("TTP", Code::NotFound, &["TTP"]),
        ("ttp ", Code::NotFound, &[]),
        ("", Code::InvalidArgument, &["id"]),
    ];
    for (id, code, needles) in cases {
        let result = client.get_entity(GetEntityRequest { id: id.into() }).await;
        assert_status(result, code, needles, &format!("GetEntity({id:?})"));
    }
    server.stop().await;
    Ok(())
}

/// Pages through ListEntities, checking each page, and returns every entity.
async fn list_all(
    client: &mut Client,
    page_size: u32,
    r#type: i32,
) -> Result<Vec<proto::Entity>, BoxError> {
    let mut all = Vec::new();
    let mut token = String::new();
    let mut total = None;
    for _ in 0..10_000 {
        let page = client
            .list_entities(ListEntitiesRequest {
                page_size,
                page_token: token.clone(),
                r#type,
            })
            .await?
            .into_inner();
        let size = if page_size == 0 {
            100
        } else {
            page_size as usize
        };
        assert!(page.entities.len() <= size, "page over page_size");
        if !page.next_page_token.is_empty() {
            assert_eq!(page.entities.len(), size, "only the last page may be short");
        }
        assert_eq!(
            *total.get_or_insert(page.total_size),
            page.total_size,
            "total_size changed between pages"
        );
        all.extend(page.entities);
        if page.next_page_token.is_empty() {
            assert_eq!(
                all.len(),
                page.total_size as usize,
                "total_size is the number listed"
            );
            return Ok(all);
        }
        assert_ne!(
            page.next_page_token, token,
            "the page token did not advance"
        );
        token = page.next_page_token;
    }
    panic!("ListEntities never reached the last page");
}

#[tokio::test]
async fn list_entities_pages_through_the_table() -> TestResult {
    let table = AliasTable::embedded()?;
    let mut table_ids: Vec<&str> = table
        .entities
        .iter()
        .map(|(_, r, _)| r.id.as_str())
        .collect();
    table_ids.sort_unstable();
    let table_types: HashMap<&str, i32> = table
        .entities
        .iter()
        .map(|(_, r, _)| (r.id.as_str(), proto_type(&r.type_name)))
        .collect();

    let server = TestServer::start().await?;
    let mut client = server.client();

    let all = list_all(&mut client, 50, 0).await?;
    let listed: Vec<&str> = all.iter().map(|e| e.id.as_str()).collect();
    assert!(listed.len() > 50, "the table should span several pages");
    assert_eq!(
        listed.iter().collect::<BTreeSet<_>>().len(),
        listed.len(),
        "duplicate ids"
    );
    assert!(listed.windows(2).all(|w| w[0] < w[1]), "not sorted by id");
    assert_eq!(listed, table_ids, "the listing is not the alias table");

    // Other page sizes see the same listing.
    for page_size in [0, 1000, 7] {
        let again = list_all(&mut client, page_size, 0).await?;
        assert_eq!(again, all, "page_size {page_size}");
    }

    // A listed entity is what GetEntity returns.
    for i in [0, all.len() / 2, all.len() - 1] {
        let got = client
            .get_entity(GetEntityRequest {
                id: all[i].id.clone(),
            })
            .await?
            .into_inner()
            .entity;
        assert_eq!(got.as_ref(), Some(&all[i]));
    }

    // Type filters return exactly the entities of that type.
    for (name, r#type) in [
        ("organization", ORG),
        ("person", PERSON),
        ("location", LOCATION),
    ] {
        let entities = list_all(&mut client, 50, r#type).await?;
        assert!(!entities.is_empty(), "{name}");
        assert!(
            entities.iter().all(|e| e.r#type == r#type),
            "{name}: wrong type listed"
        );
        let want: Vec<&str> = table_ids
            .iter()
            .copied()
            .filter(|id| table_types[id] == r#type)
            .collect();
        let got: Vec<&str> = entities.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(got, want, "{name}");
    }

    server.stop().await;
    Ok(())
}

#[tokio::test]
async fn list_entities_rejects_bad_requests() -> TestResult {
    let server = TestServer::start().await?;
    let mut client = server.client();
    let cases: [(&str, ListEntitiesRequest, &[&str]); 6] = [
        (
            "token that is not hex",
            ListEntitiesRequest {
                page_token: "zz".into(),
                ..Default::default()
            },
            &["page_token"],
        ),
        (
            "token of odd length",
            ListEntitiesRequest {
                page_token: "abc".into(),
                ..Default::default()
            },
            &["page_token"],
        ),
        (
            "token that is not UTF-8",
            ListEntitiesRequest {
                page_token: "ff".into(),
                ..Default::default()
            },
            &["page_token"],
        ),
        (
            "page_size 5000",
            ListEntitiesRequest {
                page_size: 5000,
                ..Default::default()
            },
            &["page_size", "5000"],
        ),
        (
            "page_size 1001",
            ListEntitiesRequest {
                page_size: 1001,
                ..Default::default()
            },
            &["page_size"],
        ),
        (
            "unknown type",
            ListEntitiesRequest {
                r#type: 99,
                ..Default::default()
            },
            &["type", "99"],
        ),
    ];
    for (name, request, needles) in cases {
        let result = client.list_entities(request).await;
        assert_status(result, Code::InvalidArgument, needles, name);
    }
    server.stop().await;
    Ok(())
}
