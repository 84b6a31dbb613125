//! Which entries of the list belong to this project's domain (the rule is
//! documented in the module above).

use super::list::Entry;

/// Countries of the region: a nationality, an address or a place of birth
/// here ties an Al-Qaida entry to the domain. Kashmir and Xinjiang are not
/// countries in the list, so they come through the narrative terms; China
/// and India are left out as countries because most of their entries on the
/// Al-Qaida list are not about this region (those that are, ETIM and the
/// Kashmiri groups, name it in their narrative).
pub const REGION_COUNTRIES: &[&str] = &[
    "Afghanistan",
    "Pakistan",
    "Uzbekistan",
    "Tajikistan",
    "Kyrgyzstan",
    "Kazakhstan",
    "Turkmenistan",
];

/// Terms in the narrative (or the entry's own name) that tie an entry to
/// the region: places, and the region's groups as the list names them.
/// Matched case-insensitively as substrings.
pub const REGION_TERMS: &[&str] = &[
    "Afghanistan",
    "Pakistan",
    "Kashmir",
    "Xinjiang",
    "Turkistan",
    "Khorasan",
    "Waziristan",
    "Uzbekistan",
    "Tajikistan",
    "Kyrgyz",
    "Kazakh",
    "Taliban",
    "Tehrik",
    "Lashkar",
    "Jaish",
    "Harakat ul",
    "Harakat-ul",
    "Jamaat-ul-Ahrar",
    "Jamaat ul Ahrar",
    "Haqqani",
    "Islamic Movement of Uzbekistan",
    "Islamic Jihad Group",
];

/// Al-Qaida itself, on the list as an entity.
pub const AL_QAIDA: &str = "QDe.004";

/// How a sentence of the narrative that names an al-Qaida leader begins
/// (lower case). A sentence counts only when its first list reference is
/// Al-Qaida's own: "Senior member of X (QDe.011) and member of Al-Qaida"
/// is a leader of X, not of al-Qaida.
const LEADERSHIP_OPENINGS: &[&str] = &[
    "leader of",
    "senior",
    "deputy",
    "member of the shura council",
];

/// Why an entry is selected, or `None`.
pub fn reason(entry: &Entry) -> Option<&'static str> {
    match entry.list_type.as_str() {
        "Taliban" => Some("Taliban list"),
        "Al-Qaida" if entry.reference == AL_QAIDA => Some("al-Qaida leadership"),
        "Al-Qaida" if leads_al_qaida(&entry.narrative) => Some("al-Qaida leadership"),
        "Al-Qaida" if tied_to_region(entry) => Some("tied to the region"),
        _ => None,
    }
}

fn tied_to_region(entry: &Entry) -> bool {
    let in_region = |country: &String| REGION_COUNTRIES.contains(&country.as_str());
    if entry.nationalities.iter().any(in_region) || entry.countries.iter().any(in_region) {
        return true;
    }
    let text = format!("{} {}", entry.narrative, entry.name_parts.join(" ")).to_lowercase();
    REGION_TERMS
        .iter()
        .any(|term| text.contains(&term.to_lowercase()))
}

fn leads_al_qaida(narrative: &str) -> bool {
    let text = narrative.to_lowercase();
    text.split(". ").any(|sentence| {
        let sentence = sentence.trim();
        LEADERSHIP_OPENINGS
            .iter()
            .any(|opening| sentence.starts_with(opening))
            && sentence
                .find("(qd")
                .is_some_and(|at| sentence[at..].starts_with("(qde.004)"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::import::un_sanctions::list::Kind;

    fn entry(list: &str, reference: &str, nationality: &str, narrative: &str) -> Entry {
        Entry {
            reference: reference.to_string(),
            list_type: list.to_string(),
            kind: Kind::Individual,
            name_parts: vec!["X".to_string()],
            original_script: String::new(),
            aliases: vec![],
            nationalities: vec![nationality.to_string()],
            countries: vec![],
            narrative: narrative.to_string(),
        }
    }

    #[test]
    fn selection_rules() {
        let cases: &[(&str, Entry, Option<&str>)] = &[
            (
                "every Taliban entry",
                entry("Taliban", "TAi.001", "", ""),
                Some("Taliban list"),
            ),
            (
                "nationality",
                entry("Al-Qaida", "QDi.1", "Pakistan", ""),
                Some("tied to the region"),
            ),
            (
                "a group in the narrative",
                entry(
                    "Al-Qaida",
                    "QDi.2",
                    "",
                    "Member of Lashkar-e-Tayyiba (QDe.118).",
                ),
                Some("tied to the region"),
            ),
            (
                "leader of al-Qaida",
                entry(
                    "Al-Qaida",
                    "QDi.3",
                    "Egypt",
                    "Leader of Al-Qaida (QDe.004). Other.",
                ),
                Some("al-Qaida leadership"),
            ),
            (
                "leader of another group first",
                entry(
                    "Al-Qaida",
                    "QDi.4",
                    "Libya",
                    "Senior member of LIFG (QDe.011) and member of Al-Qaida (QDe.004).",
                ),
                None,
            ),
            (
                "ties to leaders are not leadership",
                entry(
                    "Al-Qaida",
                    "QDi.5",
                    "",
                    "Has ties to numerous senior Al-Qaida (QDe.004) leaders.",
                ),
                None,
            ),
            (
                "another region",
                entry("Al-Qaida", "QDi.6", "Mali", "Active in the Sahel."),
                None,
            ),
            (
                "another regime",
                entry("DPRK", "KPi.1", "Pakistan", ""),
                None,
            ),
        ];
        for (name, entry, expected) in cases {
            assert_eq!(reason(entry), *expected, "{name}");
        }
    }
}
