//! Names the table does not know, in one sentence: capitalised multi-word
//! sequences, runs of Arabic-script words, and upper-case acronyms.

use serde::Serialize;

use super::words::{classify, joined, Span, WordClass};

/// What kind of unknown name a candidate looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CandidateKind {
    /// Two or more capitalised words, particles allowed between them.
    Name,
    /// One to four words in Arabic script.
    ArabicScript,
    /// 2–6 upper-case letters.
    Acronym,
}

impl CandidateKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CandidateKind::Name => "name",
            CandidateKind::ArabicScript => "arabic_script",
            CandidateKind::Acronym => "acronym",
        }
    }
}

/// Offices and ranks: written capitalised before a name ("Interior Minister
/// Mohsin Naqvi"), never a name themselves. They are taken off the front of
/// a candidate, and a candidate of nothing else is none.
const TITLE_WORDS: &[&str] = &[
    "president",
    "prime",
    "minister",
    "chief",
    "deputy",
    "foreign",
    "interior",
    "defence",
    "defense",
    "finance",
    "information",
    "army",
    "general",
    "gen",
    "lt",
    "lieutenant",
    "col",
    "colonel",
    "maj",
    "major",
    "brig",
    "brigadier",
    "field",
    "marshal",
    "director",
    "commander",
    "governor",
    "senator",
    "spokesman",
    "spokesperson",
    "ambassador",
    "envoy",
    "special",
    "representative",
    "secretary",
    "high",
    "commissioner",
    "justice",
    "judge",
    "senior",
    "former",
    "acting",
    "supreme",
    "leader",
    "police",
    "inspector",
    "superintendent",
];

/// Longest run of Arabic-script words taken as a name; a longer one is prose.
const MAX_ARABIC_WORDS: usize = 4;
/// Most particles in a row inside a name ("Ministry of the Interior").
const MAX_PARTICLES: usize = 2;

/// The candidates among `words` (one sentence's), skipping every word
/// `covered` says a resolved mention overlaps.
pub fn name_candidates(
    text: &str,
    words: &[Span],
    covered: impl Fn(Span) -> bool,
) -> Vec<(Span, CandidateKind)> {
    let classes: Vec<WordClass> = words
        .iter()
        .map(|&w| {
            if covered(w) {
                WordClass::Other
            } else {
                classify(&text[w.0..w.1])
            }
        })
        .collect();
    let mut classes = classes;
    // A headline in capitals tells names from words no more: nothing in it
    // is a candidate.
    if !words
        .iter()
        .any(|w| text[w.0..w.1].chars().any(char::is_lowercase))
    {
        return Vec::new();
    }
    // A capitalised first word followed by "of" or "the" is the sentence's
    // capital, not a name's: "Forces of Jamaat ul Dawat" (but "Jaish ul Adl"
    // starts a sentence with a name).
    if classes.len() > 1
        && classes[0] == WordClass::Capitalised
        && matches!(&text[words[1].0..words[1].1], "of" | "the")
    {
        classes[0] = WordClass::Other;
    }
    let mut found = Vec::new();
    let mut i = 0;
    while i < words.len() {
        match classes[i] {
            WordClass::Acronym => {
                // Words in capitals one after another are a name written in
                // capitals ("QARI DOST MOHAMMAD"), not acronyms.
                let end = run_end(text, words, i, |j| {
                    matches!(classes[j], WordClass::Acronym | WordClass::Capitalised)
                        && !text[words[j].0..words[j].1].chars().any(char::is_lowercase)
                });
                let kind = if end - i == 1 {
                    CandidateKind::Acronym
                } else {
                    CandidateKind::Name
                };
                found.push(((words[i].0, words[end - 1].1), kind));
                i = end;
            }
            WordClass::Arabic => {
                let end = run_end(text, words, i, |j| classes[j] == WordClass::Arabic);
                if end - i <= MAX_ARABIC_WORDS {
                    found.push(((words[i].0, words[end - 1].1), CandidateKind::ArabicScript));
                }
                i = end;
            }
            WordClass::Capitalised => {
                let end = run_end(text, words, i, |j| {
                    matches!(classes[j], WordClass::Capitalised | WordClass::Particle)
                });
                // Titles come off the front; particles belong inside a
                // name, never at its ends.
                let mut first = i;
                while first < end
                    && (TITLE_WORDS
                        .contains(&text[words[first].0..words[first].1].to_lowercase().as_str())
                        || classes[first] == WordClass::Particle)
                {
                    first += 1;
                }
                if first == end {
                    i = end;
                    continue;
                }
                let mut last = end - 1;
                while classes[last] == WordClass::Particle {
                    last -= 1;
                }
                let capitals = (first..=last)
                    .filter(|&j| classes[j] == WordClass::Capitalised)
                    .count();
                let particles_in_a_row = (first..=last)
                    .map(|j| classes[j] == WordClass::Particle)
                    .fold((0, 0), |(best, run), p| {
                        let run = if p { run + 1 } else { 0 };
                        (best.max(run), run)
                    })
                    .0;
                if capitals >= 2 && particles_in_a_row <= MAX_PARTICLES {
                    found.push(((words[first].0, words[last].1), CandidateKind::Name));
                }
                i = end;
            }
            _ => i += 1,
        }
    }
    found
}

