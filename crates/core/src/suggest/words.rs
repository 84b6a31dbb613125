//! Sentences and words of running text, as byte spans: the units the
//! extractors look at, and the sample context a suggestion is shown with.

use unicode_normalization::char::is_combining_mark;

/// A byte span of the text, end exclusive.
pub type Span = (usize, usize);

/// Lower-case words that may sit inside a name between capitalised words:
/// "Osama bin Laden", "Jamaat ul Ahrar", "Tehreek e Labbaik", "Ministry of
/// the Interior".
const PARTICLES: &[&str] = &[
    "bin", "bint", "ibn", "ul", "ud", "ur", "al", "el", "e", "i", "de", "da", "du", "van", "von",
    "of", "the",
];

/// Capitalised words that start sentences and headlines but are not names.
const STOP_WORDS: &[&str] = &[
    "the",
    "a",
    "an",
    "this",
    "that",
    "these",
    "those",
    "he",
    "she",
    "it",
    "they",
    "we",
    "i",
    "his",
    "her",
    "their",
    "its",
    "our",
    "in",
    "on",
    "at",
    "by",
    "for",
    "from",
    "with",
    "after",
    "before",
    "but",
    "and",
    "or",
    "if",
    "when",
    "while",
    "as",
    "mr",
    "mrs",
    "ms",
    "dr",
    "yesterday",
    "today",
    "last",
    "next",
    "some",
    "many",
    "no",
    "not",
    "there",
];

/// Sentence spans, trimmed. A sentence ends at `.`, `!`, `?`, the Arabic
/// question mark or the Urdu full stop followed by a space (or the end), and
/// at every line break: a headline is a sentence of its own.
pub fn sentences(text: &str) -> Vec<Span> {
    let mut spans = Vec::new();
    let mut start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        let next = chars.peek().map(|&(_, n)| n);
        let ends = c == '\n'
            || (matches!(c, '.' | '!' | '?' | '؟' | '۔') && next.is_none_or(char::is_whitespace));
        if ends {
            push_trimmed(text, (start, at + c.len_utf8()), &mut spans);
            start = at + c.len_utf8();
        }
    }
    push_trimmed(text, (start, text.len()), &mut spans);
    spans
}

fn push_trimmed(text: &str, (start, end): Span, spans: &mut Vec<Span>) {
    let piece = &text[start..end];
    let trimmed = piece.trim();
    if !trimmed.is_empty() {
        let offset = start + (piece.len() - piece.trim_start().len());
        spans.push((offset, offset + trimmed.len()));
    }
}

/// Words of `span`: runs of letters, digits and combining marks, with inner
/// hyphens, apostrophes and zero-width non-joiners ("Lashkar-e-Taiba",
/// "Qur'an" and Persian compounds are one word each).
pub fn words(text: &str, (start, end): Span) -> Vec<Span> {
    let piece = &text[start..end];
    let mut words = Vec::new();
    let mut current: Option<usize> = None;
    let mut chars = piece.char_indices().peekable();
    let mut previous_in_word = false;
    while let Some((at, c)) = chars.next() {
        let letter = c.is_alphanumeric() || is_combining_mark(c);
        let joiner = matches!(c, '-' | '\'' | '’' | '\u{200c}')
            && previous_in_word
            && chars
                .peek()
                .is_some_and(|&(_, n)| n.is_alphanumeric() || is_combining_mark(n));
        if letter || joiner {
            current.get_or_insert(at);
            previous_in_word = true;
        } else {
            if let Some(first) = current.take() {
                words.push((start + first, start + at));
            }
            previous_in_word = false;
        }
    }
    if let Some(first) = current {
        words.push((start + first, end));
    }
    words
}

/// Whether two neighbouring words may belong to one name: only spaces and
/// tabs between them, never a comma, bracket or line break.
pub fn joined(text: &str, before: Span, after: Span) -> bool {
    let gap = &text[before.1..after.0];
    !gap.is_empty() && gap.chars().all(|c| c == ' ' || c == '\t' || c == '\u{a0}')
}

/// What a word is to the name extractors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WordClass {
    /// Starts with a capital, or with a particle joined to one ("al-Badr").
    Capitalised,
    /// A lower-case particle that may sit inside a name.
    Particle,
    /// 2–6 letters, all upper case: "TTP", "ISIS-K".
    Acronym,
    /// Arabic script.
    Arabic,
    /// A capitalised common word ("The", "Monday").
    Stop,
    Other,
}

pub fn classify(word: &str) -> WordClass {
    let lower = word.to_lowercase();
    if STOP_WORDS.contains(&lower.as_str())
        || crate::normalize::CALENDAR_WORDS.contains(&lower.as_str())
    {
        return WordClass::Stop;
    }
    if is_acronym(word) {
        return WordClass::Acronym;
    }
    if word.chars().any(is_arabic) {
        return WordClass::Arabic;
    }
    let first = word.chars().next();
    if first.is_some_and(char::is_uppercase) {
        return WordClass::Capitalised;
    }
    if PARTICLES.contains(&word) {
        return WordClass::Particle;
    }
    if let Some((head, rest)) = word.split_once('-') {
        if PARTICLES.contains(&head) && rest.chars().next().is_some_and(char::is_uppercase) {
            return WordClass::Capitalised;
        }
    }
    WordClass::Other
}

