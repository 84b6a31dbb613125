//! The resolver's public vocabulary. Serialised field and enum names follow the
//! proto (snake_case fields, `ENTITY_TYPE_*` and `MATCH_KIND_*` values), so the
//! JSON of the CLI and the gRPC answers read the same.

use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The kind of thing an entity is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum EntityType {
    #[serde(rename = "ENTITY_TYPE_ORGANIZATION")]
    Organization,
    #[serde(rename = "ENTITY_TYPE_PERSON")]
    Person,
    #[serde(rename = "ENTITY_TYPE_LOCATION")]
    Location,
    #[serde(rename = "ENTITY_TYPE_EVENT")]
    Event,
    #[serde(rename = "ENTITY_TYPE_OTHER")]
    Other,
}

impl EntityType {
    /// The names used in alias files.
    pub const NAMES: [&'static str; 5] = ["organization", "person", "location", "event", "other"];

    pub fn as_str(self) -> &'static str {
        match self {
            EntityType::Organization => "organization",
            EntityType::Person => "person",
            EntityType::Location => "location",
            EntityType::Event => "event",
            EntityType::Other => "other",
        }
    }
}

impl FromStr for EntityType {
    type Err = ();

    fn from_str(name: &str) -> Result<Self, ()> {
        match name {
            "organization" => Ok(EntityType::Organization),
            "person" => Ok(EntityType::Person),
            "location" => Ok(EntityType::Location),
            "event" => Ok(EntityType::Event),
            "other" => Ok(EntityType::Other),
            _ => Err(()),
        }
    }
}

/// How a mention was matched, from most to least certain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum MatchKind {
    #[serde(rename = "MATCH_KIND_EXACT")]
    Exact,
    #[serde(rename = "MATCH_KIND_NORMALIZED")]
    Normalized,
    #[serde(rename = "MATCH_KIND_ACRONYM")]
    Acronym,
    #[serde(rename = "MATCH_KIND_DOCUMENT_ACRONYM")]
    DocumentAcronym,
    #[serde(rename = "MATCH_KIND_FUZZY")]
    Fuzzy,
    #[serde(rename = "MATCH_KIND_PARTIAL_NAME")]
    PartialName,
    #[serde(rename = "MATCH_KIND_NATIVE_SCRIPT")]
    NativeScript,
}

impl MatchKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MatchKind::Exact => "exact",
            MatchKind::Normalized => "normalized",
            MatchKind::Acronym => "acronym",
            MatchKind::DocumentAcronym => "document_acronym",
            MatchKind::Fuzzy => "fuzzy",
            MatchKind::PartialName => "partial_name",
            MatchKind::NativeScript => "native_script",
        }
    }
}

/// Another entity an ambiguous mention could refer to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alternative {
    pub entity_id: String,
    pub canonical_name: String,
    pub score: f32,
}

/// One mention of an entity in a text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mention {
    pub text: String,
    /// UTF-8 byte offsets, end exclusive.
    pub start: usize,
    pub end: usize,
    /// Unicode scalar value offsets (Python string indices).
    pub char_start: usize,
    pub char_end: usize,
    /// UTF-16 code unit offsets (JavaScript and Java string indices).
    pub utf16_start: usize,
    pub utf16_end: usize,
    pub entity_id: String,
    pub canonical_name: String,
    #[serde(rename = "type")]
    pub entity_type: EntityType,
    pub score: f32,
    pub match_kind: MatchKind,
    pub matched_alias: String,
    pub explanation: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alternatives: Vec<Alternative>,
}

/// What resolving one document gives.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Resolution {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub id: String,
    pub mentions: Vec<Mention>,
    /// Absent when the options asked for none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub normalized_text: Option<String>,
    pub table_version: String,
}

/// Options that shape one resolution. Both filters apply to resolved mentions,
/// after overlaps are settled: restricting to locations does not let
/// "Afghanistan" out of "Islamic Emirate of Afghanistan".
#[derive(Debug, Clone, PartialEq)]
pub struct ResolveOptions {
    /// Mentions scoring below this are dropped; within [0, 1].
    pub min_score: f32,
    pub fuzzy: bool,
    /// Only these types are returned; empty means all.
    pub entity_types: Vec<EntityType>,
    pub normalized_text: NormalizedText,
}

/// What replaces each mention in the normalized text, if there is one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NormalizedText {
    #[default]
    CanonicalName,
    EntityId,
    /// No normalized text: pipelines that keep only the mentions skip the copy.
    Omit,
}

impl Default for ResolveOptions {
    fn default() -> Self {
        ResolveOptions {
            min_score: 0.0,
            fuzzy: true,
            entity_types: Vec::new(),
            normalized_text: NormalizedText::default(),
        }
    }
}

impl ResolveOptions {
    /// Checks the options, naming the offending field.
    pub fn validate(&self) -> crate::Result<()> {
        if !(0.0..=1.0).contains(&self.min_score) {
            return Err(crate::Error::invalid_argument(
                "options.min_score",
                format!("{} is outside [0, 1]", self.min_score),
            ));
        }
        Ok(())
    }
}
