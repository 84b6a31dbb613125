//! Step 2b: fuzzy candidates, for names misspelled beyond what normalisation
//! folds ("Lashkar-e-Toiba", "Nadeem Ahmed Anjam").
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

use rustc_hash::FxHashMap;

use crate::candidates::{score, Candidate, Choice, Evidence};
use crate::error::Result;
use crate::index::{Index, PatternSet};
use crate::normalize::{CaseShape, NormalizedText};
use crate::resolve::{Interrupt, Work};
use crate::types::MatchKind;

/// Shortest word (in letters) that may be misspelled at all.
const MIN_FUZZY_WORD: usize = 5;
/// Shortest one-word name that may be matched fuzzily.
const MIN_FUZZY_NAME: usize = 6;
/// Longest word (in letters of its folded key) that may be misspelled.
/// The words of real names are far shorter: the longest in the table is 15
/// letters ("Amirabdollahian"), an izafe name written as one word 17
/// ("Harkatalmujahidin"), and long compounds of other languages stay under
/// 30 ("Bundesverfassungsgericht" is 24). Past the cap a word still matches
/// exactly and through normalisation; only its misspellings are not looked
/// for, since the deletion variants of a word grow with the square of its
/// length and their hashing with the cube.
pub const MAX_FUZZY_WORD_LETTERS: usize = 32;

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

/// Edits allowed in one word of `letters` letters.
pub fn max_word_distance(letters: usize) -> u32 {
    match letters {
        0..MIN_FUZZY_WORD => 0,
        MIN_FUZZY_WORD..=7 => 1,
        8..=MAX_FUZZY_WORD_LETTERS => 2,
        _ => 0,
    }
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

/// Fuzzy score: below every exact kind, falling with the share of the name edited.
pub fn fuzzy_score(distance: u32, letters: usize) -> f32 {
    let share = distance as f32 / letters.max(1) as f32;
    (score::FUZZY_MAX - 1.2 * share).clamp(0.3, score::FUZZY_MAX)
}

/// The word-level candidate index over the folded names of the table.
#[derive(Debug, Default)]
pub struct FuzzyIndex {
    pub(crate) vocabulary: Vec<String>,
    pub(crate) word_ids: FxHashMap<String, u32>,
    /// Deletion variant -> vocabulary words it comes from.
    deletions: DeletionMap,
    /// Vocabulary word -> (folded pattern, position of the word in it).
    postings: FlatLists<(u32, u16)>,
    /// Folded pattern -> its words.
    pattern_words: FlatLists<u32>,
}

impl FuzzyIndex {
    pub fn build(folded: &PatternSet) -> Self {
        Self::from_keys(folded.keys.iter().map(String::as_str))
    }

    /// The index of folded keys, each a name's words joined by spaces.
    fn from_keys<'k>(keys: impl Iterator<Item = &'k str>) -> Self {
        let mut index = FuzzyIndex::default();
        let mut postings = Vec::new();
        for (pattern, key) in keys.enumerate() {
            let mut words = Vec::new();
            for (position, word) in key.split(' ').enumerate() {
                let id = match index.word_ids.get(word) {
                    Some(&id) => id,
                    None => {
                        let id = index.vocabulary.len() as u32;
                        index.vocabulary.push(word.to_string());
                        index.word_ids.insert(word.to_string(), id);
                        id
                    }
                };
                postings.push((id, (pattern as u32, position as u16)));
                words.push(id);
            }
            index.pattern_words.push(words);
        }
        index.postings = FlatLists::grouped(index.vocabulary.len(), postings);
        let started = std::time::Instant::now();
        index.deletions = DeletionMap::build(&index.vocabulary);
        tracing::debug!(
            seconds = started.elapsed().as_secs_f64(),
            "fuzzy deletion map built"
        );
        index
    }

    pub fn vocabulary_len(&self) -> usize {
        self.vocabulary.len()
    }

    pub fn contains(&self, word: &str) -> bool {
        self.word_ids.contains_key(word)
    }

    /// (folded pattern, position of the word in it) for each name holding `word`.
    pub fn postings(&self, word: u32) -> &[(u32, u16)] {
        self.postings.get(word as usize)
    }

    /// The vocabulary words of folded pattern `pattern`, in order.
    pub fn pattern_words(&self, pattern: u32) -> &[u32] {
        self.pattern_words.get(pattern as usize)
    }

    /// Vocabulary words within the allowed distance of `word`, with that distance.
    pub fn substitutes(&self, word: &str) -> Vec<(u32, u32)> {
        self.substitutes_counted(word, &mut Work::default()).0
    }

    /// `substitutes`, and what finding them cost (deletion variants and edit
    /// distances), which is also added to `work`.
    pub(crate) fn substitutes_counted(
        &self,
        word: &str,
        work: &mut Work,
    ) -> (Vec<(u32, u32)>, u64) {
        // Counting stops early: a word of a megabyte costs no more to turn
        // away than one just past the cap.
        let letters = word.chars().take(MAX_FUZZY_WORD_LETTERS + 1).count();
        let allowed = max_word_distance(letters);
        if allowed == 0 || self.word_ids.contains_key(word) {
            return (Vec::new(), 0);
        }
        let mut hashes = Vec::new();
        deletion_hashes(word, allowed, &mut hashes);
        work.deletion_hashes += hashes.len() as u64;
        let mut sources: Vec<u32> = hashes
            .iter()
            .flat_map(|&hash| self.deletions.words_of(hash))
            .collect();
        sources.sort_unstable();
        sources.dedup();
        let cost = (hashes.len() + sources.len()) as u64;
        let mut found = Vec::new();
        for id in sources {
            let candidate = &self.vocabulary[id as usize];
            // The longer word's budget: `align` narrows it to the shorter
            // word's unless the rest of the name is there letter for letter.
            let limit = allowed.max(max_word_distance(candidate.chars().count()));
            let distance = strsim::damerau_levenshtein(word, candidate) as u32;
            if distance <= limit {
                found.push((id, distance));
            }
        }
        found.sort_by_key(|&(id, distance)| (distance, id));
        (found, cost)
    }
}

