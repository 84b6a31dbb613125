//! The compiled alias table: what the matcher reads. Built once from a valid
//! `AliasTable`, immutable afterwards and shared behind an `Arc`; requests
//! keep their own scratch space, so nothing here is ever locked.

use std::collections::{BTreeSet, HashMap, HashSet};

use rustc_hash::FxHashMap;

use crate::error::{Error, Result, TableError};
use crate::normalize::{basic_key, folded_key, normalize};
use crate::table::{AliasTable, EntityRecord};
use crate::types::EntityType;

pub mod fuzzy;

use fuzzy::{FlatLists, FuzzyIndex};

/// One entity of the index.
#[derive(Debug, Clone)]
pub struct Entity {
    pub id: String,
    pub name: String,
    pub entity_type: EntityType,
    pub record: EntityRecord,
    /// Indices of related entities, in both directions.
    pub related: Vec<u32>,
    /// Folded keys of words that must never fuzzily resolve to this entity.
    pub not_words: HashSet<String>,
}

/// Where an alias came from in its record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AliasKind {
    Canonical,
    Name,
    Acronym,
    Native,
}

/// How the case of the text must look for an alias to match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseRule {
    /// Multi-word names: any case ("islamic state" in noisy text).
    Any,
    /// One-word names start with a capital: "Turkey" but not "turkey".
    Capitalized,
    /// Acronyms of two letters and mixed-case names: letter for letter
    /// ("US", not "us" or "Us"; "LeT", not "Let").
    Exact,
    /// Longer acronyms: upper case ("ISIS") or title case ("Isis"), one-letter
    /// parts upper case ("Isis-K"), never all lower case ("isi").
    UpperOrTitle,
}

/// One alias of one entity.
#[derive(Debug, Clone)]
pub struct Alias {
    pub entity: u32,
    pub surface: String,
    /// `basic_key(surface)`, computed once.
    pub key: String,
    pub kind: AliasKind,
    pub case: CaseRule,
    /// Too generic alone: needs another mention of the entity in the document.
    pub weak: bool,
    /// Knowingly shared with other entities.
    pub shared: bool,
    /// Letters of an acronym, without dots or hyphens, as written.
    pub letters: String,
    pub token_count: usize,
}

/// A set of keys searched together, each naming the aliases it stands for.
pub struct PatternSet {
    pub words: WordTrie,
    pub keys: Vec<String>,
    /// Key -> the aliases it stands for, in table order.
    aliases: FlatLists<u32>,
}

impl PatternSet {
    fn build(keyed: Vec<(String, u32)>) -> Self {
        let mut by_key: FxHashMap<String, u32> = FxHashMap::default();
        let mut keys: Vec<String> = Vec::new();
        let mut pairs: Vec<(u32, u32)> = Vec::with_capacity(keyed.len());
        for (key, alias) in keyed {
            let id = match by_key.get(&key) {
                Some(&id) => id,
                None => {
                    let id = keys.len() as u32;
                    by_key.insert(key.clone(), id);
                    keys.push(key);
                    id
                }
            };
            pairs.push((id, alias));
        }
        // The trie finds a whole key as well as the map did: the map goes,
        // and with it a second copy of every key.
        drop(by_key);
        pairs.dedup();
        let aliases = FlatLists::grouped(keys.len(), pairs);
        let words = WordTrie::build(&keys);
        PatternSet {
            words,
            keys,
            aliases,
        }
    }

    /// The aliases key `pattern` stands for.
    pub fn aliases_of(&self, pattern: u32) -> &[u32] {
        self.aliases.get(pattern as usize)
    }

    /// The id of `key` (words joined by single spaces), if it is one of the set.
    pub fn key_id(&self, key: &str) -> Option<u32> {
        let mut node = 0;
        for word in key.split(' ') {
            node = self.words.step(node, self.words.word(word)?)?;
        }
        self.words.key_at(node)
    }
}

/// Keys as sequences of words, in a trie whose edges are words. A mention
/// starts and ends on word boundaries, so matching walks the document's
/// words instead of its bytes: one lookup per word, none of the hits inside
/// words a byte automaton reports, and a build that stays linear in the
/// table (a byte automaton's failure links took most of the load time of a
/// million aliases).
#[derive(Debug, Default)]
pub struct WordTrie {
    word_ids: FxHashMap<String, u32>,
    /// (node, word) -> the node after it. The root is node 0.
    children: FxHashMap<(u32, u32), u32>,
    /// The key that ends at each node, or `NO_KEY`.
    key_at: Vec<u32>,
}

