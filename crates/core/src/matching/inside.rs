//! Step 3b: a place name inside a longer name is not a mention of the
//! place. "Virgin Australia", "the Sweden Democrats", "Bayern Munich",
//! "Paris Saint-Germain", "the U.S. Open", "Jordan Henderson": the table
//! knows the place, not the airline, party, club, tournament or person, and
//! returning the place would claim a mention that is not there. A name the
//! table holds whole ("Peshawar High Court", "Sindh Police") is a candidate
//! of its own and has already won over the place when overlaps were settled.
//!
//! A neighbouring word extends the name when it is capitalised, joined to
//! the place by a space alone, and neither part of another candidate nor a
//! word that places combine with without becoming another name (points of
//! the compass, administrative units, governments and their offices, titles,
//! days and months (`normalize::CALENDAR_WORDS`): "Southern Punjab", "Kabul province", "Pakistan Army",
//! "US President"), nor a demonym of the table ("Pakistani Punjab"), nor a
//! function word capitalised by its place in the sentence ("In Kabul"). In
//! a headline every word is capitalised, so there the rule does not apply.

use crate::index::Index;
use crate::matching::candidates::Candidate;
use crate::normalize::{CaseShape, NormalizedText};
use crate::types::EntityType;

/// Words that combine with a place name without making a new name of it.
#[rustfmt::skip]
pub(crate) const COMBINING_WORDS: &[&str] = &[
    // compass and position
    "north", "south", "east", "west", "northern", "southern", "eastern", "western", "central",
    "upper", "lower", "northeast", "northwest", "southeast", "southwest", "northeastern",
    "northwestern", "southeastern", "southwestern", "inner", "outer", "mid",
    // administrative units and places
    "province", "provinces", "provincial", "district", "districts", "city", "town", "village",
    "valley", "division", "tehsil", "agency", "region", "regions", "area", "areas", "state",
    "territory", "capital", "border", "borders", "frontier", "country", "countries", "nation",
    "metropolitan", "sector", "zone", "camp", "camps", "pass", "river", "crossing",
    // states and governments, forces and their people
    "republic", "kingdom", "emirate", "emirates", "sultanate", "federation", "commonwealth",
    "government", "govt", "army", "armed", "military", "police", "force", "forces", "navy", "air",
    "security", "intelligence", "president", "presidential", "prime", "minister", "ministry",
    "ministers", "foreign", "interior", "defence", "defense", "embassy", "consulate", "ambassador",
    "envoy", "office", "officials", "official", "authorities", "cabinet", "parliament",
    "parliamentary", "senate", "administration", "chief", "chiefs", "commander", "governor",
    "mayor", "spokesman", "spokesperson", "delegation", "team", "national", "federal", "leader",
    "leaders", "people", "troops", "soldiers", "secretary", "department", "commerce", "trade",
    "treasury", "justice", "finance", "deputy", "vice", "attorney", "special", "representative",
    "senator", "congress", "lawmakers", "fighters", "militants", "taliban", "regional",
    // the region's police and district offices, by their acronyms ("Kurram DHO", "Paharpur SP")
    "sp", "ssp", "dsp", "asp", "dpo", "rpo", "cpo", "ccpo", "dho", "dc", "adc", "ac", "dig", "igp",
    "ig", "sho",
];

/// Words capitalised at the start of a sentence (or in a title) that never
/// begin a name ("In Kabul").
#[rustfmt::skip]
pub(crate) const FUNCTION_WORDS: &[&str] = &[
    "in", "on", "at", "for", "from", "to", "by", "with", "the", "a", "an", "and", "but", "or", "of",
    "as", "after", "before", "since", "during", "across", "near", "inside", "outside", "over",
    "under", "while", "when", "where", "if", "than", "like", "about", "against", "between", "into",
    "through", "towards", "toward", "upon", "via", "within", "without", "its", "their", "his",
    "her", "our", "this", "that", "these", "those", "all", "both", "every", "each", "some", "most",
    "many", "neither", "either", "not", "only", "also", "even", "yet", "so", "then", "now", "there",
    "here", "what", "which", "who", "why", "how", "once", "until", "unlike", "beyond", "throughout",
    "around", "behind", "although", "though", "because", "however", "meanwhile", "despite", "still",
    "thus", "indeed", "yesterday", "tomorrow", "tonight", "earlier", "later", "last", "next",
    "whether", "unless", "whereas", "already", "again", "perhaps", "instead", "overall",
    "elsewhere", "finally", "eventually", "recently", "currently", "separately", "moreover",
    "nevertheless", "therefore", "new", "former", "top", "senior", "one", "two", "three", "four",
    "five", "first", "second", "third",
];

