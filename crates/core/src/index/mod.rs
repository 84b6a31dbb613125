//! The compiled alias table: what the matcher reads. Built once from a valid
//! `AliasTable`, immutable afterwards and shared behind an `Arc`; requests
//! keep their own scratch space, so nothing here is ever locked.

use std::collections::{HashMap, HashSet};

use crate::error::{Error, Result};
use crate::normalize::{basic_key, folded_key};
use crate::table::{AliasTable, EntityRecord};
use crate::types::EntityType;

mod aliases;
pub mod fuzzy;
mod patterns;
mod summary;

pub use aliases::spelling_variants;
use aliases::{aliases_of, check_collisions};
use fuzzy::FuzzyIndex;
pub use patterns::{PatternSet, WordTrie};
pub use summary::{NativeShare, PlacesOfCountry, Summary};

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

/// An entity as the API shows it: the field names of the proto's `Entity`
/// (`canonical_name`, `type`, `native_names`...), so a JSON front end and the
/// gRPC answers agree. Matching-only fields (weak and shared aliases, `not`,
/// related ids) stay out, as they do from the proto.
impl serde::Serialize for Entity {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let record = &self.record;
        let mut entity = serializer.serialize_struct("Entity", 10)?;
        entity.serialize_field("id", &self.id)?;
        entity.serialize_field("canonical_name", &self.name)?;
        entity.serialize_field("type", &self.entity_type)?;
        entity.serialize_field("aliases", &record.aliases)?;
        entity.serialize_field("acronyms", &record.acronyms)?;
        entity.serialize_field("native_names", &record.native)?;
        entity.serialize_field("tags", &record.tags)?;
        entity.serialize_field("external_ids", &record.external_ids)?;
        entity.serialize_field("notes", &record.notes)?;
        entity.serialize_field("sources", &record.sources)?;
        entity.end()
    }
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
    crate::process::memory_kib("VmRSS").map(|kib| kib / 1024)
}

/// The compiled, immutable alias index.
pub struct Index {
    pub(crate) entities: Vec<Entity>,
    pub(crate) by_id: HashMap<String, u32>,
    pub(crate) aliases: Vec<Alias>,
    /// Every alias by basic key: names, acronyms, native names.
    pub(crate) basic: PatternSet,
    /// Names and native names (not acronyms) by folded key, with particle variants.
    pub(crate) folded: PatternSet,
    pub(crate) fuzzy: FuzzyIndex,
    pub(crate) version: String,
    /// Every entity's `not` words (demonyms and look-alikes), folded: a
    /// word that qualifies a name ("Pakistani Punjab") rather than
    /// extending it.
    pub(crate) not_words: HashSet<String>,
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
                for variant in joined_pairs(&key) {
                    basic_keyed.push((variant, i as u32));
                }
                // ... and a compound the table writes with a joiner may come
                // spaced ("سپین‌بولدک", "سپین بولدک").
                if alias.surface.contains('\u{200C}') {
                    let spaced = basic_key(&alias.surface.replace('\u{200C}', " "));
                    if spaced != key {
                        basic_keyed.push((spaced, i as u32));
                    }
                }
            }
            basic_keyed.push((key, i as u32));
        }
        let folded_keyed: Vec<(String, u32)> = aliases
            .par_iter()
            .enumerate()
            // Native names too: Arabic spells the Urdu "پاکستان" as "باكستان".
            .filter(|(_, alias)| {
                matches!(
                    alias.kind,
                    AliasKind::Canonical | AliasKind::Name | AliasKind::Native
                )
            })
            .flat_map_iter(|(i, alias)| {
                let mut variants = spelling_variants(&alias.surface);
                if alias.kind == AliasKind::Native {
                    // Joined compounds, as in the basic set ("ثناالله").
                    variants.extend(joined_pairs(&variants[0]));
                    variants.extend(arabic_gaf_variants(&alias.surface));
                }
                variants.into_iter().map(move |variant| (variant, i as u32))
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

        let not_words = entities
            .iter()
            .flat_map(|entity| entity.not_words.iter().cloned())
            .collect();
        Ok(Index {
            not_words,
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
}

/// Arabic writes the Persian and Urdu gaf as kaf (which the folded key
/// does), as jim in Egypt's style and as ghain: "أورنجزيب", "أورنغزيب" for
/// "اورنگزیب", "جوهر" for "گوہر". The folded keys of those spellings.
fn arabic_gaf_variants(surface: &str) -> Vec<String> {
    if !surface.contains(['گ', 'ګ']) {
        return Vec::new();
    }
    ['ج', 'غ']
        .into_iter()
        .filter_map(|arabic| {
            spelling_variants(&surface.replace(['گ', 'ګ'], &arabic.to_string()))
                .into_iter()
                .next()
        })
        .collect()
}

/// A key with each pair of neighbouring words joined: Persian and Urdu
/// write a compound with a space, a zero-width non-joiner or nothing
/// ("ذبیح الله", "ذبیح‌الله", "ذبیحالله").
fn joined_pairs(key: &str) -> Vec<String> {
    let words: Vec<&str> = key.split(' ').collect();
    (1..words.len())
        .map(|at| {
            let joined = format!("{}{}", words[at - 1], words[at]);
            let mut variant: Vec<&str> = words[..at - 1].to_vec();
            variant.push(&joined);
            variant.extend(&words[at + 1..]);
            variant.join(" ")
        })
        .collect()
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
    fn an_entity_serialises_with_the_protos_field_names() {
        let index = Index::embedded().unwrap();
        let json = serde_json::to_value(index.entity("ttp").unwrap()).unwrap();
        let mut fields: Vec<&str> = json
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        fields.sort_unstable();
        assert_eq!(
            fields,
            [
                "acronyms",
                "aliases",
                "canonical_name",
                "external_ids",
                "id",
                "native_names",
                "notes",
                "sources",
                "tags",
                "type"
            ]
        );
        assert_eq!(json["type"], "ENTITY_TYPE_ORGANIZATION");
    }

    #[test]
    fn pages_walk_every_entity_of_the_type_once_in_id_order() {
        let index = Index::embedded().unwrap();
        for entity_type in [None, Some(EntityType::Person)] {
            let mut walked = Vec::new();
            let mut after: Option<String> = None;
            loop {
                let page = index.entities_page(after.as_deref(), entity_type, 7);
                assert!(page.entities.len() <= 7);
                walked.extend(page.entities.iter().map(|&e| index.entity_at(e).id.clone()));
                if !page.more {
                    break;
                }
                after = walked.last().cloned();
            }
            let mut expected: Vec<String> = index
                .entities()
                .iter()
                .filter(|e| entity_type.is_none_or(|t| e.entity_type == t))
                .map(|e| e.id.clone())
                .collect();
            expected.sort();
            assert_eq!(walked, expected, "{entity_type:?}");
            let first = index.entities_page(None, entity_type, 7);
            assert_eq!(first.total, expected.len());
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