/// Lists of items per key, stored flat: one allocation for millions of short
/// lists instead of one each.
#[derive(Debug, Clone)]
pub struct FlatLists<T> {
    starts: Vec<u32>,
    items: Vec<T>,
}

impl<T> Default for FlatLists<T> {
    fn default() -> Self {
        FlatLists {
            starts: vec![0],
            items: Vec::new(),
        }
    }
}

impl<T> FlatLists<T> {
    /// Appends the next list.
    pub fn push(&mut self, items: impl IntoIterator<Item = T>) {
        self.items.extend(items);
        self.starts.push(self.items.len() as u32);
    }

    pub fn get(&self, key: usize) -> &[T] {
        &self.items[self.starts[key] as usize..self.starts[key + 1] as usize]
    }

    pub fn len(&self) -> usize {
        self.starts.len() - 1
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Groups `(key, item)` pairs into lists for keys `0..keys`, keeping
    /// the pairs' order within a list.
    pub(crate) fn grouped(keys: usize, mut pairs: Vec<(u32, T)>) -> Self {
        pairs.sort_by_key(|&(key, _)| key);
        let mut starts = vec![0u32; keys + 1];
        for &(key, _) in &pairs {
            starts[key as usize + 1] += 1;
        }
        for key in 0..keys {
            starts[key + 1] += starts[key];
        }
        FlatLists {
            starts,
            items: pairs.into_iter().map(|(_, item)| item).collect(),
        }
    }
}

/// Deletion variants by hash, in partitions chosen by the hash's leading
/// bits, each a sorted list of entries: 32 more bits of the hash (the
/// fingerprint) above the vocabulary word it comes from. A lookup is a binary
/// search in one partition; no string is stored or compared. Two variants
/// whose hashes agree on those 40 bits only add a candidate that the edit
/// distance then rejects.
#[derive(Debug, Default)]
struct DeletionMap {
    partitions: Vec<Vec<u64>>,
}

/// Partitions of the deletion map: enough that each sorts in cache, few
/// enough that filling them writes to a handful of places at a time.
const PARTITION_BITS: u32 = 8;

impl DeletionMap {
    fn partition_of(hash: u64) -> usize {
        (hash >> (64 - PARTITION_BITS)) as usize
    }

    fn fingerprint_of(hash: u64) -> u32 {
        (hash >> (32 - PARTITION_BITS)) as u32
    }

    /// The map of every vocabulary word's deletion variants, built on all
    /// cores: each worker appends its entries to its own partitions, then
    /// each partition is gathered and sorted on its own.
    fn build(vocabulary: &[String]) -> Self {
        use rayon::prelude::*;
        let partitions = 1usize << PARTITION_BITS;
        let filled: Vec<Vec<Vec<u64>>> = vocabulary
            .par_iter()
            .enumerate()
            .fold(
                || (Vec::new(), vec![Vec::new(); partitions]),
                |(mut hashes, mut parts), (id, word)| {
                    deletion_hashes(word, max_word_distance(word.chars().count()), &mut hashes);
                    for &hash in &hashes {
                        let entry = (Self::fingerprint_of(hash) as u64) << 32 | id as u64;
                        parts[Self::partition_of(hash)].push(entry);
                    }
                    (hashes, parts)
                },
            )
            .map(|(_, parts)| parts)
            .collect();
        let mut gathered: Vec<Vec<Vec<u64>>> = vec![Vec::new(); partitions];
        for parts in filled {
            for (partition, part) in parts.into_iter().enumerate() {
                gathered[partition].push(part);
            }
        }
        let partitions = gathered
            .into_par_iter()
            .map(|parts| {
                let mut entries = Vec::with_capacity(parts.iter().map(Vec::len).sum());
                for part in parts {
                    entries.extend(part);
                }
                entries.sort_unstable();
                entries.dedup();
                entries
            })
            .collect();
        DeletionMap { partitions }
    }

