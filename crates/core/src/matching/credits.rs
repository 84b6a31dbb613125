//! Wire and outlet credits: "(AP)", "— APP", "AFP reported", "told Reuters",
//! "confirmed the incident to Dawn", "Dawn.com".
//! There a short name that is weak elsewhere ("AP" is also Andhra Pradesh,
//! "APP" a word in title case) is the news agency or outlet, without other
//! support in the document.

use crate::index::Index;
use crate::matching::candidates::Candidate;

/// Tags of the entities a credit can name.
const MEDIA_TAGS: &[&str] = &["news-agency", "media"];

/// Words after a credited name.
const VERBS_AFTER: &[&str] = &[
    "reported",
    "reports",
    "reporting",
    "said",
    "quoted",
    "cited",
    "learned",
    "learnt",
    "photo",
];

/// Words before a credited name.
const WORDS_BEFORE: &[&str] = &["told", "by"];

/// Speech verbs before "to" and a credited name ("confirmed the incident to
/// Dawn", "speaking to AFP").
const SPOKE_TO: &[&str] = &[
    "confirmed",
    "said",
    "speaking",
    "spoke",
    "talking",
    "talked",
    "explained",
    "told",
];

/// How many words back a speech verb may stand before "to".
const SPOKE_TO_WINDOW: usize = 4;

/// "Dawn.com": the outlet's own site.
const SITE_SUFFIXES: &[&str] = &[".com", ".tv", ".pk", ".af", ".net"];

/// The mention names a news agency or outlet in the position of a credit.
pub fn credited(index: &Index, text: &str, mention: &Candidate) -> bool {
    let record = &index.entities[mention.entity() as usize].record;
    if !record.tags.iter().any(|t| MEDIA_TAGS.contains(&t.as_str())) {
        return false;
    }
    let before = text[..mention.start_byte].trim_end_matches([' ', '\t']);
    let after = text[mention.end_byte..].trim_start_matches([' ', '\t']);
    let in_parentheses = before.ends_with('(') && after.starts_with(')');
    // "— APP" closing a story or a line.
    let signed = before.ends_with(['—', '–', '-'])
        && after.chars().next().is_none_or(|c| c == '\n' || c == '.');
    let next_word: String = after.chars().take_while(|c| c.is_alphabetic()).collect();
    let previous_word: String = {
        let word: String = before
            .chars()
            .rev()
            .take_while(|c| c.is_alphabetic())
            .collect();
        word.chars().rev().collect()
    };
    let according = before.to_lowercase().ends_with("according to");
    // "Massoud Hossaini/AP": a photographer's credit.
    let photographer = before.ends_with('/')
        && before[..before.len() - 1]
            .chars()
            .next_back()
            .is_some_and(char::is_alphabetic);
    let spoke_to = previous_word.eq_ignore_ascii_case("to")
        && before[..before.len() - 2]
            .split_whitespace()
            .rev()
            .take(SPOKE_TO_WINDOW)
            .any(|w| SPOKE_TO.contains(&w.to_lowercase().as_str()));
    let site = SITE_SUFFIXES.iter().any(|suffix| {
        text[mention.end_byte..]
            .strip_prefix(suffix)
            .is_some_and(|rest| !rest.starts_with(|c: char| c.is_alphanumeric()))
    });
    in_parentheses
        || signed
        || according
        || spoke_to
        || site
        || photographer
        || VERBS_AFTER.contains(&next_word.as_str())
        || WORDS_BEFORE.contains(&previous_word.to_lowercase().as_str())
}
