//! Arabic script as Arabic, Persian (Dari), Urdu and Pashto print it.
//!
//! The four orthographies write one name with different letters. Two levels
//! of folding keep apart what must stay apart:
//! - the basic key folds letters that are the same letter in another
//!   orthography (Arabic and Persian yeh and kaf, the heh forms, Pashto and
//!   Urdu retroflexes ټ/ٹ, Pashto gaf ګ/گ, the alef and hamza-carrier forms):
//!   no two real names differ only by them;
//! - the folded key adds the substitutions one language makes for letters
//!   it lacks (Arabic writes ب ج ز ك for پ چ ژ گ and تش for چ: "كراتشي" for
//!   "کراچی"; Dari and Urdu write ت د ر ز ش ن for Pashto's ټ ډ ړ ږ ښ ڼ).
//!   These bring look-alikes together (پ/ب), so a match through them ranks
//!   below an exact one.
//!
//! Glued proclitics (و ف ب ل ك, Pashto د, the article ال) and inflectional
//! endings (Pashto oblique plural -و/-ونو, Persian plural -ها/-های) are not
//! folded into the key: the matcher tries a word without them when the word
//! as written is no word of any name (`proclitic_variants`, `ending_variants`).

/// Basic-key letter folding.
pub fn fold_letter(c: char) -> char {
    match c {
        'ي' | 'ى' | 'ې' | 'ۍ' | 'ے' | 'ێ' | 'ئ' => 'ی',
        'ك' | 'ڪ' => 'ک',
        'ګ' => 'گ',
        'ة' | 'ۀ' | 'ہ' | 'ۂ' | 'ھ' | 'ە' | 'ۃ' => 'ه',
        'أ' | 'إ' | 'آ' | 'ٱ' | 'ٲ' | 'ٳ' => 'ا',
        'ؤ' => 'و',
        'ټ' => 'ٹ',
        'ډ' => 'ڈ',
        'ړ' => 'ڑ',
        other => other,
    }
}

/// Folded-key letter substitution, applied to a basic key.
fn substitute(c: char) -> Option<char> {
    Some(match c {
        'پ' => 'ب',
        'چ' => 'ج',
        'ژ' | 'ږ' | 'ځ' => 'ز',
        'گ' => 'ک',
        'ٹ' => 'ت',
        'ڈ' => 'د',
        'ڑ' => 'ر',
        'ښ' => 'ش',
        'ڼ' | 'ں' => 'ن',
        // a bare hamza is spelt or left out at will
        'ء' => return None,
        other => other,
    })
}

/// Whether a basic key holds letters of Persian, Urdu or Pashto that
/// Arabic lacks: its writer had them, and chose not to use them for a name.
pub fn has_letters_arabic_lacks(key: &str) -> bool {
    key.chars().any(|c| "پچژگٹڈڑښږځڼں".contains(c))
}

/// Whether a basic key holds letters that only Pashto writes (its other
/// letters fold into Urdu's in the basic key already).
pub fn has_pashto_letters(key: &str) -> bool {
    key.chars().any(|c| "ښږځڅڼ".contains(c))
}

/// Whether a basic key holds Arabic-script letters.
pub fn is_arabic_script(key: &str) -> bool {
    key.chars()
        .any(|c| matches!(c as u32, 0x0600..=0x06FF | 0x0750..=0x077F | 0x08A0..=0x08FF))
}

/// Appends the folded key of an Arabic-script basic key.
pub fn fold_into(basic: &str, out: &mut String) {
    let start = out.len();
    for c in basic.chars().filter_map(substitute) {
        out.push(c);
    }
    // Arabic spells چ as تش ("تشيترال", Chitral); after the substitution
    // above both are ج. Pashto's ښ is ش in Dari ("پشتون") but خ in Urdu and
    // Arabic where the name is Pakhtun ("پختونخوا", "بختونخوا").
    for (from, to) in [("تش", "ج"), ("بختون", "بشتون")] {
        if out[start..].contains(from) {
            let folded = out[start..].replace(from, to);
            out.truncate(start);
            out.push_str(&folded);
        }
    }
    // Pashto and Dari often open an s-cluster with an alef ("اسپین بولدک",
    // "سپین بولدک").
    for cluster in ["اسب", "است", "اسک"] {
        if out[start..].starts_with(cluster) {
            out.replace_range(start..start + "ا".len(), "");
            break;
        }
    }
    // Urdu often ends a long a with a silent heh ("پختونخواہ").
    if out[start..].ends_with("اه") {
        out.truncate(out.len() - "ه".len());
    }
}

