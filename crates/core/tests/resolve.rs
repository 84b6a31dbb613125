//! Table-driven tests of the resolver on news-style sentences written for
//! these tests: what must be found (entity, text, match kind) and what must
//! never be returned.

use std::sync::OnceLock;

use entity_resolver_core::{MatchKind, NormalizedText, Resolution, ResolveOptions, Resolver};

fn resolver() -> &'static Resolver {
    static RESOLVER: OnceLock<Resolver> = OnceLock::new();
    RESOLVER.get_or_init(|| Resolver::embedded().expect("the embedded table is valid"))
}

fn resolve(text: &str) -> Resolution {
    resolver()
        .resolve(text, &ResolveOptions::default())
        .expect("default options are valid")
}

struct Case {
    name: &'static str,
    text: &'static str,
    /// (entity id, text of the mention, match kind)
    found: &'static [(&'static str, &'static str, MatchKind)],
}

#[test]
fn mentions_found() {
    use MatchKind::*;
    let cases = [
        Case {
            name: "acronyms and a place",
            text: "ISKP and the TTP clashed near Torkham.",
            found: &[
                ("isis-k", "ISKP", Acronym),
                ("ttp", "TTP", Acronym),
                ("torkham", "Torkham", Exact),
            ],
        },
        Case {
            name: "possessive and curly apostrophe",
            text: "Kabul’s new curfew followed Pakistan's complaint.",
            found: &[("kabul", "Kabul", Exact), ("pakistan", "Pakistan", Exact)],
        },
        Case {
            name: "hyphen and dash variants",
            text:
                "Officials blamed ISIS‑K, also written ISIL–K, and the Tehrik e Taliban Pakistan.",
            found: &[
                ("isis-k", "ISIS‑K", Acronym),
                ("isis-k", "ISIL–K", Acronym),
                ("ttp", "Tehrik e Taliban Pakistan", Normalized),
            ],
        },
        Case {
            name: "title-case acronyms as some house styles write them",
            text: "Isis-K and Nato were both named; Ttp denied it.",
            found: &[
                ("isis-k", "Isis-K", Acronym),
                ("nato", "Nato", Acronym),
                ("ttp", "Ttp", Acronym),
            ],
        },
        Case {
            name: "dotted acronyms",
            text: "The U.S. envoy met U.N. officials in Doha.",
            found: &[
                ("united-states", "U.S.", Acronym),
                ("united-nations", "U.N.", Acronym),
                ("doha", "Doha", Exact),
            ],
        },
        Case {
            name: "longest alias wins",
            text: "The Pakistani Taliban and the Afghan Taliban are distinct.",
            found: &[
                ("ttp", "Pakistani Taliban", Exact),
                ("taliban", "Afghan Taliban", Exact),
            ],
        },
        Case {
            name: "transliteration variants",
            text: "A statement from Tehreek-ye-Talibaan Pakistan reached reporters.",
            found: &[("ttp", "Tehreek-ye-Talibaan Pakistan", Normalized)],
        },
        Case {
            name: "misspellings resolve fuzzily (\"Lashkar-e-Toiba\" is published by the UN, so an alias now)",
            text:
                "Analysts linked Lashkar-e-Tiaba to the attack, and Nadeem Ahmed Anjam commented.",
            found: &[
                ("lashkar-e-taiba", "Lashkar-e-Tiaba", Fuzzy),
                ("nadeem-anjum", "Nadeem Ahmed Anjam", Fuzzy),
            ],
        },
        Case {
            name: "partial names after a full name",
            text: "Munir Akram spoke first. Later, Akram repeated the warning.",
            found: &[
                ("munir-akram", "Munir Akram", Exact),
                ("munir-akram", "Akram", PartialName),
            ],
        },
        Case {
            name: "acronym defined in the text",
            text: "The Balochistan Liberation Army (BLA) claimed the attack; BLA fighters fled.",
            found: &[
                ("bla", "Balochistan Liberation Army", Exact),
                ("bla", "BLA", Acronym),
                ("bla", "BLA", Acronym),
            ],
        },
        Case {
            name: "multi-word names in any case",
            text: "islamic state khorasan province cells were broken up.",
            found: &[("isis-k", "islamic state khorasan province", Normalized)],
        },
        Case {
            name: "a comma ends a name",
            text: "They met Jamaat-e-Islami, Pakistan's oldest party.",
            found: &[
                ("jamaat-e-islami", "Jamaat-e-Islami", Exact),
                ("pakistan", "Pakistan", Exact),
            ],
        },
        Case {
            name: "Arabic-script names",
            text: "بیان تحریک طالبان پاکستان منتشر شد",
            found: &[("ttp", "تحریک طالبان پاکستان", NativeScript)],
        },
    ];
    for case in cases {
        let resolution = resolve(case.text);
        let got: Vec<(&str, &str, MatchKind)> = resolution
            .mentions
            .iter()
            .map(|m| (m.entity_id.as_str(), m.text.as_str(), m.match_kind))
            .collect();
        for expected in case.found {
            assert!(
                got.contains(expected),
                "{}: {expected:?} not in {got:?}",
                case.name
            );
        }
        for mention in &resolution.mentions {
            assert_eq!(
                &case.text[mention.start..mention.end],
                mention.text,
                "{}: span",
                case.name
            );
            assert!(
                !mention.explanation.is_empty(),
                "{}: explanation",
                case.name
            );
            assert!(
                mention.score > 0.0 && mention.score < 1.0,
                "{}: score {}",
                case.name,
                mention.score
            );
        }
    }
}

