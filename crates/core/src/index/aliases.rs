//! From records to aliases: every name of an entity with the key and case
//! rule it matches under, the spelling variants of a name, and the check
//! that no two entities claim one key unless both say it is shared.

use std::collections::{BTreeSet, HashMap, HashSet};

use crate::error::TableError;
use crate::index::{Alias, AliasKind, CaseRule};
use crate::normalize::{basic_key, normalize};
use crate::table::{AliasTable, EntityRecord};

/// Every alias of one record, deduplicated by (basic key, kind).
pub(super) fn aliases_of(entity: u32, record: &EntityRecord, out: &mut Vec<Alias>) {
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
pub(super) fn check_collisions(
    table: &AliasTable,
    aliases: &[Alias],
    errors: &mut Vec<TableError>,
) {
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
