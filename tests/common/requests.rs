//! Requests and answers in the shapes most tests want.

use entity_resolver::proto::{ResolveRequest, ResolveResponse, ResolveStreamRequest};

pub fn document(id: &str, text: &str) -> ResolveRequest {
    ResolveRequest {
        id: id.to_string(),
        text: text.to_string(),
        options: None,
    }
}

pub fn stream_document(id: &str, text: &str) -> ResolveStreamRequest {
    ResolveStreamRequest {
        document: Some(document(id, text)),
    }
}

/// The entity of each mention, in order.
pub fn ids(response: &ResolveResponse) -> Vec<&str> {
    response
        .mentions
        .iter()
        .map(|m| m.entity_id.as_str())
        .collect()
}
