//! From the list's name elements to the table's names: natural case,
//! titles out of the name, and the several names one element may pack.

/// Honorifics and titles that precede a name in the list ("MAULAWI RAJAB",
/// "Haji Gulab Gul"); compared without case and trailing dot.
pub const TITLES: &[&str] = &[
    "mullah", "mulla", "molla", "maulavi", "maulawi", "maulvi", "mawlawi", "mawlavi", "moulavi",
    "molvi", "maulana", "qari", "haji", "hajji", "hadji", "hafiz", "mufti", "sheikh", "shaykh",
    "sheik", "dr",
];

/// Words that are not names when they stand alone in brackets: the list's
/// notes on the name before them.
const NOTES: &[&str] = &["birth name", "combat name", "third", "previously listed as"];

/// Particles written in lower case inside a name ("Jaish-i-Mohammed",
/// "Harakat ul-Mujahidin", "Aiman al-Zawahiri"), never as its first word.
const PARTICLES: &[&str] = &[
    "e", "i", "a", "ul", "ur", "ud", "us", "al", "el", "wal", "bin", "ibn", "ben", "of", "the",
    "and", "in", "for", "de",
];

/// The names held by one name element of the list.
#[derive(Debug, Default, PartialEq)]
pub struct Names {
    pub latin: Vec<String>,
    /// In Arabic script.
    pub native: Vec<String>,
    /// Bracketed upper-case short forms of entity names: "(TTP)".
    pub acronyms: Vec<String>,
}

impl Names {
    fn add(&mut self, piece: &str) {
        let piece = piece.trim().trim_end_matches([',', ';', '.', ':']).trim();
        if piece.is_empty() || !piece.chars().any(char::is_alphabetic) {
            return;
        }
        if piece.chars().any(is_arabic_script) {
            self.native.push(piece.to_string());
        } else if piece.chars().all(|c| c.is_ascii() || is_latin(c)) {
            self.latin.push(piece.to_string());
        }
        // Other scripts (the list's Cyrillic "original script") are not
        // names the table can hold.
    }
}

/// Splits one element into its names. The list packs several names into
/// one element in three ways: ";"-separated lists, " / " between a name
/// and its short form, and brackets holding transliterations, original
/// script, an acronym, or a "(previously listed as …)" note. It also
/// writes some names surname first ("Majeed, Abdul") and ends some with
/// notes after a comma ("…, born in Kandahar on …").
pub fn split(raw: &str) -> Names {
    let raw = super::list::collapse(raw);
    let mut names = Names::default();
    let mut outside = String::new();
    let mut rest = raw.as_str();
    while let Some(open) = rest.find(['(', '[']) {
        outside.push_str(&rest[..open]);
        let close = rest[open..]
            .find([')', ']'])
            .map_or(rest.len(), |at| open + at);
        bracket(&rest[open + 1..close], &mut names);
        rest = rest.get(close + 1..).unwrap_or("");
    }
    outside.push_str(rest);
    for piece in outside.split([';']).flat_map(|p| p.split(" / ")) {
        if let Some(name) = reorder(piece.trim()) {
            names.add(&name);
        }
    }
    names
}

fn bracket(inside: &str, names: &mut Names) {
    let inside = inside.trim();
    let lower = inside.to_lowercase();
    if let Some(rest) = lower.strip_prefix("previously listed as") {
        // The note may name the earlier spelling; it is a name like any other.
        let start = inside.len() - rest.len();
        names.add(&inside[start..]);
        return;
    }
    for piece in inside.split(';') {
        let piece = piece.trim();
        let piece = piece
            .strip_prefix("original script:")
            .map(str::trim)
            .unwrap_or(piece);
        let lower = piece.to_lowercase();
        let letters: Vec<char> = piece.chars().filter(|c| c.is_alphabetic()).collect();
        if NOTES.contains(&lower.as_str()) || piece.chars().any(|c| c.is_ascii_digit()) {
            continue;
        }
        if !piece.contains(' ')
            && (2..=6).contains(&letters.len())
            && piece
                .chars()
                .filter(|c| c.is_alphabetic())
                .any(char::is_uppercase)
            && piece
                .chars()
                .filter(|c| c.is_alphabetic())
                .filter(|c| c.is_uppercase())
                .count()
                >= 2
        {
            names.acronyms.push(piece.to_string());
            continue;
        }
        // One Latin word in brackets is a variant of one word of the name
        // ("Butayev (Butaev)"), not a name that can stand alone.
        if !piece.chars().any(is_arabic_script) && !piece.contains(' ') {
            continue;
        }
        names.add(piece);
    }
}

