//! The table format's `sources` field and `[[extend]]` records (issue 13):
//! what is accepted, what is refused and with which message, and what an
//! extension adds to the entity it names.

use entity_resolver_core::{AliasTable, Error, Index};

const BASE: &str = "[[entity]]\nid = \"a\"\nname = \"Alpha Group\"\ntype = \"organization\"\naliases = [\"Alpha Front\"]\nexternal_ids = { wikidata = \"Q1\" }\n\n[[entity]]\nid = \"b\"\nname = \"Beta Group\"\ntype = \"organization\"\n";

/// The errors of a table made of `base.toml` (BASE) and `ext.toml`.
fn errors_of(ext: &str) -> Vec<String> {
    let sources = [
        ("base.toml".to_string(), BASE.to_string()),
        ("ext.toml".to_string(), ext.to_string()),
    ];
    match AliasTable::from_sources(sources).and_then(Index::from_table) {
        Ok(_) => vec![],
        Err(Error::InvalidTable(errors)) => errors.iter().map(|e| e.to_string()).collect(),
        Err(other) => vec![other.to_string()],
    }
}

#[test]
fn accepted_records() {
    let cases: &[(&str, &str)] = &[
        (
            "source with a full date",
            "[[entity]]\nid = \"c\"\nname = \"Gamma\"\ntype = \"person\"\nsources = [{ source = \"UN list\", date = \"2024-09-26\" }]\n",
        ),
        (
            "source with a month and a url",
            "[[entity]]\nid = \"c\"\nname = \"Gamma\"\ntype = \"person\"\nsources = [{ source = \"Gazetteer\", date = \"2024-02\", url = \"https://example.org/g\" }]\n",
        ),
        ("leap day", "[[entity]]\nid = \"c\"\nname = \"Gamma\"\ntype = \"person\"\nsources = [{ source = \"S\", date = \"2024-02-29\" }]\n"),
        (
            "extension with every list",
            "[[extend]]\nid = \"a\"\naliases = [\"Alpha Movement\"]\nweak = [\"Alpha\"]\nnative = [\"الفا\"]\nexternal_ids = { un_sc = \"QDe.001\" }\nsources = [{ source = \"UN list\", date = \"2024-09-26\" }]\n",
        ),
        ("extension repeating an alias the entity has", "[[extend]]\nid = \"a\"\naliases = [\"Alpha Front\"]\n"),
        ("extension repeating the same external id", "[[extend]]\nid = \"a\"\nexternal_ids = { wikidata = \"Q1\" }\n"),
        ("an empty file", ""),
    ];
    for (name, text) in cases {
        let errors = errors_of(text);
        assert!(
            errors.is_empty(),
            "{name}: expected no error, got {errors:?}"
        );
    }
}

#[test]
fn refused_records_name_file_and_entity() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "empty source",
            "[[entity]]\nid = \"c\"\nname = \"Gamma\"\ntype = \"person\"\nsources = [{ source = \" \", date = \"2024-09-26\" }]\n",
            "ext.toml: entity \"c\": a source with an empty `source`",
        ),
        (
            "date in another order",
            "[[entity]]\nid = \"c\"\nname = \"Gamma\"\ntype = \"person\"\nsources = [{ source = \"S\", date = \"26-09-2024\" }]\n",
            "ext.toml: entity \"c\": source date \"26-09-2024\" is not",
        ),
        (
            "month 13",
            "[[entity]]\nid = \"c\"\nname = \"Gamma\"\ntype = \"person\"\nsources = [{ source = \"S\", date = \"2024-13\" }]\n",
            "ext.toml: entity \"c\": source date \"2024-13\"",
        ),
        (
            "day 31 of a 30-day month",
            "[[entity]]\nid = \"c\"\nname = \"Gamma\"\ntype = \"person\"\nsources = [{ source = \"S\", date = \"2024-09-31\" }]\n",
            "ext.toml: entity \"c\": source date \"2024-09-31\"",
        ),
        (
            "29 February of a common year",
            "[[entity]]\nid = \"c\"\nname = \"Gamma\"\ntype = \"person\"\nsources = [{ source = \"S\", date = \"2023-02-29\" }]\n",
            "ext.toml: entity \"c\": source date \"2023-02-29\"",
        ),
        (
            "a year only",
            "[[entity]]\nid = \"c\"\nname = \"Gamma\"\ntype = \"person\"\nsources = [{ source = \"S\", date = \"2024\" }]\n",
            "ext.toml: entity \"c\": source date \"2024\"",
        ),
        (
            "unknown field in a source",
            "[[entity]]\nid = \"c\"\nname = \"Gamma\"\ntype = \"person\"\nsources = [{ source = \"S\", date = \"2024-01\", page = 3 }]\n",
            "ext.toml: not valid alias TOML",
        ),
        (
            "extension of an unknown id",
            "[[extend]]\nid = \"zeta\"\naliases = [\"Zeta\"]\n",
            "ext.toml: entity \"zeta\": [[extend]] of id \"zeta\", which is not in the table",
        ),
        (
            "extension with an empty alias",
            "[[extend]]\nid = \"a\"\naliases = [\"--\"]\n",
            "ext.toml: entity \"a\": alias \"--\": empty name in `aliases`",
        ),
        (
            "extension with a native name in Latin script",
            "[[extend]]\nid = \"a\"\nnative = [\"Alpha\"]\n",
            "ext.toml: entity \"a\": alias \"Alpha\": a `native` name must be written in Arabic script",
        ),
        (
            "extension with a bad source date",
            "[[extend]]\nid = \"a\"\nsources = [{ source = \"S\", date = \"yesterday\" }]\n",
            "ext.toml: entity \"a\": source date \"yesterday\"",
        ),
        (
            "extension changing an external id",
            "[[extend]]\nid = \"a\"\nexternal_ids = { wikidata = \"Q2\" }\n",
            "ext.toml: entity \"a\": [[extend]] sets external id \"wikidata\"",
        ),
        (
            "extension with an unknown field",
            "[[extend]]\nid = \"a\"\ntags = [\"x\"]\n",
            "ext.toml: not valid alias TOML",
        ),
        (
            "extension with a lower-case acronym",
            "[[extend]]\nid = \"a\"\nacronyms = [\"ag\"]\n",
            "ext.toml: entity \"a\"",
        ),
    ];
    let many: Vec<String> = (0..999).map(|i| format!("\"Alpha {i}\"")).collect();
    let too_many = format!("[[extend]]\nid = \"a\"\naliases = [{}]\n", many.join(", "));
    let mut cases = cases.to_vec();
    cases.push((
        "extension past the name limit",
        &too_many,
        "ext.toml: entity \"a\": 1001 names once extended",
    ));
    for (name, text, expected) in &cases {
        let errors = errors_of(text);
        assert!(
            errors.iter().any(|e| e.starts_with(expected)),
            "{name}: expected an error starting with {expected:?}, got {errors:?}"
        );
    }
}

