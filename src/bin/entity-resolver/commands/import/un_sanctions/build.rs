//! Selected entries to table records, fitted into the existing table.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use entity_resolver_core::normalize::{basic_key, folded_key};
use entity_resolver_core::AliasTable;

use super::list::{Entry, Kind, List, Quality};
use super::names::{is_one_word, natural_case, only_common_name_words, slug, split, strip_titles};
use super::select;

/// One record to write: a new entity, or an extension of `id`.
#[derive(Debug, Default, Clone)]
pub struct Record {
    pub references: Vec<String>,
    pub id: String,
    pub name: String,
    pub person: bool,
    pub aliases: Vec<String>,
    pub acronyms: Vec<String>,
    pub native: Vec<String>,
    pub weak: Vec<String>,
    pub ambiguous: Vec<String>,
    /// Entities the list's narrative names by reference number ("Senior
    /// leader of ISIL-K (QDe.161)"): they support this entity's weak names.
    pub related: Vec<String>,
}

pub struct Import {
    pub date: String,
    pub selected: usize,
    pub created: Vec<Record>,
    pub extended: Vec<Record>,
    /// What was left out, one line each, for a curator to read.
    pub ambiguous: Vec<String>,
}

/// `existing` maps reference numbers to ids of `table`.
pub fn build(
    list: &List,
    table: &AliasTable,
    existing: &BTreeMap<String, String>,
) -> Result<Import, String> {
    let mut claims: HashMap<String, BTreeSet<String>> = HashMap::new();
    let mut ids: HashSet<String> = HashSet::new();
    let mut types: HashMap<String, String> = HashMap::new();
    // Spellings that differ only by transliteration ("Hasan"/"Hassan")
    // find candidates too: the index would match them to the curated one.
    let mut folded: HashMap<String, BTreeSet<String>> = HashMap::new();
    for (_, record, _) in &table.entities {
        ids.insert(record.id.clone());
        types.insert(record.id.clone(), record.type_name.clone());
        let names = std::iter::once(&record.name)
            .chain(&record.aliases)
            .chain(&record.acronyms)
            .chain(&record.native)
            .chain(&record.weak)
            .chain(&record.ambiguous);
        for name in names {
            claims
                .entry(basic_key(name))
                .or_default()
                .insert(record.id.clone());
            folded
                .entry(folded_key(name))
                .or_default()
                .insert(record.id.clone());
        }
    }
    for (reference, id) in existing {
        if !ids.contains(id) {
            return Err(format!(
                "the existing map sends {reference} to {id:?}, which is not in the table"
            ));
        }
    }

    let mut selected: Vec<&Entry> = list
        .entries
        .iter()
        .filter(|entry| select::reason(entry).is_some())
        .collect();
    selected.sort_by(|a, b| a.reference.cmp(&b.reference));
    let mut ambiguous = Vec::new();

    // What the curated records hold, before extensions add to it: only this
    // says an entry may already be in the table.
    let curated = claims.clone();
    let curated_folded = folded.clone();
    // Extensions first: what they add is the curated entity's from then on.
    let mut extensions: BTreeMap<String, Record> = BTreeMap::new();
    for entry in &selected {
        let Some(id) = existing.get(&entry.reference) else {
            continue;
        };
        let draft = draft(entry);
        let record = extensions.entry(id.clone()).or_insert_with(|| Record {
            id: id.clone(),
            person: draft.person,
            ..Record::default()
        });
        record.references.push(entry.reference.clone());
        // The list's primary name is one more alias of the curated entity.
        let names = std::iter::once((&draft.name, Slot::Alias))
            .chain(draft.aliases.iter().map(|n| (n, Slot::Alias)))
            .chain(draft.acronyms.iter().map(|n| (n, Slot::Alias)))
            .chain(draft.native.iter().map(|n| (n, Slot::Native)))
            .chain(draft.weak.iter().map(|n| (n, Slot::Weak)));
        for (name, slot) in names {
            let holders = claims.entry(basic_key(name)).or_default();
            if holders.contains(id) {
                continue;
            }
            if !holders.is_empty() {
                ambiguous.push(format!(
                    "{} {name:?}: also a name of {}; left out of the extension of {id}",
                    entry.reference,
                    join(holders)
                ));
                continue;
            }
            holders.insert(id.clone());
            match slot {
                Slot::Alias => record.aliases.push(name.clone()),
                Slot::Native => record.native.push(name.clone()),
                Slot::Weak => record.weak.push(name.clone()),
            }
        }
    }

    let mut created = Vec::new();
    for entry in &selected {
        if existing.contains_key(&entry.reference) {
            continue;
        }
        let mut record = draft(entry);
        // A strong name of this entry that a curated entity of the same
        // type holds: most likely the same person or group (then it belongs
        // in the map), or a namesake a curator must tell apart. Either way
        // it is not created, so the table never holds one twice.
        let type_name = if record.person {
            "person"
        } else {
            "organization"
        };
        let same_type: BTreeSet<String> = all_strong_names(&record)
            .flat_map(|name| {
                [
                    curated.get(&basic_key(name)),
                    curated_folded.get(&folded_key(name)),
                ]
            })
            .flatten()
            .flatten()
            .filter(|id| types.get(*id).is_some_and(|t| t == type_name))
            .cloned()
            .collect();
        if !same_type.is_empty() {
            ambiguous.push(format!(
                "{} {:?}: not created, a name of it is held by {} (the same? then map it in --existing)",
                entry.reference,
                record.name,
                join(&same_type)
            ));
            continue;
        }
        if let Some(holders) = claims.get(&basic_key(&record.name)) {
            ambiguous.push(format!(
                "{} {:?}: not created, its name is held by {}",
                entry.reference,
                record.name,
                join(holders)
            ));
            continue;
        }
        let reference = entry.reference.clone();
        let mut keep = |name: &String| match claims.get(&basic_key(name)) {
            Some(holders) => {
                ambiguous.push(format!(
                    "{reference} {name:?}: also a name of {}; left out",
                    join(holders)
                ));
                false
            }
            None => true,
        };
        record.aliases.retain(&mut keep);
        record.acronyms.retain(&mut keep);
        record.native.retain(&mut keep);
        record.weak.retain(&mut keep);
        let mut id = slug(&record.name);
        if ids.contains(&id) {
            id = format!("{id}-{}", slug(&entry.reference));
        }
        ids.insert(id.clone());
        record.id = id;
        created.push(record);
    }

    // The list cross-references its own entries: a narrative's reference
    // numbers are the entities it is tied to, in the table or created here.
    let mut id_of: HashMap<&str, &str> = existing
        .iter()
        .map(|(reference, id)| (reference.as_str(), id.as_str()))
        .collect();
    for record in &created {
        for reference in &record.references {
            id_of.insert(reference, &record.id);
        }
    }
    let narratives: HashMap<&str, &str> = selected
        .iter()
        .map(|entry| (entry.reference.as_str(), entry.narrative.as_str()))
        .collect();
    let related: Vec<Vec<String>> = created
        .iter()
        .map(|record| {
            let mut related = BTreeSet::new();
            for reference in &record.references {
                for cited in cited_references(narratives[reference.as_str()]) {
                    if let Some(&id) = id_of.get(cited) {
                        if id != record.id {
                            related.insert(id.to_string());
                        }
                    }
                }
            }
            related.into_iter().collect()
        })
        .collect();
    for (record, related) in created.iter_mut().zip(related) {
        record.related = related;
    }

    // Names two new entities share: both keep them, as `ambiguous`.
    let mut holders: HashMap<String, usize> = HashMap::new();
    for record in &created {
        let keys: HashSet<String> = all_names(record).map(|n| basic_key(n)).collect();
        for key in keys {
            *holders.entry(key).or_default() += 1;
        }
    }
    for record in &mut created {
        let shared: Vec<String> = all_names(record)
            .filter(|name| holders[&basic_key(name)] > 1)
            .cloned()
            .collect();
        let mut seen = HashSet::new();
        for name in shared {
            if seen.insert(basic_key(&name)) {
                record.ambiguous.push(name);
            }
        }
        let shared_keys: HashSet<String> = record.ambiguous.iter().map(|n| basic_key(n)).collect();
        record
            .aliases
            .retain(|n| !shared_keys.contains(&basic_key(n)));
        record.weak.retain(|n| !shared_keys.contains(&basic_key(n)));
    }

    Ok(Import {
        date: list.date.clone(),
        selected: selected.len(),
        created,
        extended: extensions.into_values().collect(),
        ambiguous,
    })
}

