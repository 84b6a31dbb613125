//! What a table holds, as `check` prints it: counts by type and by source,
//! and how many entities carry their names in Arabic script, so a curator
//! sees at a glance where the table is thin.

use std::collections::{BTreeMap, HashMap};

use super::{Entity, Index};
use crate::types::EntityType;

/// The tag that makes a location a country, for placing the other locations.
const COUNTRY_TAG: &str = "country";

/// How far the `related` links are followed to find a place's country:
/// district, then province, then country.
const COUNTRY_SEARCH_DEPTH: usize = 3;

/// Summary figures of an index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub entities: usize,
    pub aliases: usize,
    pub by_type: Vec<(EntityType, usize)>,
    /// Entities per source name, most frequent first; an entity with several
    /// sources counts once for each. Entities without any are under `None`.
    pub by_source: Vec<(Option<String>, usize)>,
    /// Per type, how many entities have a native (Arabic-script) name.
    pub native_by_type: Vec<(EntityType, NativeShare)>,
    /// Locations (other than countries) by the country they lie in, most
    /// first.
    pub places_by_country: Vec<PlacesOfCountry>,
    pub basic_keys: usize,
    pub folded_keys: usize,
    pub vocabulary: usize,
}

/// How many of some entities carry a native name.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NativeShare {
    pub with_native: usize,
    pub total: usize,
}

impl NativeShare {
    fn add(&mut self, entity: &Entity) {
        self.total += 1;
        if !entity.record.native.is_empty() {
            self.with_native += 1;
        }
    }

    /// The share in percent (0 for no entities).
    pub fn percent(&self) -> f64 {
        if self.total == 0 {
            0.0
        } else {
            100.0 * self.with_native as f64 / self.total as f64
        }
    }
}

/// The locations of one country.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlacesOfCountry {
    pub country_id: String,
    pub country_name: String,
    pub places: NativeShare,
}

impl Index {
    pub fn summary(&self) -> Summary {
        let mut by_type: BTreeMap<EntityType, usize> = BTreeMap::new();
        let mut native_by_type: BTreeMap<EntityType, NativeShare> = BTreeMap::new();
        let mut by_source: HashMap<Option<&str>, usize> = HashMap::new();
        for entity in &self.entities {
            *by_type.entry(entity.entity_type).or_default() += 1;
            native_by_type
                .entry(entity.entity_type)
                .or_default()
                .add(entity);
            let mut names: Vec<&str> = entity
                .record
                .sources
                .iter()
                .map(|source| source.source.as_str())
                .collect();
            names.sort_unstable();
            names.dedup();
            if names.is_empty() {
                *by_source.entry(None).or_default() += 1;
            }
            for name in names {
                *by_source.entry(Some(name)).or_default() += 1;
            }
        }
        let mut by_source: Vec<(Option<String>, usize)> = by_source
            .into_iter()
            .map(|(name, count)| (name.map(str::to_string), count))
            .collect();
        by_source.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        Summary {
            entities: self.entities.len(),
            aliases: self.aliases.len(),
            by_type: by_type.into_iter().collect(),
            by_source,
            native_by_type: native_by_type.into_iter().collect(),
            places_by_country: self.places_by_country(),
            basic_keys: self.basic.keys.len(),
            folded_keys: self.folded.keys.len(),
            vocabulary: self.fuzzy.vocabulary_len(),
        }
    }

    fn is_country(&self, entity: u32) -> bool {
        let entity = &self.entities[entity as usize];
        entity.entity_type == EntityType::Location
            && entity.record.tags.iter().any(|tag| tag == COUNTRY_TAG)
    }

