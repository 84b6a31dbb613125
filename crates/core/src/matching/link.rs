//! Step 4: link within the document. What one mention says about others:
//! ambiguous aliases take the entity the rest of the document supports, weak
//! aliases need another mention of their entity, a person named in full lends
//! their surname (or other shorter form) to later mentions, and an acronym
//! defined in parentheses ("Balochistan Liberation Army (BLA)") stands for its
//! entity for the rest of the document.

use std::collections::HashMap;

use crate::error::Result;
use crate::index::Index;
use crate::matching::candidates::{score, Candidate, Choice, Evidence};
use crate::matching::fuzzy::MAX_FUZZY_WORD_LETTERS;
use crate::matching::people::{inside_a_longer_name, role_does_not_fit, unknown_name_at, UNKNOWN};
use crate::matching::support::{choose_among_shared, drop_unsupported_weak, offer_longer_named};
use crate::normalize::{CaseShape, NormalizedText};
use crate::types::{EntityType, MatchKind};
use crate::work::{Interrupt, Work};

/// Longest shorter form of a name, in words ("Bhutto Zardari").
const MAX_PARTIAL_WORDS: usize = 3;
/// A shorter form several people named before share: the latest of them
/// keeps this share of the score, the others `RIVAL_FORM_FACTOR`.
const SHARED_FORM_FACTOR: f32 = 0.9;
const RIVAL_FORM_FACTOR: f32 = 0.6;
/// Shortest surname that may be misspelt by one letter and still link.
const MIN_MISSPELT_SURNAME: usize = 7;
/// The same in Arabic script, which leaves short vowels unwritten: "ثناالله"
/// is seven letters where "Sanaullah" is nine.
const MIN_MISSPELT_SURNAME_ARABIC: usize = 6;

/// Words that never stand for a person on their own: titles, honorifics,
/// particles and given names too common to point at one person.
#[rustfmt::skip]
const NOT_A_PARTIAL_NAME: &[&str] = &[
    "mullah", "mulla", "maulana", "mawlawi", "maulvi", "molvi", "mufti", "hafiz", "qari", "haji",
    "hajji", "sheikh", "shaikh", "syed", "sayed", "sayyid", "said", "pir", "ustad", "ustaz", "amir",
    "emir", "mir", "malik", "sardar", "nawab", "qazi", "mirza", "khan", "shah", "gul", "sher",
    "ali", "hassan", "hasan", "hussain", "husain", "muhammad", "mohammad", "mohammed", "muhammed",
    "mohamed", "ahmad", "ahmed", "abdul", "abd", "abu", "ibn", "bin", "bint", "al", "el", "ul",
    "ur", "ud", "din", "uddin", "general", "gen", "president", "minister", "prime", "mr", "mrs",
    "ms", "dr", "sir", "lord", "saint", "the", "of", "van", "von", "de", "da", "michael", "john",
    "david", "james", "robert", "william", "richard", "thomas", "joseph", "joe", "mark", "peter",
    "paul", "george", "ned", "tom", "abdullah", "noor", "nur", "lt", "col",
    // the same in Arabic script (basic keys)
    "ملا", "مولوی", "مولانا", "قاری", "حافظ", "حاجی", "شیخ", "سید", "محمد", "احمد", "علی", "عبد",
    "الله", "امیر", "میر", "گل", "شاه", "مفتی", "خان", "نور", "عبدالله",
    // second halves of compound given names written apart ("سراج الدین")
    "الدین", "الرحمن", "الحق", "الرحیم",
];

/// Applies the document-level rules to settled candidates.
pub fn link(
    index: &Index,
    doc: &NormalizedText,
    text: &str,
    settled: Vec<Candidate>,
    interrupt: &Interrupt<'_>,
    work: &mut Work,
) -> Result<Vec<Candidate>> {
    let mut settled = settled;
    offer_longer_named(index, doc, &mut settled);
    let mut mentions = choose_among_shared(index, settled);
    drop_unsupported_weak(index, text, &mut mentions);
    link_partial_names_and_acronyms(index, doc, text, mentions, interrupt, work)
}