const NO_KEY: u32 = u32::MAX;

impl WordTrie {
    /// The trie of `keys`, each words joined by single spaces.
    pub fn build(keys: &[String]) -> Self {
        let mut trie = WordTrie {
            key_at: vec![NO_KEY],
            ..WordTrie::default()
        };
        for (id, key) in keys.iter().enumerate() {
            let mut node = 0;
            for word in key.split(' ') {
                let word = match trie.word_ids.get(word) {
                    Some(&id) => id,
                    None => {
                        let id = trie.word_ids.len() as u32;
                        trie.word_ids.insert(word.to_string(), id);
                        id
                    }
                };
                let next_node = trie.key_at.len() as u32;
                node = *trie.children.entry((node, word)).or_insert(next_node);
                if node == next_node {
                    trie.key_at.push(NO_KEY);
                }
            }
            trie.key_at[node as usize] = id as u32;
        }
        trie
    }

    /// The id of a word of some key, if any key has it.
    pub fn word(&self, word: &str) -> Option<u32> {
        self.word_ids.get(word).copied()
    }

    /// The node reached from `node` by `word`; the root is 0.
    pub fn step(&self, node: u32, word: u32) -> Option<u32> {
        self.children.get(&(node, word)).copied()
    }

    /// The key that ends at `node`, if one does.
    pub fn key_at(&self, node: u32) -> Option<u32> {
        let key = self.key_at[node as usize];
        (key != NO_KEY).then_some(key)
    }
}

/// Logs how long each phase of a build took (at debug level), so a slow
/// load of a big table shows where its time goes.
struct PhaseClock(std::time::Instant);

impl PhaseClock {
    fn start() -> Self {
        PhaseClock(std::time::Instant::now())
    }

    fn lap(&mut self, phase: &str) {
        let now = std::time::Instant::now();
        tracing::debug!(
            phase,
            seconds = (now - self.0).as_secs_f64(),
            resident_mb = resident_mb(),
            "index build"
        );
        self.0 = now;
    }
}

/// Resident memory of this process now, in MB, where /proc tells (Linux).
fn resident_mb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024)
}

/// The compiled, immutable alias index.
pub struct Index {
    pub(crate) entities: Vec<Entity>,
    pub(crate) by_id: HashMap<String, u32>,
    pub(crate) aliases: Vec<Alias>,
    /// Every alias by basic key: names, acronyms, native names.
    pub(crate) basic: PatternSet,
    /// Names (not acronyms) by folded key, with particle variants.
    pub(crate) folded: PatternSet,
    pub(crate) fuzzy: FuzzyIndex,
    pub(crate) version: String,
    /// Entity ids sorted, for paging.
    pub(crate) sorted_ids: Vec<u32>,
}

impl std::fmt::Debug for Index {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Index")
            .field("version", &self.version)
            .field("entities", &self.entities.len())
            .field("aliases", &self.aliases.len())
            .finish()
    }
}

/// One page of `Index::entities_page`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntityPage {
    /// Entity numbers (for `Index::entity_at`), in id order.
    pub entities: Vec<u32>,
    /// Entities of the type asked for, over all pages.
    pub total: usize,
    /// Whether entities follow this page.
    pub more: bool,
}

/// Summary figures of an index, as `check` prints them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub entities: usize,
    pub aliases: usize,
    pub by_type: Vec<(EntityType, usize)>,
    pub basic_keys: usize,
    pub folded_keys: usize,
    pub vocabulary: usize,
}

impl Index {
    /// The default table embedded in the binary.
    pub fn embedded() -> Result<Self> {
        Self::from_table(AliasTable::embedded()?)
    }

    /// Compiles a parsed table, refusing it when aliases collide.
    pub fn build(table: &AliasTable) -> Result<Self> {
        Self::from_table(table.clone())
    }

