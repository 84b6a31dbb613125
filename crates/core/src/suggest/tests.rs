//! The suggester on a small table written here: each row a corpus and the
//! suggestions it must give.

use std::sync::Arc;

use super::*;
use crate::{AliasTable, Index};

const TABLE: &str = r#"
[[entity]]
id = "zarghun-front"
name = "Zarghun Liberation Front"
type = "organization"
aliases = ["Zarghun Front"]
acronyms = ["ZLF"]

[[entity]]
id = "nasir-qureshi"
name = "Nasir Qureshi"
type = "person"

[[entity]]
id = "kabul"
name = "Kabul"
type = "location"

[[entity]]
id = "hizb-sabz"
name = "Hizb Sabz"
type = "organization"
"#;

fn suggester() -> Suggester {
    let table = AliasTable::from_sources([("t.toml".to_string(), TABLE.to_string())]).unwrap();
    Suggester::new(Resolver::new(Arc::new(Index::from_table(table).unwrap())))
}

fn report(documents: &[&str], min_count: usize) -> Report {
    let mut suggester = suggester();
    for (i, text) in documents.iter().enumerate() {
        suggester.add(&format!("d{i}"), text).unwrap();
    }
    suggester.report(100, min_count)
}

#[test]
fn aliases_to_add_are_fuzzy_and_folded_spellings_only() {
    // (what it proves, corpus, (text, entity, kind, count) suggested)
    type Row = (&'static str, &'static str, MatchKind, usize);
    let cases: &[(&str, &[&str], &[Row])] = &[
        (
            "a transliteration-folded spelling",
            &["Nasir Kureshi spoke in Kabul.", "Nasir Kureshi left."],
            &[("Nasir Kureshi", "nasir-qureshi", MatchKind::Normalized, 2)],
        ),
        (
            "a fuzzy spelling",
            &["The Zarghun Liberaton Front struck Kabul."],
            &[(
                "Zarghun Liberaton Front",
                "zarghun-front",
                MatchKind::Fuzzy,
                1,
            )],
        ),
        (
            "exact and case-only matches are already in the table",
            &["Nasir Qureshi and NASIR QURESHI met the ZLF in Kabul."],
            &[],
        ),
        (
            "spellings are grouped as printed, most frequent first",
            &["Nasir Kureshi, Nasir Kureshi and Nasir Qureshee."],
            &[
                ("Nasir Kureshi", "nasir-qureshi", MatchKind::Normalized, 2),
                ("Nasir Qureshee", "nasir-qureshi", MatchKind::Normalized, 1),
            ],
        ),
    ];
    for (name, corpus, want) in cases {
        let got: Vec<Row> = report(corpus, 1)
            .aliases_to_add
            .iter()
            .map(|a| {
                let text: &'static str = Box::leak(a.text.clone().into_boxed_str());
                let id: &'static str = Box::leak(a.entity_id.clone().into_boxed_str());
                (text, id, a.match_kind, a.count)
            })
            .collect();
        assert_eq!(got, *want, "{name}");
    }
}

#[test]
fn entities_to_add_are_unknown_names_next_to_known_ones() {
    use CandidateKind::*;
    // (what it proves, corpus, (text, kind, count, seen with) suggested)
    type Row = (String, CandidateKind, usize, Vec<String>);
    type Want = &'static [(&'static str, CandidateKind, usize, &'static [&'static str])];
    let cases: &[(&str, &[&str], Want)] = &[
        (
            "a multi-word name beside a known entity",
            &["Qari Dost Mohammad met Nasir Qureshi."],
            &[("Qari Dost Mohammad", Name, 1, &["nasir-qureshi"])],
        ),
        (
            "no known entity in the sentence, no suggestion",
            &["Qari Dost Mohammad met nobody. Kabul was calm."],
            &[],
        ),
        (
            "grouped case-insensitively, printed as first seen",
            &[
                "Qari Dost Mohammad reached Kabul.",
                "QARI DOST MOHAMMAD and the ZLF.",
                "Kabul hosted Qari Dost Mohammad.",
            ],
            &[("Qari Dost Mohammad", Name, 3, &["kabul", "zarghun-front"])],
        ),
        (
            "particles, Arabic script and acronyms",
            &["Jaish ul Adl, جیش العدل and the JDF fought in Kabul."],
            &[
                ("JDF", Acronym, 1, &["kabul"]),
                ("Jaish ul Adl", Name, 1, &["kabul"]),
                ("جیش العدل", ArabicScript, 1, &["kabul"]),
            ],
        ),
        (
            "an unresolved alias of the table is not new",
            &["Zarghun Front and Kabul."],
            &[],
        ),
    ];
    for (name, corpus, want) in cases {
        let got: Vec<Row> = report(corpus, 1)
            .entities_to_add
            .into_iter()
            .map(|e| (e.text, e.kind, e.count, e.seen_with))
            .collect();
        let want: Vec<Row> = want
            .iter()
            .map(|(t, k, c, s)| {
                (
                    t.to_string(),
                    *k,
                    *c,
                    s.iter().map(|s| s.to_string()).collect(),
                )
            })
            .collect();
        assert_eq!(got, want, "{name}");
    }
}

