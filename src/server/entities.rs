//! GetEntity and ListEntities: the alias table's entities by id, and in
//! pages of ids in order. A page token names the last id returned, so a
//! page stays valid across a table reload.

use tonic::{Request, Response, Status};

use super::service::ResolverService;
use crate::convert::{entity_to_proto, entity_type_from_proto};
use crate::error::Error;
use crate::proto;
use crate::status::status;

/// Page size of ListEntities when the caller does not say.
pub const DEFAULT_PAGE_SIZE: usize = 100;
/// Largest page of ListEntities.
pub const MAX_PAGE_SIZE: usize = 1000;

pub(super) fn get_entity(
    service: &ResolverService,
    request: Request<proto::GetEntityRequest>,
) -> Result<Response<proto::GetEntityResponse>, Status> {
    let _admitted = service.admission.admit_request()?;
    let id = request.into_inner().id;
    if id.is_empty() {
        return Err(status(Error::invalid_argument("id", "must not be empty")));
    }
    let index = service.index.load_full();
    let entity = index
        .entity_number(&id)
        .ok_or_else(|| status(Error::EntityNotFound(id)))?;
    Ok(Response::new(proto::GetEntityResponse {
        entity: Some(entity_to_proto(&index, entity)),
        table_version: index.version().to_string(),
    }))
}

pub(super) fn list_entities(
    service: &ResolverService,
    request: Request<proto::ListEntitiesRequest>,
) -> Result<Response<proto::ListEntitiesResponse>, Status> {
    let _admitted = service.admission.admit_request()?;
    let request = request.into_inner();
    let page_size = match request.page_size as usize {
        0 => DEFAULT_PAGE_SIZE,
        n if n > MAX_PAGE_SIZE => {
            return Err(status(Error::invalid_argument(
                "page_size",
                format!("{n} is over the maximum of {MAX_PAGE_SIZE}"),
            )))
        }
        n => n,
    };
    let type_filter = match request.r#type {
        0 => None,
        value => Some(entity_type_from_proto(value, "type").map_err(status)?),
    };
    let after = decode_page_token(&request.page_token).map_err(status)?;
    let index = service.index.load_full();
    let page = index.entities_page(after.as_deref(), type_filter, page_size);
    let next_page_token = if page.more {
        page.entities
            .last()
            .map(|&e| encode_page_token(&index.entity_at(e).id))
            .unwrap_or_default()
    } else {
        String::new()
    };
    Ok(Response::new(proto::ListEntitiesResponse {
        entities: page
            .entities
            .iter()
            .map(|&e| entity_to_proto(&index, e))
            .collect(),
        next_page_token,
        total_size: page.total as u32,
        table_version: index.version().to_string(),
    }))
}

/// Page tokens are opaque to callers: the hex of the last id returned, so a
/// page stays valid across a table reload.
fn encode_page_token(last_id: &str) -> String {
    last_id.bytes().map(|b| format!("{b:02x}")).collect()
}

fn decode_page_token(token: &str) -> Result<Option<String>, Error> {
    if token.is_empty() {
        return Ok(None);
    }
    let invalid = || Error::invalid_argument("page_token", "not a token returned by ListEntities");
    if token.len() % 2 != 0 || token.len() > 512 {
        return Err(invalid());
    }
    // Read as bytes: a token is ASCII hex, and a character of several bytes
    // must be refused, not sliced through.
    let bytes = token
        .as_bytes()
        .chunks(2)
        .map(|pair| match (hex_digit(pair[0]), hex_digit(pair[1])) {
            (Some(high), Some(low)) => Ok(high << 4 | low),
            _ => Err(invalid()),
        })
        .collect::<Result<Vec<u8>, Error>>()?;
    String::from_utf8(bytes).map(Some).map_err(|_| invalid())
}

fn hex_digit(byte: u8) -> Option<u8> {
    (byte as char).to_digit(16).map(|digit| digit as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_tokens_round_trip_and_reject_garbage() {
        assert_eq!(
            decode_page_token(&encode_page_token("isis-k")).unwrap(),
            Some("isis-k".to_string())
        );
        // "a€" and "€a" are of even length in bytes with the multi-byte
        // character across a pair; "+1" is what from_str_radix would take.
        for bad in ["zz", "abc", "ff", "a€", "€a", "aa€", "+1", "é"] {
            assert!(
                matches!(
                    decode_page_token(bad),
                    Err(Error::InvalidArgument { ref field, .. }) if field == "page_token"
                ),
                "{bad}"
            );
        }
    }
}
