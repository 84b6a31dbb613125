//! Suggest: what a corpus says the alias table is missing. Every document is
//! resolved with the table, and three kinds of gap are counted:
//!
//! 1. aliases to add: spellings that resolved only by fuzzy matching or
//!    transliteration folding, per entity;
//! 2. entities to add: name-like text that resolved to nothing, in a
//!    sentence with a resolved mention (`names`);
//! 3. acronyms the text defines that the table does not know, or knows for
//!    another entity (`acronyms`).
//!
//! Only counts and one sample per key are kept (`tally`), so memory grows
//! with the distinct suggestions, never with the corpus.

mod acronyms;
mod names;
mod tally;
mod words;

use std::collections::{BTreeSet, HashMap};

use serde::Serialize;

use crate::error::{Error, Result};
use crate::normalize::basic_key;
use crate::resolve::Resolver;
use crate::types::{MatchKind, Mention, NormalizedText, ResolveOptions};

pub use acronyms::{definitions, Definition};
pub use names::{name_candidates, CandidateKind};
pub use tally::Sample;
use tally::Tally;
use words::{context, sentence_of, sentences, Span};

/// Most known entities kept per entity suggestion, in id order.
pub const MAX_SEEN_WITH: usize = 8;

/// A spelling to add as an alias of an entity the resolver found anyway.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AliasSuggestion {
    pub text: String,
    pub entity_id: String,
    pub canonical_name: String,
    pub match_kind: MatchKind,
    pub matched_alias: String,
    pub count: usize,
    pub sample: Sample,
}

/// Name-like text no entity of the table matched.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EntitySuggestion {
    pub text: String,
    pub kind: CandidateKind,
    pub count: usize,
    /// Ids of resolved entities in the same sentences, at most
    /// `MAX_SEEN_WITH`.
    pub seen_with: Vec<String>,
    pub sample: Sample,
}

/// Whether a defined acronym is new to the table or already another entity's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AcronymStatus {
    New,
    /// The table has the acronym for other entities than the expansion's.
    Collision,
}

/// An acronym a text defines.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AcronymSuggestion {
    pub acronym: String,
    pub expansion: String,
    pub status: AcronymStatus,
    /// The entities the table gives the acronym (a collision's).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub known_for: Vec<String>,
    /// The entity the expansion resolved to, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expansion_entity: Option<String>,
    pub count: usize,
    pub sample: Sample,
}

/// The suggestions, each list most frequent first, then by text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub aliases_to_add: Vec<AliasSuggestion>,
    pub entities_to_add: Vec<EntitySuggestion>,
    pub acronyms_defined: Vec<AcronymSuggestion>,
}

struct AliasValue {
    canonical_name: String,
    match_kind: MatchKind,
    matched_alias: String,
}

struct EntityValue {
    text: String,
    kind: CandidateKind,
    seen_with: BTreeSet<String>,
}

struct AcronymValue {
    acronym: String,
    expansion: String,
    status: AcronymStatus,
    known_for: Vec<String>,
    expansion_entity: Option<String>,
}

/// Reads a corpus one document at a time and counts what the table misses.
pub struct Suggester {
    resolver: Resolver,
    options: ResolveOptions,
    /// Basic key of every alias → the entities that have it.
    known: HashMap<String, Vec<u32>>,
    aliases: Tally<(String, String), AliasValue>,
    entities: Tally<String, EntityValue>,
    acronyms: Tally<(String, String), AcronymValue>,
}

impl Suggester {
    pub fn new(resolver: Resolver) -> Self {
        let mut known: HashMap<String, Vec<u32>> = HashMap::new();
        for alias in resolver.index().aliases() {
            let entities = known.entry(alias.key.clone()).or_default();
            if !entities.contains(&alias.entity) {
                entities.push(alias.entity);
            }
        }
        Suggester {
            resolver,
            options: ResolveOptions {
                normalized_text: NormalizedText::Omit,
                ..ResolveOptions::default()
            },
            known,
            aliases: Tally::default(),
            entities: Tally::default(),
            acronyms: Tally::default(),
        }
    }

    /// Resolves one document and counts its suggestions.
    pub fn add(&mut self, id: &str, text: &str) -> Result<()> {
        let resolution = self.resolver.resolve(text, &self.options)?;
        self.add_resolved(id, text, &resolution.mentions);
        Ok(())
    }

    /// Resolves `documents` (id, text) in parallel and counts them in their
    /// order, so counts and samples are those of `add` on each in turn. On
    /// an error, the documents before the failing one are counted and its
    /// position is returned with the error.
    pub fn add_all(
        &mut self,
        documents: &[(String, String)],
    ) -> std::result::Result<(), (usize, Error)> {
        use rayon::prelude::*;
        let resolutions: Vec<Result<Vec<Mention>>> = documents
            .par_iter()
            .map(|(_, text)| Ok(self.resolver.resolve(text, &self.options)?.mentions))
            .collect();
        for (at, ((id, text), mentions)) in documents.iter().zip(resolutions).enumerate() {
            let mentions = mentions.map_err(|error| (at, error))?;
            self.add_resolved(id, text, &mentions);
        }
        Ok(())
    }

