//! Lookup: the resolver's machinery on a bare name rather than running text
//! ("who is 'Aslam Faroqqi'?"). Case rules are relaxed, since a name typed
//! into a search box carries no sentence case, and the candidates are ranked.

use std::collections::HashMap;

use crate::error::{Error, Result};
use crate::index::{AliasKind, Index};
use crate::matching::candidates::{case_rule_holds, score};
use crate::matching::fuzzy::{fuzzy_score, max_name_distance, max_word_distance, stretch_allowed};
use crate::normalize::normalize;
use crate::resolve::normalisation_steps;
use crate::types::{EntityType, MatchKind};
use crate::work::Work;

/// Most candidates one lookup returns.
pub const MAX_LIMIT: usize = 100;
/// Longest name one lookup takes, in bytes of UTF-8. A name typed into a
/// search box is a few words: the longest name in the table is 65
/// characters ("Ministry for the Propagation of Virtue and the Prevention of
/// Vice"), and the longest alias a table may hold is
/// `table::MAX_NAME_CHARS` (256) characters, which is at most 1 KiB of UTF-8
/// in any script. Anything longer is not a name.
pub const MAX_NAME_BYTES: usize = 1024;
/// Candidates returned when the caller does not say.
pub const DEFAULT_LIMIT: usize = 10;
/// Score of a one-word name that is part of a person's full name.
const NAME_PART_SCORE: f32 = 0.5;
/// Factor for an alias whose case rule the name does not meet ("isi" for ISI).
const CASE_MISMATCH_FACTOR: f32 = 0.85;

/// One ranked candidate.
#[derive(Debug, Clone, PartialEq)]
pub struct LookupCandidate {
    pub entity: u32,
    pub score: f32,
    pub kind: MatchKind,
    pub alias: u32,
    pub explanation: String,
}

/// Ranks the entities a bare name may refer to, best first.
pub fn lookup(
    index: &Index,
    name: &str,
    limit: usize,
    types: &[EntityType],
) -> Result<Vec<LookupCandidate>> {
    lookup_counted(index, name, limit, types, &mut Work::default())
}

