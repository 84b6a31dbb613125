//! Step 2b: fuzzy candidates, for names misspelled beyond what normalisation
//! folds ("Lashkar-e-Tiaba", "Nadeem Ahmed Anjam").
//!
//! Matching is word by word, behind a candidate index, so its cost does not
//! grow with the table: the vocabulary of folded name words has a SymSpell
//! deletion neighbourhood (every word with up to two letters deleted points
//! back to its source), so the vocabulary words within edit distance d of a
//! text word are found by hashing the text word's own deletions, never by
//! scanning the vocabulary. A substituted word is then aligned with the names
//! that contain it through a postings list, and the other words of the name
//! must match the text exactly or through their own substitutes.
//!
//! Only capitalised words that are not in the vocabulary are looked up, and
//! thresholds grow with length so short names never match loosely.
//!
//! The work is bounded whatever the text: a word of more than
//! `MAX_FUZZY_WORD_LETTERS` letters is never fuzzy (on the text side and
//! the table side alike), so one word costs at most a few hundred deletion
//! variants; and a document's fuzzy work is capped by a budget that grows
//! with its length (`fuzzy_budget`), so a text made of nothing but
//! misspellable words costs a small constant per byte.

use std::collections::{HashMap, HashSet};

use crate::error::Result;
use crate::index::fuzzy::MIN_FUZZY_WORD;
use crate::index::Index;
use crate::matching::candidates::{Candidate, Choice, Evidence};
use crate::matching::score;
use crate::normalize::{CaseShape, NormalizedText};
use crate::types::MatchKind;
use crate::work::{Interrupt, Work};

// The word-distance rules belong to the index (they decide what its deletion
// map holds); re-exported here, where the query stage applies them.
pub use crate::index::fuzzy::{max_word_distance, MAX_FUZZY_WORD_LETTERS};
pub use crate::matching::score::fuzzy_score;

/// Shortest one-word name that may be matched fuzzily.
const MIN_FUZZY_NAME: usize = 6;
/// Fuzzy work a document may always do, in the units of `Work::fuzzy_charged`
/// (deletion variants, edit distances, names aligned): enough for a short
/// text full of long misspelt names (a 32-letter word costs 529 variants).
pub const FUZZY_BUDGET_BASE: u64 = 50_000;
/// Fuzzy work allowed per byte of text beyond the base. News spends well
/// under one unit per byte (see the evaluation test that checks no
/// document comes near the budget); a text of nothing but distinct long
/// capitalised words would spend about 20, so the budget caps that at a
/// fifth while no real text reaches it.
pub const FUZZY_BUDGET_PER_BYTE: u64 = 4;

/// The fuzzy work a document of `bytes` bytes may do.
pub fn fuzzy_budget(bytes: usize) -> u64 {
    FUZZY_BUDGET_BASE + FUZZY_BUDGET_PER_BYTE * bytes as u64
}

/// Edits allowed over a whole name whose folded key is `letters` long.
pub fn max_name_distance(letters: usize, words: usize) -> u32 {
    if words == 1 {
        match letters {
            0..MIN_FUZZY_NAME => 0,
            MIN_FUZZY_NAME..=9 => 1,
            _ => 2,
        }
    } else {
        (letters as u32 / 10).max(1)
    }
}

/// A word may use the longer word's edit budget ("Islamist" for "Islamic")
/// only inside a name whose other words, at least two, match exactly.
pub fn stretch_allowed(stretched_words: usize, exact_words: usize) -> bool {
    stretched_words == 0 || (stretched_words == 1 && exact_words >= 2)
}

/// A word's substitutes, (vocabulary word, edit distance), and what finding
/// them cost.
type SubstituteCache = HashMap<String, (Vec<(u32, u32)>, u64)>;

/// Words cached per thread before the cache starts afresh.
const SUBSTITUTE_CACHE_WORDS: usize = 50_000;

thread_local! {
    /// Substitutes of words seen before, for the table of one version. The
    /// same capitalised words that are no name ("Officials", "Monday") come
    /// back in document after document, and finding a word's substitutes
    /// (deletion variants, lookups, edit distances) costs far more than a
    /// hash lookup. Per thread, so no lock is shared between requests.
    static SUBSTITUTES: std::cell::RefCell<(String, SubstituteCache)> =
        std::cell::RefCell::new((String::new(), HashMap::new()));
}

