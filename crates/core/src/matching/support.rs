//! Step 4a: what the rest of the document supports. An alias several
//! entities share goes to the one the document names otherwise; a weak
//! alias stands only where its entity, or one related to it, is named
//! otherwise, or where it credits a news agency.

use std::collections::HashMap;

use crate::index::Index;
use crate::matching::candidates::{Candidate, Choice};
use crate::matching::credits::credited;
use crate::normalize::NormalizedText;
use crate::types::EntityType;

/// Share of a mention's score offered to the group a longer name in the
/// document names: below the table's own choice, so support must decide.
const LONGER_NAMED_FACTOR: f32 = 0.9;

/// A one-word name of a group is also a word of a related group's longer
/// name ("Taliban" in "Pakistani Taliban", "طالبان" in "پاکستانی طالبان"):
/// where the document names that other group by its longer name, the bare
/// word may be either, and the rest of the document decides
/// (`choose_among_shared`): a story about the Pakistani Taliban that names
/// nothing of the Afghan movement calls the TTP "Taliban".
pub fn offer_longer_named(index: &Index, doc: &NormalizedText, mentions: &mut [Candidate]) {
    let mut longer: Vec<(u32, Vec<&str>)> = Vec::new();
    for mention in mentions.iter().filter(|m| m.choices.len() == 1 && !m.weak) {
        if mention.end - mention.first < 2 {
            continue;
        }
        let words = doc.tokens[mention.first..mention.end]
            .iter()
            .map(|token| doc.folded_key(token))
            .collect();
        longer.push((mention.entity(), words));
    }
    if longer.is_empty() {
        return;
    }
    for mention in mentions
        .iter_mut()
        .filter(|m| m.end - m.first == 1 && m.choices.len() == 1)
    {
        let entity = mention.entity();
        let word = doc.folded_key(&doc.tokens[mention.first]);
        let record = &index.entities[entity as usize];
        // Places nest ("Africa" beside "South Africa") and people have
        // their own rules for shorter forms: groups only.
        if record.entity_type != EntityType::Organization {
            continue;
        }
        let owner = longer.iter().find(|(other, words)| {
            let other_record = &index.entities[*other as usize];
            *other != entity
                && other_record.entity_type == record.entity_type
                && (record.related.contains(other) || other_record.related.contains(&entity))
                && words.contains(&word)
        });
        if let Some(&(other, _)) = owner {
            let choice = mention.choices[0];
            mention.choices.push(Choice {
                entity: other,
                score: choice.score * LONGER_NAMED_FACTOR,
                ..choice
            });
        }
    }
}

/// An alias shared by several entities goes to the one the document supports
/// most: unambiguous mentions of it, of entities related to it, or of
/// entities that share a related entity with it.
pub fn choose_among_shared(index: &Index, mut mentions: Vec<Candidate>) -> Vec<Candidate> {
    let mut support: HashMap<u32, u32> = HashMap::new();
    for mention in mentions.iter().filter(|m| m.choices.len() == 1 && !m.weak) {
        *support.entry(mention.entity()).or_default() += 1;
    }
    // Entities under one parent support each other, and twice if they are of
    // one kind (an entity's first tag: "state", "country", "district"):
    // "Marietta, Georgia" beside Maryland and North Carolina is the US state,
    // "Niger" in a list of Nigerian states is Niger State, and "Georgia" in
    // a story about a US president is the state too.
    let kind = |entity: u32| index.entities[entity as usize].record.tags.first();
    let mut under: HashMap<u32, u32> = HashMap::new();
    let mut of_kind_under: HashMap<(u32, &str), u32> = HashMap::new();
    for (&entity, &count) in &support {
        for &parent in &index.entities[entity as usize].related {
            *under.entry(parent).or_default() += count;
            if let Some(kind) = kind(entity) {
                *of_kind_under.entry((parent, kind.as_str())).or_default() += count;
            }
        }
    }
    // Mentions of one choice, or of what lies under it, are evidence for
    // that choice, not for a rival related to it ("Taliban" or the TTP:
    // the TTP's spokesman supports the TTP, not the Taliban through it).
    let support_of = |entity: u32, rivals: &[Choice]| -> u32 {
        let own = support.get(&entity).copied().unwrap_or(0);
        let related = &index.entities[entity as usize].related;
        // What a rival under `parent` put there: (any kind, this kind).
        let rivals_under = |parent: u32| {
            rivals
                .iter()
                .filter(|c| c.entity != entity)
                .filter(|c| index.entities[c.entity as usize].related.contains(&parent))
                .fold((0, 0), |(any, same), c| {
                    let count = support.get(&c.entity).copied().unwrap_or(0);
                    let same_kind = kind(c.entity).is_some() && kind(c.entity) == kind(entity);
                    (any + count, same + if same_kind { count } else { 0 })
                })
        };
        let sibling = |parent: u32| {
            let any = under.get(&parent).copied().unwrap_or(0);
            let same = kind(entity).map_or(0, |kind| {
                of_kind_under
                    .get(&(parent, kind.as_str()))
                    .copied()
                    .unwrap_or(0)
            });
            // An entity's own mentions are counted above, not as a sibling.
            let (rival_any, rival_same) = rivals_under(parent);
            any.saturating_sub(own + rival_any) + same.saturating_sub(own + rival_same)
        };
        let related_support: u32 = related
            .iter()
            .filter(|&&r| !rivals.iter().any(|c| c.entity == r))
            .map(|&r| support.get(&r).copied().unwrap_or(0) + sibling(r))
            .sum();
        own * 2 + related_support
    };
    for mention in mentions.iter_mut().filter(|m| m.choices.len() > 1) {
        let supports: Vec<u32> = mention
            .choices
            .iter()
            .map(|c| support_of(c.entity, &mention.choices))
            .collect();
        let best = supports.iter().copied().max().unwrap_or(0);
        // Stable: among equally supported choices the table's best order stays.
        let mut ranked: Vec<(Choice, u32)> =
            mention.choices.iter().copied().zip(supports).collect();
        ranked.sort_by(|a, b| b.1.cmp(&a.1).then(b.0.score.total_cmp(&a.0.score)));
        let decided = best > 0 && ranked.get(1).is_none_or(|second| second.1 < best);
        mention.choices = ranked
            .into_iter()
            .enumerate()
            .map(|(rank, (mut choice, _))| {
                choice.score *= match (rank, decided) {
                    (0, true) => 0.95,
                    (0, false) => 0.75,
                    (_, true) => 0.4,
                    (_, false) => 0.6,
                };
                choice
            })
            .collect();
    }
    mentions
}

/// A weak alias stands only where the document supports it: its entity, or
/// an entity related to it, is also mentioned otherwise ("Foreign Office" in
/// a text that names Pakistan), or it credits a news agency ("(AP)").
pub fn drop_unsupported_weak(index: &Index, text: &str, mentions: &mut Vec<Candidate>) {
    let strong: std::collections::HashSet<u32> = mentions
        .iter()
        .filter(|m| !m.weak && !m.lower_case)
        .map(|m| m.entity())
        .collect();
    mentions.retain(|m| {
        if m.lower_case {
            return strong.contains(&m.entity());
        }
        !m.weak
            || strong.contains(&m.entity())
            || credited(index, text, m)
            || index.entities[m.entity() as usize]
                .related
                .iter()
                .any(|r| strong.contains(r))
    });
}
