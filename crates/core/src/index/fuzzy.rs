//! The fuzzy stage's structures, built once with the index: the vocabulary
//! of folded name words, its SymSpell deletion neighbourhood and the postings
//! from words to the names holding them. The query side (aligning a text's
//! words with names) is `matching::fuzzy`; the word-distance rules live here
//! because they decide which deletion variants the map holds.

use rustc_hash::FxHashMap;

use crate::index::PatternSet;
use crate::work::Work;

/// Shortest word (in letters) that may be misspelled at all.
pub(crate) const MIN_FUZZY_WORD: usize = 5;
/// Longest word (in letters of its folded key) that may be misspelled.
/// The words of real names are far shorter: the longest in the table is 15
/// letters ("Amirabdollahian"), an izafe name written as one word 17
/// ("Harkatalmujahidin"), and long compounds of other languages stay under
/// 30 ("Bundesverfassungsgericht" is 24). Past the cap a word still matches
/// exactly and through normalisation; only its misspellings are not looked
/// for, since the deletion variants of a word grow with the square of its
/// length and their hashing with the cube.
pub const MAX_FUZZY_WORD_LETTERS: usize = 32;

/// Edits allowed in one word of `letters` letters.
pub fn max_word_distance(letters: usize) -> u32 {
    match letters {
        0..MIN_FUZZY_WORD => 0,
        MIN_FUZZY_WORD..=7 => 1,
        8..=MAX_FUZZY_WORD_LETTERS => 2,
        _ => 0,
    }
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

#[cfg(test)]
mod tests {
    use super::*;
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
}