    /// Compiles a parsed table, taking its records over instead of copying
    /// them (at a million aliases a copy costs hundreds of megabytes).
    pub fn from_table(table: AliasTable) -> Result<Self> {
        use rayon::prelude::*;
        let mut clock = PhaseClock::start();
        // Normalising every alias is most of the build after the fuzzy
        // index: entities are independent, so all cores share them.
        let aliases: Vec<Alias> = table
            .entities
            .par_iter()
            .enumerate()
            .flat_map_iter(|(i, (_, record, _))| {
                let mut aliases = Vec::new();
                aliases_of(i as u32, record, &mut aliases);
                aliases
            })
            .collect();
        clock.lap("aliases");
        let mut errors = Vec::new();
        check_collisions(&table, &aliases, &mut errors);
        if !errors.is_empty() {
            return Err(Error::InvalidTable(errors));
        }
        clock.lap("collisions");

        let version = table.version;
        let mut entities = Vec::with_capacity(table.entities.len());
        let mut by_id = HashMap::with_capacity(table.entities.len());
        for (i, (_, record, entity_type)) in table.entities.into_iter().enumerate() {
            by_id.insert(record.id.clone(), i as u32);
            entities.push(Entity {
                id: record.id.clone(),
                name: record.name.clone(),
                entity_type,
                not_words: record.not.iter().map(|w| folded_key(w)).collect(),
                record,
                related: Vec::new(),
            });
        }
        for i in 0..entities.len() {
            let related: Vec<u32> = entities[i]
                .record
                .related
                .iter()
                .filter_map(|id| by_id.get(id).copied())
                .collect();
            for &other in &related {
                if !entities[other as usize].related.contains(&(i as u32)) {
                    entities[other as usize].related.push(i as u32);
                }
                if !entities[i].related.contains(&other) {
                    entities[i].related.push(other);
                }
            }
        }
        clock.lap("entities");

        let mut basic_keyed = Vec::with_capacity(aliases.len());
        for (i, alias) in aliases.iter().enumerate() {
            let key = alias.key.clone();
            if alias.kind == AliasKind::Native {
                // Persian and Urdu write a compound with a space or a
                // zero-width non-joiner ("ذبیح الله", "ذبیح‌الله"), which folds
                // to one word: each pair of words may come joined.
                let words: Vec<&str> = key.split(' ').collect();
                for at in 1..words.len() {
                    let joined = format!("{}{}", words[at - 1], words[at]);
                    let mut variant: Vec<&str> = words[..at - 1].to_vec();
                    variant.push(&joined);
                    variant.extend(&words[at + 1..]);
                    basic_keyed.push((variant.join(" "), i as u32));
                }
            }
            basic_keyed.push((key, i as u32));
        }
        let folded_keyed: Vec<(String, u32)> = aliases
            .par_iter()
            .enumerate()
            .filter(|(_, alias)| matches!(alias.kind, AliasKind::Canonical | AliasKind::Name))
            .flat_map_iter(|(i, alias)| {
                spelling_variants(&alias.surface)
                    .into_iter()
                    .map(move |variant| (variant, i as u32))
            })
            .collect();
        clock.lap("keys");
        let (basic, (folded, fuzzy)) = rayon::join(
            || PatternSet::build(basic_keyed),
            || {
                let folded = PatternSet::build(folded_keyed);
                let fuzzy = FuzzyIndex::build(&folded);
                (folded, fuzzy)
            },
        );
        clock.lap("pattern sets and fuzzy index");

        let mut sorted_ids: Vec<u32> = (0..entities.len() as u32).collect();
        sorted_ids.sort_by(|a, b| entities[*a as usize].id.cmp(&entities[*b as usize].id));

        Ok(Index {
            entities,
            by_id,
            aliases,
            basic,
            folded,
            fuzzy,
            version,
            sorted_ids,
        })
    }

    /// The entity with this id.
    pub fn entity(&self, id: &str) -> Option<&Entity> {
        self.by_id.get(id).map(|&i| &self.entities[i as usize])
    }

    /// The number of the entity with this id, for `entity_at` and the
    /// numbers a match or a page carries.
    pub fn entity_number(&self, id: &str) -> Option<u32> {
        self.by_id.get(id).copied()
    }

    /// Entity number `number`, as matches and pages give it. Panics on a
    /// number this index did not give.
    pub fn entity_at(&self, number: u32) -> &Entity {
        &self.entities[number as usize]
    }

    /// Alias number `number`, as matches give it. Panics on a number this
    /// index did not give.
    pub fn alias_at(&self, number: u32) -> &Alias {
        &self.aliases[number as usize]
    }

    /// Every entity, in table order (entity numbers index it).
    pub fn entities(&self) -> &[Entity] {
        &self.entities
    }

    /// Every alias, in build order (alias numbers index it).
    pub fn aliases(&self) -> &[Alias] {
        &self.aliases
    }

