//! The default table as a whole (issue 13): every entity says where its
//! names come from, every name a curator wrote finds its own entity first,
//! and the places of Afghanistan and Pakistan carry their Arabic-script names.

use std::collections::HashSet;

use entity_resolver_core::lookup::lookup;
use entity_resolver_core::{AliasTable, Index};

fn default_index() -> Index {
    Index::from_table(AliasTable::embedded().expect("the default table is valid")).unwrap()
}

#[test]
fn every_entity_records_a_source_and_its_date() {
    let index = default_index();
    // The floor for a table that covers the domain (2,714 now).
    assert!(
        index.entities().len() >= 2500,
        "{} entities",
        index.entities().len()
    );
    let without: Vec<&str> = index
        .entities()
        .iter()
        .filter(|entity| {
            !entity
                .record
                .sources
                .iter()
                .any(|s| !s.source.trim().is_empty() && !s.date.is_empty())
        })
        .map(|entity| entity.id.as_str())
        .collect();
    assert!(without.is_empty(), "entities without a source: {without:?}");
}

/// Canonical names and plain aliases of every entity: the top Lookup
/// candidate is the entity itself. Names some entity lists as `ambiguous`
/// are left out (they name several entities by design), and so are weak
/// ones (too generic alone).
#[test]
fn every_name_looks_up_to_its_own_entity() {
    let index = default_index();
    let shared: HashSet<String> = index
        .entities()
        .iter()
        .flat_map(|entity| entity.record.ambiguous.iter())
        .map(|name| name.to_lowercase())
        .collect();
    let mut checked = 0;
    let mut misses = Vec::new();
    for entity in index.entities() {
        let names = std::iter::once(&entity.record.name).chain(&entity.record.aliases);
        for name in names {
            if shared.contains(&name.to_lowercase()) {
                continue;
            }
            checked += 1;
            let candidates = lookup(&index, name, 3, &[]).unwrap();
            let top = candidates
                .first()
                .map(|c| index.entity_at(c.entity).id.as_str());
            if top != Some(entity.id.as_str()) {
                misses.push(format!("{name:?} -> {top:?}, expected {}", entity.id));
            }
        }
    }
    println!(
        "{} of {checked} names look up to their entity",
        checked - misses.len()
    );
    assert!(
        misses.is_empty(),
        "{} names miss: {misses:#?}",
        misses.len()
    );
}

/// The floor: at least 80% of the places of Afghanistan and of
/// Pakistan carry an Arabic-script name (measured 88% and 81%). Persons
/// carry one only where a spelling was published, so they have no floor.
#[test]
fn places_of_afghanistan_and_pakistan_carry_native_names() {
    const MIN_PERCENT: f64 = 80.0;
    let summary = default_index().summary();
    for country in ["afghanistan", "pakistan"] {
        let places = summary
            .places_by_country
            .iter()
            .find(|c| c.country_id == country)
            .unwrap_or_else(|| panic!("no places of {country}"))
            .places;
        println!(
            "{country}: {} of {} places with a native name ({:.1}%)",
            places.with_native,
            places.total,
            places.percent()
        );
        assert!(
            places.total >= 400,
            "{country}: only {} places",
            places.total
        );
        assert!(
            places.percent() >= MIN_PERCENT,
            "{country}: {:.1}% of places with a native name",
            places.percent()
        );
    }
}

/// The letters one orthography writes for another's (پ/ب, چ/ج, گ/ک) bring
/// spellings together: no two entities' Arabic-script names may differ only
/// by them, or a name of one would match the other.
#[test]
fn native_names_of_different_entities_stay_apart_when_folded() {
    use entity_resolver_core::normalize::{basic_key, folded_key};
    let index = default_index();
    let mut by_folded: std::collections::HashMap<String, (String, &str)> = Default::default();
    let mut collisions = Vec::new();
    for entity in index.entities() {
        for name in &entity.record.native {
            let (basic, folded) = (basic_key(name), folded_key(name));
            match by_folded.get(&folded) {
                Some((other_basic, other)) if *other != entity.id && *other_basic != basic => {
                    collisions.push(format!("{name} ({}) / {other}", entity.id));
                }
                Some(_) => {}
                None => {
                    by_folded.insert(folded, (basic, entity.id.as_str()));
                }
            }
        }
    }
    assert!(collisions.is_empty(), "{collisions:?}");
}
