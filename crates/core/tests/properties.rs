//! Properties that hold for any text: no panic, every mention's offsets in
//! all three units land on character boundaries and slice back to its text,
//! mentions do not overlap and come in order.

use std::sync::OnceLock;

use entity_resolver_core::{ResolveOptions, Resolver};
use proptest::prelude::*;

fn resolver() -> &'static Resolver {
    static RESOLVER: OnceLock<Resolver> = OnceLock::new();
    RESOLVER.get_or_init(|| Resolver::embedded().expect("the embedded table is valid"))
}

/// Pieces that exercise the matcher: names, acronyms, their parts, Arabic
/// script, marks, joiners, emoji, brackets and every kind of dash and quote.
const PIECES: &[&str] = &[
    "Taliban",
    "TTP",
    "Ttp",
    "ISIS",
    "Isis-K",
    "ISKP",
    "U.S.",
    "U.",
    "S.",
    "us",
    "Is",
    "IS",
    "Munir",
    "Akram",
    "Tehrik",
    "Tehreek",
    "e",
    "i",
    "-",
    "‑",
    "–",
    "—",
    "’",
    "'s",
    "(",
    ")",
    "(BLA)",
    "Balochistan",
    "Liberation",
    "Army",
    "Pakistan",
    "Pakistani",
    "Lashkar-e-Toiba",
    "Faroqqi",
    "Abd",
    "al-",
    "Abdul",
    "Kabul",
    "کابل",
    "طالبان",
    "تحريك",
    "\u{200C}",
    "\u{200D}",
    "\u{0640}",
    "\u{064E}",
    "\u{0301}",
    "\u{200F}",
    "\u{200E}",
    "\u{202E}",
    "\u{202C}",
    "🚀",
    "👩‍👩‍👧",
    "🇵🇰",
    "पाकिस्तान",
    "Пакистан",
    "\0",
    "\t",
    "\n",
    " ",
    " ",
    ".",
    ",",
    "Ä",
    "ß",
    "İ",
    "ﬁ",
    "Ⅸ",
    "é",
    "e\u{0301}",
];

fn text_strategy() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => proptest::sample::select(PIECES).prop_map(str::to_string),
        1 => any::<char>().prop_map(|c| c.to_string()),
        1 => "[a-zA-Z]{1,9}",
    ];
    proptest::collection::vec((piece, proptest::bool::ANY), 0..40).prop_map(|parts| {
        parts
            .into_iter()
            .map(|(p, space)| if space { format!("{p} ") } else { p })
            .collect()
    })
}

// Cases: 256 by default; PROPTEST_CASES=20000 for a longer search.
proptest! {

    #[test]
    fn offsets_slice_back_and_mentions_do_not_overlap(text in text_strategy(), fuzzy in proptest::bool::ANY) {
        let options = ResolveOptions { fuzzy, ..ResolveOptions::default() };
        let resolution = resolver().resolve(&text, &options).unwrap();
        let mut previous_end = 0;
        for mention in &resolution.mentions {
            prop_assert!(mention.start < mention.end);
            prop_assert!(mention.start >= previous_end, "overlap or disorder: {:?}", resolution.mentions);
            prop_assert!(text.is_char_boundary(mention.start) && text.is_char_boundary(mention.end));
            prop_assert_eq!(&text[mention.start..mention.end], mention.text.as_str());
            let chars: Vec<char> = text.chars().collect();
            let by_chars: String = chars[mention.char_start..mention.char_end].iter().collect();
            prop_assert_eq!(&by_chars, &mention.text);
            let units: Vec<u16> = text.encode_utf16().collect();
            let by_units = String::from_utf16(&units[mention.utf16_start..mention.utf16_end]).unwrap();
            prop_assert_eq!(&by_units, &mention.text);
            prop_assert!((0.0..=1.0).contains(&mention.score));
            previous_end = mention.end;
        }
    }
}
