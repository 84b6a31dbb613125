//! Step 2c: acronyms spelled out in Arabic-script letter names, as Urdu,
//! Pashto, Dari and Arabic print them ("ٹی ٹی پی", "ټي ټي پي", "اے ایف پی",
//! "تي تي بي"), spaced or joined: read as the Latin letters they name and
//! matched against the table's acronyms.

use crate::index::{AliasKind, Index};
use crate::matching::candidates::{Candidate, Choice, Evidence};
use crate::matching::score;
use crate::normalize::NormalizedText;
use crate::types::MatchKind;

/// Letter names in their basic-key spelling (ے ې ي fold to ی, آ to ا, ټ to
/// ٹ), with the Latin letters each may name: Arabic writes P as بي, so بی
/// is B or P; ای is A, E or I depending on the language.
#[rustfmt::skip]
const LETTER_NAMES: &[(&str, &str)] = &[
    ("ای", "aei"), ("ایه", "a"), ("ایی", "i"), ("بی", "bp"), ("پی", "p"), ("سی", "c"),
    ("ڈی", "d"), ("دی", "d"), ("جی", "gj"), ("جیه", "j"), ("ایف", "f"), ("اف", "f"),
    ("ایچ", "h"), ("اچ", "h"), ("اتش", "h"), ("کی", "k"), ("کیه", "k"), ("ایل", "l"),
    ("ال", "l"), ("ایم", "m"), ("ام", "m"), ("این", "n"), ("ان", "n"), ("او", "o"),
    ("کیو", "q"), ("ار", "r"), ("ایس", "s"), ("اس", "s"), ("ٹی", "t"), ("تی", "t"),
    ("یو", "u"), ("وی", "v"), ("فی", "v"), ("ڈبلیو", "w"), ("دبلیو", "w"), ("ایکس", "x"),
    ("اکس", "x"), ("وای", "y"), ("زیڈ", "z"), ("زد", "z"),
];

/// Letter names that are also common words ("او" is Pashto "and", "اس"
/// Urdu "this", "کی" and "سی" Urdu postpositions): a run of two letters
/// needs one that is not.
#[rustfmt::skip]
const ALSO_WORDS: &[&str] = &[
    "ای", "ان", "اس", "او", "کی", "سی", "دی", "ال", "ام", "وی", "یو", "جی", "بی", "فی", "ار", "اف",
];

/// Longest acronym read, in letters.
const MAX_LETTERS: usize = 6;
/// Readings tried per run: letter names with several readings multiply.
const MAX_READINGS: usize = 64;

fn letters_of(name: &str) -> Option<&'static str> {
    LETTER_NAMES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, l)| *l)
}

/// A joined spelling ("ټيټيپي") cut into letter names, if it is one.
fn split_joined(key: &str) -> Option<Vec<&'static str>> {
    if key.is_empty() {
        return Some(Vec::new());
    }
    // Longest name first; words are short, so the search stays small.
    let mut names: Vec<&(&str, &str)> = LETTER_NAMES
        .iter()
        .filter(|(n, _)| key.starts_with(n))
        .collect();
    names.sort_by_key(|(n, _)| std::cmp::Reverse(n.len()));
    names.into_iter().find_map(|(name, letters)| {
        let mut rest = split_joined(&key[name.len()..])?;
        rest.insert(0, letters);
        Some(rest)
    })
}

/// Every Latin reading of a run of letter names, up to `MAX_READINGS`.
fn readings(run: &[&str]) -> Vec<String> {
    let mut out = vec![String::new()];
    for letters in run {
        out = out
            .iter()
            .flat_map(|prefix| letters.chars().map(move |c| format!("{prefix}{c}")))
            .take(MAX_READINGS)
            .collect();
    }
    out
}

