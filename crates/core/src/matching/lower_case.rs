//! Names written in lower case where their case rule wants capitals, as
//! posts write them ("pti was right", "taliban are back").

use crate::index::{Alias, CaseRule};
use crate::normalize::{CaseShape, NormalizedText};

/// Bytes looked at on each side for the sentence around a lower-case name.
const SENTENCE_WINDOW: usize = 300;

/// Names and longer acronyms written all in lower case, where their case
/// rule asks for capitals, in a sentence or quote that writes nothing in
/// capitals (a post: "pti was right", "taliban are back"). Never two-letter
/// acronyms nor weak names ("us", "is", "tip" stay words), and not in
/// ordinary prose, where "turkey" and "swat" are words.
pub fn allowed(alias: &Alias, doc: &NormalizedText, text: &str, first: usize, last: usize) -> bool {
    let tokens = &doc.tokens;
    let all_lower = tokens[first..=last]
        .iter()
        .all(|t| t.shape == CaseShape::Lower);
    let letters = tokens[first..=last]
        .iter()
        .flat_map(|t| text[t.start..t.end].chars())
        .filter(|c| c.is_alphabetic())
        .count();
    if !(all_lower
        && !alias.weak
        && letters >= 3
        && matches!(alias.case, CaseRule::Capitalized | CaseRule::UpperOrTitle))
    {
        return false;
    }
    let boundary = |c: char| matches!(c, '.' | '!' | '?' | '"' | '\u{201c}' | '\u{201d}' | '\n');
    let (start, end) = (tokens[first].start, tokens[last].end);
    let mut from = start.saturating_sub(SENTENCE_WINDOW);
    while !text.is_char_boundary(from) {
        from += 1;
    }
    let mut to = (end + SENTENCE_WINDOW).min(text.len());
    while !text.is_char_boundary(to) {
        to -= 1;
    }
    let sentence_start = text[from..start]
        .rfind(boundary)
        .map_or(from, |at| from + at);
    let sentence_end = text[end..to].find(boundary).map_or(to, |at| end + at);
    let first_in = tokens[..first].partition_point(|t| t.start < sentence_start);
    !tokens[first_in..]
        .iter()
        .take_while(|t| t.end <= sentence_end)
        .any(|t| {
            matches!(
                t.shape,
                CaseShape::Title | CaseShape::Upper | CaseShape::Mixed
            ) && text[t.start..t.end].chars().any(char::is_alphabetic)
        })
}