/// "Majeed, Abdul" is "Abdul Majeed"; "Santos, III" keeps its suffix; a
/// comma before a note drops the note.
fn reorder(piece: &str) -> Option<String> {
    let Some((head, tail)) = piece.split_once(", ") else {
        return Some(piece.to_string());
    };
    let (head, tail) = (head.trim(), tail.trim());
    if tail.chars().any(|c| c.is_ascii_digit()) || tail.to_lowercase().starts_with("born") {
        return Some(head.to_string());
    }
    if matches!(tail, "III" | "JR" | "Jr" | "Jr.") {
        return Some(format!("{head} {tail}"));
    }
    if tail.contains(',') || tail.split_whitespace().count() > 4 {
        return Some(head.to_string());
    }
    Some(format!("{tail} {head}"))
}

/// The name without the titles before it, unless that leaves one word: a
/// title and one name ("Hafiz Saeed", "Mullah Musafir") is how the person
/// is known, the bare word is not a name to match alone.
pub fn strip_titles(name: &str) -> String {
    let words: Vec<&str> = name.split_whitespace().collect();
    let titles = words
        .iter()
        .take_while(|word| TITLES.contains(&word.trim_end_matches('.').to_lowercase().as_str()))
        .count();
    if words.len() - titles < 2 {
        return words.join(" ");
    }
    words[titles..].join(" ")
}

/// Natural case for names the list writes in capitals ("ABDUL GHANI
/// BARADAR" → "Abdul Ghani Baradar", "AL-ZAWAHIRI" → "al-Zawahiri" after a
/// first name). Names already in mixed case are the list's own spelling
/// and stay as they are.
pub fn natural_case(name: &str) -> String {
    if name.chars().any(char::is_lowercase) {
        return name.to_string();
    }
    let mut out = String::with_capacity(name.len());
    let mut first = true;
    for (i, word) in name.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        for (j, segment) in word.split('-').enumerate() {
            if j > 0 {
                out.push('-');
            }
            let lower = segment.to_lowercase();
            if !first && PARTICLES.contains(&lower.as_str()) {
                out.push_str(&lower);
            } else {
                out.push_str(&capitalise(&lower));
            }
            if !segment.is_empty() {
                first = false;
            }
        }
    }
    out
}