/// The UN reference numbers a narrative cites: two letters, `i` or `e`, a
/// full stop and three digits ("QDe.161", "TAi.004").
fn cited_references(narrative: &str) -> impl Iterator<Item = &str> {
    let bytes = narrative.as_bytes();
    (0..bytes.len().saturating_sub(6)).filter_map(move |at| {
        let candidate = &bytes[at..at + 7];
        let starts_a_word = at == 0 || !bytes[at - 1].is_ascii_alphanumeric();
        let ends_a_word = bytes.get(at + 7).is_none_or(|b| !b.is_ascii_alphanumeric());
        let shaped = candidate[0].is_ascii_uppercase()
            && candidate[1].is_ascii_uppercase()
            && matches!(candidate[2], b'i' | b'e')
            && candidate[3] == b'.'
            && candidate[4..].iter().all(u8::is_ascii_digit);
        (starts_a_word && ends_a_word && shaped).then(|| &narrative[at..at + 7])
    })
}

enum Slot {
    Alias,
    Native,
    Weak,
}

fn join(ids: &BTreeSet<String>) -> String {
    ids.iter().cloned().collect::<Vec<_>>().join(", ")
}

fn all_strong_names(record: &Record) -> impl Iterator<Item = &String> {
    std::iter::once(&record.name)
        .chain(&record.aliases)
        .chain(&record.acronyms)
        .chain(&record.native)
}

