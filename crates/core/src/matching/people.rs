//! Step 4b: people's names in their context. A famous name is not claimed
//! where the text says the person is someone else: a shorter form inside a
//! longer name ("Justice Ejaz Ishaq Khan" is not Imran Khan's "Khan"), a
//! full name the table does not hold, which claims its own later surname
//! ("Javed Khan ... Khan said"), and a role that does not fit the entity
//! ("Swat pacer Imran Khan", "police official Ismail Khan").

use crate::index::Index;
use crate::matching::candidates::Candidate;
use crate::matching::inside::{in_a_headline, COMBINING_WORDS, FUNCTION_WORDS};
use crate::normalize::{CaseShape, NormalizedText, CALENDAR_WORDS};

/// The entity of a name the table does not hold.
pub const UNKNOWN: u32 = u32::MAX;

/// Longest unknown name read, in words.
const MAX_NAME_WORDS: usize = 5;

/// Titles and honorifics written before a name: a shorter form after one
/// is still the person's ("Mr Khan", "Gen Munir").
#[rustfmt::skip]
const TITLES: &[&str] = &[
    "mr", "mrs", "ms", "miss", "dr", "sir", "justice", "judge", "gen", "general", "lt", "col",
    "colonel", "maj", "major", "brig", "brigadier", "capt", "captain", "sheikh", "maulana",
    "mullah", "mulla", "mufti", "qari", "haji", "hafiz", "imam", "prof", "professor", "begum",
    "field", "marshal", "premier", "chairman", "chairperson", "speaker", "advocate", "barrister",
];

/// Roles written right before a name, each with the words an entity's tags
/// or notes must hold for the role to fit it; an empty list fits no entity
/// of the table (its people are not known as residents or drivers).
#[rustfmt::skip]
const ROLES: &[(&[&str], &[&str])] = &[
    (&["cricketer", "pacer", "paceman", "bowler", "batter", "batsman", "spinner", "wicketkeeper",
       "opener", "all-rounder", "rounder", "player", "footballer", "athlete", "boxer", "wrestler",
       "sprinter", "golfer", "striker", "goalkeeper"],
     &["cricket", "sport", "athlete", "player", "footballer"]),
    (&["constable", "policeman", "policewoman", "cop", "sho", "dsp", "asi", "inspector"],
     &["police"]),
    (&["actor", "actress", "singer", "musician", "filmmaker"], &["actor", "film", "singer", "music"]),
    (&["resident", "shopkeeper", "driver", "farmer", "labourer", "laborer", "vendor", "villager",
       "student", "schoolboy", "schoolgirl", "teenager", "shepherd", "passer-by", "tailor"],
     &[]),
];

/// Words after "police" that make it a role ("police official X").
const POLICE_ROLES: &[&str] = &[
    "official",
    "officer",
    "officers",
    "spokesman",
    "chief",
    "constable",
];

fn single_space(text: &str, doc: &NormalizedText, a: usize, b: usize) -> bool {
    text[doc.tokens[a].end..doc.tokens[b].start] == *" "
}

/// A capitalised word that could be part of a person's name.
fn name_word(doc: &NormalizedText, text: &str, i: usize) -> bool {
    let token = &doc.tokens[i];
    let word = doc.basic_key(token);
    matches!(token.shape, CaseShape::Title | CaseShape::Mixed)
        && text[token.start..token.end]
            .chars()
            .all(char::is_alphabetic)
        && !FUNCTION_WORDS.contains(&word)
        && !COMBINING_WORDS.contains(&word)
        && !TITLES.contains(&word)
        && !CALENDAR_WORDS.contains(&word)
}

/// Tokens `first..end` continue into a longer name: a capitalised name
/// word joined to them by one space on either side, outside a headline.
pub fn inside_a_longer_name(doc: &NormalizedText, text: &str, first: usize, end: usize) -> bool {
    let before =
        first > 0 && single_space(text, doc, first - 1, first) && name_word(doc, text, first - 1);
    let after = end < doc.tokens.len()
        && single_space(text, doc, end - 1, end)
        && name_word(doc, text, end);
    (before || after) && !in_a_headline(doc, text, first)
}

/// The end of a name the table does not hold that starts at `first`: two
/// to five capitalised name words joined by single spaces, before `limit`
/// (the next mention), outside a headline.
pub fn unknown_name_at(
    doc: &NormalizedText,
    text: &str,
    first: usize,
    limit: usize,
) -> Option<usize> {
    if !name_word(doc, text, first)
        || (first > 0
            && single_space(text, doc, first - 1, first)
            && name_word(doc, text, first - 1))
    {
        return None;
    }
    let mut end = first + 1;
    while end < limit
        && end - first < MAX_NAME_WORDS
        && single_space(text, doc, end - 1, end)
        && name_word(doc, text, end)
    {
        end += 1;
    }
    (end - first >= 2 && !in_a_headline(doc, text, first)).then_some(end)
}

/// The role right before a person's mention does not fit the entity.
pub fn role_does_not_fit(
    index: &Index,
    doc: &NormalizedText,
    text: &str,
    mention: &Candidate,
) -> bool {
    let Some(before) = mention.first.checked_sub(1) else {
        return false;
    };
    if !single_space(text, doc, before, mention.first) {
        return false;
    }
    let word = doc.basic_key(&doc.tokens[before]);
    let word_before = |i: usize| {
        i.checked_sub(1)
            .filter(|&j| single_space(text, doc, j, i))
            .map(|j| doc.basic_key(&doc.tokens[j]))
    };
    let needs: Option<&[&str]> =
        if POLICE_ROLES.contains(&word) && word_before(before) == Some("police") {
            Some(&["police"])
        } else {
            ROLES
                .iter()
                .find(|(roles, _)| roles.contains(&word))
                .map(|(_, needs)| *needs)
        };
    let Some(needs) = needs else {
        return false;
    };
    // "former cricketer Imran Khan" is the politician.
    if matches!(word_before(before), Some("former" | "ex")) {
        return false;
    }
    let record = &index.entities[mention.entity() as usize].record;
    let known_as = |keyword: &&str| {
        record.tags.iter().any(|t| t.contains(keyword))
            || record.notes.to_lowercase().contains(keyword)
    };
    !needs.iter().any(known_as)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::normalize;

    #[test]
    fn longer_names_and_unknown_names() {
        // (text, token of a one-word form, whether a longer name holds it)
        let inside: &[(&str, usize, bool)] = &[
            ("Justice Ejaz Ishaq Khan heard the plea.", 3, true),
            ("Mr Khan heard the plea.", 1, false),
            ("Later Khan said so.", 1, false),
            ("Javed Khan said so.", 1, true),
        ];
        for (text, at, expected) in inside {
            let doc = normalize(text);
            assert_eq!(
                inside_a_longer_name(&doc, text, *at, at + 1),
                *expected,
                "{text}"
            );
        }
        // (text, first token, end of the unknown name)
        let unknown: &[(&str, usize, Option<usize>)] = &[
            ("Police said Javed Khan was hurt.", 2, Some(4)),
            ("Justice Sardar Ejaz Ishaq Khan heard it.", 1, Some(5)),
            ("In Bannu police said so.", 0, None),
            ("Khan said so.", 0, None),
        ];
        for (text, first, expected) in unknown {
            let doc = normalize(text);
            let limit = doc.tokens.len();
            assert_eq!(
                unknown_name_at(&doc, text, *first, limit),
                *expected,
                "{text}"
            );
        }
    }
}