#[test]
fn look_alikes_and_common_words_are_never_confused() {
    // (name, text, entity that must not be returned)
    let cases: &[(&str, &str, &str)] = &[
        (
            "ISI is not ISIS",
            "The ISI denied any role.",
            "islamic-state",
        ),
        ("ISIS is not ISI", "ISIS claimed the bombing.", "isi"),
        (
            "TLP is not TTP",
            "Tehreek-e-Labbaik Pakistan marched on the capital.",
            "ttp",
        ),
        (
            "TTP is not TLP",
            "Tehreek-e-Taliban Pakistan attacked a checkpost.",
            "tehreek-e-labbaik-pakistan",
        ),
        (
            "PTI is not TTP",
            "Pakistan Tehreek-e-Insaf won the seat.",
            "ttp",
        ),
        (
            "JuD is not Jamaat-e-Islami",
            "Jamaat-ud-Dawa ran the relief camps.",
            "jamaat-e-islami",
        ),
        (
            "Jamaat-e-Islami is not JuD",
            "Jamaat-e-Islami held a rally.",
            "jamaat-ud-dawa",
        ),
        (
            "Hizb-e-Islami is not Hizb ut-Tahrir",
            "Hizb-e-Islami fighters surrendered.",
            "hizb-ut-tahrir",
        ),
        (
            "lower-case us",
            "He told us the road was closed.",
            "united-states",
        ),
        (
            "sentence-initial Is",
            "Is the border open? Nobody knows.",
            "islamic-state",
        ),
        (
            "lower-case isi",
            "The word isi appears in a transliteration.",
            "isi",
        ),
        (
            "price is a word",
            "The price of flour rose in Kabul.",
            "ned-price",
        ),
        (
            "turkey is a bird",
            "They ate turkey at the embassy.",
            "turkey",
        ),
        (
            "surname without a full name",
            "Akram said the talks failed.",
            "munir-akram",
        ),
        (
            "demonym is not the country",
            "Pakistani officials declined to comment.",
            "pakistan",
        ),
        (
            "Let is a word, LeT an acronym",
            "Let the talks begin.",
            "lashkar-e-taiba",
        ),
        (
            "Jaish al-Adl is not Jaish-e-Mohammed",
            "Jaish al-Adl attacked a post near Zahedan.",
            "jaish-e-mohammed",
        ),
        (
            "Jaish-e-Mohammed is not Jaish al-Adl",
            "Jaish-e-Mohammed was banned.",
            "jaish-al-adl",
        ),
        (
            "the Khorasan Group is not ISIS-K",
            "The Khorasan Group plotted in Syria.",
            "isis-k",
        ),
        (
            "Lashkar-e-Jhangvi is not Lashkar-e-Taiba",
            "Lashkar-e-Jhangvi bombed a procession.",
            "lashkar-e-taiba",
        ),
        (
            "the father is not the son",
            "Asif Ali Zardari was sworn in.",
            "bilawal-bhutto-zardari",
        ),
        (
            "one brother is not the other",
            "Shehbaz Sharif met the envoy.",
            "nawaz-sharif",
        ),
        (
            "Jalaluddin is not Sirajuddin",
            "Jalaluddin Haqqani founded the network.",
            "sirajuddin-haqqani",
        ),
        (
            "a place named after a man is not the man",
            "Dera Ismail Khan was under curfew.",
            "ismail-khan",
        ),
        (
            "a militant sharing a name is not the preacher",
            "Hafiz Saeed Khan led the Khorasan branch.",
            "hafiz-saeed",
        ),
        (
            "two-letter acronym in a shouted headline",
            "LET US ACT NOW, SAYS ENVOY",
            "united-states",
        ),
    ];
    for (name, text, forbidden) in cases {
        // The look-alike must exist, or the row could never fail.
        assert!(
            resolver().index().entity(forbidden).is_some(),
            "{name}: {forbidden} is not in the table"
        );
        let resolution = resolve(text);
        let ids: Vec<&str> = resolution
            .mentions
            .iter()
            .map(|m| m.entity_id.as_str())
            .collect();
        assert!(
            !ids.contains(forbidden),
            "{name}: {forbidden} returned for {text:?}: {ids:?}"
        );
    }
}

