//! Requests and the checks every gRPC test makes of its answers.

use entity_resolver::proto::{
    self, EntityType, MatchKind, ResolveOptions, ResolveRequest, ResolveResponse,
};
use tonic::Code;

pub use crate::common::requests::ids;
use crate::common::Client;

pub fn request(text: &str) -> ResolveRequest {
    ResolveRequest {
        id: String::new(),
        text: text.to_string(),
        options: None,
    }
}

pub fn request_with(text: &str, options: ResolveOptions) -> ResolveRequest {
    ResolveRequest {
        id: String::new(),
        text: text.to_string(),
        options: Some(options),
    }
}

pub fn min_score(value: f32) -> ResolveOptions {
    ResolveOptions {
        min_score: value,
        ..Default::default()
    }
}

pub fn types_filter(types: &[i32]) -> ResolveOptions {
    ResolveOptions {
        entity_types: types.to_vec(),
        ..Default::default()
    }
}

pub async fn resolve(client: &mut Client, request: ResolveRequest) -> ResolveResponse {
    let text = request.text.clone();
    let response = client
        .resolve(request)
        .await
        .unwrap_or_else(|status| panic!("Resolve({text:?}) failed: {status:?}"))
        .into_inner();
    check_invariants(&text, &response);
    response
}

pub fn char_offset(text: &str, byte: usize) -> u32 {
    text[..byte].chars().count() as u32
}

pub fn utf16_offset(text: &str, byte: usize) -> u32 {
    text[..byte].encode_utf16().count() as u32
}

/// What every ResolveResponse must satisfy, whatever the text: the mention
/// text is the slice it claims to be, the three offset units agree with each
/// other, mentions are ordered and disjoint, every field is filled in, and the
/// normalised text is the input with each mention replaced by its canonical
/// name.
pub fn check_invariants(text: &str, response: &ResolveResponse) {
    assert!(
        !response.table_version.is_empty(),
        "table_version is empty for {text:?}"
    );
    let mut expected_normalized = String::new();
    let mut copied = 0usize;
    for (i, m) in response.mentions.iter().enumerate() {
        let (start, end) = (m.start as usize, m.end as usize);
        assert!(
            start < end && end <= text.len(),
            "mention {i} {m:?} is out of bounds of {text:?}"
        );
        assert!(
            text.is_char_boundary(start) && text.is_char_boundary(end),
            "mention {i} {m:?} does not fall on char boundaries"
        );
        assert_eq!(
            m.text,
            text[start..end],
            "mention {i}: text is not text[start..end]"
        );
        assert_eq!(
            m.char_start,
            char_offset(text, start),
            "mention {i} {:?}: char_start",
            m.text
        );
        assert_eq!(
            m.char_end,
            char_offset(text, end),
            "mention {i} {:?}: char_end",
            m.text
        );
        assert_eq!(
            m.utf16_start,
            utf16_offset(text, start),
            "mention {i} {:?}: utf16_start",
            m.text
        );
        assert_eq!(
            m.utf16_end,
            utf16_offset(text, end),
            "mention {i} {:?}: utf16_end",
            m.text
        );
        assert!(
            start >= copied,
            "mention {i} {m:?} overlaps or precedes the one before it"
        );
        assert!(!m.entity_id.is_empty(), "mention {i}: empty entity_id");
        assert!(
            !m.canonical_name.is_empty(),
            "mention {i}: empty canonical_name"
        );
        assert!(
            !m.matched_alias.is_empty(),
            "mention {i}: empty matched_alias"
        );
        assert!(
            !m.explanation.is_empty(),
            "mention {i} {:?}: empty explanation",
            m.text
        );
        assert_ne!(
            m.r#type(),
            EntityType::Unspecified,
            "mention {i}: type unset"
        );
        assert_ne!(
            m.match_kind(),
            MatchKind::Unspecified,
            "mention {i}: match_kind unset"
        );
        assert!(
            m.score > 0.0 && m.score <= 1.0,
            "mention {i}: score {} outside (0, 1]",
            m.score
        );
        for alternative in &m.alternatives {
            assert_ne!(
                alternative.entity_id, m.entity_id,
                "mention {i}: the chosen entity is its own alternative"
            );
            assert!(
                alternative.score <= m.score,
                "mention {i}: alternative {alternative:?} outranks the choice"
            );
        }
        expected_normalized.push_str(&text[copied..start]);
        expected_normalized.push_str(&m.canonical_name);
        copied = end;
    }
    expected_normalized.push_str(&text[copied..]);
    assert_eq!(
        response.normalized_text.as_deref(),
        Some(expected_normalized.as_str()),
        "normalized_text of {text:?}"
    );
}

pub fn assert_status(
    result: Result<impl std::fmt::Debug, tonic::Status>,
    code: Code,
    needles: &[&str],
    case: &str,
) {
    match result {
        Ok(value) => panic!("{case}: expected {code:?}, got Ok({value:?})"),
        Err(status) => {
            assert_eq!(
                status.code(),
                code,
                "{case}: wrong code, message {:?}",
                status.message()
            );
            for needle in needles {
                assert!(
                    status.message().contains(needle),
                    "{case}: message {:?} does not name {needle:?}",
                    status.message()
                );
            }
        }
    }
}

/// A batch answer with exactly one failed document, at `index`, whose error
/// has `code` and names every needle; the other entries are resolved.
pub fn assert_one_document_failed(
    response: &proto::ResolveBatchResponse,
    index: u32,
    code: Code,
    needles: &[&str],
    case: &str,
) {
    assert_eq!(response.errors.len(), 1, "{case}: {:?}", response.errors);
    let failure = &response.errors[0];
    assert_eq!(failure.index, index, "{case}: {failure:?}");
    let error = failure.error.as_ref().expect("the error of the document");
    assert_eq!(error.code, code as i32, "{case}: {error:?}");
    for needle in needles {
        assert!(
            error.message.contains(needle),
            "{case}: {error:?} lacks {needle:?}"
        );
    }
    for (i, result) in response.results.iter().enumerate() {
        assert_eq!(
            result.table_version.is_empty(),
            i as u32 == index,
            "{case}: entry {i} {result:?}"
        );
    }
}

pub const ORG: i32 = EntityType::Organization as i32;
pub const PERSON: i32 = EntityType::Person as i32;
pub const LOCATION: i32 = EntityType::Location as i32;