    /// The countries nearest to a location along its own `related` links
    /// (a district names its province, the province its country); all
    /// countries found at the smallest depth, so a border crossing listed
    /// beside both sides' districts counts for both.
    fn countries_of(&self, place: u32) -> Vec<u32> {
        let mut frontier = vec![place];
        let mut seen = vec![place];
        for _ in 0..COUNTRY_SEARCH_DEPTH {
            let mut next = Vec::new();
            for &entity in &frontier {
                for related in &self.entities[entity as usize].record.related {
                    let Some(&related) = self.by_id.get(related) else {
                        continue;
                    };
                    if !seen.contains(&related) {
                        seen.push(related);
                        next.push(related);
                    }
                }
            }
            let mut countries: Vec<u32> = next
                .iter()
                .copied()
                .filter(|&entity| self.is_country(entity))
                .collect();
            if !countries.is_empty() {
                countries.sort_unstable();
                return countries;
            }
            next.retain(|&entity| {
                self.entities[entity as usize].entity_type == EntityType::Location
            });
            frontier = next;
        }
        Vec::new()
    }

    fn places_by_country(&self) -> Vec<PlacesOfCountry> {
        let mut by_country: BTreeMap<u32, NativeShare> = BTreeMap::new();
        for (number, entity) in self.entities.iter().enumerate() {
            let number = number as u32;
            if entity.entity_type != EntityType::Location || self.is_country(number) {
                continue;
            }
            for country in self.countries_of(number) {
                by_country.entry(country).or_default().add(entity);
            }
        }
        let mut places: Vec<PlacesOfCountry> = by_country
            .into_iter()
            .map(|(country, places)| {
                let country = &self.entities[country as usize];
                PlacesOfCountry {
                    country_id: country.id.clone(),
                    country_name: country.name.clone(),
                    places,
                }
            })
            .collect();
        places.sort_by(|a, b| {
            b.places
                .total
                .cmp(&a.places.total)
                .then_with(|| a.country_id.cmp(&b.country_id))
        });
        places
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::AliasTable;

    const TABLE: &str = r#"
[[entity]]
id = "alpha"
name = "Alphaland"
type = "location"
tags = ["country"]
native = ["الفا"]
sources = [{ source = "Atlas", date = "2026-01" }]

[[entity]]
id = "beta"
name = "Betaland"
type = "location"
tags = ["country"]

[[entity]]
id = "north"
name = "North Province"
type = "location"
related = ["alpha"]
native = ["شمال"]
sources = [{ source = "Atlas", date = "2026-01" }, { source = "Gazette", date = "2025-05" }]

[[entity]]
id = "hill"
name = "Hill District"
type = "location"
related = ["north"]
sources = [{ source = "Gazette", date = "2025-05" }, { source = "Gazette", date = "2024-04" }]

[[entity]]
id = "gate"
name = "Border Gate"
type = "location"
related = ["hill", "beta"]

[[entity]]
id = "island"
name = "Lonely Island"
type = "location"

[[entity]]
id = "someone"
name = "Some One"
type = "person"
related = ["hill"]
native = ["سم"]
"#;

    fn summary() -> Summary {
        let table = AliasTable::from_sources([("t.toml".to_string(), TABLE.to_string())]).unwrap();
        Index::build(&table).unwrap().summary()
    }

    #[test]
    fn sources_count_each_entity_once_per_source() {
        let summary = summary();
        assert_eq!(
            summary.by_source,
            vec![
                (None, 4),
                (Some("Atlas".to_string()), 2),
                (Some("Gazette".to_string()), 2),
            ]
        );
    }

    #[test]
    fn native_shares_by_type() {
        let summary = summary();
        let share = |wanted| {
            summary
                .native_by_type
                .iter()
                .find(|(entity_type, _)| *entity_type == wanted)
                .map(|(_, share)| (share.with_native, share.total))
        };
        assert_eq!(share(EntityType::Location), Some((2, 6)));
        assert_eq!(share(EntityType::Person), Some((1, 1)));
        assert_eq!(share(EntityType::Organization), None);
    }

    #[test]
    fn places_belong_to_their_nearest_countries() {
        // (country, places, with native): north directly, hill through its
        // province, the gate to beta (one link) rather than alpha (three);
        // the island and the person count nowhere.
        let got: Vec<(String, usize, usize)> = summary()
            .places_by_country
            .into_iter()
            .map(|c| (c.country_id, c.places.total, c.places.with_native))
            .collect();
        assert_eq!(
            got,
            vec![("alpha".to_string(), 2, 1), ("beta".to_string(), 1, 0)]
        );
    }
}