/// Upper case for the first letter and for letters after an apostrophe
/// that starts a word part ("O'Neil" stays rare; "Jam'yah" keeps lower).
fn capitalise(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(c) if !c.is_alphabetic() => {
            // "‘abd" → "‘Abd": the opening quote is not the first letter.
            let rest: String = chars.collect();
            format!("{c}{}", capitalise(&rest))
        }
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// One word ("Gurg", "Jamiyat", "Al-Hadid"): a word of the language as
/// often as a name, too generic to identify anyone alone in news text.
/// Several hyphenated parts ("Jamaat-e-Ahrar") are a name; an article
/// ("al-") does not count as a part, since matching folds it away. A short
/// form in capitals ("LIFG") is an acronym, with its own case rules. An
/// English article and quotes do not make a name of a word either: the
/// list's "\"The Base\"" (al-Qaida's name, translated) is the phrase "the
/// base" in any text, since multi-word names match in any case.
pub fn is_one_word(name: &str) -> bool {
    let name = name.trim_matches(|c: char| c == '"' || c == '\u{201c}' || c == '\u{201d}');
    let name = ["The ", "the ", "THE "]
        .iter()
        .find_map(|article| name.strip_prefix(article))
        .unwrap_or(name);
    if name.contains(char::is_whitespace) {
        return false;
    }
    let letters = name.chars().filter(|c| c.is_alphabetic()).count();
    if (2..=6).contains(&letters)
        && name
            .chars()
            .filter(|c| c.is_alphabetic())
            .all(char::is_uppercase)
    {
        return false;
    }
    let lower = name.to_lowercase();
    let rest = ["al-", "el-", "al ", "el "]
        .iter()
        .find_map(|article| lower.strip_prefix(article))
        .unwrap_or(&lower);
    !rest.contains('-')
}

/// Given names and name elements so common in the region that a name made
/// of them alone ("Ahmad Shah", "Abdul Haq", "Mohammed Shah") is borne by
/// thousands: a Malaysian sultan's "Ahmad Shah" is no Taliban official.
#[rustfmt::skip]
const COMMON_NAME_WORDS: &[&str] = &[
    "muhammad", "mohammad", "mohammed", "muhammed", "mohamed", "mohamad", "ahmad", "ahmed",
    "abdul", "abdel", "abd", "abdullah", "ali", "hassan", "hasan", "hussain", "husain", "hussein",
    "shah", "khan", "gul", "said", "sayed", "syed", "sayyid", "mir", "noor", "nur", "haq", "haqq",
    "rahman", "rahim", "karim", "aziz", "jan", "agha", "din", "uddin", "ullah", "allah", "al",
    "saeed", "sayeed", "sayid", "ghul",
    // titles, which the list sometimes leaves in an a.k.a.
    "hafiz", "hafez", "haji", "mullah", "mulla", "maulavi", "mawlawi", "qari", "mufti", "sheikh",
];

/// Every word of the name is a common name element: the name alone does
/// not pick out a person, so the importer makes it weak.
pub fn only_common_name_words(name: &str) -> bool {
    let mut words = name
        .split(|c: char| c.is_whitespace() || c == '-')
        .filter(|w| !w.is_empty())
        .peekable();
    words.peek().is_some()
        && words.all(|w| {
            let w = w
                .trim_matches(|c: char| !c.is_alphanumeric())
                .to_lowercase();
            COMMON_NAME_WORDS.contains(&w.as_str())
        })
}

/// The id of a new entity: its name in lower-case ASCII with hyphens.
pub fn slug(name: &str) -> String {
    let mut slug = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if (c.is_whitespace() || c == '-' || c == '/' || c == ':') && !slug.ends_with('-') {
            slug.push('-');
        }
        // Apostrophes and other marks vanish: "Jam'yah" → "jamyah".
    }
    slug.trim_matches('-')
        .chars()
        .take(100)
        .collect::<String>()
        .trim_end_matches('-')
        .to_string()
}

fn is_latin(c: char) -> bool {
    matches!(c as u32, 0x00C0..=0x024F | 0x1E00..=0x1EFF | 0x2018..=0x201D)
}