#[test]
fn a_later_full_name_takes_the_shared_surname() {
    // (name, text, the entity each bare "Khan" / "Muttaqi" resolves to, in order)
    let cases: &[(&str, &str, &[&str])] = &[
        (
            "a surname goes to the latest full name that ends with it",
            "Amir Khan Muttaqi replied, and Muttaqi left. Imran Khan returned; Khan smiled.",
            &["amir-khan-muttaqi", "imran-khan"],
        ),
        (
            "a title-like word inside a name is nobody's short form",
            "Amir Khan Muttaqi replied. Khan left.",
            &[],
        ),
        (
            "a surname before any full name is nobody",
            "Khan spoke before Imran Khan arrived.",
            &[],
        ),
    ];
    for (name, text, expected) in cases {
        let resolution = resolve(text);
        let bare: Vec<&str> = resolution
            .mentions
            .iter()
            .filter(|m| m.text == "Khan" || m.text == "Muttaqi")
            .map(|m| m.entity_id.as_str())
            .collect();
        assert_eq!(bare, *expected, "{name}");
    }
}

#[test]
fn offsets_in_three_units_and_normalised_text() {
    let text = "🚀 Pakistan’s envoy met the Taliban in Doha.";
    let resolution = resolve(text);
    assert!(resolution.mentions.len() >= 3, "{:?}", resolution.mentions);
    for mention in &resolution.mentions {
        let before = &text[..mention.start];
        assert_eq!(mention.char_start, before.chars().count());
        assert_eq!(mention.utf16_start, before.encode_utf16().count());
        assert_eq!(
            mention.char_end - mention.char_start,
            mention.text.chars().count()
        );
        assert_eq!(
            mention.utf16_end - mention.utf16_start,
            mention.text.encode_utf16().count()
        );
    }
    assert_eq!(
        resolution.normalized_text.as_deref(),
        Some("🚀 Pakistan’s envoy met the Taliban in Doha.")
    );
    let renamed = resolve("ISKP struck.");
    assert_eq!(
        renamed.normalized_text.as_deref(),
        Some("Islamic State Khorasan Province struck.")
    );
}

#[test]
fn scores_are_ordered_by_kind_of_match() {
    let exact = resolve("Lashkar-e-Taiba").mentions[0].score;
    let normalized = resolve("lashkar e taiba").mentions[0].score;
    let fuzzy = resolve("Lashkar-e-Tiaba").mentions[0].score;
    assert!(
        exact > normalized && normalized > fuzzy,
        "{exact} {normalized} {fuzzy}"
    );
    assert!(exact < 1.0);
}

#[test]
fn options_filter_and_validate() {
    let text = "ISKP and the TTP clashed near Torkham.";
    let only_places = ResolveOptions {
        entity_types: vec![entity_resolver_core::EntityType::Location],
        ..ResolveOptions::default()
    };
    let places = resolver().resolve(text, &only_places).unwrap();
    assert_eq!(
        places
            .mentions
            .iter()
            .map(|m| m.entity_id.as_str())
            .collect::<Vec<_>>(),
        ["torkham"]
    );

    let sure = ResolveOptions {
        min_score: 0.95,
        ..ResolveOptions::default()
    };
    let high = resolver().resolve(text, &sure).unwrap();
    assert!(high.mentions.iter().all(|m| m.score >= 0.95) && !high.mentions.is_empty());

    let no_fuzzy = ResolveOptions {
        fuzzy: false,
        ..ResolveOptions::default()
    };
    let strict = resolver()
        .resolve("Lashkar-e-Tiaba struck.", &no_fuzzy)
        .unwrap();
    assert!(strict.mentions.is_empty(), "{:?}", strict.mentions);

    for bad in [2.0, -0.1, f32::NAN] {
        let options = ResolveOptions {
            min_score: bad,
            ..ResolveOptions::default()
        };
        let error = resolver().resolve(text, &options).unwrap_err().to_string();
        assert!(error.contains("options.min_score"), "{error}");
    }
}

