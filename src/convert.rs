//! Translation between the proto messages and the library's types, both
//! ways: the server turns requests into library calls, and the client
//! (`batch --server`, the load generator) turns answers back into the
//! same `Resolution` the library gives, so both print identical JSON.

use crate::error::Error;
use crate::proto;
use entity_resolver_core::index::Index;
use entity_resolver_core::types::{
    Alternative, EntityType, MatchKind, Mention, NormalizedText, Resolution, ResolveOptions,
};

pub fn options_from_proto(options: proto::ResolveOptions) -> Result<ResolveOptions, Error> {
    let options = ResolveOptions {
        min_score: options.min_score,
        fuzzy: !options.disable_fuzzy,
        entity_types: entity_types(&options.entity_types, "options.entity_types")?,
        normalized_text: normalized_text_from_proto(options.normalized_text_mode)?,
    };
    options.validate()?;
    Ok(options)
}

pub fn entity_types(values: &[i32], field: &str) -> Result<Vec<EntityType>, Error> {
    values
        .iter()
        .enumerate()
        .map(|(i, &value)| entity_type_from_proto(value, &format!("{field}[{i}]")))
        .collect()
}

pub fn entity_type_from_proto(value: i32, field: &str) -> Result<EntityType, Error> {
    use proto::EntityType as P;
    match P::try_from(value) {
        Ok(P::Organization) => Ok(EntityType::Organization),
        Ok(P::Person) => Ok(EntityType::Person),
        Ok(P::Location) => Ok(EntityType::Location),
        Ok(P::Event) => Ok(EntityType::Event),
        Ok(P::Other) => Ok(EntityType::Other),
        Ok(P::Unspecified) => Err(Error::invalid_argument(
            field,
            "ENTITY_TYPE_UNSPECIFIED is not a type to filter by",
        )),
        Err(_) => Err(Error::invalid_argument(
            field,
            format!("{value} is not an EntityType"),
        )),
    }
}

pub fn entity_type_to_proto(entity_type: EntityType) -> proto::EntityType {
    match entity_type {
        EntityType::Organization => proto::EntityType::Organization,
        EntityType::Person => proto::EntityType::Person,
        EntityType::Location => proto::EntityType::Location,
        EntityType::Event => proto::EntityType::Event,
        EntityType::Other => proto::EntityType::Other,
    }
}

pub fn match_kind_to_proto(kind: MatchKind) -> proto::MatchKind {
    match kind {
        MatchKind::Exact => proto::MatchKind::Exact,
        MatchKind::Normalized => proto::MatchKind::Normalized,
        MatchKind::Acronym => proto::MatchKind::Acronym,
        MatchKind::DocumentAcronym => proto::MatchKind::DocumentAcronym,
        MatchKind::Fuzzy => proto::MatchKind::Fuzzy,
        MatchKind::PartialName => proto::MatchKind::PartialName,
        MatchKind::NativeScript => proto::MatchKind::NativeScript,
    }
}

fn offset(value: usize) -> u32 {
    // Texts are limited far below 4 GiB, so offsets always fit.
    u32::try_from(value).unwrap_or(u32::MAX)
}

pub fn mention_to_proto(mention: Mention) -> proto::Mention {
    proto::Mention {
        text: mention.text,
        start: offset(mention.start),
        end: offset(mention.end),
        char_start: offset(mention.char_start),
        char_end: offset(mention.char_end),
        utf16_start: offset(mention.utf16_start),
        utf16_end: offset(mention.utf16_end),
        entity_id: mention.entity_id,
        canonical_name: mention.canonical_name,
        r#type: entity_type_to_proto(mention.entity_type) as i32,
        score: mention.score,
        match_kind: match_kind_to_proto(mention.match_kind) as i32,
        matched_alias: mention.matched_alias,
        explanation: mention.explanation,
        alternatives: mention
            .alternatives
            .into_iter()
            .map(|a| proto::Alternative {
                entity_id: a.entity_id,
                canonical_name: a.canonical_name,
                score: a.score,
            })
            .collect(),
    }
}

pub fn resolution_to_proto(resolution: Resolution) -> proto::ResolveResponse {
    proto::ResolveResponse {
        id: resolution.id,
        mentions: resolution
            .mentions
            .into_iter()
            .map(mention_to_proto)
            .collect(),
        normalized_text: resolution.normalized_text,
        table_version: resolution.table_version,
    }
}

/// Refuses an answer whose encoding is over `limit` bytes: the server's
/// --max-answer-bytes, which in-process `batch` applies too so that both
/// print the same.
pub fn check_answer_size(answer: &proto::ResolveResponse, limit: usize) -> Result<(), Error> {
    let bytes = prost::Message::encoded_len(answer);
    if bytes > limit {
        return Err(Error::LimitExceeded {
            what: "bytes of the answer (the encoded ResolveResponse; --max-answer-bytes)"
                .to_string(),
            actual: bytes,
            limit,
        });
    }
    Ok(())
}

pub fn entity_to_proto(index: &Index, entity: u32) -> proto::Entity {
    let entity = &index.entity_at(entity);
    let record = &entity.record;
    proto::Entity {
        id: entity.id.clone(),
        canonical_name: entity.name.clone(),
        r#type: entity_type_to_proto(entity.entity_type) as i32,
        aliases: record.aliases.clone(),
        acronyms: record.acronyms.clone(),
        native_names: record.native.clone(),
        tags: record.tags.clone(),
        external_ids: record.external_ids.clone().into_iter().collect(),
        notes: record.notes.clone(),
        sources: record
            .sources
            .iter()
            .map(|source| proto::Source {
                source: source.source.clone(),
                date: source.date.clone(),
                url: source.url.clone().unwrap_or_default(),
            })
            .collect(),
    }
}