fn is_arabic_script(c: char) -> bool {
    matches!(c as u32, 0x0600..=0x06FF | 0x0750..=0x077F | 0x08A0..=0x08FF | 0xFB50..=0xFDFF | 0xFE70..=0xFEFF)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(latin: &[&str], native: &[&str], acronyms: &[&str]) -> Names {
        let own = |list: &[&str]| list.iter().map(|s| s.to_string()).collect();
        Names {
            latin: own(latin),
            native: own(native),
            acronyms: own(acronyms),
        }
    }

    #[test]
    fn splitting_elements() {
        let cases: &[(&str, &str, Names)] = &[
            (
                "one name",
                "Abdul Ghani Baradar",
                names(&["Abdul Ghani Baradar"], &[], &[]),
            ),
            (
                "empty previously-listed note",
                "Ezatullah Haqqani (previously listed as)",
                names(&["Ezatullah Haqqani"], &[], &[]),
            ),
            (
                "surname first",
                "Majeed, Abdul",
                names(&["Abdul Majeed"], &[], &[]),
            ),
            (
                "a note after a comma",
                "Khirullah Said Wali Khairkhwa, born in Kandahar on 01\nJan.1967",
                names(&["Khirullah Said Wali Khairkhwa"], &[], &[]),
            ),
            (
                "semicolon list",
                "Fazel Rahim; Fazil Rahim",
                names(&["Fazel Rahim", "Fazil Rahim"], &[], &[]),
            ),
            (
                "arabic with transliterations",
                "حسن غول (Hassan Ghul; Hassan Gul; Hasan Gul)",
                names(
                    &["Hassan Ghul", "Hassan Gul", "Hasan Gul"],
                    &["حسن غول"],
                    &[],
                ),
            ),
            (
                "latin with arabic in brackets",
                "Abdelali Abou Dher (عبد العالي ابو ذر)",
                names(&["Abdelali Abou Dher"], &["عبد العالي ابو ذر"], &[]),
            ),
            (
                "cyrillic original script dropped",
                "Abubakar (original script: Абубакар)",
                names(&["Abubakar"], &[], &[]),
            ),
            (
                "acronym in brackets",
                "TEHRIK-E TALIBAN PAKISTAN (TTP)",
                names(&["TEHRIK-E TALIBAN PAKISTAN"], &[], &["TTP"]),
            ),
            (
                "short form after a slash",
                "HARAKAT UL-MUJAHIDIN / HUM",
                names(&["HARAKAT UL-MUJAHIDIN", "HUM"], &[], &[]),
            ),
            (
                "one-word variant dropped",
                "Lom-ali Butayev (Butaev)",
                names(&["Lom-ali Butayev"], &[], &[]),
            ),
            (
                "a note with numbers dropped",
                "Abdel Ilah Sabri (false identity related to passport number 434021161)",
                names(&["Abdel Ilah Sabri"], &[], &[]),
            ),
            (
                "suffix kept",
                "Hilarion Santos, III (third)",
                names(&["Hilarion Santos III"], &[], &[]),
            ),
        ];
        for (name, raw, expected) in cases {
            assert_eq!(&split(raw), expected, "{name}");
        }
    }

    #[test]
    fn names_in_natural_case_without_titles() {
        let cases: &[(&str, &str, &str)] = &[
            ("capitals", "ABDUL GHANI BARADAR", "Abdul Ghani Baradar"),
            (
                "article after a first name",
                "AIMAN MUHAMMED RABI AL-ZAWAHIRI",
                "Aiman Muhammed Rabi al-Zawahiri",
            ),
            ("article first", "AL-QAIDA", "Al-Qaida"),
            ("izafe", "JAISH-I-MOHAMMED", "Jaish-i-Mohammed"),
            ("mixed case kept", "Abd Ur-Rehman", "Abd Ur-Rehman"),
            ("title out", "MAULAWI ABDUL KABIR", "Abdul Kabir"),
            (
                "two titles out",
                "HAJI MULLAH MUHAMMAD ASHRAF",
                "Muhammad Ashraf",
            ),
            ("a title and one name kept", "HAFIZ SAEED", "Hafiz Saeed"),
            ("Dr. out", "Dr. Amin Ul-Haq", "Amin Ul-Haq"),
        ];
        for (name, raw, expected) in cases {
            assert_eq!(natural_case(&strip_titles(raw)), *expected, "{name}");
        }
    }

    #[test]
    fn one_word_names() {
        let cases: &[(&str, bool)] = &[
            ("Gurg", true),
            ("Al-Hadid", true),
            ("Jamaat-e-Ahrar", false),
            ("Abdul Haq", false),
            ("LIFG", false),
            ("Jit", true),
            ("\"The Base\"", true),
            ("The Base", true),
            ("The Group for the Preservation of the Holy Sites", false),
            ("\"Abdul Haq\"", false),
        ];
        for (name, expected) in cases {
            assert_eq!(is_one_word(name), *expected, "{name}");
        }
    }

    #[test]
    fn names_of_common_words_only() {
        let cases: &[(&str, bool)] = &[
            ("Ahmad Shah", true),
            ("Mohammed Shah", true),
            ("Abdul Haq", true),
            ("Abd al-Haq", true),
            ("Ahmed Shah Noorzai", false),
            ("Abdul Ghani Baradar", false),
            ("Adam Khan", false),
            ("Hafiz Muhammad", true),
            ("Mullah Omar", false),
            ("", false),
        ];
        for (name, expected) in cases {
            assert_eq!(only_common_name_words(name), *expected, "{name}");
        }
    }

    #[test]
    fn ids() {
        assert_eq!(slug("Jaish-i-Mohammed"), "jaish-i-mohammed");
        assert_eq!(
            slug("Jam'yah Ta'awun al-Islamia"),
            "jamyah-taawun-al-islamia"
        );
        assert_eq!(
            slug("Al-Haramain: Afghanistan Branch"),
            "al-haramain-afghanistan-branch"
        );
        assert_eq!(slug("‘Abd al-Rahman"), "abd-al-rahman");
    }
}