    pub fn entity_count(&self) -> usize {
        self.entities.len()
    }

    pub fn alias_count(&self) -> usize {
        self.aliases.len()
    }

    /// The table's version: a hash of its contents.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// Up to `size` entities in id order, starting after id `after` (from
    /// the first without it), of type `entity_type` only when given. Ids are
    /// unique, so the last id of a page is a stable place to resume from
    /// even across a reload that adds or drops entities.
    pub fn entities_page(
        &self,
        after: Option<&str>,
        entity_type: Option<EntityType>,
        size: usize,
    ) -> EntityPage {
        let matching: Vec<u32> = self
            .sorted_ids
            .iter()
            .copied()
            .filter(|&e| entity_type.is_none_or(|t| self.entities[e as usize].entity_type == t))
            .collect();
        let begin = match after {
            Some(after) => {
                matching.partition_point(|&e| self.entities[e as usize].id.as_str() <= after)
            }
            None => 0,
        };
        let entities: Vec<u32> = matching[begin..].iter().take(size).copied().collect();
        EntityPage {
            more: begin + entities.len() < matching.len(),
            entities,
            total: matching.len(),
        }
    }

    pub fn summary(&self) -> Summary {
        let mut by_type: HashMap<EntityType, usize> = HashMap::new();
        for entity in &self.entities {
            *by_type.entry(entity.entity_type).or_default() += 1;
        }
        let mut by_type: Vec<(EntityType, usize)> = by_type.into_iter().collect();
        by_type.sort();
        Summary {
            entities: self.entities.len(),
            aliases: self.aliases.len(),
            by_type,
            basic_keys: self.basic.keys.len(),
            folded_keys: self.folded.keys.len(),
            vocabulary: self.fuzzy.vocabulary_len(),
        }
    }
}

/// Every alias of one record, deduplicated by (basic key, kind).
fn aliases_of(entity: u32, record: &EntityRecord, out: &mut Vec<Alias>) {
    let weak: HashSet<String> = record.weak.iter().map(|w| basic_key(w)).collect();
    let shared: HashSet<String> = record.ambiguous.iter().map(|w| basic_key(w)).collect();
    let acronyms: HashSet<String> = record.acronyms.iter().map(|w| basic_key(w)).collect();
    let mut seen: HashSet<(String, bool)> = HashSet::new();

    let mut push = |surface: &str, kind: AliasKind| {
        let key = basic_key(surface);
        let kind = if kind != AliasKind::Native
            && (acronyms.contains(&key) || looks_like_acronym(surface))
        {
            AliasKind::Acronym
        } else {
            kind
        };
        let is_acronym = kind == AliasKind::Acronym;
        if key.is_empty() || !seen.insert((key.clone(), is_acronym)) {
            return;
        }
        let token_count = normalize(surface).tokens.len();
        let letters: String = surface.chars().filter(|c| c.is_alphanumeric()).collect();
        let case = match kind {
            // Two letters, or weak ("TIP", "RAW"): as written, never "Tip".
            AliasKind::Acronym if letters.chars().count() <= 2 || weak.contains(&key) => {
                CaseRule::Exact
            }
            AliasKind::Acronym => CaseRule::UpperOrTitle,
            AliasKind::Native => CaseRule::Any,
            // "LeT", "JeM", "PoK": the inner capitals are the name; "Let" is a word.
            _ if has_inner_capital(surface) => CaseRule::Exact,
            // A weak alias is a generic phrase ("tribal areas"): only its
            // capitalised use names the entity.
            _ if token_count == 1 || weak.contains(&key) => CaseRule::Capitalized,
            _ => CaseRule::Any,
        };
        out.push(Alias {
            entity,
            surface: surface.trim().to_string(),
            kind,
            case,
            weak: weak.contains(&key),
            shared: shared.contains(&key),
            key,
            letters,
            token_count,
        });
    };

    push(&record.name, AliasKind::Canonical);
    for alias in &record.aliases {
        push(alias, AliasKind::Name);
    }
    for acronym in &record.acronyms {
        push(acronym, AliasKind::Acronym);
    }
    for native in &record.native {
        push(native, AliasKind::Native);
    }
    // Weak and shared names are aliases too, whether or not also listed there.
    for extra in record.weak.iter().chain(&record.ambiguous) {
        push(extra, AliasKind::Name);
    }
}