/// 2–6 letters (hyphens aside), none of them lower case, no digits.
pub fn is_acronym(word: &str) -> bool {
    let letters = word.chars().filter(|&c| c != '-').count();
    (2..=6).contains(&letters)
        && word
            .chars()
            .all(|c| c == '-' || (c.is_alphabetic() && c.is_uppercase()))
}

pub fn is_arabic(c: char) -> bool {
    matches!(c, '\u{0600}'..='\u{06FF}' | '\u{0750}'..='\u{077F}' | '\u{08A0}'..='\u{08FF}'
        | '\u{FB50}'..='\u{FDFF}' | '\u{FE70}'..='\u{FEFF}')
}

/// Longest sentence shown whole as a sample; a longer one is cut to about
/// 80 characters around the occurrence.
const MAX_SENTENCE_CHARS: usize = 160;
const WINDOW_CHARS: usize = 40;

/// The sample context of `occurrence` inside `sentence`: the sentence, or
/// about 80 characters around the occurrence, on one line.
pub fn context(text: &str, sentence: Span, occurrence: Span) -> String {
    let whole = &text[sentence.0..sentence.1];
    let shown = if whole.chars().count() <= MAX_SENTENCE_CHARS {
        whole.to_string()
    } else {
        let before: String = {
            let head = &text[sentence.0..occurrence.0];
            let skip = head.chars().count().saturating_sub(WINDOW_CHARS);
            head.chars().skip(skip).collect()
        };
        let after: String = text[occurrence.1..sentence.1]
            .chars()
            .take(WINDOW_CHARS)
            .collect();
        let mut shown = String::new();
        if before.len() < occurrence.0 - sentence.0 {
            shown.push('…');
        }
        shown.push_str(&before);
        shown.push_str(&text[occurrence.0..occurrence.1]);
        shown.push_str(&after);
        if after.len() < sentence.1 - occurrence.1 {
            shown.push('…');
        }
        shown
    };
    shown.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The sentence holding byte `at` (sentences are sorted and disjoint).
pub fn sentence_of(sentences: &[Span], at: usize) -> Option<Span> {
    let i = sentences.partition_point(|s| s.1 <= at);
    sentences.get(i).copied().filter(|s| s.0 <= at)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts<'a>(text: &'a str, spans: &[Span]) -> Vec<&'a str> {
        spans.iter().map(|s| &text[s.0..s.1]).collect()
    }

    #[test]
    fn sentences_and_words() {
        // (text, sentences, words of the first sentence)
        let cases: &[(&str, &[&str], &[&str])] = &[
            (
                "Lashkar-e-Taiba struck. Then it left!",
                &["Lashkar-e-Taiba struck.", "Then it left!"],
                &["Lashkar-e-Taiba", "struck"],
            ),
            (
                "Headline\nBody text here",
                &["Headline", "Body text here"],
                &["Headline"],
            ),
            (
                "3.5 per cent",
                &["3.5 per cent"],
                &["3", "5", "per", "cent"],
            ),
            ("- dash -", &["- dash -"], &["dash"]),
            (
                "طالبان پاکستان۔ بس",
                &["طالبان پاکستان۔", "بس"],
                &["طالبان", "پاکستان"],
            ),
        ];
        for (text, want_sentences, want_words) in cases {
            let spans = sentences(text);
            assert_eq!(texts(text, &spans), *want_sentences, "{text}");
            assert_eq!(texts(text, &words(text, spans[0])), *want_words, "{text}");
        }
    }

    #[test]
    fn word_classes() {
        let cases = [
            ("Haqqani", WordClass::Capitalised),
            ("al-Badr", WordClass::Capitalised),
            ("bin", WordClass::Particle),
            ("ul", WordClass::Particle),
            ("TTP", WordClass::Acronym),
            ("ISIS-K", WordClass::Acronym),
            ("ABCDEFG", WordClass::Capitalised),
            ("A", WordClass::Stop),
            ("The", WordClass::Stop),
            ("Monday", WordClass::Stop),
            ("خراسان", WordClass::Arabic),
            ("attacked", WordClass::Other),
            ("al-qaeda", WordClass::Other),
        ];
        for (word, want) in cases {
            assert_eq!(classify(word), want, "{word}");
        }
    }

    #[test]
    fn long_sentences_are_cut_around_the_occurrence() {
        let long = format!("{} Qari Zubair {}", "word ".repeat(40), "more ".repeat(40));
        let sentence = (0, long.len());
        let at = long.find("Qari").unwrap();
        let shown = context(&long, sentence, (at, at + "Qari Zubair".len()));
        assert!(shown.starts_with('…') && shown.ends_with('…'), "{shown}");
        assert!(shown.contains("Qari Zubair"), "{shown}");
        assert!(shown.chars().count() <= 2 * WINDOW_CHARS + 14, "{shown}");
        let short = "The TTP said so.";
        assert_eq!(context(short, (0, short.len()), (4, 7)), short);
    }
}
