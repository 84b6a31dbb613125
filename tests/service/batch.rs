//! ResolveBatch: order, ids, per-document errors and its limits.

use entity_resolver::proto::{EntityType, ResolveBatchRequest, ResolveOptions, ResolveRequest};
use entity_resolver::server::Limits;
use tonic::Code;

use crate::checks::*;
use crate::common::{TestResult, TestServer};
use crate::news::*;

#[tokio::test]
async fn resolve_batch_keeps_order_and_echoes_ids() -> TestResult {
    let server = TestServer::start().await?;
    let mut client = server.client();

    let mut documents: Vec<ResolveRequest> = PARAGRAPHS
        .iter()
        .enumerate()
        .map(|(i, p)| ResolveRequest {
            id: format!("paragraph-{i}"),
            text: p.text.to_string(),
            options: None,
        })
        .collect();
    documents.insert(
        2,
        ResolveRequest {
            id: "reference".into(),
            text: "ISKP and the TTP clashed near Torkham.".into(),
            options: Some(min_score(0.95)),
        },
    );
    documents.push(ResolveRequest {
        id: "empty".into(),
        text: String::new(),
        options: None,
    });

    let results = client
        .resolve_batch(ResolveBatchRequest {
            documents: documents.clone(),
        })
        .await?
        .into_inner()
        .results;
    assert_eq!(results.len(), documents.len());
    for (document, result) in documents.iter().zip(&results) {
        assert_eq!(result.id, document.id, "results out of order");
        check_invariants(&document.text, result);
        // A batch answers exactly what Resolve answers for each document.
        let alone = resolve(&mut client, document.clone()).await;
        assert_eq!(result, &alone, "batch and unary differ for {}", document.id);
    }
    assert_eq!(ids(&results[2]), ["torkham"], "options apply per document");
    assert!(results.last().is_some_and(|r| r.mentions.is_empty()));
    let paragraphs: Vec<_> = results
        .iter()
        .filter(|r| r.id.starts_with("paragraph-"))
        .collect();
    for (paragraph, result) in PARAGRAPHS.iter().zip(paragraphs) {
        check_paragraph(paragraph, result);
    }

    // An empty batch is an empty answer.
    let empty = client
        .resolve_batch(ResolveBatchRequest { documents: vec![] })
        .await?;
    assert!(empty.into_inner().results.is_empty());

    server.stop().await;
    Ok(())
}

#[tokio::test]
async fn resolve_batch_limits_and_errors() -> TestResult {
    let server = TestServer::start().await?;
    let mut client = server.client();
    let max = Limits::default().max_batch_documents;
    let batch = |n: usize| ResolveBatchRequest {
        documents: (0..n)
            .map(|i| ResolveRequest {
                id: i.to_string(),
                text: "Torkham".into(),
                options: None,
            })
            .collect(),
    };

    let full = client.resolve_batch(batch(max)).await?.into_inner().results;
    assert_eq!(full.len(), max);
    assert!(full
        .iter()
        .enumerate()
        .all(|(i, r)| r.id == i.to_string() && ids(r) == ["torkham"]));

    let too_many = client.resolve_batch(batch(max + 1)).await;
    let (over, limit) = ((max + 1).to_string(), max.to_string());
    assert_status(
        too_many,
        Code::ResourceExhausted,
        &[&over, &limit],
        "one document too many",
    );

    let invalid_cases: Vec<(&str, usize, ResolveOptions, &[&str])> = vec![
        (
            "bad min_score",
            2,
            min_score(2.0),
            &["documents[2].options.min_score"],
        ),
        (
            "bad type",
            0,
            types_filter(&[99]),
            &["documents[0].options.entity_types[0]"],
        ),
        (
            "unspecified type",
            4,
            types_filter(&[EntityType::Unspecified as i32]),
            &["documents[4].options.entity_types[0]"],
        ),
    ];
    for (name, at, options, needles) in invalid_cases {
        let mut request = batch(5);
        request.documents[at].options = Some(options);
        let response = client.resolve_batch(request).await?.into_inner();
        assert_one_document_failed(&response, at as u32, Code::InvalidArgument, needles, name);
        assert_eq!(response.results.len(), 5, "{name}: one entry per document");
    }

    server.stop().await;
    Ok(())
}

#[tokio::test]
async fn resolve_batch_refuses_too_many_bytes_naming_the_limit() -> TestResult {
    let limits = Limits {
        max_batch_bytes: 1000,
        ..Limits::default()
    };
    let server = TestServer::with_limits(limits).await?;
    let mut client = server.client();
    let batch = |sizes: &[usize]| ResolveBatchRequest {
        documents: sizes
            .iter()
            .map(|&n| ResolveRequest {
                id: n.to_string(),
                text: "x".repeat(n),
                options: None,
            })
            .collect(),
    };
    let at_limit = client.resolve_batch(batch(&[500, 500])).await?.into_inner();
    assert_eq!(at_limit.results.len(), 2, "exactly the limit is allowed");
    let over = client.resolve_batch(batch(&[500, 400, 101])).await;
    assert_status(
        over,
        Code::ResourceExhausted,
        &["bytes of text in one ResolveBatch call", "1001", "1000"],
        "one byte over the batch limit",
    );
    server.stop().await;
    Ok(())
}