/// A proclitic glued to the next word: its letters in the basic key, what
/// stays of it in the word (the article after ل: "للقاعدة" is ل + القاعدة)
/// and how many of its letters stand before the name in the printed text.
pub struct Proclitic {
    pub letters: &'static str,
    pub keeps: &'static str,
    pub outside: usize,
}

const fn proclitic(letters: &'static str, keeps: &'static str, outside: usize) -> Proclitic {
    Proclitic {
        letters,
        keeps,
        outside,
    }
}

/// Longest first, so "وبال" is tried before "وب" and "و".
#[rustfmt::skip]
pub const PROCLITICS: &[Proclitic] = &[
    proclitic("ولل", "ال", 2), proclitic("فلل", "ال", 2),
    proclitic("وبال", "", 2), proclitic("وال", "", 1), proclitic("فال", "", 1),
    proclitic("بال", "", 1), proclitic("کال", "", 1), proclitic("لل", "ال", 1),
    proclitic("وب", "", 2), proclitic("ول", "", 2), proclitic("وک", "", 2), proclitic("فب", "", 2),
    proclitic("فل", "", 2),
    proclitic("ال", "", 0),
    proclitic("و", "", 1), proclitic("ف", "", 1), proclitic("ب", "", 1), proclitic("ل", "", 1),
    proclitic("ک", "", 1), proclitic("د", "", 1),
];

/// Endings that inflect a name without making another word of it, in their
/// basic-key letters, longest first: Pashto oblique plural ("طالبانو",
/// "طالبانونو"), Persian plural with or without a joiner ("طالبان‌ها").
/// Urdu postpositions that stored copies of pages glue to the name where
/// the printed page had a joiner ("منیرکو", "خاننے"). Not the nisba -ی/-ي:
/// "پاکستانی" is the demonym, not the country.
pub const ENDINGS: &[&str] = &[
    "هایی", "های", "ونو", "ها", "و", "کو", "کی", "کا", "نی", "سی", "میں", "پر", "تک",
];

/// Letters a word keeps after a proclitic or ending is taken off, at least.
pub const MIN_STEM_LETTERS: usize = 3;