/// Heads of organisations' names that take their country or city after "of"
/// ("Bank of Japan", "Liberal Party of Canada", "Supreme Court of Canada",
/// "Brothers of Italy", "University of Peshawar"). Offices and governments
/// are not among them: "Government of Pakistan", "President of Afghanistan"
/// and "people of Balochistan" mention the place.
#[rustfmt::skip]
const ORGANISATION_HEADS: &[&str] = &[
    "bank", "banks", "party", "court", "brothers", "sisters", "sons", "daughters", "university",
    "college", "institute", "institutes", "academy", "association", "union", "church", "museum",
    "society", "chamber", "club", "corporation", "company", "league", "front", "movement",
    "foundation", "school", "hospital", "council", "commission", "exchange", "orchestra", "opera",
    "service",
];

/// Drops place mentions that a capitalised neighbour extends into a longer
/// name, places after "of" in an organisation's name, inside a name that
/// an acronym in brackets spells out, in a treaty's or a court case's name,
/// currencies ("US$") and stock tickers ("US:NFLX").
pub fn drop_places_inside_longer_names(
    index: &Index,
    doc: &NormalizedText,
    text: &str,
    mentions: &mut Vec<Candidate>,
) {
    let mut covered = vec![false; doc.tokens.len()];
    for mention in mentions.iter() {
        for slot in &mut covered[mention.first..mention.end] {
            *slot = true;
        }
    }
    mentions.retain(|m| {
        let place = m
            .choices
            .iter()
            .all(|c| index.entities[c.entity as usize].entity_type == EntityType::Location);
        !(place
            && (currency(&text[m.end_byte..])
                || ticker(&text[m.end_byte..])
                || names_a_treaty(doc, text, m.end)
                || a_state_naming_its_city(index, doc, text, m)
                || a_party_to_a_case(doc, text, &covered, m.first, m.end)
                || in_a_name_its_acronym_spells(text, m.start_byte, m.end_byte)
                || after_an_organisation_head(doc, text, &covered, m.first)
                || extended_by_a_neighbour(index, doc, text, &covered, m.first, m.end)))
    });
}

/// "US$121": a currency, not the country.
fn currency(rest: &str) -> bool {
    rest.starts_with('$')
}

/// "US:NFLX", "LSE:VOD": an exchange's prefix to a ticker symbol.
fn ticker(rest: &str) -> bool {
    let mut chars = rest.chars();
    chars.next() == Some(':') && chars.next().is_some_and(|c| c.is_ascii_uppercase())
}

/// "the Oslo accords", "the Helsinki accords": a treaty named after the
/// city where it was signed. (Capitalised, "Oslo Accords" is a longer name
/// for `extended_by_a_neighbour`.)
fn names_a_treaty(doc: &NormalizedText, text: &str, end: usize) -> bool {
    let tokens = &doc.tokens;
    end < tokens.len()
        && text[tokens[end - 1].end..tokens[end].start] == *" "
        && doc.basic_key(&tokens[end]) == "accords"
}

/// "Kansas City", "Oklahoma City": a city named after a state is another
/// place. (The region's provinces and their capitals of the same name are one
/// entity, "Kabul City" among them, and are not states.)
fn a_state_naming_its_city(index: &Index, doc: &NormalizedText, text: &str, m: &Candidate) -> bool {
    let tokens = &doc.tokens;
    m.end < tokens.len()
        && text[tokens[m.end - 1].end..tokens[m.end].start] == *" "
        && text[tokens[m.end].start..tokens[m.end].end] == *"City"
        && m.choices.iter().all(|c| {
            index.entities[c.entity as usize]
                .record
                .tags
                .first()
                .map(String::as_str)
                == Some("state")
        })
}

/// "Carter v. Canada": a party to a court case, whose other party is a name
/// the table does not hold. (Sport writes "Pakistan v India", both teams
/// known, and rarely with the full stop.)
fn a_party_to_a_case(
    doc: &NormalizedText,
    text: &str,
    covered: &[bool],
    first: usize,
    end: usize,
) -> bool {
    let tokens = &doc.tokens;
    let versus = |v: usize, before: usize, after: usize| {
        text[tokens[v].start..tokens[v].end] == *"v"
            && text[tokens[before].end..tokens[v].start] == *" "
            && text[tokens[v].end..tokens[after].start] == *". "
    };
    let other_party = |t: usize| !covered[t] && tokens[t].shape.is_capitalized();
    let before = first >= 2 && versus(first - 1, first - 2, first) && other_party(first - 2);
    let after = end + 1 < tokens.len() && versus(end, end - 1, end + 1) && other_party(end + 1);
    before || after
}

