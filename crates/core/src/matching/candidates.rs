//! Step 2: find candidate mentions. The document's words are walked through
//! the two word tries of the index (basic keys and folded keys); every run of
//! words that spells a key, within one name (no punctuation that ends it), and
//! passes its alias's case rule becomes a candidate. Overlapping candidates
//! are all kept: `settle` chooses between them.

use crate::error::Result;
use crate::index::{AliasKind, CaseRule, Index, PatternSet, WordTrie};
use crate::matching::lower_case;
use crate::normalize::arabic::{self, Proclitic};
use crate::normalize::{CaseShape, NormalizedText, Token};
use crate::types::MatchKind;
use crate::work::{Interrupt, Work};

pub use super::score;

/// One entity a candidate may refer to, through one alias.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Choice {
    pub entity: u32,
    pub alias: u32,
    pub score: f32,
}

/// Why a candidate matched, beyond its alias.
#[derive(Debug, Clone, PartialEq)]
pub enum Evidence {
    /// An alias of the table, through the normalisation steps named.
    Alias,
    /// An alias, on an Arabic-script word printed with a glued proclitic or
    /// an inflectional ending (the span leaves the proclitic out).
    Affixed {
        proclitic: Option<&'static str>,
        ending: Option<&'static str>,
    },
    /// An acronym of the table spelled in Arabic-script letter names.
    SpelledAcronym,
    /// An alias within `distance` edits.
    Fuzzy { distance: u32 },
    /// A shorter form of a name resolved earlier in the document.
    Partial { antecedent: (usize, usize) },
    /// An acronym defined in the document next to a resolved name.
    DocumentAcronym { definition: (usize, usize) },
}

/// A possible mention: a token range and the entities it may refer to, best first.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// Token range, end exclusive.
    pub first: usize,
    pub end: usize,
    /// Byte range in the text.
    pub start_byte: usize,
    pub end_byte: usize,
    pub kind: MatchKind,
    pub evidence: Evidence,
    pub choices: Vec<Choice>,
    pub weak: bool,
    /// Written in lower case where the name's case rule wants capitals
    /// ("taliban", "pti was right"): stands only where the document also
    /// names the entity as a name.
    pub lower_case: bool,
}

impl Candidate {
    pub fn score(&self) -> f32 {
        self.choices.first().map_or(0.0, |c| c.score)
    }

    pub fn entity(&self) -> u32 {
        self.choices[0].entity
    }

    pub fn overlaps(&self, other: &Candidate) -> bool {
        self.first < other.end && other.first < self.end
    }
}

/// Candidates from both key sets, exact and normalised.
pub fn alias_candidates(
    index: &Index,
    doc: &NormalizedText,
    text: &str,
    interrupt: &Interrupt<'_>,
    work: &mut Work,
) -> Result<Vec<Candidate>> {
    let mut out = Vec::new();
    let mut scan_with = |patterns, key| {
        Scan {
            index,
            patterns,
            doc,
            text,
            key,
        }
        .run(interrupt, work, &mut out)
    };
    scan_with(&index.basic, Key::Basic)?;
    scan_with(&index.folded, Key::Folded)?;
    Ok(out)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Key {
    Basic,
    Folded,
}

/// One walk of a document's words through one key set's trie.
struct Scan<'s> {
    index: &'s Index,
    patterns: &'s PatternSet,
    doc: &'s NormalizedText,
    text: &'s str,
    key: Key,
}