struct Antecedent {
    entity: u32,
    alias: u32,
    span: (usize, usize),
}

/// The shorter forms of the names resolved so far, with the one-word forms
/// also under their one-letter deletions, so a misspelt surname finds the
/// forms one edit away without comparing it with every form (which made a
/// document naming thousands of people quadratic).
#[derive(Default)]
struct ShorterForms {
    forms: HashMap<String, Antecedent>,
    /// Other people named earlier who share a form ("Sharif" after Nawaz
    /// and Shehbaz Sharif): (entity, alias), the latest first.
    rivals: HashMap<String, Vec<(u32, u32)>>,
    /// A one-word form, or it with one letter deleted -> the forms it comes from.
    near: HashMap<String, Vec<String>>,
}

impl ShorterForms {
    fn insert(&mut self, form: &str, antecedent: Antecedent) {
        let entity = antecedent.entity;
        let previous = self.forms.insert(form.to_string(), antecedent);
        let is_new = previous.is_none();
        if let Some(previous) = previous {
            let rivals = self.rivals.entry(form.to_string()).or_default();
            rivals.retain(|(other, _)| *other != entity && *other != previous.entity);
            if previous.entity != entity && previous.entity != UNKNOWN {
                rivals.insert(0, (previous.entity, previous.alias));
            }
        }
        if is_new && misspellable(form) {
            for variant in one_deletion_variants(form) {
                let forms = self.near.entry(variant).or_default();
                if !forms.iter().any(|f| f == form) {
                    forms.push(form.to_string());
                }
            }
        }
    }

    /// A one-word form one edit (a letter inserted, deleted, replaced or
    /// two swapped) from `key`, the first in order if several are.
    fn one_edit_from(&self, key: &str, work: &mut Work) -> Option<&Antecedent> {
        if !misspellable(key) {
            return None;
        }
        let mut best: Option<&str> = None;
        for variant in one_deletion_variants(key) {
            work.link_probes += 1;
            for form in self.near.get(&variant).into_iter().flatten() {
                if best.is_some_and(|b| b <= form.as_str()) {
                    continue;
                }
                work.link_edit_distances += 1;
                if strsim::osa_distance(form, key) == 1 {
                    best = Some(form);
                }
            }
        }
        best.and_then(|form| self.forms.get(form))
    }
}

/// A one-word form long enough to be misspelt and still link, and short
/// enough to be a word of a name.
fn misspellable(word: &str) -> bool {
    let letters = word.chars().take(MAX_FUZZY_WORD_LETTERS + 2).count();
    let shortest = if crate::normalize::arabic::is_arabic_script(word) {
        MIN_MISSPELT_SURNAME_ARABIC
    } else {
        MIN_MISSPELT_SURNAME
    };
    !word.contains(' ') && (shortest..=MAX_FUZZY_WORD_LETTERS + 1).contains(&letters)
}

/// `word` and every string made by deleting one of its letters. Two words
/// one edit apart always share one of these (a swap of two neighbours too:
/// deleting the same one of the pair from both leaves equal strings).
fn one_deletion_variants(word: &str) -> Vec<String> {
    let mut variants = vec![word.to_string()];
    for (at, c) in word.char_indices() {
        let mut variant = String::with_capacity(word.len());
        variant.push_str(&word[..at]);
        variant.push_str(&word[at + c.len_utf8()..]);
        variants.push(variant);
    }
    variants
}