#[test]
fn normalized_text_modes() {
    let text = "ISKP and the TTP clashed near Torkham.";
    let cases: [(NormalizedText, Option<&str>); 3] = [
        (
            NormalizedText::CanonicalName,
            Some("Islamic State Khorasan Province and the Tehrik-i-Taliban Pakistan clashed near Torkham."),
        ),
        (
            NormalizedText::EntityId,
            Some("isis-k and the ttp clashed near torkham."),
        ),
        (NormalizedText::Omit, None),
    ];
    for (mode, want) in cases {
        let options = ResolveOptions {
            normalized_text: mode,
            ..ResolveOptions::default()
        };
        let resolution = resolver().resolve(text, &options).unwrap();
        assert_eq!(resolution.normalized_text.as_deref(), want, "{mode:?}");
        assert_eq!(
            resolution.mentions.len(),
            3,
            "{mode:?}: mentions do not depend on the mode"
        );
    }
}

/// One misspelt word is as often another word or name: a fuzzy match of a
/// one-word name stands only where the document names its entity, or one
/// related to it, some other way too. Multi-word misspellings need no such
/// support (one of their words is exact).
#[test]
fn a_misspelt_word_needs_the_document_behind_it() {
    // (name, text, entity, whether it is returned for the misspelt word)
    let cases: &[(&str, &str, &str, bool)] = &[
        (
            "a rugby player is not a country",
            "Handre Pollard kicked the penalty goal.",
            "poland",
            false,
        ),
        (
            "a striker is not Holland",
            "Erling Haaland scored twice.",
            "netherlands",
            false,
        ),
        (
            "the misspelt city beside its own name",
            "PESHAWAR: a blast hit Peshwar's police lines.",
            "peshawar",
            true,
        ),
        (
            "the misspelt region beside its province",
            "Khyber Pakhtunkhwa officials said the bomber came from Wazirstan.",
            "waziristan",
            true,
        ),
        (
            "the misspelt region alone",
            "The bomber came from Wazirstan.",
            "waziristan",
            false,
        ),
    ];
    for (name, text, entity, expected) in cases {
        assert!(
            resolver().index().entity(entity).is_some(),
            "{name}: {entity} not in the table"
        );
        let resolution = resolve(text);
        let fuzzy_hit = resolution
            .mentions
            .iter()
            .any(|m| m.entity_id == *entity && m.match_kind == MatchKind::Fuzzy);
        assert_eq!(
            fuzzy_hit, *expected,
            "{name}: {text:?} -> {:?}",
            resolution.mentions
        );
    }
}

