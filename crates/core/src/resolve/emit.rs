//! Step 5: settled, linked candidates become mentions, with offsets in three
//! units, an explanation each, the alternatives of a shared alias, and the
//! normalised text.

use crate::error::Result;
use crate::index::Index;
use crate::matching::candidates::{Candidate, Evidence};
use crate::resolve::explain::explain;
use crate::types::{Alternative, Mention, NormalizedText, Resolution};
use crate::work::Interrupt;

pub(super) fn emit(
    index: &Index,
    text: &str,
    kept: &[Candidate],
    mode: NormalizedText,
    interrupt: &Interrupt<'_>,
) -> Result<Resolution> {
    let offsets = UnitOffsets::new(text, kept, interrupt)?;
    let mut paced = interrupt.paced();
    let mut mentions = Vec::with_capacity(kept.len());
    let mut normalized_text = match mode {
        NormalizedText::Omit => None,
        _ => Some(String::with_capacity(text.len())),
    };
    let mut copied = 0;
    for candidate in kept {
        paced.at(candidate.start_byte)?;
        if candidate.start_byte < copied {
            debug_assert!(false, "settled mentions overlap: {candidate:?}");
            continue;
        }
        let choice = candidate.choices[0];
        let entity = &index.entities[choice.entity as usize];
        let alias = &index.aliases[choice.alias as usize];
        let (start, end) = (candidate.start_byte, candidate.end_byte);
        let written = &text[start..end];
        let (char_start, utf16_start) = offsets.at(start);
        let (char_end, utf16_end) = offsets.at(end);
        let matched_alias = match candidate.evidence {
            Evidence::Partial { antecedent }
            | Evidence::DocumentAcronym {
                definition: antecedent,
            } => text[antecedent.0..antecedent.1].to_string(),
            _ => alias.surface.clone(),
        };
        let mut explanation = explain(candidate, written, &alias.surface, alias.kind, text);
        let alternatives: Vec<Alternative> = candidate.choices[1..]
            .iter()
            .map(|c| {
                let other = &index.entities[c.entity as usize];
                Alternative {
                    entity_id: other.id.clone(),
                    canonical_name: other.name.clone(),
                    score: c.score,
                }
            })
            .collect();
        if !alternatives.is_empty() {
            let names: Vec<String> = alternatives
                .iter()
                .map(|a| format!("{} ({:.2})", a.entity_id, a.score))
                .collect();
            explanation.push_str(&format!("; shared alias, also {}", names.join(", ")));
        }
        if alias.weak {
            explanation.push_str("; weak alias, supported by another mention of the entity");
        }
        if let Some(normalized) = &mut normalized_text {
            normalized.push_str(&text[copied..start]);
            normalized.push_str(match mode {
                NormalizedText::EntityId => &entity.id,
                _ => &entity.name,
            });
        }
        copied = end;
        mentions.push(Mention {
            text: written.to_string(),
            start,
            end,
            char_start,
            char_end,
            utf16_start,
            utf16_end,
            entity_id: entity.id.clone(),
            canonical_name: entity.name.clone(),
            entity_type: entity.entity_type,
            score: round(choice.score),
            match_kind: candidate.kind,
            matched_alias,
            explanation,
            alternatives,
        });
    }
    if let Some(normalized) = &mut normalized_text {
        normalized.push_str(&text[copied..]);
    }
    Ok(Resolution {
        id: String::new(),
        mentions,
        normalized_text,
        table_version: index.version.clone(),
    })
}

fn round(score: f32) -> f32 {
    (score * 1000.0).round() / 1000.0
}

/// Converts byte offsets to Unicode scalar and UTF-16 offsets in one pass.
struct UnitOffsets {
    /// (byte, chars before, utf16 units before), sorted by byte.
    points: Vec<(usize, usize, usize)>,
}

impl UnitOffsets {
    fn new(text: &str, mentions: &[Candidate], interrupt: &Interrupt<'_>) -> Result<Self> {
        let mut wanted: Vec<usize> = mentions
            .iter()
            .flat_map(|m| [m.start_byte, m.end_byte])
            .collect();
        wanted.sort_unstable();
        wanted.dedup();
        let mut points = Vec::with_capacity(wanted.len());
        let (mut chars, mut units) = (0, 0);
        let mut next = wanted.iter().peekable();
        let mut paced = interrupt.paced();
        for (byte, c) in text.char_indices() {
            paced.at(byte)?;
            while let Some(&&w) = next.peek() {
                if w > byte {
                    break;
                }
                points.push((w, chars, units));
                next.next();
            }
            chars += 1;
            units += c.len_utf16();
        }
        for &w in next {
            points.push((w, chars, units));
        }
        Ok(UnitOffsets { points })
    }

    fn at(&self, byte: usize) -> (usize, usize) {
        match self.points.binary_search_by_key(&byte, |p| p.0) {
            Ok(i) => (self.points[i].1, self.points[i].2),
            Err(_) => unreachable!("every mention boundary was recorded"),
        }
    }
}
