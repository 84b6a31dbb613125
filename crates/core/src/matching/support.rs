//! Step 4a: what the rest of the document supports. An alias several
//! entities share goes to the one the document names otherwise; a weak
//! alias stands only where its entity, or one related to it, is named
//! otherwise, or where it credits a news agency.

use std::collections::HashMap;

use crate::index::Index;
use crate::matching::candidates::{Candidate, Choice};
use crate::matching::credits::credited;

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
    let support_of = |entity: u32| -> u32 {
        let own = support.get(&entity).copied().unwrap_or(0);
        let related = &index.entities[entity as usize].related;
        let sibling = |parent: u32| {
            let any = under.get(&parent).copied().unwrap_or(0);
            let same = kind(entity).map_or(0, |kind| {
                of_kind_under
                    .get(&(parent, kind.as_str()))
                    .copied()
                    .unwrap_or(0)
            });
            // An entity's own mentions are counted above, not as a sibling.
            any.saturating_sub(own) + same.saturating_sub(own)
        };
        let related_support: u32 = related
            .iter()
            .map(|&r| support.get(&r).copied().unwrap_or(0) + sibling(r))
            .sum();
        own * 2 + related_support
    };
    for mention in mentions.iter_mut().filter(|m| m.choices.len() > 1) {
        let supports: Vec<u32> = mention
            .choices
            .iter()
            .map(|c| support_of(c.entity))
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