/// A place inside a longer name is not a mention of the place; a place
/// qualified by the words places combine with still is.
#[test]
fn a_place_inside_a_longer_name_is_not_the_place() {
    // (name, text, place, whether the place is returned)
    let cases: &[(&str, &str, &str, bool)] = &[
        (
            "an airline",
            "A Virgin Australia jet landed in Cairns.",
            "australia",
            false,
        ),
        (
            "a party",
            "The vote went to the Sweden Democrats.",
            "sweden",
            false,
        ),
        (
            "a club",
            "They beat Bayern Munich at home.",
            "munich",
            false,
        ),
        (
            "a club after the place",
            "They face Paris Saint-Germain next.",
            "paris",
            false,
        ),
        (
            "a tournament",
            "She won the U.S. Open twice.",
            "united-states",
            false,
        ),
        (
            "a person",
            "The cross came from Jordan Henderson.",
            "jordan",
            false,
        ),
        (
            "a particle",
            "He won the Tour de France in 2019.",
            "france",
            false,
        ),
        (
            "a currency",
            "Shares closed at US$121.35 on Friday.",
            "united-states",
            false,
        ),
        (
            "a bank after of",
            "The Bank of Japan kept rates on hold.",
            "japan",
            false,
        ),
        (
            "a party after of",
            "The Liberal Party of Canada took 184 seats.",
            "canada",
            false,
        ),
        (
            "a court after of, in a headline",
            "Supreme Court of Canada Orders New Trial",
            "canada",
            false,
        ),
        (
            "a government after of",
            "The Government of Pakistan denied it.",
            "pakistan",
            true,
        ),
        (
            "a lower-case bank after of",
            "The central bank of Japan kept rates on hold.",
            "japan",
            true,
        ),
        (
            "a stock ticker",
            "Netflix (US:NFLX) rose.",
            "united-states",
            false,
        ),
        (
            "a sentence-initial word",
            "In Kabul, shops reopened.",
            "kabul",
            true,
        ),
        (
            "a point of the compass",
            "Floods hit Southern Punjab again.",
            "punjab",
            true,
        ),
        (
            "an administrative unit",
            "Officials in Kabul province said so.",
            "kabul",
            true,
        ),
        (
            "a title",
            "The US President spoke on Monday.",
            "united-states",
            true,
        ),
        ("a demonym", "Pakistani Punjab was flooded.", "punjab", true),
        (
            "a possessive",
            "Spain's Juan Pedro Lopez kept the lead.",
            "spain",
            true,
        ),
        (
            "a party its acronym spells",
            "Rabiu Kwankwaso of the New Nigeria People's Party (NNPP) came third.",
            "nigeria",
            false,
        ),
        (
            "the place its acronym spells",
            "Police in Khyber Pakhtunkhwa (KP) were put on alert.",
            "khyber-pakhtunkhwa",
            true,
        ),
        (
            "an acronym that spells other words",
            "Police in Punjab (PK) were put on alert.",
            "punjab",
            true,
        ),
        (
            "a city named after a state",
            "The Kansas City Chiefs came back to win.",
            "kansas-us",
            false,
        ),
        (
            "a university",
            "Bennett, a senior at Texas A&M, led the amateurs.",
            "texas-us",
            false,
        ),
        (
            "an agency named after its state",
            "The News Service of Florida reported the order.",
            "florida-us",
            false,
        ),
        (
            "a state's guard",
            "Five thousand Florida National Guard troops were ready.",
            "florida-us",
            true,
        ),
        (
            "a treaty",
            "It had nothing to do with the Oslo accords.",
            "oslo",
            false,
        ),
        (
            "a court case",
            "In Carter v. Canada (Attorney General), the court ruled.",
            "canada",
            false,
        ),
        (
            "a match",
            "Pakistan v. India was sold out, and India won.",
            "pakistan",
            true,
        ),
        (
            "a district's officer",
            "Speaking to the media, the Kurram DHO said two were hurt.",
            "kurram",
            true,
        ),
        (
            "a region's police officer",
            "Earlier, Bannu Regional Police Officer Sajjad Khan confirmed it.",
            "bannu",
            true,
        ),
        (
            "a pair of places beside a capitalised name",
            "They keep the Dogharoon Iran-Afghanistan border gate open.",
            "iran",
            true,
        ),
        (
            "a title-case headline",
            "Pakistan Warns Taliban Fighters May Join ISIS",
            "pakistan",
            true,
        ),
        (
            "a shouted headline",
            "PAKISTAN TELLS KABUL TO ACT",
            "kabul",
            true,
        ),
    ];
    for (name, text, place, expected) in cases {
        assert!(
            resolver().index().entity(place).is_some(),
            "{name}: {place} not in the table"
        );
        let resolution = resolve(text);
        let found = resolution.mentions.iter().any(|m| m.entity_id == *place);
        assert_eq!(
            found, *expected,
            "{name}: {text:?} -> {:?}",
            resolution.mentions
        );
    }
}