fn link_partial_names_and_acronyms(
    index: &Index,
    doc: &NormalizedText,
    text: &str,
    mentions: Vec<Candidate>,
    interrupt: &Interrupt<'_>,
    work: &mut Work,
) -> Result<Vec<Candidate>> {
    let mut shorter_forms = ShorterForms::default();
    // A person is named again and again in one document: work out the
    // shorter forms of each written name once.
    let mut forms_of_name: HashMap<&str, Vec<String>> = HashMap::new();
    let mut acronyms: HashMap<String, Antecedent> = HashMap::new();
    let mut out: Vec<Candidate> = Vec::with_capacity(mentions.len());
    let mut next_mention = mentions.into_iter().peekable();
    let mut paced = interrupt.paced();
    let mut i = 0;
    while i < doc.tokens.len() {
        paced.at(doc.tokens[i].start)?;
        if let Some(mention) = next_mention.next_if(|m| m.first <= i) {
            let entity = &index.entities[mention.entity() as usize];
            let antecedent = |alias| Antecedent {
                entity: mention.entity(),
                alias,
                span: (mention.start_byte, mention.end_byte),
            };
            let alias = mention.choices[0].alias;
            let person = entity.entity_type == EntityType::Person;
            if person
                && mention.kind != MatchKind::PartialName
                && role_does_not_fit(index, doc, text, &mention)
            {
                // Someone else of the same name: their surname is theirs.
                for form in shorter_forms_of(&text[mention.start_byte..mention.end_byte]) {
                    shorter_forms.insert(
                        &form,
                        Antecedent {
                            entity: UNKNOWN,
                            ..antecedent(alias)
                        },
                    );
                }
                i = i.max(mention.end);
                continue;
            }
            if person && mention.kind != MatchKind::PartialName {
                let surface = &text[mention.start_byte..mention.end_byte];
                for name in [
                    entity.name.as_str(),
                    surface,
                    index.aliases[alias as usize].surface.as_str(),
                ] {
                    let forms = forms_of_name
                        .entry(name)
                        .or_insert_with(|| shorter_forms_of(name));
                    for form in forms.iter() {
                        shorter_forms.insert(form, antecedent(alias));
                    }
                }
            }
            // The acronym in the parentheses is the next token: the loop
            // links it like any later use.
            if let Some(letters) = defined_acronym(doc, text, &mention) {
                acronyms.insert(letters, antecedent(alias));
            }
            i = i.max(mention.end);
            out.push(mention);
            continue;
        }
        let limit = next_mention.peek().map_or(doc.tokens.len(), |m| m.first);
        if let Some(found) = partial_name_at(doc, text, i, limit, &shorter_forms, work) {
            i = found.end;
            out.push(found);
            continue;
        }
        if let Some(end) = unknown_name_at(doc, text, i, limit) {
            let span = (doc.tokens[i].start, doc.tokens[end - 1].end);
            for form in shorter_forms_of(&text[span.0..span.1]) {
                shorter_forms.insert(
                    &form,
                    Antecedent {
                        entity: UNKNOWN,
                        alias: 0,
                        span,
                    },
                );
            }
            i = end;
            continue;
        }
        let token = &doc.tokens[i];
        if let Some(antecedent) = acronyms.get(&text[token.start..token.end]) {
            out.push(Candidate {
                first: i,
                end: i + 1,
                start_byte: token.start,
                end_byte: token.end,
                kind: MatchKind::DocumentAcronym,
                evidence: Evidence::DocumentAcronym {
                    definition: antecedent.span,
                },
                choices: vec![Choice {
                    entity: antecedent.entity,
                    alias: antecedent.alias,
                    score: score::DOCUMENT_ACRONYM,
                }],
                weak: false,
                lower_case: false,
            });
        }
        i += 1;
    }
    out.sort_by_key(|m| m.start_byte);
    Ok(out)
}

/// Shorter forms of a person's name: every run of up to three of its words,
/// shorter than the whole, that is not just titles or common given names.
/// Forms are folded keys, so "Hikmatyar" after "Gulbuddin Hekmatyar" is
/// compared on the same footing as the names of the table.
fn shorter_forms_of(name: &str) -> Vec<String> {
    let normalized = crate::normalize::normalize(name);
    let words: Vec<&str> = normalized
        .tokens
        .iter()
        .map(|t| normalized.basic_key(t))
        .collect();
    let folded: Vec<&str> = normalized
        .tokens
        .iter()
        .map(|t| normalized.folded_key(t))
        .collect();
    let mut forms = Vec::new();
    for length in 1..words.len().min(MAX_PARTIAL_WORDS + 1) {
        for start in 0..=words.len() - length {
            let run = &words[start..start + length];
            // A title or common given name stands for nobody, except as the
            // surname itself: "Khan" for Imran Khan, not for Amir Khan Muttaqi.
            let is_surname = start + length == words.len();
            let generic = |w: &&str| {
                (NOT_A_PARTIAL_NAME.contains(w) && !(is_surname && length == 1))
                    || w.chars().count() < 3
            };
            if run.iter().all(generic) {
                continue;
            }
            if length < words.len() {
                forms.push(folded[start..start + length].join(" "));
            }
        }
    }
    forms
}

