//! The pipeline, and step 5: emit. Text goes in; it is normalised, scanned for
//! candidates, fuzzy candidates are added, overlaps are settled, the document
//! links partial names and acronyms, and mentions come out with offsets in
//! three units, an explanation each, and the normalised text.

use std::sync::Arc;

use crate::matching::candidates::{alias_candidates, Candidate, Evidence};
use crate::error::{Error, Result};
use crate::matching::fuzzy::fuzzy_candidates;
use crate::index::{AliasKind, Index};
use crate::matching::link::link;
use crate::normalize::{basic_key, folded_key, normalize, normalize_until};
use crate::matching::settle::settle;
use crate::types::{Alternative, MatchKind, Mention, NormalizedText, Resolution, ResolveOptions};

pub use crate::work::{Interrupt, Work};

/// Resolves texts against one compiled table. Cloning is cheap: the index is
/// shared, and each call keeps its scratch space to itself.
#[derive(Debug, Clone)]
pub struct Resolver {
    index: Arc<Index>,
    max_mentions: usize,
}

impl Resolver {
    /// Most mentions one document may resolve to, by default: one per 32
    /// bytes of the largest text the server takes (1 MiB). The evaluation
    /// corpus, written to be dense with names, has one mention per 39 bytes
    /// (27,600 in 1 MiB of it), and ordinary news far fewer; a text that is
    /// one acronym repeated ("TTP " x 262,144, one per 4 bytes) is refused
    /// before tens of megabytes of answer are built for it.
    pub const DEFAULT_MAX_MENTIONS: usize = 32_768;

    pub fn new(index: Arc<Index>) -> Self {
        Resolver {
            index,
            max_mentions: Self::DEFAULT_MAX_MENTIONS,
        }
    }

    /// The same resolver with another limit on mentions per document: past
    /// it a document is refused (`Error::LimitExceeded`) before its answer
    /// is built.
    pub fn with_max_mentions(mut self, max_mentions: usize) -> Self {
        self.max_mentions = max_mentions;
        self
    }

    pub fn max_mentions(&self) -> usize {
        self.max_mentions
    }

    /// A resolver on the table embedded in the binary.
    pub fn embedded() -> Result<Self> {
        Ok(Resolver::new(Arc::new(Index::embedded()?)))
    }

    pub fn index(&self) -> &Arc<Index> {
        &self.index
    }

    /// Every mention of a table entity in `text`.
    pub fn resolve(&self, text: &str, options: &ResolveOptions) -> Result<Resolution> {
        self.resolve_until(text, options, &Interrupt::never())
    }

    /// `resolve`, stopped early with the error `interrupt` gives (the caller
    /// went away, the deadline passed). It is asked between the stages of
    /// the pipeline and at least once per `Interrupt::EVERY_BYTES` of text
    /// inside each stage.
    pub fn resolve_until(
        &self,
        text: &str,
        options: &ResolveOptions,
        interrupt: &Interrupt<'_>,
    ) -> Result<Resolution> {
        self.resolve_counted(text, options, interrupt, &mut Work::default())
    }

    /// `resolve_until`, adding the work done to `work`: tests count work
    /// instead of timing it.
    #[doc(hidden)]
    pub fn resolve_counted(
        &self,
        text: &str,
        options: &ResolveOptions,
        interrupt: &Interrupt<'_>,
        work: &mut Work,
    ) -> Result<Resolution> {
        options.validate()?;
        // A bug in one document must not take down a stream or a batch: it
        // becomes this document's error, and the panic message is logged.
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            self.resolve_unguarded(text, options, interrupt, work)
        }))
        .unwrap_or_else(|panic| {
            let message = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            tracing::error!(panic = %message, text_bytes = text.len(), "resolver panicked");
            Err(Error::Internal(
                "the resolver failed on this document (logged as a bug)".to_string(),
            ))
        })
    }

    fn resolve_unguarded(
        &self,
        text: &str,
        options: &ResolveOptions,
        interrupt: &Interrupt<'_>,
        work: &mut Work,
    ) -> Result<Resolution> {
        let index = &*self.index;
        interrupt.check()?;
        let doc = normalize_until(text, interrupt)?;
        work.tokens += doc.tokens.len() as u64;
        interrupt.check()?;
        let mut candidates = alias_candidates(index, &doc, text, interrupt, work)?;
        interrupt.check()?;
        if options.fuzzy {
            candidates.extend(fuzzy_candidates(index, &doc, interrupt, work)?);
            interrupt.check()?;
        }
        work.candidates += candidates.len() as u64;
        let settled = settle(candidates);
        interrupt.check()?;
        let linked = link(index, &doc, text, settled, interrupt, work)?;
        interrupt.check()?;
        let kept: Vec<Candidate> = linked
            .into_iter()
            .filter(|c| c.score() >= options.min_score)
            .filter(|c| {
                options.entity_types.is_empty()
                    || options
                        .entity_types
                        .contains(&index.entities[c.entity() as usize].entity_type)
            })
            .collect();
        // Refused before the answer is built: a text of one acronym
        // repeated would otherwise build an answer of tens of megabytes
        // that no client can take.
        if kept.len() > self.max_mentions {
            return Err(Error::LimitExceeded {
                what: "mentions in one document".to_string(),
                actual: kept.len(),
                limit: self.max_mentions,
            });
        }
        work.mentions += kept.len() as u64;
        emit(index, text, &kept, options.normalized_text, interrupt)
    }
}

fn emit(
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

fn explain(
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
    if crate::index::spelling_variants(alias).contains(&folded_key(written)) {
        steps.push("name variant (particle or Abdul/Abd al-)");
    }
    steps
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

impl Resolver {
    /// Checks that a text is within `limit` bytes.
    pub fn check_text_size(text: &str, limit: usize) -> Result<()> {
        if text.len() > limit {
            return Err(Error::LimitExceeded {
                what: "text size in bytes".to_string(),
                actual: text.len(),
                limit,
            });
        }
        Ok(())
    }
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