/// Arabic-script names as the four orthographies and real print write them:
/// letters one language writes for another's, glued proclitics (outside the
/// span), endings (inside), acronyms spelled in letter names, and
/// look-alikes that only the folding brings together.
#[test]
fn arabic_script_as_printed() {
    // (phenomenon, text, entity, the span's text, or None: not returned)
    let cases: &[(&str, &str, &str, Option<&str>)] = &[
        (
            "Arabic letters for Urdu ones",
            "هجوم في كراتشي أمس",
            "karachi",
            Some("كراتشي"),
        ),
        (
            "Arabic ب for پ",
            "قالت باكستان إن",
            "pakistan",
            Some("باكستان"),
        ),
        (
            "Urdu silent final heh",
            "صوبہ خیبر پختونخواہ میں",
            "khyber-pakhtunkhwa",
            Some("خیبر پختونخواہ"),
        ),
        (
            "Pashto ښ for Urdu خ",
            "په خیبر پښتونخوا کې",
            "khyber-pakhtunkhwa",
            Some("خیبر پښتونخوا"),
        ),
        ("glued و", "طالبان وکابل", "kabul", Some("کابل")),
        (
            "glued Pashto د",
            "دپاکستان حکومت",
            "pakistan",
            Some("پاکستان"),
        ),
        (
            "one word in Pashto's own letters, folded to the Urdu name",
            "په خېبرپښتونخوا کې ډزې وشوې",
            "khyber-pakhtunkhwa",
            Some("خېبرپښتونخوا"),
        ),
        (
            "a native name that is a common word, with its province",
            "بلوچستان کے چمن بارڈر پر آمد و رفت بند ہے",
            "chaman",
            Some("چمن"),
        ),
        (
            "the common word alone",
            "شہر کے چمن میں پھول کھلے ہیں",
            "chaman",
            None,
        ),
        (
            "Daesh's Khorasan branch, in Persian",
            "شاخه خراسان داعش مسئولیت حمله را پذیرفت",
            "isis-k",
            Some("شاخه خراسان داعش"),
        ),
        (
            "Arabic jim for the Urdu gaf",
            "وقالت مريم أورنجزيب إن الحكومة",
            "marriyum-aurangzeb",
            Some("مريم أورنجزيب"),
        ),
        (
            "Pashto oblique of a name in -ه",
            "الجزیرې ته یې وویل",
            "al-jazeera",
            Some("الجزیرې"),
        ),
        (
            "Pashto oblique plural",
            "د طالبانو ویاند",
            "taliban",
            Some("طالبانو"),
        ),
        (
            "Persian plural with a joiner",
            "طالبان‌ها گفتند",
            "taliban",
            Some("طالبان‌ها"),
        ),
        (
            "glued Urdu postposition",
            "عاصم منیرکو خط",
            "asim-munir",
            Some("عاصم منیرکو"),
        ),
        (
            "Urdu letter names",
            "ٹی ٹی پی نے ذمہ داری قبول کی",
            "ttp",
            Some("ٹی ٹی پی"),
        ),
        (
            "Pashto letter names",
            "د ټي ټي پي وياند",
            "ttp",
            Some("ټي ټي پي"),
        ),
        ("two letter names that are words", "اس کی بات", "ttp", None),
        ("چ/ج look-alike alone", "چند روز پہلے", "jand", None),
        (
            "a demonym is not the country",
            "پاکستانی فوج",
            "pakistan",
            None,
        ),
        (
            "a compound joined, its hamza left out",
            "ثناالله غفاری کشته شد",
            "shahab-al-muhajir",
            Some("ثناالله غفاری"),
        ),
        (
            "an alef before an s-cluster, joined",
            "در قندهار و اسپینبولدک",
            "spin-boldak",
            Some("اسپینبولدک"),
        ),
        (
            "a Persian text's word Arabic would spell alike",
            "گفت که وده",
            "wadh",
            None,
        ),
    ];
    for (name, text, entity, expected) in cases {
        assert!(
            resolver().index().entity(entity).is_some(),
            "{name}: {entity} not in the table"
        );
        let resolution = resolve(text);
        let found = resolution
            .mentions
            .iter()
            .find(|m| m.entity_id == *entity)
            .map(|m| &text[m.start..m.end]);
        assert_eq!(
            found, *expected,
            "{name}: {text:?} -> {:?}",
            resolution.mentions
        );
    }
    // The second half of a compound given name is no short form of it.
    let text = "سراج الدين حقاني وویل. بیا جلال الدين راغی";
    let later = text.rfind("الدين").unwrap();
    let resolution = resolve(text);
    assert!(
        resolution
            .mentions
            .iter()
            .any(|m| m.entity_id == "sirajuddin-haqqani")
            && resolution.mentions.iter().all(|m| m.end <= later),
        "{:?}",
        resolution.mentions
    );
    // Arabic script has no capitals: a later bare surname is still a short form.
    let text = "عمران خان گرفتار ہوئے۔ خان نے کہا کہ";
    let later = text.rfind("خان").unwrap();
    let resolution = resolve(text);
    assert!(
        resolution
            .mentions
            .iter()
            .any(|m| m.start == later && m.entity_id == "imran-khan"),
        "{:?}",
        resolution.mentions
    );
}