/// Candidates for the table's acronyms spelled in letter names.
pub fn spelled_acronym_candidates(
    index: &Index,
    doc: &NormalizedText,
    text: &str,
) -> Vec<Candidate> {
    let tokens = &doc.tokens;
    let names: Vec<Option<&'static str>> = tokens
        .iter()
        .map(|t| letters_of(doc.basic_key(t)))
        .collect();
    let mut out = Vec::new();
    let mut offer = |first: usize, end: usize, run: &[&str], words: &[&str]| {
        let common = words.iter().filter(|w| ALSO_WORDS.contains(w)).count();
        if run.len() < 2 || run.len() > MAX_LETTERS || (run.len() == 2 && common == 2) {
            return;
        }
        let trie = &index.basic.words;
        let mut choices: Vec<Choice> = Vec::new();
        for reading in readings(run) {
            let Some(pattern) = trie
                .word(&reading)
                .and_then(|w| trie.step(0, w))
                .and_then(|n| trie.key_at(n))
            else {
                continue;
            };
            for &alias_id in index.basic.aliases_of(pattern) {
                let alias = &index.aliases[alias_id as usize];
                if alias.kind != AliasKind::Acronym
                    || choices.iter().any(|c| c.entity == alias.entity)
                {
                    continue;
                }
                let base = score::ACRONYM_UPPER * score::AFFIX_FACTOR;
                let score = if alias.weak {
                    base * score::WEAK_FACTOR
                } else {
                    base
                };
                choices.push(Choice {
                    entity: alias.entity,
                    alias: alias_id,
                    score,
                });
            }
        }
        if choices.is_empty() {
            return;
        }
        choices.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.entity.cmp(&b.entity)));
        let weak = index.aliases[choices[0].alias as usize].weak;
        out.push(Candidate {
            first,
            end,
            start_byte: tokens[first].start,
            end_byte: tokens[end - 1].end,
            kind: MatchKind::Acronym,
            evidence: Evidence::SpelledAcronym,
            choices,
            weak,
            lower_case: false,
        });
        let _ = text;
    };
    // Spaced: runs of letter-name words, every sub-run of two or more.
    let mut first = 0;
    while first < tokens.len() {
        if names[first].is_none() {
            first += 1;
            continue;
        }
        let mut end = first + 1;
        while end < tokens.len() && names[end].is_some() && tokens[end - 1].joined_to_next {
            end += 1;
        }
        for a in first..end {
            for b in a + 2..=end.min(a + MAX_LETTERS) {
                let run: Vec<&str> = names[a..b].iter().flatten().copied().collect();
                let words: Vec<&str> = tokens[a..b].iter().map(|t| doc.basic_key(t)).collect();
                offer(a, b, &run, &words);
            }
        }
        first = end;
    }
    // Joined: one word made of letter names only.
    for (i, token) in tokens.iter().enumerate() {
        let key = doc.basic_key(token);
        if names[i].is_none() && crate::normalize::arabic::is_arabic_script(key) {
            if let Some(run) = split_joined(key).filter(|run| run.len() >= 3) {
                offer(i, i + 1, &run, &[key]);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letter_names_read_as_latin() {
        // (spelling, a reading it must have)
        let cases: &[(&str, &str)] = &[
            ("ٹی ٹی پی", "ttp"),
            ("ټي ټي پي", "ttp"),
            ("تي تي بي", "ttp"),
            ("اے ایف پی", "afp"),
            ("آئی ایس آئی", "isi"),
            ("آئی ایس پی آر", "ispr"),
            ("بی ایل اے", "bla"),
            ("اېف سي", "fc"),
        ];
        for (spelling, expected) in cases {
            let doc = crate::normalize::normalize(spelling);
            let run: Vec<&str> = doc
                .tokens
                .iter()
                .map(|t| {
                    letters_of(doc.basic_key(t))
                        .unwrap_or_else(|| panic!("{spelling}: {}", doc.basic_key(t)))
                })
                .collect();
            assert!(readings(&run).contains(&expected.to_string()), "{spelling}");
        }
        let joined = crate::normalize::basic_key("ټي‌ټي‌پي");
        let run = split_joined(&joined).expect("a joined spelling splits");
        assert!(readings(&run).contains(&"ttp".to_string()));
    }
}
