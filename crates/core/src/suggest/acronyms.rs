//! Acronyms a text defines: "Full Name Of Thing (ABC)" and
//! "ABC (Full Name Of Thing)".

use super::words::{classify, is_acronym, joined, words, Span, WordClass};

/// Longest bracketed text looked at, in bytes.
const MAX_BRACKET_BYTES: usize = 160;
/// Most words an expansion is looked for in, before the bracket.
const MAX_EXPANSION_WORDS: usize = 12;

/// One definition: where the acronym and its expansion are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Definition {
    pub acronym: Span,
    pub expansion: Span,
}

/// The definitions inside `sentence`.
pub fn definitions(text: &str, sentence: Span) -> Vec<Definition> {
    let all = words(text, sentence);
    let mut found = Vec::new();
    let piece = &text[sentence.0..sentence.1];
    for (at, _) in piece.match_indices('(') {
        let open = sentence.0 + at;
        let Some(length) = text[open + 1..sentence.1]
            .find([')', '('])
            .filter(|&l| l <= MAX_BRACKET_BYTES && text[open + 1 + l..].starts_with(')'))
        else {
            continue;
        };
        let close = open + 1 + length;
        let inner = trimmed(text, (open + 1, close));
        // The words before the bracket, up to it with nothing but spaces.
        let before: Vec<Span> = all.iter().copied().filter(|w| w.1 <= open).collect();
        let Some(&last) = before.last() else { continue };
        if !text[last.1..open].chars().all(|c| c == ' ') {
            continue;
        }
        let inner_text = &text[inner.0..inner.1];
        if is_acronym(inner_text) {
            if let Some(expansion) = expansion_before(text, &before, inner_text) {
                found.push(Definition {
                    acronym: inner,
                    expansion,
                });
            }
        } else if is_acronym(&text[last.0..last.1]) {
            let acronym = &text[last.0..last.1];
            let inside = words(text, inner);
            if inside.first().map(|w| w.0) == Some(inner.0)
                && inside.last().map(|w| w.1) == Some(inner.1)
                && is_expansion(text, &inside, acronym)
            {
                found.push(Definition {
                    acronym: last,
                    expansion: inner,
                });
            }
        }
    }
    found
}

fn trimmed(text: &str, (start, end): Span) -> Span {
    let piece = &text[start..end];
    let offset = start + (piece.len() - piece.trim_start().len());
    (offset, offset + piece.trim().len())
}

/// Initials of the capitalised parts of a name: "Tehrik-e-Taliban Pakistan"
/// gives "TTP".
fn initials(text: &str, words: &[Span]) -> String {
    words
        .iter()
        .flat_map(|w| text[w.0..w.1].split('-'))
        .filter_map(|part| part.chars().next().filter(|c| c.is_uppercase()))
        .collect()
}

fn first_letter(s: &str) -> Option<char> {
    s.chars().find(|c| c.is_alphabetic())
}

/// Whether `words`, joined by spaces, read as the expansion of `acronym`:
/// capitalised words and particles only, starting with a capital on the
/// acronym's first letter, at least two capital parts and not many more
/// than the acronym has letters.
fn is_expansion(text: &str, words: &[Span], acronym: &str) -> bool {
    let classes_fit = words.iter().all(|w| {
        matches!(
            classify(&text[w.0..w.1]),
            WordClass::Capitalised | WordClass::Particle | WordClass::Stop
        )
    }) && words.windows(2).all(|p| joined(text, p[0], p[1]));
    let capitals = initials(text, words);
    let letters = acronym.chars().filter(|c| c.is_alphabetic()).count();
    classes_fit
        && words.len() >= 2
        && classify(&text[words[0].0..words[0].1]) == WordClass::Capitalised
        && capitals.chars().next() == first_letter(acronym)
        && (2..=letters + 2).contains(&capitals.chars().count())
}

/// The longest run of words just before the bracket that reads as the
/// expansion of `acronym`.
fn expansion_before(text: &str, before: &[Span], acronym: &str) -> Option<Span> {
    // The run of name-like words that ends at the bracket.
    let mut first = before.len();
    while first > 0
        && before.len() - first < MAX_EXPANSION_WORDS
        && matches!(
            classify(&text[before[first - 1].0..before[first - 1].1]),
            WordClass::Capitalised | WordClass::Particle | WordClass::Stop
        )
        && (first == before.len() || joined(text, before[first - 1], before[first]))
    {
        first -= 1;
    }
    (first..before.len())
        .find(|&start| is_expansion(text, &before[start..], acronym))
        .map(|start| (before[start].0, before[before.len() - 1].1))
}

#[cfg(test)]
mod tests {
    use super::super::words::sentences;
    use super::*;

    #[test]
    fn definitions_table() {
        // (what it proves, text, (acronym, expansion) pairs)
        type Pairs = &'static [(&'static str, &'static str)];
        let cases: &[(&str, &str, Pairs)] = &[
            (
                "name then acronym",
                "Fighters of the Jaish ul Qahhar Front (JQF) attacked.",
                &[("JQF", "Jaish ul Qahhar Front")],
            ),
            (
                "acronym then name",
                "The JQF (Jaish ul Qahhar Front) attacked.",
                &[("JQF", "Jaish ul Qahhar Front")],
            ),
            (
                "hyphenated expansion",
                "Leaders of Tehrik-e-Nifaz Watan (TNW) met.",
                &[("TNW", "Tehrik-e-Nifaz Watan")],
            ),
            (
                "the expansion starts on the acronym's first letter",
                "Yesterday Kabul Police said the Hizb Sabz Army (HSA) had gone.",
                &[("HSA", "Hizb Sabz Army")],
            ),
            (
                "a bracketed word that is no acronym",
                "The Hizb Sabz Army (banned) struck.",
                &[],
            ),
            (
                "initials that do not fit",
                "The Hizb Sabz Army (QRX) struck.",
                &[],
            ),
            (
                "a lower-case expansion",
                "The HSA (a green army) struck.",
                &[],
            ),
            (
                "two definitions in one sentence",
                "The Hizb Sabz Army (HSA) and the JQF (Jaish Qahhar Front) met.",
                &[("HSA", "Hizb Sabz Army"), ("JQF", "Jaish Qahhar Front")],
            ),
            ("an unclosed bracket", "The Hizb Sabz Army (HSA", &[]),
        ];
        for (name, text, want) in cases {
            let mut got = Vec::new();
            for sentence in sentences(text) {
                for d in definitions(text, sentence) {
                    got.push((
                        &text[d.acronym.0..d.acronym.1],
                        &text[d.expansion.0..d.expansion.1],
                    ));
                }
            }
            assert_eq!(got, *want, "{name}");
        }
    }
}