    /// The vocabulary words with a variant of hash `hash` (or one that
    /// shares its partition and fingerprint).
    fn words_of(&self, hash: u64) -> impl Iterator<Item = u32> + '_ {
        let entries = self
            .partitions
            .get(Self::partition_of(hash))
            .map_or(&[][..], Vec::as_slice);
        let fingerprint = Self::fingerprint_of(hash);
        let first = entries.partition_point(|&entry| ((entry >> 32) as u32) < fingerprint);
        entries[first..]
            .iter()
            .take_while(move |&&entry| (entry >> 32) as u32 == fingerprint)
            .map(|&entry| entry as u32)
    }
}

/// Hashes of a word and of every string made by deleting up to `distance`
/// letters (at most two), found without building the strings: the hash runs
/// over the word's bytes, skipping the deleted letters. Sorted, no repeats.
fn deletion_hashes(word: &str, distance: u32, out: &mut Vec<u64>) {
    out.clear();
    // Byte offsets of each letter, and the end.
    let bounds: Vec<usize> = word
        .char_indices()
        .map(|(at, _)| at)
        .chain([word.len()])
        .collect();
    let letters = bounds.len() - 1;
    let bytes = word.as_bytes();
    let span = |i: usize| bounds[i]..bounds[i + 1];
    out.push(hash_bytes(&[bytes]));
    if distance >= 1 {
        for skip in 0..letters {
            let s = span(skip);
            out.push(hash_bytes(&[&bytes[..s.start], &bytes[s.end..]]));
        }
    }
    if distance >= 2 {
        for first in 0..letters {
            for second in first + 1..letters {
                let (a, b) = (span(first), span(second));
                out.push(hash_bytes(&[
                    &bytes[..a.start],
                    &bytes[a.end..b.start],
                    &bytes[b.end..],
                ]));
            }
        }
    }
    out.sort_unstable();
    out.dedup();
}

/// FNV-1a over the concatenation of `parts`, then a final mix so the leading
/// bits (the directory's bucket) are well spread.
fn hash_bytes(parts: &[&[u8]]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for &byte in *part {
            hash ^= byte as u64;
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    // The finaliser of splitmix64.
    hash = (hash ^ (hash >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    hash = (hash ^ (hash >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    hash ^ (hash >> 31)
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
    let weak = choices.iter().all(|c| index.aliases[c.alias as usize].weak);
    Some(Candidate {
        first,
        end,
        start_byte: doc.tokens[first].start,
        end_byte: doc.tokens[end - 1].end,
        kind: MatchKind::Fuzzy,
        evidence: Evidence::Fuzzy { distance },
        choices,
        weak,
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
    fn deletion_neighbourhood_finds_close_words_only() {
        let index = FuzzyIndex::from_keys(["jundallah", "taiba", "anjum", "kabul"].into_iter());
        let cases: &[(&str, Option<(&str, u32)>)] = &[
            ("jundullah", Some(("jundallah", 1))),
            ("toiba", Some(("taiba", 1))),
            ("anjam", Some(("anjum", 1))),
            ("tioba", None),
            ("kabil", Some(("kabul", 1))),
            ("jundullahh", Some(("jundallah", 2))),
        ];
        for (word, expected) in cases {
            let found = index.substitutes(word);
            let got = found
                .first()
                .map(|&(id, d)| (index.vocabulary[id as usize].as_str(), d));
            assert_eq!(got, *expected, "{word}");
        }
    }

    #[test]
    fn deletion_hashes_are_those_of_the_deleted_strings() {
        let cases: &[(&str, u32)] = &[
            ("abc", 2),
            ("kabul", 1),
            ("aab", 2),
            ("ḥaqqānī", 2),
            ("x", 2),
        ];
        for &(word, distance) in cases {
            let mut expected: Vec<u64> = Vec::new();
            let chars: Vec<char> = word.chars().collect();
            expected.push(hash_bytes(&[word.as_bytes()]));
            for i in 0..chars.len() {
                let one: String = chars
                    .iter()
                    .enumerate()
                    .filter(|&(k, _)| k != i)
                    .map(|(_, c)| c)
                    .collect();
                expected.push(hash_bytes(&[one.as_bytes()]));
                if distance == 2 {
                    for j in i + 1..chars.len() {
                        let two: String = chars
                            .iter()
                            .enumerate()
                            .filter(|&(k, _)| k != i && k != j)
                            .map(|(_, c)| c)
                            .collect();
                        expected.push(hash_bytes(&[two.as_bytes()]));
                    }
                }
            }
            expected.sort_unstable();
            expected.dedup();
            let mut got = Vec::new();
            deletion_hashes(word, distance, &mut got);
            assert_eq!(got, expected, "{word} within {distance}");
        }
    }

    #[test]
    fn flat_lists_keep_each_list_in_order() {
        let pairs = vec![(2, 'a'), (0, 'b'), (2, 'c'), (0, 'd')];
        let lists = FlatLists::grouped(4, pairs);
        let got: Vec<&[char]> = (0..lists.len()).map(|k| lists.get(k)).collect();
        assert_eq!(got, vec![&['b', 'd'][..], &[], &['a', 'c'], &[]]);
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