/// "TIP", "U.S.": one word of two to six capitals, listed as a name or a weak
/// alias, follows the acronym case rules all the same.
fn looks_like_acronym(name: &str) -> bool {
    let letters: Vec<char> = name.chars().filter(|c| *c != '.').collect();
    (2..=6).contains(&letters.len()) && letters.iter().all(|c| c.is_uppercase())
}

/// A word with a capital after a lower-case letter: "LeT", "HuJI", "McChrystal".
fn has_inner_capital(name: &str) -> bool {
    name.split(|c: char| !c.is_alphanumeric()).any(|word| {
        let mut seen_lower = false;
        word.chars().any(|c| {
            let inner = seen_lower && c.is_uppercase();
            seen_lower |= c.is_lowercase();
            inner
        })
    })
}

/// An alias key held by two entities is an error unless both mark it shared.
fn check_collisions(table: &AliasTable, aliases: &[Alias], errors: &mut Vec<TableError>) {
    use rayon::slice::ParallelSliceMut;
    // Sorted (key, entity) pairs: a key held by several entities is a run.
    let mut pairs: Vec<(&str, u32)> = aliases.iter().map(|a| (a.key.as_str(), a.entity)).collect();
    pairs.par_sort_unstable();
    pairs.dedup();
    let mut holders: HashMap<&str, BTreeSet<u32>> = HashMap::new();
    for run in pairs.chunk_by(|a, b| a.0 == b.0) {
        if run.len() > 1 {
            holders.insert(run[0].0, run.iter().map(|&(_, e)| e).collect());
        }
    }
    let mut reported: HashSet<(u32, String)> = HashSet::new();
    for alias in aliases {
        let key = &alias.key;
        let Some(entities) = holders.get(key.as_str()) else {
            continue;
        };
        if alias.shared {
            continue;
        }
        if !reported.insert((alias.entity, key.clone())) {
            continue;
        }
        let (file, record, _) = &table.entities[alias.entity as usize];
        let others: Vec<&str> = entities
            .iter()
            .filter(|&&e| e != alias.entity)
            .map(|&e| table.entities[e as usize].1.id.as_str())
            .collect();
        errors.push(
            TableError::new(
                file,
                format!(
                    "also an alias of {}; list it under `ambiguous` in every entity that shares it",
                    others.join(", ")
                ),
            )
            .entity(&record.id)
            .alias(&alias.surface),
        );
    }
}