fn all_names(record: &Record) -> impl Iterator<Item = &String> {
    std::iter::once(&record.name)
        .chain(&record.aliases)
        .chain(&record.acronyms)
        .chain(&record.native)
        .chain(&record.weak)
}

/// One entry's names, before it is fitted into the table; each name once
/// (by the key the index matches it under), in the strongest list.
fn draft(entry: &Entry) -> Record {
    let person = entry.kind == Kind::Individual;
    let tidy = |name: &str| {
        // "JUD", "HUA": an entity's short form stays in capitals.
        let acronym = !person
            && !name.contains(' ')
            && (2..=6).contains(&name.chars().count())
            && name.chars().all(|c| c.is_ascii_uppercase());
        if acronym {
            name.to_string()
        } else if person {
            natural_case(&strip_titles(name))
        } else {
            natural_case(name)
        }
    };
    let mut record = Record {
        references: vec![entry.reference.clone()],
        person,
        ..Record::default()
    };
    let primary = split(&entry.name_parts.join(" "));
    let mut latin = primary.latin.iter().map(|n| tidy(n));
    record.name = latin.next().unwrap_or_else(|| entry.reference.clone());
    record.aliases.extend(latin);
    record.acronyms.extend(primary.acronyms);
    record.native.extend(primary.native);
    if entry.original_script.chars().any(|c| {
        matches!(c as u32, 0x0600..=0x06FF | 0x0750..=0x077F | 0x08A0..=0x08FF | 0xFB50..=0xFDFF | 0xFE70..=0xFEFF)
    }) {
        record.native.push(entry.original_script.clone());
    }
    for (quality, raw) in &entry.aliases {
        let names = split(raw);
        let weak = person && *quality != Quality::Good;
        for name in names.latin.iter().map(|n| tidy(n)) {
            if weak || is_one_word(&name) {
                record.weak.push(name);
            } else {
                record.aliases.push(name);
            }
        }
        record.acronyms.extend(names.acronyms);
        record.native.extend(names.native);
    }
    if person {
        // Also the names the primary element packs: "Ahmad Shah" is weak
        // wherever the list put it.
        let (common, distinctive): (Vec<String>, Vec<String>) = record
            .aliases
            .drain(..)
            .partition(|name| only_common_name_words(name));
        record.aliases = distinctive;
        record.weak.splice(0..0, common);
    }
    // Each key once, the first list that has it wins (aliases before weak).
    let mut seen: HashSet<String> = HashSet::new();
    seen.insert(basic_key(&record.name));
    let mut once = |name: &String| {
        let key = basic_key(name);
        !key.is_empty() && seen.insert(key)
    };
    record.aliases.retain(&mut once);
    record.acronyms.retain(&mut once);
    record.native.retain(&mut once);
    record.weak.retain(&mut once);
    record
}

#[cfg(test)]
mod tests {
    use super::cited_references;

    #[test]
    fn cited_references_table() {
        let cases: &[(&str, &[&str])] = &[
            (
                "Senior leader of the Islamic State in Iraq and the Levant - Khorasan (ISIL - K) (QDe.161).",
                &["QDe.161"],
            ),
            (
                "Member of the Haqqani Network (TAe.012); linked to TAi.004 and QDi.431.",
                &["TAe.012", "TAi.004", "QDi.431"],
            ),
            // Not a reference: lower-case letters, a fourth digit, a letter glued on.
            ("see tai.004, TAi.0041 or XTAi.004", &[]),
            ("", &[]),
        ];
        for (narrative, expected) in cases {
            let found: Vec<&str> = cited_references(narrative).collect();
            assert_eq!(found, *expected, "{narrative}");
        }
    }
}