    /// Counts the suggestions of a document already resolved with this
    /// suggester's table.
    pub fn add_resolved(&mut self, id: &str, text: &str, mentions: &[Mention]) {
        let sentences = sentences(text);
        let sample = |at: Span| Sample {
            document_id: id.to_string(),
            context: sentence_of(&sentences, at.0)
                .map_or_else(String::new, |sentence| context(text, sentence, at)),
        };
        for mention in mentions.iter().filter(|m| is_new_spelling(m)) {
            self.aliases.add(
                (mention.entity_id.clone(), mention.text.clone()),
                || {
                    let value = AliasValue {
                        canonical_name: mention.canonical_name.clone(),
                        match_kind: mention.match_kind,
                        matched_alias: mention.matched_alias.clone(),
                    };
                    (value, sample((mention.start, mention.end)))
                },
                |_| {},
            );
        }
        for &sentence in &sentences {
            for definition in definitions(text, sentence) {
                self.count_definition(text, definition, mentions, &sample);
            }
            let inside: Vec<&Mention> = mentions
                .iter()
                .filter(|m| sentence.0 <= m.start && m.start < sentence.1)
                .collect();
            if inside.is_empty() {
                continue;
            }
            let sentence_words = words::words(text, sentence);
            let covered = |w: Span| inside.iter().any(|m| m.start < w.1 && w.0 < m.end);
            for (span, kind) in name_candidates(text, &sentence_words, covered) {
                let printed = &text[span.0..span.1];
                let key = basic_key(printed);
                if key.is_empty() || self.known.contains_key(&key) {
                    continue;
                }
                let near = || inside.iter().map(|m| m.entity_id.clone());
                self.entities.add(
                    key,
                    || {
                        let mut seen_with = BTreeSet::new();
                        add_capped(&mut seen_with, near());
                        let value = EntityValue {
                            text: printed.to_string(),
                            kind,
                            seen_with,
                        };
                        (value, sample(span))
                    },
                    |value| add_capped(&mut value.seen_with, near()),
                );
            }
        }
    }

    fn count_definition(
        &mut self,
        text: &str,
        definition: Definition,
        mentions: &[Mention],
        sample: &impl Fn(Span) -> Sample,
    ) {
        let index = self.resolver.index();
        let acronym = &text[definition.acronym.0..definition.acronym.1];
        let expansion = &text[definition.expansion.0..definition.expansion.1];
        let known: &[u32] = self
            .known
            .get(&basic_key(acronym))
            .map_or(&[], Vec::as_slice);
        // The entity of the mention covering most of the expansion.
        let (from, to) = definition.expansion;
        let expansion_entity = mentions
            .iter()
            .filter(|m| m.start < to && from < m.end)
            .max_by_key(|m| m.end.min(to) - m.start.max(from))
            .map(|m| m.entity_id.clone());
        let status = match &expansion_entity {
            _ if known.is_empty() => AcronymStatus::New,
            Some(id) if known.iter().any(|&e| index.entity_at(e).id == *id) => return,
            _ => AcronymStatus::Collision,
        };
        let known_for = known
            .iter()
            .map(|&e| index.entity_at(e).id.clone())
            .collect();
        self.acronyms.add(
            (acronym.to_string(), basic_key(expansion)),
            || {
                let value = AcronymValue {
                    acronym: acronym.to_string(),
                    expansion: expansion.to_string(),
                    status,
                    known_for,
                    expansion_entity,
                };
                (value, sample(definition.acronym))
            },
            |_| {},
        );
    }

    /// The suggestions seen at least `min_count` times, at most `limit` of
    /// each kind, most frequent first, then by text.
    pub fn report(&self, limit: usize, min_count: usize) -> Report {
        let aliases_to_add = self
            .aliases
            .ranked(min_count, limit, |(entity, text), _| {
                (text.clone(), entity.clone())
            })
            .into_iter()
            .map(|((entity_id, text), entry)| AliasSuggestion {
                text: text.clone(),
                entity_id: entity_id.clone(),
                canonical_name: entry.value.canonical_name.clone(),
                match_kind: entry.value.match_kind,
                matched_alias: entry.value.matched_alias.clone(),
                count: entry.count,
                sample: entry.sample.clone(),
            })
            .collect();
        let entities_to_add = self
            .entities
            .ranked(min_count, limit, |key, value| {
                (value.text.clone(), key.clone())
            })
            .into_iter()
            .map(|(_, entry)| EntitySuggestion {
                text: entry.value.text.clone(),
                kind: entry.value.kind,
                count: entry.count,
                seen_with: entry.value.seen_with.iter().cloned().collect(),
                sample: entry.sample.clone(),
            })
            .collect();
        let acronyms_defined = self
            .acronyms
            .ranked(min_count, limit, |key, _| key.clone())
            .into_iter()
            .map(|(_, entry)| AcronymSuggestion {
                acronym: entry.value.acronym.clone(),
                expansion: entry.value.expansion.clone(),
                status: entry.value.status,
                known_for: entry.value.known_for.clone(),
                expansion_entity: entry.value.expansion_entity.clone(),
                count: entry.count,
                sample: entry.sample.clone(),
            })
            .collect();
        Report {
            aliases_to_add,
            entities_to_add,
            acronyms_defined,
        }
    }
}

/// A spelling the table lacks: matched by fuzzy matching, or equal to its
/// alias only after transliteration folding (its basic key differs).
fn is_new_spelling(mention: &Mention) -> bool {
    match mention.match_kind {
        MatchKind::Fuzzy => true,
        MatchKind::Normalized => basic_key(&mention.text) != basic_key(&mention.matched_alias),
        _ => false,
    }
}

fn add_capped(set: &mut BTreeSet<String>, ids: impl Iterator<Item = String>) {
    for id in ids {
        if set.len() >= MAX_SEEN_WITH {
            return;
        }
        set.insert(id);
    }
}

#[cfg(test)]
mod tests;