/// Small words that an acronym skips ("Bank of England", BoE is the
/// exception that proves nothing; "Tehrik-i-Taliban Pakistan", TTP).
const ACRONYM_SKIPS: &[&str] = &["of", "the", "and", "for", "in", "on", "e", "i", "ul", "al"];

/// Bytes looked at before the bracket for the words an acronym spells.
const ACRONYM_WINDOW: usize = 160;

/// "the New Nigeria People's Party (NNPP)": the words before the bracket,
/// whose initials the acronym spells, are one name, longer than the place
/// inside it. The text defines the name itself, whatever its capitals.
fn in_a_name_its_acronym_spells(text: &str, start: usize, end: usize) -> bool {
    let rest = &text[end..];
    let Some(open) = rest.find('(') else {
        return false;
    };
    let between = &rest[..open];
    if open > ACRONYM_WINDOW
        || !between
            .chars()
            .all(|c| c.is_alphabetic() || matches!(c, ' ' | '-' | '\'' | '’'))
    {
        return false;
    }
    let Some(close) = rest[open..].find(')') else {
        return false;
    };
    let acronym = &rest[open + 1..open + close];
    if !(2..=10).contains(&acronym.len()) || !acronym.bytes().all(|b| b.is_ascii_uppercase()) {
        return false;
    }
    let bracket = end + open;
    let mut from = start.saturating_sub(ACRONYM_WINDOW);
    while !text.is_char_boundary(from) {
        from += 1;
    }
    // The words before the bracket, last first, each with its byte start.
    let mut words: Vec<(usize, &str)> = Vec::new();
    let mut word_end = bracket;
    for (at, c) in text[from..bracket].char_indices().rev() {
        let at = from + at;
        if matches!(c, ' ' | '-') {
            if at + c.len_utf8() < word_end {
                words.push((at + c.len_utf8(), &text[at + c.len_utf8()..word_end]));
            }
            word_end = at;
        }
    }
    let mut letters = acronym.chars().rev().peekable();
    for (word_start, word) in words {
        if !word
            .chars()
            .all(|c| c.is_alphabetic() || matches!(c, '\'' | '’'))
        {
            return false;
        }
        let initial = word.chars().next().unwrap_or(' ');
        if initial.is_uppercase() {
            if letters.next() != Some(initial) {
                return false;
            }
            if letters.peek().is_none() {
                // The name covers the place and is longer than it.
                return word_start <= start && (word_start < start || bracket > end + 1);
            }
        } else if !ACRONYM_SKIPS.contains(&word) {
            return false;
        }
    }
    false
}

/// "Bank of Japan": the place follows "of" and a capitalised head of an
/// organisation's name that no other candidate covers. Headlines are no
/// exception here: the head noun says it, not the capital letter.
fn after_an_organisation_head(
    doc: &NormalizedText,
    text: &str,
    covered: &[bool],
    place: usize,
) -> bool {
    let tokens = &doc.tokens;
    let (Some(of), Some(head)) = (place.checked_sub(1), place.checked_sub(2)) else {
        return false;
    };
    let single_spaces = |a: usize, b: usize| text[tokens[a].end..tokens[b].start] == *" ";
    doc.basic_key(&tokens[of]) == "of"
        && single_spaces(of, place)
        && single_spaces(head, of)
        && !covered[head]
        && tokens[head].shape.is_capitalized()
        && ORGANISATION_HEADS.contains(&doc.basic_key(&tokens[head]))
}

/// Particles of Romance and Germanic names that join two capitalised words
/// into one name ("Tour de France", "Stade de France"). Not "of": sport
/// writes "Muguruza of Spain" as often as politics "Party of Canada".
#[rustfmt::skip]
const NAME_PARTICLES: &[&str] = &[
    "de", "du", "des", "la", "le", "del", "della", "di", "da", "van", "von",
];

