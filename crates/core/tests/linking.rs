//! Document-level linking on small tables written here, so each rule is
//! tested in isolation: acronyms defined in the text, shared aliases decided
//! by context, weak aliases, partial names and Arabic-script letter variants.

use std::sync::Arc;

use entity_resolver_core::{AliasTable, Index, MatchKind, Resolution, ResolveOptions, Resolver};

const TABLE: &str = r#"
[[entity]]
id = "blf"
name = "Balochistan Liberation Front"
type = "organization"

[[entity]]
id = "haqqani-network"
name = "Haqqani Network"
type = "organization"
ambiguous = ["Haqqanis"]
related = ["taliban"]

[[entity]]
id = "haqqani-family"
name = "Haqqani family"
type = "other"
ambiguous = ["Haqqanis"]
related = ["darul-uloom-haqqania"]

[[entity]]
id = "taliban"
name = "Taliban"
type = "organization"
aliases = ["Afghan Taliban"]
native = ["طالبان"]

[[entity]]
id = "ttp"
name = "Tehrik-i-Taliban Pakistan"
type = "organization"
aliases = ["Pakistani Taliban"]
native = ["پاکستانی طالبان"]
related = ["taliban", "al-qaeda"]

[[entity]]
id = "al-qaeda"
name = "al-Qaeda"
type = "organization"
related = ["taliban"]

[[entity]]
id = "ehsanullah-ehsan"
name = "Ehsanullah Ehsan"
type = "person"
related = ["ttp"]

[[entity]]
id = "darul-uloom-haqqania"
name = "Darul Uloom Haqqania"
type = "organization"

[[entity]]
id = "dawn"
name = "Dawn"
type = "organization"
aliases = ["Dawn newspaper"]
weak = ["Dawn"]

[[entity]]
id = "afghanistan"
name = "Afghanistan"
type = "location"
native = ["افغانستان"]

[[entity]]
id = "kabul"
name = "Kabul"
type = "location"
native = ["کابل"]

[[entity]]
id = "nawaz-sharif"
name = "Nawaz Sharif"
type = "person"

[[entity]]
id = "shehbaz-sharif"
name = "Shehbaz Sharif"
type = "person"

[[entity]]
id = "shahab-al-muhajir"
name = "Shahab al-Muhajir"
type = "person"
native = ["ثناالله غفاری"]
"#;

fn resolver() -> Resolver {
    let table = AliasTable::from_sources([("test.toml".to_string(), TABLE.to_string())]).unwrap();
    Resolver::new(Arc::new(Index::build(&table).unwrap()))
}

fn mentions(resolution: &Resolution) -> Vec<(&str, &str, MatchKind)> {
    resolution
        .mentions
        .iter()
        .map(|m| (m.text.as_str(), m.entity_id.as_str(), m.match_kind))
        .collect()
}