/// `lookup`, adding the work done to `work`: tests count work instead of
/// timing it.
#[doc(hidden)]
pub fn lookup_counted(
    index: &Index,
    name: &str,
    limit: usize,
    types: &[EntityType],
    work: &mut Work,
) -> Result<Vec<LookupCandidate>> {
    // Checked first: nothing of a long name is looked at.
    if name.len() > MAX_NAME_BYTES {
        return Err(Error::invalid_argument(
            "name",
            format!(
                "{} bytes is over the maximum of {MAX_NAME_BYTES} bytes",
                name.len()
            ),
        ));
    }
    if !name.chars().any(char::is_alphanumeric) {
        return Err(Error::invalid_argument(
            "name",
            "must contain at least one letter or digit",
        ));
    }
    if limit > MAX_LIMIT {
        return Err(Error::invalid_argument(
            "limit",
            format!("{limit} is over the maximum of {MAX_LIMIT}"),
        ));
    }
    let limit = if limit == 0 { DEFAULT_LIMIT } else { limit };
    let name = name.trim();
    let doc = normalize(name);
    work.tokens += doc.tokens.len() as u64;
    let mut best: HashMap<u32, LookupCandidate> = HashMap::new();
    let mut offer = |candidate: LookupCandidate| {
        let entry = best
            .entry(candidate.entity)
            .or_insert_with(|| candidate.clone());
        if candidate.score > entry.score {
            *entry = candidate;
        }
    };

    if let Some(pattern) = index.basic.key_id(&doc.basic) {
        for &alias_id in index.basic.aliases_of(pattern) {
            let alias = &index.aliases[alias_id as usize];
            let (kind, mut value, explanation) = match alias.kind {
                AliasKind::Acronym => (
                    MatchKind::Acronym,
                    score::ACRONYM_UPPER,
                    format!("acronym {:?}", alias.surface),
                ),
                AliasKind::Native => (
                    MatchKind::NativeScript,
                    score::NATIVE,
                    format!("Arabic-script name {:?}", alias.surface),
                ),
                AliasKind::Canonical if alias.surface == name => (
                    MatchKind::Exact,
                    score::CANONICAL_EXACT,
                    "exact match of the canonical name".to_string(),
                ),
                _ if alias.surface == name => (
                    MatchKind::Exact,
                    score::ALIAS_EXACT,
                    format!("exact match of alias {:?}", alias.surface),
                ),
                _ => (
                    MatchKind::Normalized,
                    score::NORMALIZED,
                    format!(
                        "alias {:?} after normalisation: {}",
                        alias.surface,
                        normalisation_steps(name, &alias.surface).join(", ")
                    ),
                ),
            };
            if !case_rule_holds(alias.case, &alias.letters, &doc.tokens, name) {
                value *= CASE_MISMATCH_FACTOR;
            }
            if alias.shared {
                value *= 0.75;
            }
            offer(LookupCandidate {
                entity: alias.entity,
                score: value,
                kind,
                alias: alias_id,
                explanation,
            });
        }
    }

    if let Some(pattern) = index.folded.key_id(&doc.folded) {
        for &alias_id in index.folded.aliases_of(pattern) {
            let alias = &index.aliases[alias_id as usize];
            offer(LookupCandidate {
                entity: alias.entity,
                score: score::TRANSLITERATED,
                kind: MatchKind::Normalized,
                alias: alias_id,
                explanation: format!(
                    "alias {:?} after normalisation: {}",
                    alias.surface,
                    normalisation_steps(name, &alias.surface).join(", ")
                ),
            });
        }
    }

    // Fuzzy: every word exact or within its edit budget, aligned to a name of
    // as many words; and a one-word name that is part of a person's name.
    let fuzzy = &index.fuzzy;
    let words: Vec<&str> = doc.tokens.iter().map(|t| doc.folded_key(t)).collect();
    let options: Vec<Vec<(u32, u32)>> = words
        .iter()
        .map(|w| {
            let mut found: Vec<(u32, u32)> = fuzzy
                .word_ids
                .get(*w)
                .map(|&id| vec![(id, 0)])
                .unwrap_or_default();
            work.fuzzy_words += 1;
            let (substitutes, cost) = fuzzy.substitutes_counted(w, work);
            work.fuzzy_charged += cost;
            found.extend(substitutes);
            found
        })
        .collect();
    let mut tried = std::collections::HashSet::new();
    for (position, choices) in options.iter().enumerate() {
        for &(word, _) in choices {
            for &(pattern, at) in fuzzy.postings(word) {
                work.alignments += 1;
                if (at as usize != position && words.len() != 1) || !tried.insert(pattern) {
                    continue;
                }
                let pattern_words = fuzzy.pattern_words(pattern);
                if pattern_words.len() != words.len() {
                    if words.len() == 1 {
                        name_part(
                            index,
                            pattern,
                            &mut offer,
                            options[0].iter().any(|&(w, d)| w == word && d == 0),
                        );
                    }
                    continue;
                }
                let mut distance = 0;
                let mut exact_words = 0;
                let mut stretched_words = 0;
                let aligned = pattern_words.iter().zip(&options).zip(&words).all(
                    |((want, offered), written)| match offered.iter().find(|(id, _)| id == want) {
                        Some(&(_, cost)) => {
                            let shorter = written
                                .chars()
                                .count()
                                .min(fuzzy.vocabulary[*want as usize].chars().count());
                            if cost == 0 {
                                exact_words += 1;
                            } else if cost > max_word_distance(shorter) {
                                stretched_words += 1;
                            }
                            distance += cost;
                            true
                        }
                        None => false,
                    },
                );
                let aligned = aligned && stretch_allowed(stretched_words, exact_words);
                let key = &index.folded.keys[pattern as usize];
                let letters = key.chars().filter(|c| *c != ' ').count();
                if !aligned || distance == 0 || distance > max_name_distance(letters, words.len()) {
                    continue;
                }
                for &alias_id in index.folded.aliases_of(pattern) {
                    let alias = &index.aliases[alias_id as usize];
                    offer(LookupCandidate {
                        entity: alias.entity,
                        score: fuzzy_score(distance, letters),
                        kind: MatchKind::Fuzzy,
                        alias: alias_id,
                        explanation: format!(
                            "fuzzy match of alias {:?}: edit distance {distance}",
                            alias.surface
                        ),
                    });
                }
            }
        }
    }

    let mut ranked: Vec<LookupCandidate> = best
        .into_values()
        .filter(|c| {
            types.is_empty() || types.contains(&index.entities[c.entity as usize].entity_type)
        })
        .collect();
    ranked.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.entity.cmp(&b.entity)));
    ranked.truncate(limit);
    for candidate in &mut ranked {
        candidate.score = (candidate.score * 1000.0).round() / 1000.0;
    }
    Ok(ranked)
}

/// "Akram" alone: a word of a person's full name, ranked low.
fn name_part(
    index: &Index,
    pattern: u32,
    offer: &mut impl FnMut(LookupCandidate),
    exact_word: bool,
) {
    if !exact_word {
        return;
    }
    for &alias_id in index.folded.aliases_of(pattern) {
        let alias = &index.aliases[alias_id as usize];
        if index.entities[alias.entity as usize].entity_type != EntityType::Person {
            continue;
        }
        offer(LookupCandidate {
            entity: alias.entity,
            score: NAME_PART_SCORE,
            kind: MatchKind::PartialName,
            alias: alias_id,
            explanation: format!("one word of the full name {:?}", alias.surface),
        });
    }
}