/// A word's substitutes and what finding them cost, whether or not this
/// thread had them cached.
fn cached_substitutes(index: &Index, word: &str, work: &mut Work) -> (Vec<(u32, u32)>, u64) {
    SUBSTITUTES.with(|cache| {
        let mut cache = cache.borrow_mut();
        let (version, words) = &mut *cache;
        if *version != index.version || words.len() >= SUBSTITUTE_CACHE_WORDS {
            version.clone_from(&index.version);
            words.clear();
        }
        if let Some(found) = words.get(word) {
            return found.clone();
        }
        let found = index.fuzzy.substitutes_counted(word, work);
        words.insert(word.to_string(), found.clone());
        found
    })
}

/// Fuzzy candidates of a document, within its fuzzy budget: once that is
/// spent, the rest of the document gets exact and normalised matches only.
pub fn fuzzy_candidates(
    index: &Index,
    doc: &NormalizedText,
    interrupt: &Interrupt<'_>,
    work: &mut Work,
) -> Result<Vec<Candidate>> {
    let fuzzy = &index.fuzzy;
    let budget = fuzzy_budget(doc.folded.len());
    // Looking words up may use three quarters of it: the names found early
    // in a document are still aligned when the rest of it is noise.
    let lookup_budget = budget / 4 * 3;
    let mut spent: u64 = 0;
    let mut exhausted = false;
    // Substitutes of each misspellable word: capitalised, long enough, unknown.
    let mut substitutes: HashMap<usize, Vec<(u32, u32)>> = HashMap::new();
    let mut paced = interrupt.paced();
    for (i, token) in doc.tokens.iter().enumerate() {
        paced.at(token.start)?;
        if !token.shape.is_capitalized() || token.shape == CaseShape::Uncased {
            continue;
        }
        let word = doc.folded_key(token);
        let letters = word.chars().take(MAX_FUZZY_WORD_LETTERS + 1).count();
        if !(MIN_FUZZY_WORD..=MAX_FUZZY_WORD_LETTERS).contains(&letters) || fuzzy.contains(word) {
            continue;
        }
        if spent >= lookup_budget {
            exhausted = true;
            break;
        }
        work.fuzzy_words += 1;
        let (found, cost) = cached_substitutes(index, word, work);
        spent += cost;
        if !found.is_empty() {
            substitutes.insert(i, found);
        }
    }

    let mut tried: HashSet<(usize, u32)> = HashSet::new();
    let mut out = Vec::new();
    let mut positions: Vec<&usize> = substitutes.keys().collect();
    positions.sort();
    let mut paced = interrupt.paced();
    'positions: for &i in positions {
        paced.at(doc.tokens[i].start)?;
        for &(word, _) in &substitutes[&i] {
            for &(pattern, position) in fuzzy.postings(word) {
                let Some(first) = i.checked_sub(position as usize) else {
                    continue;
                };
                if !tried.insert((first, pattern)) {
                    continue;
                }
                if spent >= budget {
                    exhausted = true;
                    break 'positions;
                }
                spent += 1;
                work.alignments += 1;
                if let Some(candidate) = align(index, doc, &substitutes, first, pattern) {
                    out.push(candidate);
                }
            }
        }
    }
    work.fuzzy_charged += spent;
    if exhausted {
        work.fuzzy_budget_exhausted = true;
        tracing::debug!(
            budget,
            text_bytes = doc.folded.len(),
            "fuzzy budget spent: the rest of the document gets exact matches only"
        );
    }
    Ok(out)
}