/// Arabic script has no capitals: a word of it may be a later short form
/// ("خان" after "عمران خان"); digits may not.
fn arabic_script(doc: &NormalizedText, token: &crate::normalize::Token) -> bool {
    crate::normalize::arabic::is_arabic_script(doc.basic_key(token))
}

fn partial_name_at(
    doc: &NormalizedText,
    text: &str,
    i: usize,
    limit: usize,
    shorter_forms: &ShorterForms,
    work: &mut Work,
) -> Option<Candidate> {
    if shorter_forms.forms.is_empty() {
        return None;
    }
    let longest = MAX_PARTIAL_WORDS.min(limit - i);
    for length in (1..=longest).rev() {
        if !doc.is_contiguous(i, i + length) {
            continue;
        }
        let tokens = &doc.tokens[i..i + length];
        if !tokens.iter().all(|t| {
            t.shape.is_capitalized() && (t.shape != CaseShape::Uncased || arabic_script(doc, t))
        }) {
            continue;
        }
        if inside_a_longer_name(doc, text, i, i + length) {
            continue;
        }
        let key = &doc.folded[tokens[0].folded.0..tokens[length - 1].folded.1];
        work.link_probes += 1;
        let (antecedent, score) = match shorter_forms.forms.get(key) {
            Some(antecedent) if length > 1 => (antecedent, score::PARTIAL_MULTI_WORD),
            Some(antecedent) => (antecedent, score::PARTIAL_ONE_WORD),
            // A hurried misspelling of a long surname ("Akhundzda" after
            // "Hibatullah Akhundzada"): one edit, words of seven letters or more.
            None if length == 1 => {
                // The first form in order wins, whatever the map's order.
                let Some(antecedent) = shorter_forms.one_edit_from(key, work) else {
                    continue;
                };
                (antecedent, score::PARTIAL_MISSPELT)
            }
            None => continue,
        };
        if antecedent.entity == UNKNOWN {
            return None;
        }
        // Shared by several people named before: the latest first, all
        // offered, none sure.
        let rivals = shorter_forms.rivals.get(key).map_or(&[][..], Vec::as_slice);
        let mut choices = vec![Choice {
            entity: antecedent.entity,
            alias: antecedent.alias,
            score: if rivals.is_empty() {
                score
            } else {
                score * SHARED_FORM_FACTOR
            },
        }];
        choices.extend(rivals.iter().map(|&(entity, alias)| Choice {
            entity,
            alias,
            score: score * RIVAL_FORM_FACTOR,
        }));
        return Some(Candidate {
            first: i,
            end: i + length,
            start_byte: tokens[0].start,
            end_byte: tokens[length - 1].end,
            kind: MatchKind::PartialName,
            evidence: Evidence::Partial {
                antecedent: antecedent.span,
            },
            choices,
            weak: false,
            lower_case: false,
        });
    }
    None
}