/// People in context: a shorter form inside a longer name, an unknown full
/// name claiming its own surname, roles that do not fit, and a surname two
/// people named before share (offered with alternatives).
#[test]
fn people_in_context() {
    // (phenomenon, text, the span's text, entity it must resolve to or None)
    let cases: &[(&str, &str, &str, Option<&str>)] = &[
        (
            "a surname inside a longer unknown name",
            "Imran Khan was jailed. Justice Sardar Ejaz Ishaq Khan heard the case.",
            "Khan",
            None,
        ),
        (
            "an unknown full name claims the later surname",
            "Imran Khan was jailed. Police said Javed Khan was hurt. Khan is in hospital.",
            "Khan",
            None,
        ),
        (
            "a known full name still lends its surname",
            "Imran Khan was jailed. Khan's lawyers appealed.",
            "Khan",
            Some("imran-khan"),
        ),
        (
            "a title before the surname",
            "Imran Khan was jailed. Mr Khan appealed.",
            "Khan",
            Some("imran-khan"),
        ),
        (
            "a role that does not fit",
            "Swat pacer Imran Khan took three wickets.",
            "Imran Khan",
            None,
        ),
        (
            "a police role that does not fit",
            "The police official Ismail Khan said two were killed.",
            "Ismail Khan",
            None,
        ),
        (
            "a former role fits",
            "Former cricketer Imran Khan founded the party.",
            "Imran Khan",
            Some("imran-khan"),
        ),
    ];
    for (name, text, span, expected) in cases {
        let resolution = resolve(text);
        // The last occurrence of the span: the later use the rule is about.
        let at = text.rfind(span).unwrap();
        let found = resolution
            .mentions
            .iter()
            .find(|m| m.start == at)
            .map(|m| m.entity_id.as_str());
        assert_eq!(
            found, *expected,
            "{name}: {text:?} -> {:?}",
            resolution.mentions
        );
    }
    let shared = resolve("Nawaz Sharif met Shehbaz Sharif. Sharif said the talks went well.");
    let bare = shared
        .mentions
        .iter()
        .find(|m| m.start == 33)
        .expect("the bare surname is a mention");
    let offered: Vec<&str> = std::iter::once(bare.entity_id.as_str())
        .chain(bare.alternatives.iter().map(|a| a.entity_id.as_str()))
        .collect();
    assert_eq!(offered, ["shehbaz-sharif", "nawaz-sharif"], "{:?}", bare);
}