fn extended_by_a_neighbour(
    index: &Index,
    doc: &NormalizedText,
    text: &str,
    covered: &[bool],
    place: usize,
    end: usize,
) -> bool {
    let tokens = &doc.tokens;
    let extends = |neighbour: usize| {
        let token = &tokens[neighbour];
        let word = doc.basic_key(token);
        !covered[neighbour]
            && matches!(
                token.shape,
                CaseShape::Title | CaseShape::Upper | CaseShape::Mixed
            )
            && token.start < token.end
            && text[token.start..token.end]
                .chars()
                .any(char::is_alphabetic)
            && !COMBINING_WORDS.contains(&word)
            // "Texas A&M": a letter joined by an ampersand is not the article.
            && (!FUNCTION_WORDS.contains(&word) || text[token.end..].starts_with('&'))
            // wire style: "Islamabad Tuesday"
            && !crate::normalize::CALENDAR_WORDS.contains(&word)
            && !index.not_words.contains(doc.folded_key(token))
    };
    let spaces_only = |from: usize, to: usize| {
        let gap = &text[from..to];
        !gap.is_empty() && gap.chars().all(|c| c == ' ')
    };
    let capitalised_before = |next: usize| {
        next.checked_sub(1).is_some_and(|previous| {
            spaces_only(tokens[previous].end, tokens[next].start) && extends(previous)
        })
    };
    let particle_before = place.checked_sub(1).is_some_and(|particle| {
        NAME_PARTICLES.contains(&doc.basic_key(&tokens[particle]))
            && tokens[particle].shape == CaseShape::Lower
            && spaces_only(tokens[particle].end, tokens[place].start)
            && capitalised_before(particle)
    });
    let last = end - 1;
    let after = end < tokens.len()
        && !possessive(&text[tokens[last].end..])
        && spaces_only(tokens[last].end, tokens[end].start)
        && extends(end);
    (capitalised_before(place) || particle_before || after)
        && !in_a_headline(doc, text, place)
        && !paired_with_a_place(doc, text, covered, place, end)
}

/// "the Dogharoon Iran-Afghanistan border gate", "Pak-Afghan": two names
/// joined by a hyphen, the other one a candidate too, name both places,
/// whatever capitalised word stands next to the pair.
fn paired_with_a_place(
    doc: &NormalizedText,
    text: &str,
    covered: &[bool],
    place: usize,
    end: usize,
) -> bool {
    let tokens = &doc.tokens;
    let hyphen = |a: usize, b: usize| text[tokens[a].end..tokens[b].start] == *"-";
    let before = place > 0 && covered[place - 1] && hyphen(place - 1, place);
    let after = end < tokens.len() && covered[end] && hyphen(end - 1, end);
    before || after
}

/// Words looked at on each side to tell a headline (bounded, so a text of
/// one endless line costs no more per mention than a short one).
const HEADLINE_WINDOW: usize = 12;

/// Title-case and shouted headlines capitalise every word ("Pakistan Warns
/// Taliban", "PAKISTAN TELLS KABUL"): there a capitalised neighbour says
/// nothing. Most of the words of the line around the place are capitalised.
pub(crate) fn in_a_headline(doc: &NormalizedText, text: &str, place: usize) -> bool {
    let tokens = &doc.tokens;
    let same_line = |a: usize, b: usize| !text[tokens[a].end..tokens[b].start].contains('\n');
    let mut first = place;
    while first > 0 && place - first < HEADLINE_WINDOW && same_line(first - 1, first) {
        first -= 1;
    }
    let mut last = place;
    while last + 1 < tokens.len() && last - place < HEADLINE_WINDOW && same_line(last, last + 1) {
        last += 1;
    }
    let words: Vec<&crate::normalize::Token> = tokens[first..=last]
        .iter()
        .filter(|t| text[t.start..t.end].chars().any(char::is_alphabetic))
        .filter(|t| !FUNCTION_WORDS.contains(&doc.basic_key(t)))
        .collect();
    let capitalised = words.iter().filter(|t| t.shape.is_capitalized()).count();
    // A full stop after a lower-case letter ends a sentence, which headlines
    // do not have ("They face Paris Saint-Germain next.").
    let after_last = tokens[last].end;
    let end = text[after_last..]
        .chars()
        .next()
        .map_or(after_last, |c| after_last + c.len_utf8());
    let sentence = text[tokens[first].start..end]
        .chars()
        .zip(text[tokens[first].start..end].chars().skip(1))
        .any(|(before, c)| c == '.' && before.is_lowercase());
    !sentence && words.len() >= 3 && capitalised * 5 >= words.len() * 4
}

fn possessive(rest: &str) -> bool {
    rest.starts_with("'s") || rest.starts_with("’s")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headlines() {
        // (line, token of the place, whether it is a headline)
        let cases: &[(&str, usize, bool)] = &[
            (
                "Pakistan Warns Cash-Strapped Taliban Fighters May Join ISIS",
                0,
                true,
            ),
            ("PAKISTAN TELLS KABUL: REIN IN TTP OR LET US ACT", 2, true),
            ("Virgin Australia agrees to a new airport deal", 1, false),
            (
                "The deal was signed.\nVirgin Australia Wins Airport Deal",
                5,
                true,
            ),
            (
                "The deal was signed.\nVirgin Australia agrees to the airport deal",
                5,
                false,
            ),
        ];
        for (text, place, expected) in cases {
            let doc = crate::normalize::normalize(text);
            assert_eq!(in_a_headline(&doc, text, *place), *expected, "{text}");
        }
    }
}