#[test]
fn an_alias_another_entity_claims_goes_through_the_ambiguity_rules() {
    // Beta's canonical name added to Alpha: refused as any shared alias is.
    let errors = errors_of("[[extend]]\nid = \"a\"\naliases = [\"Beta Group\"]\n");
    assert!(
        errors.iter().any(|e| e.contains("Beta Group")),
        "expected the shared alias to be refused, got {errors:?}"
    );
    // A new entity in another file that shares Alpha's alias: accepted once
    // the extension marks the name shared on Alpha's side too.
    let namesake = "[[entity]]\nid = \"c\"\nname = \"Gamma Group\"\ntype = \"organization\"\nambiguous = [\"Alpha Front\"]\n";
    assert!(
        !errors_of(namesake).is_empty(),
        "one-sided sharing is refused"
    );
    let both = format!("{namesake}\n[[extend]]\nid = \"a\"\nambiguous = [\"Alpha Front\"]\n");
    assert_eq!(errors_of(&both), Vec::<String>::new());
}

#[test]
fn an_extension_adds_its_names_ids_and_sources() {
    let ext = "[[extend]]\nid = \"a\"\naliases = [\"Alpha Movement\", \"Alpha Front\"]\nweak = [\"Alphas\"]\nacronyms = [\"AM\"]\nambiguous = [\"The Front\"]\nnot = [\"Alphan\"]\nnative = [\"الفا\"]\nexternal_ids = { un_sc = \"QDe.001\" }\nsources = [{ source = \"UN list\", date = \"2024-09-26\" }]\n";
    let table = AliasTable::from_sources([
        ("base.toml".to_string(), BASE.to_string()),
        ("ext.toml".to_string(), ext.to_string()),
    ])
    .expect("valid");
    let (file, record, _) = table
        .entities
        .iter()
        .find(|(_, r, _)| r.id == "a")
        .expect("entity a");
    // The entity stays where it was defined; the extension adds, never duplicates.
    assert_eq!(file, "base.toml");
    assert_eq!(table.entities.len(), 2);
    assert_eq!(record.aliases, ["Alpha Front", "Alpha Movement"]);
    assert_eq!(record.weak, ["Alphas"]);
    assert_eq!(record.acronyms, ["AM"]);
    assert_eq!(record.ambiguous, ["The Front"]);
    assert_eq!(record.not, ["Alphan"]);
    assert_eq!(record.native, ["الفا"]);
    assert_eq!(record.external_ids["un_sc"], "QDe.001");
    assert_eq!(record.external_ids["wikidata"], "Q1");
    assert_eq!(record.sources.len(), 1);
    assert_eq!(record.sources[0].date, "2024-09-26");
}

#[test]
fn a_generated_file_can_be_fitted_into_curated_files_that_extend_it() {
    // The curated file extends "c", which only the generated file defines.
    let curated = format!("{BASE}\n[[extend]]\nid = \"c\"\naliases = [\"Gamma Front\"]\n");
    let sources = || [("base.toml".to_string(), curated.clone())];
    assert!(AliasTable::from_sources(sources()).is_err());
    let fitted = AliasTable::from_sources_without_dangling_extensions(sources()).expect("fits");
    assert_eq!(fitted.entities.len(), 2);
    let generated = "[[entity]]\nid = \"c\"\nname = \"Gamma Group\"\ntype = \"organization\"\n";
    let whole = AliasTable::from_sources([
        ("base.toml".to_string(), curated.clone()),
        ("gen.toml".to_string(), generated.to_string()),
    ])
    .expect("the whole table loads");
    let (_, gamma, _) = whole.entities.iter().find(|(_, r, _)| r.id == "c").unwrap();
    assert_eq!(gamma.aliases, ["Gamma Front"]);
}