/// Look-alikes within and across scripts: folding and fuzzy matching never
/// carry a name to a different real entity, and a credit names the agency.
#[test]
fn look_alikes_stay_apart() {
    // (pair, text, the span's text, entity it must be, entity it must not be)
    let cases: &[(&str, &str, &str, Option<&str>, &str)] = &[
        (
            "TTP / TLP",
            "TTP militants attacked a post in Bannu.",
            "TTP",
            Some("ttp"),
            "tehreek-e-labbaik-pakistan",
        ),
        (
            "TLP / TTP",
            "TLP workers blocked the roads in Lahore.",
            "TLP",
            Some("tehreek-e-labbaik-pakistan"),
            "ttp",
        ),
        (
            "ISI / ISIS",
            "ISI officials met in Islamabad.",
            "ISI",
            Some("isi"),
            "islamic-state",
        ),
        (
            "ISIS / ISI",
            "ISIS fighters regrouped in Syria.",
            "ISIS",
            Some("islamic-state"),
            "isi",
        ),
        (
            "Qalat / Kalat",
            "In Zabul, officials in Qalat said the road was closed.",
            "Qalat",
            Some("qalat"),
            "kalat",
        ),
        (
            "Kalat / Qalat",
            "Levies in Kalat said two were hurt.",
            "Kalat",
            None,
            "qalat",
        ),
        (
            "Kalat with support",
            "Levies in Kalat, Balochistan, said two were hurt.",
            "Kalat",
            Some("kalat"),
            "qalat",
        ),
        (
            "چ / ج (Urdu word, Jand)",
            "چند روز پہلے",
            "چند",
            None,
            "jand",
        ),
        (
            "پ / ب in Arabic",
            "قالت باكستان إن",
            "باكستان",
            Some("pakistan"),
            "bakhtar-news-agency",
        ),
        (
            "a credit",
            "ISLAMABAD (APP) — The cabinet met.",
            "APP",
            Some("associated-press-of-pakistan"),
            "pti",
        ),
        (
            "a source speaking to an outlet",
            "The officer confirmed the incident to Dawn, saying two were hurt.",
            "Dawn",
            Some("dawn"),
            "ttp",
        ),
        (
            "an outlet's site",
            "The officer had confirmed the incident to Dawn.com on Monday.",
            "Dawn",
            Some("dawn"),
            "ttp",
        ),
        (
            "a photographer's credit",
            "A picture taken by Massoud Hossaini/AP Photo shows the camp.",
            "AP",
            Some("associated-press"),
            "andhra-pradesh",
        ),
        (
            "the word at dawn",
            "They attacked the post at dawn, police said.",
            "dawn",
            None,
            "dawn",
        ),
        (
            "a credit after",
            "Two were killed, AP reported.",
            "AP",
            Some("associated-press"),
            "andhra-pradesh",
        ),
        (
            "not a credit",
            "The party won in AP and Telangana.",
            "AP",
            None,
            "associated-press",
        ),
        (
            "Georgia, the US state, beside other states",
            "The pilot was from Maryland; a passenger lived in Marietta, Georgia.",
            "Georgia",
            Some("georgia-us"),
            "georgia",
        ),
        (
            "Georgia, the country, beside its neighbours",
            "Talks in Armenia and Azerbaijan moved on to Georgia.",
            "Georgia",
            Some("georgia"),
            "georgia-us",
        ),
        (
            "Niger State in a list of Nigerian states",
            "He won Kwara, Benue, Niger and Ogun.",
            "Niger",
            Some("niger-state-ng"),
            "niger",
        ),
        (
            "Niger, the country, on its own",
            "Troops left Niger last year.",
            "Niger",
            Some("niger"),
            "niger-state-ng",
        ),
        (
            "NAB, the Australian bank",
            "In Australia the banks ANZ and NAB led the list.",
            "NAB",
            Some("national-australia-bank"),
            "nab",
        ),
        (
            "NAB, Pakistan's bureau",
            "NAB summoned the former minister, Pakistan's media said.",
            "NAB",
            Some("nab"),
            "national-australia-bank",
        ),
        (
            "NAB with nothing to decide",
            "NAB summoned the former minister.",
            "NAB",
            Some("nab"),
            "national-australia-bank",
        ),
        (
            "the US institutes, not Pakistan's institute",
            "The vaccine was developed by the National Institutes of Health and Moderna.",
            "National Institutes of Health",
            Some("nih-united-states"),
            "nih-pakistan",
        ),
        (
            "New York, the state, beside another state",
            "It left Lansing, Michigan, bound for White Plains, New York.",
            "New York",
            Some("new-york-state-us"),
            "new-york-city",
        ),
        (
            "Georgia, the US state, in a story about a US president",
            "Donald Trump disputed Georgia's election results.",
            "Georgia",
            Some("georgia-us"),
            "georgia",
        ),
        (
            "New York, the city",
            "The US envoy spoke at the UN in New York.",
            "New York",
            Some("new-york-city"),
            "new-york-state-us",
        ),
    ];
    for (pair, text, span, expected, never) in cases {
        let resolution = resolve(text);
        let at = text.find(span).unwrap();
        let found = resolution
            .mentions
            .iter()
            .find(|m| m.start == at)
            .map(|m| m.entity_id.as_str());
        assert_eq!(
            found, *expected,
            "{pair}: {text:?} -> {:?}",
            resolution.mentions
        );
        assert!(
            resolution.mentions.iter().all(|m| m.entity_id != *never),
            "{pair}: {never} in {:?}",
            resolution.mentions
        );
    }
}

/// Lower case as posts write it: a name the document also writes as a name
/// resolves in an all-lower-case sentence; ordinary prose keeps its words.
#[test]
fn lower_case_names_in_posts() {
    // (what, text, the span's text, entity it must resolve to or None)
    let cases: &[(&str, &str, &str, Option<&str>)] = &[
        (
            "a post",
            "The Taliban took Kabul. \"taliban are back lol\"",
            "taliban",
            Some("taliban"),
        ),
        (
            "an acronym in a post",
            "Imran Khan leads the PTI. \"nobody listened. pti was right.\"",
            "pti",
            Some("pti"),
        ),
        (
            "a word in prose",
            "Turkey hosted talks. We ate turkey at the dinner.",
            "turkey",
            None,
        ),
        (
            "not named as a name",
            "\"taliban are back lol\"",
            "taliban",
            None,
        ),
        (
            "two letters stay words",
            "The US spoke. \"pray for us all\"",
            "us",
            None,
        ),
    ];
    for (what, text, span, expected) in cases {
        let resolution = resolve(text);
        let at = text.rfind(span).unwrap();
        let found = resolution
            .mentions
            .iter()
            .find(|m| m.start == at)
            .map(|m| m.entity_id.as_str());
        assert_eq!(
            found, *expected,
            "{what}: {text:?} -> {:?}",
            resolution.mentions
        );
    }
}
