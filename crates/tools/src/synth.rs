//! Deterministic synthetic alias tables for the scale benchmarks: 100 to
//! 1,000,000 aliases with the shapes of the real table (multi-word names
//! built from transliterated syllables, izafe organisation names with their
//! acronyms, places with Persian and Urdu suffixes, spelling variants), so
//! the benches need no download and give the same table on every machine.

use std::collections::HashSet;
use std::fmt::Write as _;

use entity_resolver_core::normalize::folded_key;

/// splitmix64, written out so the tables never change with a crate version
/// (rand's generators make no such promise across releases).
struct Sequence(u64);

impl Sequence {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

const ONSETS: &[&str] = &[
    "b", "d", "f", "g", "h", "j", "k", "kh", "l", "m", "n", "p", "q", "r", "s", "sh", "t", "w",
    "y", "z", "zh", "gh", "ch",
];
const VOWELS: &[&str] = &["a", "i", "u", "e", "o", "aa", "ee", "oo", "ai"];
const CODAS: &[&str] = &["", "", "", "n", "r", "m", "l", "d", "z", "t", "b", "k"];
const PERSON_SUFFIXES: &[&str] = &["", "", "", "ullah", "uddin", "zai", "khel", "yar", "gul"];
const PLACE_SUFFIXES: &[&str] = &["abad", "pur", "garh", "kot", "stan", " Valley", " Bazaar"];
const ORG_HEADS: &[&str] = &[
    "Tehreek", "Jamaat", "Lashkar", "Harkat", "Jaish", "Majlis", "Ittehad", "Hizb", "Sipah",
];
const ORG_LINKS: &[&str] = &["-e-", "-i-", " ul ", "-ul-"];
const TITLES: &[&str] = &["Mullah", "Maulana", "Hafiz", "Qari", "Haji", "Sardar"];

/// A pseudo-word of two or three syllables, capitalised.
fn word(sequence: &mut Sequence) -> String {
    let syllables = 2 + sequence.next() % 2;
    let mut word = String::new();
    for _ in 0..syllables {
        word.push_str(sequence.pick(ONSETS));
        word.push_str(sequence.pick(VOWELS));
        word.push_str(sequence.pick(CODAS));
    }
    capitalise(&word)
}

fn capitalise(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A transliteration variant of a name (ee/i, oo/u, q/k, doubled letters),
/// when one applies.
fn variant(name: &str) -> Option<String> {
    for (from, to) in [
        ("ee", "i"),
        ("oo", "u"),
        ("q", "k"),
        ("aa", "a"),
        ("ullah", "ulla"),
    ] {
        if name.contains(from) {
            return Some(name.replacen(from, to, 1));
        }
    }
    None
}

struct Entity {
    id: String,
    name: String,
    kind: &'static str,
    aliases: Vec<String>,
    acronyms: Vec<String>,
}

/// The entities of a synthetic table holding about `aliases` names in all
/// (canonical names, aliases and acronyms). Names that would fold to the same
/// key as an earlier one are skipped, so the table always validates.
fn entities(aliases: usize, seed: u64) -> Vec<Entity> {
    let mut sequence = Sequence(seed);
    let mut taken: HashSet<String> = HashSet::new();
    let fresh = |name: &str, taken: &mut HashSet<String>| taken.insert(folded_key(name));
    let mut entities = Vec::new();
    let mut names = 0;
    while names < aliases {
        let n = entities.len();
        let roll = sequence.next() % 10;
        let entity = if roll < 5 {
            let given = format!("{}{}", word(&mut sequence), sequence.pick(PERSON_SUFFIXES));
            let family = word(&mut sequence);
            let name = format!("{given} {family}");
            let mut aliases = Vec::new();
            if let Some(spelled) = variant(&name) {
                aliases.push(spelled);
            }
            if sequence.chance(30) {
                aliases.push(format!("{} {name}", sequence.pick(TITLES)));
            }
            Entity {
                id: format!("p{n}"),
                name,
                kind: "person",
                aliases,
                acronyms: Vec::new(),
            }
        } else if roll < 8 {
            let name = format!(
                "{}{}{}",
                word(&mut sequence),
                sequence.pick(PLACE_SUFFIXES),
                if sequence.chance(20) { " District" } else { "" }
            );
            let aliases = variant(&name).into_iter().collect();
            Entity {
                id: format!("l{n}"),
                name,
                kind: "location",
                aliases,
                acronyms: Vec::new(),
            }
        } else {
            let head = sequence.pick(ORG_HEADS);
            let link = sequence.pick(ORG_LINKS);
            let (first, second) = (word(&mut sequence), word(&mut sequence));
            let name = format!("{head}{link}{first} {second}");
            let acronym: String = [head, &first, &second]
                .iter()
                .filter_map(|w| w.chars().next())
                .collect::<String>()
                .to_uppercase();
            let mut aliases: Vec<String> = variant(&name).into_iter().collect();
            aliases.push(format!("{first} {second}"));
            // Three-letter initials repeat quickly; longer ones stay unique.
            let acronym = format!("{acronym}{}", (b'A' + (n % 26) as u8) as char);
            Entity {
                id: format!("o{n}"),
                name,
                kind: "organization",
                aliases,
                acronyms: vec![acronym],
            }
        };
        if !fresh(&entity.name, &mut taken) {
            continue;
        }
        let Entity {
            id,
            name,
            kind,
            aliases,
            acronyms,
        } = entity;
        let aliases: Vec<String> = aliases
            .into_iter()
            .filter(|a| fresh(a, &mut taken))
            .collect();
        let acronyms: Vec<String> = acronyms
            .into_iter()
            .filter(|a| fresh(a, &mut taken))
            .collect();
        names += 1 + aliases.len() + acronyms.len();
        entities.push(Entity {
            id,
            name,
            kind,
            aliases,
            acronyms,
        });
    }
    entities
}

/// The alias files of a synthetic table, as `(file name, TOML)` pairs ready
/// for `AliasTable::from_sources` or for writing to a directory, split into
/// files of at most 50,000 entities like a team would keep them.
pub fn alias_files(aliases: usize, seed: u64) -> Vec<(String, String)> {
    SyntheticTable::generate(aliases, seed).files()
}

/// A text of about `bytes` bytes naming entities of the synthetic table of
/// `aliases` names and this seed (see `SyntheticTable::text`).
pub fn text(aliases: usize, seed: u64, bytes: usize) -> String {
    SyntheticTable::generate(aliases, seed).text(bytes)
}

/// One generated table, for callers that want both its files and a text
/// without generating the entities twice.
pub struct SyntheticTable {
    entities: Vec<Entity>,
    seed: u64,
}

impl SyntheticTable {
    pub fn generate(aliases: usize, seed: u64) -> Self {
        SyntheticTable {
            entities: entities(aliases, seed),
            seed,
        }
    }

    /// The alias files, as `alias_files` describes them.
    pub fn files(&self) -> Vec<(String, String)> {
        files_of(&self.entities)
    }

    /// A text of about `bytes` bytes that mentions entities of this table in
    /// news-like sentences, some misspelt, between sentences that mention
    /// nothing.
    pub fn text(&self, bytes: usize) -> String {
        text_of(&self.entities, self.seed, bytes)
    }
}

fn files_of(entities: &[Entity]) -> Vec<(String, String)> {
    entities
        .chunks(50_000)
        .enumerate()
        .map(|(i, chunk)| {
            let mut toml = String::from("# Synthetic alias table (entity-resolver synth-table).\n");
            for entity in chunk {
                let _ = write!(
                    toml,
                    "\n[[entity]]\nid = {:?}\nname = {:?}\ntype = {:?}\n",
                    entity.id, entity.name, entity.kind
                );
                if !entity.aliases.is_empty() {
                    let _ = writeln!(toml, "aliases = {:?}", entity.aliases);
                }
                if !entity.acronyms.is_empty() {
                    let _ = writeln!(toml, "acronyms = {:?}", entity.acronyms);
                }
            }
            (format!("synthetic-{i:03}.toml"), toml)
        })
        .collect()
}

fn text_of(entities: &[Entity], seed: u64, bytes: usize) -> String {
    let mut sequence = Sequence(seed ^ 0x5eed);
    let fillers = [
        "Officials said the situation remained tense after the overnight clashes.",
        "Traders at the crossing complained about the long queues of lorries.",
        "The meeting ended without a joint statement, according to two people present.",
    ];
    let mut text = String::with_capacity(bytes + 200);
    while text.len() < bytes {
        let entity = &entities[(sequence.next() % entities.len() as u64) as usize];
        let mut name = entity.name.clone();
        if sequence.chance(15) {
            name = variant(&name).unwrap_or(name);
        }
        let _ = write!(
            text,
            "{} {name} was named in the report. ",
            fillers[(sequence.next() % 3) as usize]
        );
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use entity_resolver_core::{AliasTable, Index, ResolveOptions, Resolver};
    use std::sync::Arc;

    #[test]
    fn tables_are_deterministic_valid_and_sized_as_asked() {
        for size in [100, 2_000] {
            let files = alias_files(size, 7);
            assert_eq!(files, alias_files(size, 7), "same seed, same table");
            let table = AliasTable::from_sources(files).expect("a synthetic table validates");
            let index = Index::build(&table).expect("and builds");
            let names = index.summary().aliases;
            assert!(
                names >= size && names <= size + size / 5,
                "{names} aliases for {size} asked"
            );
        }
        assert_ne!(alias_files(100, 7), alias_files(100, 8));
    }

    #[test]
    fn the_text_mentions_the_tables_entities() {
        let table = AliasTable::from_sources(alias_files(500, 3)).unwrap();
        let resolver = Resolver::new(Arc::new(Index::build(&table).unwrap()));
        let text = text(500, 3, 4_000);
        let found = resolver.resolve(&text, &ResolveOptions::default()).unwrap();
        let sentences = text.matches("was named").count();
        assert!(
            found.mentions.len() * 10 >= sentences * 8,
            "{} mentions in {sentences} sentences",
            found.mentions.len()
        );
    }
}
