//! Resolve: what a text yields, offsets in three units, look-alikes kept
//! apart, acronyms the document defines, concurrent calls.

use entity_resolver::proto::{
    EntityType, MatchKind, ResolveBatchRequest, ResolveRequest, ResolveResponse,
};
use entity_resolver_core::AliasTable;

use crate::checks::*;
use crate::common::{TestResult, TestServer};
use crate::news::*;

#[tokio::test]
async fn resolve_reference_sentence() -> TestResult {
    let server = TestServer::start().await?;
    let mut client = server.client();
    let text = "ISKP and the TTP clashed near Torkham.";
    let response = resolve(
        &mut client,
        ResolveRequest {
            id: "ref-1".into(),
            text: text.into(),
            options: None,
        },
    )
    .await;

    assert_eq!(response.id, "ref-1");
    struct Want {
        id: &'static str,
        text: &'static str,
        range: (u32, u32),
        name: &'static str,
        kind: EntityType,
        matched: MatchKind,
    }
    let want = [
        Want {
            id: "isis-k",
            text: "ISKP",
            range: (0, 4),
            name: "Islamic State Khorasan Province",
            kind: EntityType::Organization,
            matched: MatchKind::Acronym,
        },
        Want {
            id: "ttp",
            text: "TTP",
            range: (13, 16),
            name: "Tehrik-i-Taliban Pakistan",
            kind: EntityType::Organization,
            matched: MatchKind::Acronym,
        },
        Want {
            id: "torkham",
            text: "Torkham",
            range: (30, 37),
            name: "Torkham",
            kind: EntityType::Location,
            matched: MatchKind::Exact,
        },
    ];
    assert_eq!(
        ids(&response),
        want.iter().map(|w| w.id).collect::<Vec<_>>(),
        "{response:#?}"
    );
    for (m, w) in response.mentions.iter().zip(&want) {
        assert_eq!(m.text, w.text);
        assert_eq!((m.start, m.end), w.range, "byte range of {}", w.text);
        // ASCII text: all three units agree.
        assert_eq!(
            (m.char_start, m.char_end),
            w.range,
            "char range of {}",
            w.text
        );
        assert_eq!(
            (m.utf16_start, m.utf16_end),
            w.range,
            "utf16 range of {}",
            w.text
        );
        assert_eq!(m.canonical_name, w.name);
        assert_eq!(m.r#type(), w.kind, "type of {}", w.text);
        assert_eq!(m.match_kind(), w.matched, "match kind of {}", w.text);
        assert_eq!(m.matched_alias, w.text, "matched alias of {}", w.text);
        assert!(!m.explanation.trim().is_empty());
        assert!(
            m.alternatives.is_empty(),
            "{} is unambiguous: {:?}",
            w.text,
            m.alternatives
        );
    }
    // An exact canonical name is more certain than an acronym.
    assert!(response.mentions[2].score > response.mentions[0].score);
    assert_eq!(
        response.normalized_text.as_deref(),
        Some("Islamic State Khorasan Province and the Tehrik-i-Taliban Pakistan clashed near Torkham.")
    );
    assert_eq!(
        response.table_version,
        AliasTable::embedded()?.version,
        "table_version is the served table's hash"
    );

    server.stop().await;
    Ok(())
}

#[tokio::test]
async fn resolve_empty_text_has_no_mentions() -> TestResult {
    let server = TestServer::start().await?;
    let mut client = server.client();
    for text in ["", " ", "\n\n", "nothing to see here, just words."] {
        let response = resolve(&mut client, request(text)).await;
        assert!(
            response.mentions.is_empty(),
            "{text:?}: {:?}",
            response.mentions
        );
        assert_eq!(response.normalized_text.as_deref(), Some(text));
    }
    server.stop().await;
    Ok(())
}

#[tokio::test]
async fn resolve_news_paragraphs() -> TestResult {
    let server = TestServer::start().await?;
    let mut client = server.client();
    for paragraph in PARAGRAPHS {
        let response = resolve(&mut client, request(paragraph.text)).await;
        check_paragraph(paragraph, &response);
    }
    server.stop().await;
    Ok(())
}

/// Short sentences, each proving one look-alike is kept apart.
/// Regression: up to 758200e every acronym defined in the document and not in
/// the table made the resolver panic in `resolve::emit` ("begin > end (22 >
/// 20) when slicing ..."), the defined acronym being emitted twice with the
/// same span. Resolve then failed with CANCELLED "h2 protocol error" and
/// ResolveBatch with INTERNAL "batch worker failed". Fixed in 6c78bdc.
#[tokio::test]
async fn resolve_links_acronyms_defined_in_the_document() -> TestResult {
    let server = TestServer::start().await?;
    let mut failures = Vec::new();
    for &(text, id, name, acronym) in DEFINED_ACRONYMS {
        // A fresh client per case, so one broken connection cannot hide the next case.
        let mut client = server.client();
        let batch = client
            .resolve_batch(ResolveBatchRequest {
                documents: vec![request(text)],
            })
            .await;
        if let Err(status) = &batch {
            failures.push(format!(
                "ResolveBatch {text:?}: {:?} {:?}",
                status.code(),
                status.message()
            ));
        }
        let response = match client.resolve(request(text)).await {
            Ok(response) => response.into_inner(),
            Err(status) => {
                failures.push(format!(
                    "Resolve {text:?}: {:?} {:?}",
                    status.code(),
                    status.message()
                ));
                continue;
            }
        };
        let batch = batch?.into_inner().results;
        assert_eq!(
            batch,
            std::slice::from_ref(&response),
            "batch and unary differ"
        );
        check_invariants(text, &response);
        let defined = response
            .mentions
            .iter()
            .find(|m| m.text == name)
            .unwrap_or_else(|| panic!("{name} not found in {text:?}"));
        assert_eq!(defined.entity_id, id);
        // The later use of the acronym refers back to the definition.
        let later = text.rfind(acronym).expect("acronym in text") as u32;
        let use_ = response
            .mentions
            .iter()
            .find(|m| m.start == later)
            .unwrap_or_else(|| {
                panic!("{acronym} at {later} not resolved in {text:?}: {response:#?}")
            });
        assert_eq!(use_.text, acronym);
        assert_eq!(use_.entity_id, id);
        assert_eq!(use_.match_kind(), MatchKind::DocumentAcronym);
        assert_eq!(use_.matched_alias, name, "the definition it refers to");
        assert!(use_.score < defined.score);
    }
    // Whatever happened above, the server still answers.
    let mut client = server.client();
    let after = resolve(&mut client, request("Torkham")).await;
    assert_eq!(ids(&after), ["torkham"]);
    server.stop().await;
    assert!(failures.is_empty(), "{failures:#?}");
    Ok(())
}

#[tokio::test]
async fn resolve_keeps_look_alikes_apart() -> TestResult {
    let server = TestServer::start().await?;
    let mut client = server.client();
    for case in LOOK_ALIKES {
        let response = resolve(&mut client, request(case.text)).await;
        check_paragraph(case, &response);
        if case.present.is_empty() {
            assert!(
                response.mentions.is_empty(),
                "[{}] {:#?}",
                case.name,
                response.mentions
            );
        }
    }
    server.stop().await;
    Ok(())
}

#[tokio::test]
async fn resolve_answers_concurrent_requests_independently() -> TestResult {
    let server = TestServer::start().await?;
    let mut client = server.client();
    let mut expected = Vec::new();
    for paragraph in PARAGRAPHS {
        expected.push(resolve(&mut client, request(paragraph.text)).await);
    }
    let tasks: Vec<_> = (0..48)
        .map(|i| {
            let mut client = client.clone();
            tokio::spawn(async move {
                let text = PARAGRAPHS[i % PARAGRAPHS.len()].text;
                let response = client
                    .resolve(ResolveRequest {
                        id: format!("concurrent-{i}"),
                        text: text.into(),
                        options: None,
                    })
                    .await;
                (i, response)
            })
        })
        .collect();
    for task in tasks {
        let (i, response) = task.await?;
        let response = response?.into_inner();
        let want = ResolveResponse {
            id: format!("concurrent-{i}"),
            ..expected[i % PARAGRAPHS.len()].clone()
        };
        assert_eq!(response, want, "request {i}");
    }
    server.stop().await;
    Ok(())
}

#[tokio::test]
async fn resolve_reports_offsets_in_bytes_chars_and_utf16() -> TestResult {
    let server = TestServer::start().await?;
    let mut client = server.client();
    // A curly apostrophe (3 bytes, 1 char, 1 UTF-16 unit), a flag (two regional
    // indicators: 8 bytes, 2 chars, 4 units), a ZWJ family emoji, a diacritic
    // and Urdu script (2 bytes per letter) before and around mentions.
    let text = "Pakistan’s army said 🇵🇰 TTP fighters regrouped in Kurram; 👩‍👩‍👧 families fled to \
                Parachinar. Kābul’s envoy met Amir Khan Muttaqi, and the Urdu press wrote \
                تحریک طالبان پاکستان.";
    assert!(text.len() > text.chars().count() && text.chars().count() > 0);
    assert_ne!(text.chars().count(), text.encode_utf16().count());

    let response = resolve(&mut client, request(text)).await;
    // (entity id, the mention as written, its match kind)
    let want: &[(&str, &str, MatchKind)] = &[
        ("pakistan", "Pakistan", MatchKind::Exact),
        ("ttp", "TTP", MatchKind::Acronym),
        ("kurram", "Kurram", MatchKind::Exact),
        ("parachinar", "Parachinar", MatchKind::Exact),
        ("kabul", "Kābul", MatchKind::Normalized),
        ("amir-khan-muttaqi", "Amir Khan Muttaqi", MatchKind::Exact),
        ("ttp", "تحریک طالبان پاکستان", MatchKind::NativeScript),
    ];
    assert_eq!(
        response
            .mentions
            .iter()
            .map(|m| (m.entity_id.as_str(), m.text.as_str()))
            .collect::<Vec<_>>(),
        want.iter().map(|&(id, t, _)| (id, t)).collect::<Vec<_>>()
    );
    for (m, &(id, written, kind)) in response.mentions.iter().zip(want) {
        // Each needle occurs once in the text, so its position is known.
        let start = text.find(written).expect("needle in text");
        let end = start + written.len();
        assert_eq!((m.start, m.end), (start as u32, end as u32), "{id}: bytes");
        let chars = (char_offset(text, start), char_offset(text, end));
        assert_eq!((m.char_start, m.char_end), chars, "{id}: chars");
        let units = (utf16_offset(text, start), utf16_offset(text, end));
        assert_eq!((m.utf16_start, m.utf16_end), units, "{id}: utf16");
        assert_eq!(m.match_kind(), kind, "{id}: match kind");
    }
    // Spot-check the helpers against values worked out by hand: "Kurram"
    // follows 3 extra bytes for ’ and 8 for the flag, which are 2 chars and
    // 4 UTF-16 units.
    let kurram = &response.mentions[2];
    assert_eq!(kurram.start - kurram.char_start, 2 + 6);
    assert_eq!(kurram.utf16_start - kurram.char_start, 2);
    let normalized = response.normalized_text.unwrap_or_default();
    assert!(normalized.contains("🇵🇰 Tehrik-i-Taliban Pakistan fighters"));
    assert!(normalized.contains("Kabul’s envoy"));
    server.stop().await;
    Ok(())
}