/// The word without each proclitic it may start with, with the proclitic.
pub fn proclitic_variants(key: &str) -> impl Iterator<Item = (String, &'static Proclitic)> + '_ {
    PROCLITICS.iter().filter_map(move |p| {
        let rest = key.strip_prefix(p.letters)?;
        (rest.chars().count() >= MIN_STEM_LETTERS).then(|| (format!("{}{rest}", p.keeps), p))
    })
}

/// The word without each ending it may carry, with the ending.
pub fn ending_variants(key: &str) -> impl Iterator<Item = (&str, &'static str)> + '_ {
    ENDINGS.iter().filter_map(move |ending| {
        let stem = key.strip_suffix(ending)?;
        (stem.chars().count() >= MIN_STEM_LETTERS).then_some((stem, *ending))
    })
}

/// Byte length of the first `letters` letters of a printed word, with the
/// marks and joiners that follow them.
pub fn printed_prefix_len(word: &str, letters: usize) -> usize {
    let mut seen = 0;
    for (at, c) in word.char_indices() {
        let mark = unicode_normalization::char::is_combining_mark(c)
            || matches!(c, '\u{200C}' | '\u{200D}' | '\u{0640}');
        if !mark {
            if seen == letters {
                return at;
            }
            seen += 1;
        }
    }
    word.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::{basic_key, folded_key};

    #[test]
    fn one_name_in_four_orthographies_shares_a_key() {
        // (what, spellings that must share the folded key)
        let groups: &[(&str, &[&str])] = &[
            ("Karachi: Urdu, Arabic", &["کراچی", "كراتشي"]),
            ("Pakistan: Urdu, Arabic", &["پاکستان", "باكستان"]),
            ("Peshawar: Urdu, Arabic", &["پشاور", "بشاور"]),
            (
                "Pakhtunkhwa: Urdu, Pashto, Arabic",
                &["پختونخوا", "پښتونخوا", "بختونخوا"],
            ),
            ("Zadran: Pashto, Dari", &["ځدران", "زدران"]),
            (
                "Gardez: Pashto kaf, Persian gaf",
                &["ګردېز", "گردیز", "كرديز"],
            ),
            ("Tank: Pashto, Urdu retroflex", &["ټانک", "ٹانک"]),
            ("Chitral: Urdu, Arabic", &["چترال", "تشترال"]),
            ("a vowel-marked spelling", &["كَابُل", "کابل"]),
            ("a bare hamza", &["عطاء الله", "عطا الله"]),
            ("a silent final heh", &["خیبر پختونخواہ", "خیبر پختونخوا"]),
            (
                "an alef before an s-cluster",
                &["اسپین بولدک", "سپین بولدک"],
            ),
        ];
        for (name, spellings) in groups {
            let first = folded_key(spellings[0]);
            for spelling in &spellings[1..] {
                assert_eq!(folded_key(spelling), first, "{name}: {spelling}");
            }
        }
    }

    #[test]
    fn letters_of_different_names_stay_apart_in_the_basic_key() {
        // (a, b): look-alikes only the folded key may bring together
        let pairs: &[(&str, &str)] =
            &[("پشت", "بشت"), ("چمن", "جمن"), ("گل", "کل"), ("ژوب", "زوب")];
        for (a, b) in pairs {
            assert_ne!(basic_key(a), basic_key(b), "{a} / {b}");
            assert_eq!(folded_key(a), folded_key(b), "{a} / {b}");
        }
    }

    #[test]
    fn proclitics_and_endings() {
        // (word, expected stems after a proclitic)
        let cases: &[(&str, &[&str])] = &[
            ("وکابل", &["کابل"]),
            ("بکابل", &["کابل"]),
            ("والقاعده", &["القاعده", "قاعده"]),
            ("للقاعده", &["القاعده", "لقاعده"]),
            ("دپاکستان", &["پاکستان"]),
            ("کابل", &[]),
            ("ول", &[]),
        ];
        for (word, expected) in cases {
            let key = basic_key(word);
            let stems: Vec<String> = proclitic_variants(&key).map(|(stem, _)| stem).collect();
            for stem in *expected {
                assert!(
                    stems.contains(&basic_key(stem)),
                    "{word}: {stems:?} lacks {stem}"
                );
            }
            if expected.is_empty() {
                assert!(
                    stems.iter().all(|s| s.chars().count() >= MIN_STEM_LETTERS),
                    "{word}"
                );
            }
        }
        // (word, a stem it must yield, a stem it must not)
        let endings: &[(&str, Option<&str>, Option<&str>)] = &[
            ("طالبانو", Some("طالبان"), None),
            ("طالبان\u{200c}ها", Some("طالبان"), None),
            ("منیرکو", Some("منیر"), None),
            ("پاکستانی", None, Some("پاکستان")),
            ("طالبان", None, Some("طالب")),
        ];
        for (word, yields, never) in endings {
            let key = basic_key(word);
            let stems: Vec<String> = ending_variants(&key)
                .map(|(stem, _)| stem.to_string())
                .collect();
            if let Some(stem) = yields {
                assert!(stems.contains(&basic_key(stem)), "{word}: {stems:?}");
            }
            if let Some(stem) = never {
                assert!(!stems.contains(&basic_key(stem)), "{word}: {stems:?}");
            }
        }
    }

    #[test]
    fn printed_prefix_skips_marks() {
        assert_eq!(printed_prefix_len("وَکابل", 1), "وَ".len());
        assert_eq!(printed_prefix_len("وکابل", 1), "و".len());
        assert_eq!(printed_prefix_len("والقاعدة", 1), "و".len());
    }
}