/// Matches the words of folded pattern `pattern` against the text from token
/// `first`, each word exactly or through a substitute.
fn align(
    index: &Index,
    doc: &NormalizedText,
    substitutes: &HashMap<usize, Vec<(u32, u32)>>,
    first: usize,
    pattern: u32,
) -> Option<Candidate> {
    let fuzzy = &index.fuzzy;
    let words = fuzzy.pattern_words(pattern);
    let end = first + words.len();
    if end > doc.tokens.len() || !doc.is_contiguous(first, end) {
        return None;
    }
    let mut distance = 0;
    let mut exact_words = 0;
    let mut stretched_words = 0;
    for (offset, &word) in words.iter().enumerate() {
        let token = &doc.tokens[first + offset];
        if doc.folded_key(token) == fuzzy.vocabulary[word as usize] {
            exact_words += 1;
            continue;
        }
        let (_, cost) = substitutes
            .get(&(first + offset))?
            .iter()
            .find(|(id, _)| *id == word)?;
        let shorter = doc
            .folded_key(token)
            .chars()
            .count()
            .min(fuzzy.vocabulary[word as usize].chars().count());
        if *cost > max_word_distance(shorter) {
            stretched_words += 1;
        }
        distance += cost;
    }
    if !stretch_allowed(stretched_words, exact_words) {
        return None;
    }
    let key = &index.folded.keys[pattern as usize];
    let letters = key.chars().filter(|c| *c != ' ').count();
    if words.len() > 1 && exact_words == 0 {
        return None;
    }
    if distance == 0 || distance > max_name_distance(letters, words.len()) {
        return None;
    }
    let text_key = doc.folded[doc.tokens[first].folded.0..doc.tokens[end - 1].folded.1].to_string();
    if words.len() == 1 && is_derived_form(&text_key, key) {
        return None;
    }

    let mut choices: Vec<Choice> = Vec::new();
    for &alias_id in index.folded.aliases_of(pattern) {
        let alias = &index.aliases[alias_id as usize];
        let entity = &index.entities[alias.entity as usize];
        if entity.not_words.contains(&text_key) || choices.iter().any(|c| c.entity == alias.entity)
        {
            continue;
        }
        let mut score = fuzzy_score(distance, letters);
        if alias.weak {
            score *= score::WEAK_FACTOR;
        }
        choices.push(Choice {
            entity: alias.entity,
            alias: alias_id,
            score,
        });
    }
    if choices.is_empty() {
        return None;
    }
    // One misspelt word is as often another word or name one edit away
    // ("Pollard" / Poland, "Munster" / a tehsil): it stands only where the
    // document names the entity, or one related to it, some other way too.
    let weak = words.len() == 1 || choices.iter().all(|c| index.aliases[c.alias as usize].weak);
    Some(Candidate {
        first,
        end,
        start_byte: doc.tokens[first].start,
        end_byte: doc.tokens[end - 1].end,
        kind: MatchKind::Fuzzy,
        evidence: Evidence::Fuzzy { distance },
        choices,
        weak,
        lower_case: false,
    })
}

/// "Pakistani" is not a misspelling of "Pakistan": a word that extends a name
/// by a short ending is a derived form (demonym, plural), not a typo.
fn is_derived_form(word: &str, name: &str) -> bool {
    let (longer, shorter) = if word.len() >= name.len() {
        (word, name)
    } else {
        (name, word)
    };
    longer.starts_with(shorter) && longer.len() - shorter.len() <= 3
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_grow_with_length() {
        let cases: &[(usize, u32)] = &[
            (3, 0),
            (4, 0),
            (5, 1),
            (7, 1),
            (8, 2),
            (12, 2),
            (MAX_FUZZY_WORD_LETTERS, 2),
            // Past the cap a word is never misspelt: no deletion variants.
            (MAX_FUZZY_WORD_LETTERS + 1, 0),
            (1 << 20, 0),
        ];
        for &(letters, expected) in cases {
            assert_eq!(max_word_distance(letters), expected, "{letters} letters");
        }
        assert_eq!(
            max_name_distance(5, 1),
            0,
            "five-letter names never match loosely"
        );
        assert_eq!(max_name_distance(8, 1), 1);
        assert_eq!(max_name_distance(25, 3), 2);
    }

    #[test]
    fn scores_fall_with_edit_cost_and_stay_below_exact() {
        let one = fuzzy_score(1, 12);
        let two = fuzzy_score(2, 12);
        assert!(one > two, "{one} <= {two}");
        assert!(one <= score::FUZZY_MAX);
    }

    #[test]
    fn derived_forms_table() {
        let cases = [
            ("pakistani", "pakistan", true),
            ("afghans", "afghan", true),
            ("faruqi", "faroqi", false),
        ];
        for (word, name, expected) in cases {
            assert_eq!(is_derived_form(word, name), expected, "{word} / {name}");
        }
    }
}