/// "Balochistan Liberation Army (BLA)": the acronym right after a mention, in
/// parentheses, in upper case, whose letters appear in order in the name.
fn defined_acronym(doc: &NormalizedText, text: &str, mention: &Candidate) -> Option<String> {
    let token_index = mention.end;
    let token = doc.tokens.get(token_index)?;
    if text[mention.end_byte..token.start].trim() != "(" {
        return None;
    }
    let after = doc
        .tokens
        .get(token_index + 1)
        .map_or(text.len(), |t| t.start);
    if !text[token.end..after].trim_start().starts_with(')') {
        return None;
    }
    let acronym = &text[token.start..token.end];
    let letters = acronym.chars().filter(|c| c.is_alphanumeric()).count();
    // Upper case ("BLA"), or mixed with inner capitals ("LeI", "JeM").
    let capitals = acronym.chars().filter(|c| c.is_uppercase()).count();
    let shaped =
        token.shape == CaseShape::Upper || (token.shape == CaseShape::Mixed && capitals >= 2);
    if !shaped || !(2..=8).contains(&letters) {
        return None;
    }
    let name: Vec<char> = text[mention.start_byte..mention.end_byte]
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_uppercase)
        .collect();
    let wanted: Vec<char> = acronym
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_uppercase)
        .collect();
    if name.first() != wanted.first() {
        return None;
    }
    let mut rest = name.iter();
    let in_order = wanted.iter().all(|w| rest.any(|c| c == w));
    in_order.then(|| acronym.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The scan the deletion index replaces: every form compared with a
    /// key long enough to be misspelt, the first in order of those one
    /// edit away.
    fn one_edit_by_scan<'f>(forms: &'f [String], key: &str) -> Option<&'f str> {
        if !misspellable(key) {
            return None;
        }
        forms
            .iter()
            .filter(|form| misspellable(form) && strsim::osa_distance(form, key) == 1)
            .map(String::as_str)
            .min()
    }

    #[test]
    fn the_deletion_index_finds_what_the_scan_found() {
        let mut state: u64 = 11;
        let mut next = |below: u64| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) % below
        };
        // Few letters, so that forms and keys are often one edit apart.
        let letters = ['a', 'b', 'k', 'h', 'ā', 'ی'];
        let word = |next: &mut dyn FnMut(u64) -> u64| -> String {
            let length = 6 + next(4) as usize;
            (0..length)
                .map(|_| letters[next(letters.len() as u64) as usize])
                .collect()
        };
        for round in 0..300 {
            let mut forms: Vec<String> = (0..1 + next(12)).map(|_| word(&mut next)).collect();
            forms.push("two words".to_string());
            let mut index = ShorterForms::default();
            for (n, form) in forms.iter().enumerate() {
                let antecedent = Antecedent {
                    entity: n as u32,
                    alias: 0,
                    span: (0, 0),
                };
                index.insert(form, antecedent);
            }
            for _ in 0..20 {
                // A key near a form: one letter changed, dropped, added or
                // two swapped, or an unrelated word.
                let base: Vec<char> = forms[next(forms.len() as u64 - 1) as usize]
                    .chars()
                    .collect();
                let mut key = base.clone();
                let at = next(key.len() as u64 - 1) as usize;
                match next(5) {
                    0 => key[at] = letters[next(letters.len() as u64) as usize],
                    1 => {
                        key.remove(at);
                    }
                    2 => key.insert(at, letters[next(letters.len() as u64) as usize]),
                    3 => key.swap(at, at + 1),
                    _ => key = word(&mut next).chars().collect(),
                }
                let key: String = key.into_iter().collect();
                let expected = one_edit_by_scan(&forms, &key).map(|form| index.forms[form].entity);
                let got = index
                    .one_edit_from(&key, &mut Work::default())
                    .map(|a| a.entity);
                assert_eq!(got, expected, "round {round}: {key} among {forms:?}");
            }
        }
    }

    #[test]
    fn shorter_forms_table() {
        let cases: &[(&str, &[&str], &[&str])] = &[
            ("Munir Akram", &["akram", "munir"], &["munir akram"]),
            (
                "Bilawal Bhutto Zardari",
                &["zardari", "bhuto zardari", "bilawal"],
                &["bilawal bhuto zardari"],
            ),
            (
                "Amir Khan Muttaqi",
                &["mutaki", "khan mutaki"],
                &["khan", "amir", "amir khan"],
            ),
            ("Mullah Omar", &["omar"], &["mullah"]),
            ("Michael E. Kurilla", &["kurila"], &["michael", "e"]),
            ("Imran Khan", &["khan", "imran"], &[]),
        ];
        for (name, present, absent) in cases {
            let forms = shorter_forms_of(name);
            for form in *present {
                assert!(
                    forms.contains(&form.to_string()),
                    "{name}: {form} missing from {forms:?}"
                );
            }
            for form in *absent {
                assert!(
                    !forms.contains(&form.to_string()),
                    "{name}: {form} should not be in {forms:?}"
                );
            }
        }
    }
}