impl Scan<'_> {
    fn run(
        &self,
        interrupt: &Interrupt<'_>,
        work: &mut Work,
        out: &mut Vec<Candidate>,
    ) -> Result<()> {
        let Scan {
            index,
            patterns,
            doc,
            text,
            key,
        } = *self;

        let key_of = |token: &Token| match key {
            Key::Basic => doc.basic_key(token),
            Key::Folded => doc.folded_key(token),
        };
        let trie = &patterns.words;
        let word_ids: Vec<Option<u32>> = doc.tokens.iter().map(|t| trie.word(key_of(t))).collect();
        // Arabic-script words that are a word of a name without a glued
        // proclitic or an inflectional ending. Also when the word as printed
        // is itself a word of some name: "طالبانو" is one of the Pashto name
        // of the Taliban's foreign ministry and still the Taliban inflected.
        let affixed: Vec<Affixed> = doc
            .tokens
            .iter()
            .map(|token| affixed_forms(trie, key_of(token), &text[token.start..token.end]))
            .collect();
        let mut hits = Vec::new();
        let mut paced = interrupt.paced();
        for first in 0..doc.tokens.len() {
            paced.at(doc.tokens[first].start)?;
            let starts = std::iter::once((word_ids[first], None)).chain(
                affixed[first]
                    .without_proclitic
                    .map(|(id, p)| (Some(id), Some(p))),
            );
            for (start_word, proclitic) in starts {
                let mut node = 0;
                for last in first..doc.tokens.len() {
                    work.trie_steps += 1;
                    // A name does not run on across punctuation that ends it.
                    if last > first && !doc.tokens[last - 1].joined_to_next {
                        break;
                    }
                    let affix = Affix {
                        proclitic,
                        ending: None,
                    };
                    // An inflected word ends the name: "د طالبانو".
                    let ending = if last == first && proclitic.is_some() {
                        affixed[first].without_both
                    } else if last == first {
                        affixed[first].without_ending
                    } else {
                        affixed[last].without_ending
                    };
                    if let Some((id, ending)) = ending {
                        if let Some(pattern) = trie.step(node, id).and_then(|n| trie.key_at(n)) {
                            hits.push((
                                first,
                                last,
                                pattern,
                                Affix {
                                    ending: Some(ending),
                                    ..affix
                                },
                            ));
                        }
                    }
                    let word = if last == first {
                        start_word
                    } else {
                        word_ids[last]
                    };
                    let Some(next) = word.and_then(|word| trie.step(node, word)) else {
                        break;
                    };
                    node = next;
                    if let Some(pattern) = trie.key_at(node) {
                        hits.push((first, last, pattern, affix));
                    }
                }
            }
        }
        // Letters Arabic lacks anywhere in the text: it is Persian, Urdu or
        // Pashto, whose writers had the name's letters at hand.
        let persian_letters = key == Key::Folded && arabic::has_letters_arabic_lacks(&doc.basic);
        let mut paced = interrupt.paced();
        for (first, last, pattern, affix) in hits {
            paced.at(doc.tokens[first].start)?;
            let tokens = &doc.tokens[first..=last];
            let start_byte = tokens[0].start
                + affix.proclitic.map_or(0, |p| {
                    arabic::printed_prefix_len(&text[tokens[0].start..tokens[0].end], p.outside)
                });
            let surface = &text[start_byte..tokens[tokens.len() - 1].end];
            // (entity, alias, kind, score): the best alias of each entity. A key
            // stands for a handful of aliases at most: a list beats a map.
            let mut by_entity: Vec<(u32, u32, MatchKind, f32)> = Vec::new();
            let mut lower_case_entities: Vec<u32> = Vec::new();
            for &alias_id in patterns.aliases_of(pattern) {
                let alias = &index.aliases[alias_id as usize];
                let lower_case = !case_rule_holds(alias.case, &alias.letters, tokens, text);
                if lower_case && !lower_case::allowed(alias, doc, text, first, last) {
                    continue;
                }
                // "LET US ACT", "WHAT IS LEFT": in an all-caps headline a
                // two-letter acronym is more likely a word.
                if alias.case == CaseRule::Exact
                    && alias.letters.chars().count() <= 2
                    && in_all_caps_context(doc, text, first, last)
                {
                    continue;
                }
                let (kind, score) = classify(alias.kind, &alias.surface, surface, tokens, key);
                let score = if affix.is_some() {
                    score * score::AFFIX_FACTOR
                } else {
                    score
                };
                let score = if alias.weak || lower_case {
                    score * score::WEAK_FACTOR
                } else {
                    score
                };
                match by_entity.iter_mut().find(|e| e.0 == alias.entity) {
                    Some(best) if score > best.3 => *best = (alias.entity, alias_id, kind, score),
                    Some(_) => {}
                    None => by_entity.push((alias.entity, alias_id, kind, score)),
                }
                if lower_case {
                    lower_case_entities.push(alias.entity);
                }
            }
            // A spelling that is exactly one entity's name (up to the basic
            // key) is that entity's, not a look-alike's the folding reaches
            // ("Kalat" of Balochistan is not "Qalat" of Zabul).
            if key == Key::Folded && !affix.is_some() {
                let written = &doc.basic[tokens[0].basic.0..tokens[tokens.len() - 1].basic.1];
                let spelt = |alias: u32| index.aliases[alias as usize].key == written;
                if by_entity.iter().any(|e| spelt(e.1)) {
                    by_entity.retain(|e| spelt(e.1));
                }
            }
            if by_entity.is_empty() {
                continue;
            }
            let mut choices: Vec<(Choice, MatchKind)> = by_entity
                .into_iter()
                .map(|(entity, alias, kind, score)| {
                    (
                        Choice {
                            entity,
                            alias,
                            score,
                        },
                        kind,
                    )
                })
                .collect();
            choices.sort_by(|a, b| {
                b.0.score
                    .total_cmp(&a.0.score)
                    .then(a.0.entity.cmp(&b.0.entity))
            });
            let kind = choices[0].1;
            let best = &index.aliases[choices[0].0.alias as usize];
            // One Arabic-script word that equals a native name only through
            // the letters another orthography writes, in a text whose own
            // letters show it could have written the name's ("چند", "some",
            // is not "جنڈ", Jand; Dari "وده" is not "وڈھ", Wadh), needs the
            // document's support, as a weak alias does. Arabic's "كراتشي"
            // for "کراچی" does not, nor a word in Pashto's own letters
            // ("خېبرپښتونخوا" for the Urdu "خیبرپختونخوا").
            let weak = best.weak
                || (key == Key::Folded
                    && best.kind == AliasKind::Native
                    && first == last
                    && persian_letters
                    && !arabic::has_pashto_letters(doc.basic_key(&tokens[0])));
            out.push(Candidate {
                first,
                end: last + 1,
                start_byte,
                end_byte: tokens[tokens.len() - 1].end,
                kind,
                evidence: if affix.is_some() {
                    Evidence::Affixed {
                        proclitic: affix.proclitic.map(|p| p.letters),
                        ending: affix.ending,
                    }
                } else {
                    Evidence::Alias
                },
                lower_case: lower_case_entities.contains(&choices[0].0.entity)
                    && !case_rule_holds(best.case, &best.letters, tokens, text),
                choices: choices.into_iter().map(|(c, _)| c).collect(),
                weak,
            });
        }
        Ok(())
    }
}

