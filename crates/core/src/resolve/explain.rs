//! Why a mention matched, in words: the kind of match and the normalisation
//! steps between what the text wrote and the alias.

use crate::index::{spelling_variants, AliasKind};
use crate::matching::candidates::{Candidate, Evidence};
use crate::normalize::{basic_key, folded_key, normalize};
use crate::types::MatchKind;

pub(super) fn explain(
    candidate: &Candidate,
    written: &str,
    alias: &str,
    kind: AliasKind,
    text: &str,
) -> String {
    match (&candidate.evidence, candidate.kind) {
        (Evidence::Partial { antecedent }, _) => format!(
            "shorter form of {:?}, named in full at bytes {}..{}",
            &text[antecedent.0..antecedent.1],
            antecedent.0,
            antecedent.1
        ),
        (Evidence::DocumentAcronym { definition }, _) => format!(
            "acronym defined in this document after {:?} at bytes {}..{}",
            &text[definition.0..definition.1],
            definition.0,
            definition.1
        ),
        (Evidence::Affixed { proclitic, ending }, _) => {
            let mut taken = Vec::new();
            if let Some(proclitic) = proclitic {
                taken.push(format!("the glued proclitic {proclitic:?}"));
            }
            if let Some(ending) = ending {
                taken.push(format!("the ending {ending:?}"));
            }
            format!("name {alias:?} without {}", taken.join(" and "))
        }
        (Evidence::SpelledAcronym, _) => {
            format!("acronym {alias:?} spelled in Arabic-script letter names")
        }
        (Evidence::Fuzzy { distance }, _) => {
            let steps = normalisation_steps(written, alias);
            let mut line = format!("fuzzy match of alias {alias:?}: edit distance {distance}");
            if !steps.is_empty() {
                line.push_str(&format!(" after normalisation ({})", steps.join(", ")));
            }
            line
        }
        (_, MatchKind::Exact) if kind == AliasKind::Canonical => {
            "exact match of the canonical name".to_string()
        }
        (_, MatchKind::Exact) => format!("exact match of alias {alias:?}"),
        (_, MatchKind::Acronym) if written == alias => format!("acronym {alias:?}, case as listed"),
        (_, MatchKind::Acronym) => {
            format!("acronym {alias:?} written {written:?}, allowed by its case rule")
        }
        (_, MatchKind::NativeScript) if written == alias => format!("Arabic-script name {alias:?}"),
        (_, MatchKind::NativeScript) => format!(
            "Arabic-script name {alias:?} after normalising letter variants ({})",
            normalisation_steps(written, alias).join(", ")
        ),
        _ => format!(
            "alias {alias:?} after normalisation: {}",
            normalisation_steps(written, alias).join(", ")
        ),
    }
}

/// Which normalisation steps make `written` and `alias` equal, in order.
pub fn normalisation_steps(written: &str, alias: &str) -> Vec<&'static str> {
    fn strip_marks(s: &str) -> String {
        use unicode_normalization::{char::is_combining_mark, UnicodeNormalization};
        s.nfkd()
            .filter(|c| !is_combining_mark(*c))
            .collect::<String>()
            .to_lowercase()
    }
    type Stage = fn(&str) -> String;
    let stages: [(&'static str, Stage); 3] = [
        ("diacritics", strip_marks),
        ("punctuation and spacing", basic_key),
        ("transliteration", folded_key),
    ];
    let shapes = |s: &str| -> Vec<crate::normalize::CaseShape> {
        normalize(s).tokens.iter().map(|t| t.shape).collect()
    };
    let mut steps = Vec::new();
    let (written_shapes, alias_shapes) = (shapes(written), shapes(alias));
    // Names of different word counts ("Abd al-Ghani", "Abdul Ghani") compare
    // the case of their first word only.
    let case_differs = if written_shapes.len() == alias_shapes.len() {
        written_shapes != alias_shapes
    } else {
        written_shapes.first() != alias_shapes.first()
    };
    if case_differs {
        steps.push("case");
    }
    let (mut previous_written, mut previous_alias) = (written.to_lowercase(), alias.to_lowercase());
    if previous_written == previous_alias {
        return steps;
    }
    for (name, stage) in stages {
        let (w, a) = (stage(written), stage(alias));
        if w != previous_written || a != previous_alias {
            steps.push(name);
        }
        if w == a {
            return steps;
        }
        (previous_written, previous_alias) = (w, a);
    }
    if spelling_variants(alias).contains(&folded_key(written)) {
        steps.push("name variant (particle or Abdul/Abd al-)");
    }
    steps
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalisation_steps_table() {
        let cases: &[(&str, &str, &[&str])] = &[
            ("Taliban", "Taliban", &[]),
            ("TALIBAN", "Taliban", &["case"]),
            ("Hekmatyār", "Hekmatyar", &["diacritics"]),
            (
                "Tehrik e Taliban",
                "Tehrik-e-Taliban",
                &["punctuation and spacing"],
            ),
            (
                "Tehreek-i-Taliban",
                "Tehrik-e-Taliban",
                &["punctuation and spacing", "transliteration"],
            ),
        ];
        for (written, alias, expected) in cases {
            assert_eq!(
                normalisation_steps(written, alias),
                *expected,
                "{written} / {alias}"
            );
        }
    }
}