/// The folded keys a name is matched under: itself, and for names with an
/// izafe ("Hizb-e-Islami") the same without it ("Hizb Islami") and joined
/// ("Lashkaretaiba").
pub fn spelling_variants(name: &str) -> Vec<String> {
    let normalized = normalize(name);
    let words: Vec<&str> = normalized
        .tokens
        .iter()
        .map(|t| normalized.folded_key(t))
        .collect();
    let mut variants = vec![words.join(" ")];
    // "Abdul Rahman" and "Abd al-Rahman" are one name written two ways.
    for (i, word) in words.iter().enumerate() {
        if i + 1 == words.len() {
            break;
        }
        if *word == "abdul" {
            let mut split = words.clone();
            split.splice(i..=i, ["abd", "al"]);
            variants.push(split.join(" "));
        } else if *word == "abd" && words[i + 1] == "al" {
            let mut joined = words.clone();
            joined.splice(i..=i + 1, ["abdul"]);
            variants.push(joined.join(" "));
        }
    }
    for (i, word) in words.iter().enumerate() {
        let inner = i > 0 && i + 1 < words.len();
        if !inner || !matches!(*word, "e" | "al") {
            continue;
        }
        if *word == "e" {
            let mut dropped = words.clone();
            dropped.remove(i);
            variants.push(dropped.join(" "));
        }
        let joined_word = format!("{}{}{}", words[i - 1], word, words[i + 1]);
        let mut joined: Vec<String> = words[..i - 1].iter().map(|w| w.to_string()).collect();
        let mut folded = String::new();
        crate::normalize::transliteration_fold_into(&joined_word, &mut folded);
        joined.push(folded);
        joined.extend(words[i + 2..].iter().map(|w| w.to_string()));
        variants.push(joined.join(" "));
    }
    variants.sort();
    variants.dedup();
    variants
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &str) -> AliasTable {
        AliasTable::from_sources([("t.toml".to_string(), text.to_string())]).unwrap()
    }

    #[test]
    fn every_key_is_found_whole_and_no_part_of_one_is() {
        let index = Index::embedded().expect("the embedded table is valid");
        for set in [&index.basic, &index.folded] {
            for (id, key) in set.keys.iter().enumerate() {
                assert_eq!(set.key_id(key), Some(id as u32), "{key:?}");
                if let Some((prefix, _)) = key.rsplit_once(' ') {
                    let found = set.key_id(prefix);
                    assert!(
                        found.is_none_or(|other| set.keys[other as usize] == prefix),
                        "{prefix:?} found as {found:?}"
                    );
                }
            }
            assert_eq!(set.key_id("no such name at all"), None);
        }
    }

    #[test]
    fn index_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Index>();
        assert_send_sync::<std::sync::Arc<Index>>();
    }

    #[test]
    fn shared_alias_needs_both_entities_to_agree() {
        let cases: &[(&str, &str, bool)] = &[
            (
                "unmarked collision is refused",
                "[[entity]]\nid = \"a\"\nname = \"Alpha Group\"\ntype = \"organization\"\naliases = [\"The Group\"]\n[[entity]]\nid = \"b\"\nname = \"Beta Group\"\ntype = \"organization\"\naliases = [\"the group\"]\n",
                false,
            ),
            (
                "one-sided marking is refused",
                "[[entity]]\nid = \"a\"\nname = \"Alpha Group\"\ntype = \"organization\"\nambiguous = [\"The Group\"]\n[[entity]]\nid = \"b\"\nname = \"Beta Group\"\ntype = \"organization\"\naliases = [\"The Group\"]\n",
                false,
            ),
            (
                "marked on both sides is accepted",
                "[[entity]]\nid = \"a\"\nname = \"Alpha Group\"\ntype = \"organization\"\nambiguous = [\"The Group\"]\n[[entity]]\nid = \"b\"\nname = \"Beta Group\"\ntype = \"organization\"\nambiguous = [\"The-Group\"]\n",
                true,
            ),
            (
                "acronym colliding with a name is refused",
                "[[entity]]\nid = \"a\"\nname = \"Alpha\"\ntype = \"organization\"\nacronyms = [\"RAW\"]\n[[entity]]\nid = \"b\"\nname = \"Raw\"\ntype = \"organization\"\n",
                false,
            ),
            (
                "same alias twice in one entity is fine",
                "[[entity]]\nid = \"a\"\nname = \"Alpha\"\ntype = \"organization\"\naliases = [\"alpha\", \"ALPHA\"]\n",
                true,
            ),
        ];
        for (name, text, ok) in cases {
            let result = Index::build(&table(text));
            assert_eq!(
                result.is_ok(),
                *ok,
                "{name}: {:?}",
                result.err().map(|e| e.to_string())
            );
            if let Err(error) = result {
                let message = error.to_string();
                assert!(message.contains("t.toml: entity"), "{name}: {message}");
                assert!(message.contains("alias"), "{name}: {message}");
            }
        }
    }

    #[test]
    fn spelling_variants_table() {
        let cases: &[(&str, &[&str])] = &[
            (
                "Hizb-e-Islami",
                &["hizb e islami", "hizb islami", "hizbeislami"],
            ),
            (
                "Lashkar-e-Taiba",
                &["lashkar e taiba", "lashkar taiba", "lashkaretaiba"],
            ),
            ("Al-Qaeda", &["al kaeda"]),
            (
                "Harkat-ul-Mujahideen",
                &["harkat al mujahidin", "harkatalmujahidin"],
            ),
            (
                "Abdul Ghani Baradar",
                &["abdul ghani baradar", "abd al ghani baradar"],
            ),
            ("Abd al-Rahman", &["abd al rahman", "abdul rahman"]),
        ];
        for (name, expected) in cases {
            let variants = spelling_variants(name);
            for key in *expected {
                assert!(
                    variants.contains(&key.to_string()),
                    "{name}: {key} not in {variants:?}"
                );
            }
        }
    }

    #[test]
    fn the_default_table_compiles_and_holds_the_reference_entities() {
        let index = Index::embedded().expect("the embedded table is valid");
        assert!(
            index.entities.len() >= 300,
            "only {} entities",
            index.entities.len()
        );
        for id in [
            "isis-k",
            "ttp",
            "taliban",
            "isi",
            "torkham",
            "munir-akram",
            "aslam-farooqi",
        ] {
            assert!(index.entity(id).is_some(), "{id} missing");
        }
    }
}