#[test]
fn linking_table() {
    use MatchKind::*;
    // (name, text, expected mentions in order)
    type Expected = &'static [(&'static str, &'static str, MatchKind)];
    let cases: &[(&str, &str, Expected)] = &[
        (
            "an acronym defined in the text stands for its entity",
            "The Balochistan Liberation Front (BLF) said BLF fighters withdrew; later the BLF denied it.",
            &[
                ("Balochistan Liberation Front", "blf", Exact),
                ("BLF", "blf", DocumentAcronym),
                ("BLF", "blf", DocumentAcronym),
                ("BLF", "blf", DocumentAcronym),
            ],
        ),
        (
            "an acronym before its definition is not linked",
            "BLF fighters: the Balochistan Liberation Front (BLF) said so.",
            &[("Balochistan Liberation Front", "blf", Exact), ("BLF", "blf", DocumentAcronym)],
        ),
        (
            "letters that do not spell the name are no definition",
            "The Balochistan Liberation Front (XYZ) said XYZ would talk.",
            &[("Balochistan Liberation Front", "blf", Exact)],
        ),
        (
            "a shared alias takes the entity the document supports",
            "The Taliban and the Haqqanis met.",
            &[("Taliban", "taliban", Exact), ("Haqqanis", "haqqani-network", Exact)],
        ),
        (
            "other context, other entity",
            "At Darul Uloom Haqqania the Haqqanis taught.",
            &[
                ("Darul Uloom Haqqania", "darul-uloom-haqqania", Exact),
                ("Haqqanis", "haqqani-family", Exact),
            ],
        ),
        ("a weak alias alone is dropped", "Dawn broke over the city.", &[]),
        (
            "a weak alias with support stands",
            "The Dawn newspaper reported it; Dawn said more.",
            &[("Dawn newspaper", "dawn", Exact), ("Dawn", "dawn", Exact)],
        ),
        (
            "Arabic letter variants fold: Arabic yeh and kaf for Persian ones",
            "كابل و طالبان",
            &[("كابل", "kabul", NativeScript), ("طالبان", "taliban", NativeScript)],
        ),
        (
            "tashkeel, tatweel and zero-width non-joiner",
            "افغانـستان\u{200C} و طَالِبان",
            &[("افغانـستان", "afghanistan", NativeScript), ("طَالِبان", "taliban", NativeScript)],
        ),
        (
            "the latest full name takes the shared surname",
            "Nawaz Sharif spoke. Sharif left. Then Shehbaz Sharif arrived, and Sharif spoke.",
            &[
                ("Nawaz Sharif", "nawaz-sharif", Exact),
                ("Sharif", "nawaz-sharif", PartialName),
                ("Shehbaz Sharif", "shehbaz-sharif", Exact),
                ("Sharif", "shehbaz-sharif", PartialName),
            ],
        ),
        ("a surname with no full name before it is nobody", "Sharif spoke.", &[]),
        (
            "a bare word of a related group's longer name goes to the group the story is about",
            "طالبان کا دعویٰ: پاکستانی طالبان نے ذمے داری لی۔ طالبان کے ترجمان Ehsanullah Ehsan نے کہا",
            &[
                ("طالبان", "ttp", NativeScript),
                ("پاکستانی طالبان", "ttp", NativeScript),
                ("طالبان", "ttp", NativeScript),
                ("Ehsanullah Ehsan", "ehsanullah-ehsan", Exact),
            ],
        ),
        (
            "the rival's own mentions are no support for the bare name's entity",
            "The Pakistani Taliban and Ehsanullah Ehsan spoke. The Taliban said.",
            &[
                ("Pakistani Taliban", "ttp", Exact),
                ("Ehsanullah Ehsan", "ehsanullah-ehsan", Exact),
                ("Taliban", "ttp", Exact),
            ],
        ),
        (
            "where the story names the other group by its own longer name, the bare name stays",
            "The Afghan Taliban and the Pakistani Taliban met. The Taliban said.",
            &[
                ("Afghan Taliban", "taliban", Exact),
                ("Pakistani Taliban", "ttp", Exact),
                ("Taliban", "taliban", Exact),
            ],
        ),
        (
            "a name misspelt by one letter in Arabic script, where vowels go unwritten",
            "ثناالله غفاری رهبر است. عکسی که از ثنالله پخش شده",
            &[
                ("ثناالله غفاری", "shahab-al-muhajir", NativeScript),
                ("ثنالله", "shahab-al-muhajir", PartialName),
            ],
        ),
        (
            "a five-letter word one letter from a name's word is another word",
            "ثناالله غفاری رهبر است. غفار آمد",
            &[("ثناالله غفاری", "shahab-al-muhajir", NativeScript)],
        ),
    ];
    let resolver = resolver();
    for (name, text, expected) in cases {
        let resolution = resolver.resolve(text, &ResolveOptions::default()).unwrap();
        assert_eq!(mentions(&resolution), *expected, "{name}");
    }
}

#[test]
fn ambiguous_mentions_list_their_alternatives_and_explain() {
    let resolution = resolver()
        .resolve(
            "The Taliban and the Haqqanis met.",
            &ResolveOptions::default(),
        )
        .unwrap();
    let haqqanis = &resolution.mentions[1];
    assert_eq!(haqqanis.entity_id, "haqqani-network");
    assert_eq!(haqqanis.alternatives.len(), 1);
    assert_eq!(haqqanis.alternatives[0].entity_id, "haqqani-family");
    assert!(haqqanis.alternatives[0].score < haqqanis.score);
    assert!(
        haqqanis.explanation.contains("haqqani-family"),
        "{}",
        haqqanis.explanation
    );

    let undecided = resolver()
        .resolve("The Haqqanis met.", &ResolveOptions::default())
        .unwrap();
    assert!(
        undecided.mentions[0].score < haqqanis.score,
        "no context, less sure"
    );
}

#[test]
fn partial_and_document_acronym_explanations_name_the_antecedent() {
    let text = "Nawaz Sharif spoke. Sharif left. The Balochistan Liberation Front (BLF) and BLF.";
    let resolution = resolver()
        .resolve(text, &ResolveOptions::default())
        .unwrap();
    let partial = resolution
        .mentions
        .iter()
        .find(|m| m.match_kind == MatchKind::PartialName)
        .unwrap();
    assert_eq!(partial.matched_alias, "Nawaz Sharif");
    assert!(
        partial.explanation.contains("\"Nawaz Sharif\""),
        "{}",
        partial.explanation
    );
    let acronym = resolution
        .mentions
        .iter()
        .rfind(|m| m.match_kind == MatchKind::DocumentAcronym)
        .unwrap();
    assert_eq!(acronym.matched_alias, "Balochistan Liberation Front");
    assert!(
        acronym.explanation.contains("Balochistan Liberation Front"),
        "{}",
        acronym.explanation
    );
}