fn normalized_text_from_proto(value: i32) -> Result<NormalizedText, Error> {
    use proto::NormalizedTextMode as P;
    match P::try_from(value) {
        Ok(P::Unspecified | P::CanonicalName) => Ok(NormalizedText::CanonicalName),
        Ok(P::EntityId) => Ok(NormalizedText::EntityId),
        Ok(P::Omit) => Ok(NormalizedText::Omit),
        Err(_) => Err(Error::invalid_argument(
            "options.normalized_text_mode",
            format!("{value} is not a NormalizedTextMode"),
        )),
    }
}

/// The proto form of library options, for clients.
pub fn options_to_proto(options: &ResolveOptions) -> proto::ResolveOptions {
    proto::ResolveOptions {
        min_score: options.min_score,
        disable_fuzzy: !options.fuzzy,
        entity_types: options
            .entity_types
            .iter()
            .map(|&t| entity_type_to_proto(t) as i32)
            .collect(),
        normalized_text_mode: match options.normalized_text {
            NormalizedText::CanonicalName => proto::NormalizedTextMode::CanonicalName,
            NormalizedText::EntityId => proto::NormalizedTextMode::EntityId,
            NormalizedText::Omit => proto::NormalizedTextMode::Omit,
        } as i32,
    }
}

/// A server's answer as the library's `Resolution`. Fails on enum values this
/// build does not know (a newer server), naming the field.
pub fn resolution_from_proto(response: proto::ResolveResponse) -> Result<Resolution, Error> {
    let mentions = response
        .mentions
        .into_iter()
        .enumerate()
        .map(|(i, mention)| mention_from_proto(mention, i))
        .collect::<Result<Vec<_>, Error>>()?;
    Ok(Resolution {
        id: response.id,
        mentions,
        normalized_text: response.normalized_text,
        table_version: response.table_version,
    })
}

fn mention_from_proto(mention: proto::Mention, i: usize) -> Result<Mention, Error> {
    let field = |name: &str| format!("mentions[{i}].{name}");
    Ok(Mention {
        entity_type: entity_type_from_proto(mention.r#type, &field("type"))?,
        match_kind: match_kind_field(mention.match_kind, &field("match_kind"))?,
        text: mention.text,
        start: mention.start as usize,
        end: mention.end as usize,
        char_start: mention.char_start as usize,
        char_end: mention.char_end as usize,
        utf16_start: mention.utf16_start as usize,
        utf16_end: mention.utf16_end as usize,
        entity_id: mention.entity_id,
        canonical_name: mention.canonical_name,
        score: mention.score,
        matched_alias: mention.matched_alias,
        explanation: mention.explanation,
        alternatives: mention
            .alternatives
            .into_iter()
            .map(|a| Alternative {
                entity_id: a.entity_id,
                canonical_name: a.canonical_name,
                score: a.score,
            })
            .collect(),
    })
}

/// The library's match kind of a proto value: the one proto-to-library
/// mapping (the client's answers and the server's metrics both read it).
/// None for UNSPECIFIED and for values this build does not know.
pub fn match_kind_from_proto(value: i32) -> Option<MatchKind> {
    use proto::MatchKind as P;
    match P::try_from(value).ok()? {
        P::Exact => Some(MatchKind::Exact),
        P::Normalized => Some(MatchKind::Normalized),
        P::Acronym => Some(MatchKind::Acronym),
        P::DocumentAcronym => Some(MatchKind::DocumentAcronym),
        P::Fuzzy => Some(MatchKind::Fuzzy),
        P::PartialName => Some(MatchKind::PartialName),
        P::NativeScript => Some(MatchKind::NativeScript),
        P::Unspecified => None,
    }
}

fn match_kind_field(value: i32, field: &str) -> Result<MatchKind, Error> {
    match_kind_from_proto(value).ok_or_else(|| {
        Error::invalid_argument(
            field,
            format!("{value} is not a MatchKind this client knows"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_round_trip_through_the_proto() {
        let cases = [
            ResolveOptions::default(),
            ResolveOptions {
                min_score: 0.5,
                fuzzy: false,
                entity_types: vec![EntityType::Person, EntityType::Location],
                normalized_text: NormalizedText::EntityId,
            },
            ResolveOptions {
                normalized_text: NormalizedText::Omit,
                ..ResolveOptions::default()
            },
        ];
        for options in cases {
            let back = options_from_proto(options_to_proto(&options)).unwrap();
            assert_eq!(back, options);
        }
    }

    #[test]
    fn unknown_enum_values_name_their_field() {
        let cases: [(proto::ResolveOptions, &str); 2] = [
            (
                proto::ResolveOptions {
                    normalized_text_mode: 9,
                    ..Default::default()
                },
                "options.normalized_text_mode",
            ),
            (
                proto::ResolveOptions {
                    entity_types: vec![1, 42],
                    ..Default::default()
                },
                "options.entity_types[1]",
            ),
        ];
        for (options, field) in cases {
            let error = options_from_proto(options).unwrap_err().to_string();
            assert!(error.contains(field), "{error:?} should name {field}");
        }
    }
}