/// The end (exclusive) of the run of words from `first` that `belongs` and
/// that only spaces join.
fn run_end(text: &str, words: &[Span], first: usize, belongs: impl Fn(usize) -> bool) -> usize {
    let mut end = first + 1;
    while end < words.len() && belongs(end) && joined(text, words[end - 1], words[end]) {
        end += 1;
    }
    end
}

#[cfg(test)]
mod tests {
    use super::super::words::{sentences, words};
    use super::*;

    #[test]
    fn candidates_table() {
        use CandidateKind::*;
        // (what it proves, sentence, words a resolved mention covers, candidates)
        type Want = &'static [(&'static str, CandidateKind)];
        let cases: &[(&str, &str, &[&str], Want)] = &[
            (
                "a two-word name",
                "The TTP named Qari Zubair as its envoy.",
                &["TTP"],
                &[("Qari Zubair", Name)],
            ),
            (
                "particles inside a name",
                "Forces of Jamaat ul Dawat and Abu bin Hamza met.",
                &[],
                &[("Jamaat ul Dawat", Name), ("Abu bin Hamza", Name)],
            ),
            (
                "hyphenated forms are one word",
                "The TTP and Lashkar-e-Qahhar Brigade clashed.",
                &["TTP"],
                &[("Lashkar-e-Qahhar Brigade", Name)],
            ),
            (
                "a particle joined to a capital",
                "The TTP hosted Pir al-Zahidi there.",
                &["TTP"],
                &[("Pir al-Zahidi", Name)],
            ),
            (
                "a trailing particle is not part of the name",
                "He met Qari Zubair bin yesterday.",
                &[],
                &[("Qari Zubair", Name)],
            ),
            (
                "a sentence-initial single word is no name",
                "Officials said the TTP attacked.",
                &["TTP"],
                &[],
            ),
            (
                "stop-words break and trim a sequence",
                "The Kurram Militia struck on Monday.",
                &[],
                &[("Kurram Militia", Name)],
            ),
            (
                "a comma separates two names",
                "Qari Zubair, Mullah Dost went.",
                &[],
                &[("Qari Zubair", Name), ("Mullah Dost", Name)],
            ),
            (
                "a resolved mention is not a candidate",
                "Sirajuddin Haqqani spoke.",
                &["Sirajuddin", "Haqqani"],
                &[],
            ),
            (
                "an Arabic-script run",
                "The TTP and جیش العدل clashed.",
                &["TTP"],
                &[("جیش العدل", ArabicScript)],
            ),
            (
                "Arabic prose is not a name",
                "TTP: یہ ایک لمبا جملہ ہے جو نام نہیں",
                &["TTP"],
                &[],
            ),
            (
                "acronyms, not those of a mention",
                "The TTP and the JUF met the ISKP.",
                &["TTP", "ISKP"],
                &[("JUF", Acronym)],
            ),
            (
                "a sentence-initial name with a particle",
                "Jaish ul Adl struck.",
                &[],
                &[("Jaish ul Adl", Name)],
            ),
            (
                "a sentence-initial word before a particle is not part of the name",
                "Talks of Mullah Dost ended.",
                &[],
                &[("Mullah Dost", Name)],
            ),
            (
                "a name in capitals is one name, not acronyms",
                "Then QARI DOST MOHAMMAD met the TTP.",
                &["TTP"],
                &[("QARI DOST MOHAMMAD", Name)],
            ),
            (
                "titles come off the front of a name",
                "Interior Minister Qari Dost spoke to the TTP.",
                &["TTP"],
                &[("Qari Dost", Name)],
            ),
            (
                "titles alone are no name",
                "The Field Marshal met the TTP.",
                &["TTP"],
                &[],
            ),
            (
                "a headline in capitals gives nothing",
                "TTP TELLS JUF: LET US ACT",
                &["TTP"],
                &[],
            ),
            ("a long capital word is no acronym", "ABCDEFGH", &[], &[]),
        ];
        for (name, text, covered, want) in cases {
            let sentence = sentences(text)[0];
            let covered_spans: Vec<Span> = covered
                .iter()
                .map(|c| {
                    let at = text.find(c).unwrap();
                    (at, at + c.len())
                })
                .collect();
            let got: Vec<(&str, CandidateKind)> =
                name_candidates(text, &words(text, sentence), |w| {
                    covered_spans.iter().any(|c| c.0 < w.1 && w.0 < c.1)
                })
                .into_iter()
                .map(|(s, k)| (&text[s.0..s.1], k))
                .collect();
            assert_eq!(got, *want, "{name}");
        }
    }
}