/// What was taken off a printed word to match it.
#[derive(Clone, Copy, Default)]
struct Affix {
    proclitic: Option<&'static Proclitic>,
    ending: Option<&'static str>,
}

impl Affix {
    fn is_some(&self) -> bool {
        self.proclitic.is_some() || self.ending.is_some()
    }
}

/// The trie words an Arabic-script word is without its affixes, if any.
#[derive(Default)]
struct Affixed {
    without_proclitic: Option<(u32, &'static Proclitic)>,
    without_ending: Option<(u32, &'static str)>,
    without_both: Option<(u32, &'static str)>,
}

fn affixed_forms(trie: &WordTrie, key: &str, printed: &str) -> Affixed {
    if !arabic::is_arabic_script(key) {
        return Affixed::default();
    }
    // Pashto's oblique of a noun in -ه ends in ې ("د حقاني شبکې", "الجزیرې"),
    // which the basic key writes ی.
    let oblique = printed.ends_with('ې');
    let ending_of = |word: &str| {
        arabic::ending_variants(word)
            .find_map(|(stem, ending)| Some((trie.word(stem)?, ending)))
            .or_else(|| {
                let stem = word.strip_suffix('ی').filter(|_| oblique)?;
                Some((trie.word(&format!("{stem}ه"))?, "ې"))
            })
    };
    let mut forms = Affixed {
        without_ending: ending_of(key),
        ..Affixed::default()
    };
    for (stem, proclitic) in arabic::proclitic_variants(key) {
        match trie.word(&stem) {
            Some(id) if forms.without_proclitic.is_none() => {
                forms.without_proclitic = Some((id, proclitic));
            }
            Some(_) => {}
            None if forms.without_both.is_none() => forms.without_both = ending_of(&stem),
            None => {}
        }
    }
    forms
}

fn classify(
    kind: AliasKind,
    alias: &str,
    surface: &str,
    tokens: &[Token],
    key: Key,
) -> (MatchKind, f32) {
    match kind {
        AliasKind::Acronym => {
            let all_upper = tokens.iter().all(|t| t.shape == CaseShape::Upper);
            let score = if all_upper {
                score::ACRONYM_UPPER
            } else {
                score::ACRONYM_TITLE
            };
            (MatchKind::Acronym, score)
        }
        AliasKind::Native if key == Key::Folded => {
            (MatchKind::NativeScript, score::NATIVE * score::AFFIX_FACTOR)
        }
        AliasKind::Native => (MatchKind::NativeScript, score::NATIVE),
        AliasKind::Canonical | AliasKind::Name if surface == alias => {
            let score = if kind == AliasKind::Canonical {
                score::CANONICAL_EXACT
            } else {
                score::ALIAS_EXACT
            };
            (MatchKind::Exact, score)
        }
        _ if key == Key::Folded => (MatchKind::Normalized, score::TRANSLITERATED),
        _ => (MatchKind::Normalized, score::NORMALIZED),
    }
}

/// Are the words around tokens `first..=last` all upper case (a shouted
/// headline)? Needs at least one neighbour, and every neighbour a word of two
/// letters or more in upper case.
fn in_all_caps_context(doc: &NormalizedText, text: &str, first: usize, last: usize) -> bool {
    let shouted = |i: usize| {
        let token = &doc.tokens[i];
        // Two letters are enough to know: a neighbour of a megabyte is not
        // counted through.
        token.shape == CaseShape::Upper
            && text[token.start..token.end]
                .chars()
                .filter(|c| c.is_alphabetic())
                .nth(1)
                .is_some()
    };
    let before = first
        .checked_sub(1)
        .filter(|&i| doc.tokens[i].joined_to_next);
    let after =
        (last + 1 < doc.tokens.len() && doc.tokens[last].joined_to_next).then_some(last + 1);
    match (before, after) {
        (None, None) => false,
        (before, after) => before.is_none_or(shouted) && after.is_none_or(shouted),
    }
}

/// Lower-case words inside a capitalised name.
const NAME_JOINERS: &[&str] = &["of", "the", "and", "for", "on", "in", "&"];

/// Does the text's case fit the alias's rule?
pub fn case_rule_holds(rule: CaseRule, letters: &str, tokens: &[Token], text: &str) -> bool {
    match rule {
        CaseRule::Any => true,
        // "Ministry of Finance": the small words of a name stay lower case.
        CaseRule::Capitalized => tokens.iter().enumerate().all(|(i, t)| {
            t.shape.is_capitalized()
                || (i > 0 && i + 1 < tokens.len() && NAME_JOINERS.contains(&&text[t.start..t.end]))
        }),
        CaseRule::Exact => {
            let written = tokens
                .iter()
                .flat_map(|t| text[t.start..t.end].chars())
                .filter(|c| c.is_alphanumeric());
            written.eq(letters.chars())
        }
        CaseRule::UpperOrTitle => tokens.iter().all(|t| {
            let length = text[t.start..t.end]
                .chars()
                .filter(|c| c.is_alphanumeric())
                .count();
            match t.shape {
                CaseShape::Upper | CaseShape::Uncased => true,
                CaseShape::Title => length >= 3,
                _ => false,
            }
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::normalize;

    #[test]
    fn case_rules_table() {
        let cases: &[(&str, CaseRule, &str, &str, bool)] = &[
            (
                "two-letter acronym exact",
                CaseRule::Exact,
                "US",
                "US",
                true,
            ),
            (
                "two-letter acronym lower",
                CaseRule::Exact,
                "US",
                "us",
                false,
            ),
            (
                "two-letter acronym title",
                CaseRule::Exact,
                "IS",
                "Is",
                false,
            ),
            ("dotted acronym", CaseRule::Exact, "US", "U.S.", true),
            (
                "long acronym upper",
                CaseRule::UpperOrTitle,
                "ISI",
                "ISI",
                true,
            ),
            (
                "long acronym title",
                CaseRule::UpperOrTitle,
                "ISI",
                "Isi",
                true,
            ),
            (
                "long acronym lower",
                CaseRule::UpperOrTitle,
                "ISI",
                "isi",
                false,
            ),
            (
                "hyphenated acronym title",
                CaseRule::UpperOrTitle,
                "ISISK",
                "Isis-K",
                true,
            ),
            (
                "one-letter part lower",
                CaseRule::UpperOrTitle,
                "ISISK",
                "Isis-k",
                false,
            ),
            (
                "two-letter part title",
                CaseRule::UpperOrTitle,
                "ISK",
                "Is-K",
                false,
            ),
            (
                "a weak name with its small words",
                CaseRule::Capitalized,
                "",
                "Ministry of Finance",
                true,
            ),
            (
                "a weak name in lower case",
                CaseRule::Capitalized,
                "",
                "ministry of finance",
                false,
            ),
            (
                "a weak name ending in a small word",
                CaseRule::Capitalized,
                "",
                "Ministry of",
                false,
            ),
            (
                "one-word name capitalised",
                CaseRule::Capitalized,
                "",
                "Turkey",
                true,
            ),
            (
                "one-word name lower",
                CaseRule::Capitalized,
                "",
                "turkey",
                false,
            ),
            (
                "one-word name upper",
                CaseRule::Capitalized,
                "",
                "TURKEY",
                true,
            ),
            (
                "multi-word name lower",
                CaseRule::Any,
                "",
                "islamic state",
                true,
            ),
        ];
        for (name, rule, letters, text, expected) in cases {
            let doc = normalize(text);
            assert_eq!(
                case_rule_holds(*rule, letters, &doc.tokens, text),
                *expected,
                "{name}"
            );
        }
    }
}