#[test]
fn acronyms_defined_are_new_or_collisions() {
    use AcronymStatus::*;
    // (what it proves, corpus, (acronym, expansion, status, known for, count))
    type Row = (String, String, AcronymStatus, Vec<String>, usize);
    type Want = &'static [(
        &'static str,
        &'static str,
        AcronymStatus,
        &'static [&'static str],
        usize,
    )];
    let cases: &[(&str, &[&str], Want)] = &[
        (
            "a new acronym after its name",
            &["The Jaish Qahhar Front (JQF) attacked."],
            &[("JQF", "Jaish Qahhar Front", New, &[], 1)],
        ),
        (
            "a new acronym before its name, counted across documents",
            &[
                "The JQF (Jaish Qahhar Front) attacked.",
                "The JQF (Jaish Qahhar Front) left.",
            ],
            &[("JQF", "Jaish Qahhar Front", New, &[], 2)],
        ),
        (
            "a known acronym of another entity is a collision",
            &["The Zahir Labour Federation (ZLF) marched."],
            &[(
                "ZLF",
                "Zahir Labour Federation",
                Collision,
                &["zarghun-front"],
                1,
            )],
        ),
        (
            "a known acronym of its own entity is nothing to add",
            &["The Zarghun Liberation Front (ZLF) marched."],
            &[],
        ),
        (
            "a new acronym of a known entity",
            &["Fighters of Hizb Sabz (HS) marched."],
            &[("HS", "Hizb Sabz", New, &[], 1)],
        ),
    ];
    for (name, corpus, want) in cases {
        let got: Vec<Row> = report(corpus, 1)
            .acronyms_defined
            .into_iter()
            .map(|a| (a.acronym, a.expansion, a.status, a.known_for, a.count))
            .collect();
        let want: Vec<Row> = want
            .iter()
            .map(|(a, e, s, k, c)| {
                (
                    a.to_string(),
                    e.to_string(),
                    *s,
                    k.iter().map(|k| k.to_string()).collect(),
                    *c,
                )
            })
            .collect();
        assert_eq!(got, want, "{name}");
    }
}

#[test]
fn documents_resolved_in_parallel_count_as_one_by_one() {
    let corpus = [
        "Nasir Kureshi met Qari Dost Mohammad in Kabul.",
        "The Jaish Qahhar Front (JQF) struck Kabul.",
        "Qari Dost Mohammad and the JQF (Jaish Qahhar Front) left Kabul.",
    ];
    let documents: Vec<(String, String)> = corpus
        .iter()
        .enumerate()
        .map(|(i, t)| (format!("d{i}"), t.to_string()))
        .collect();
    let mut parallel = suggester();
    parallel.add_all(&documents).unwrap();
    assert_eq!(parallel.report(100, 1), report(&corpus, 1));
}

#[test]
fn min_count_drops_rare_suggestions_and_samples_name_the_document() {
    let report = report(
        &[
            "Qari Dost Mohammad reached Kabul.",
            "Qari Dost Mohammad left Kabul. Mullah Amin Jan came to Kabul.",
        ],
        2,
    );
    let names: Vec<&str> = report
        .entities_to_add
        .iter()
        .map(|e| e.text.as_str())
        .collect();
    assert_eq!(names, ["Qari Dost Mohammad"]);
    assert_eq!(
        report.entities_to_add[0].sample,
        Sample {
            document_id: "d0".to_string(),
            context: "Qari Dost Mohammad reached Kabul.".to_string(),
        }
    );
}
