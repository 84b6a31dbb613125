//! Scores the resolver against a gold annotation in the format of the
//! reference corpus (one JSON line per document: `doc`, `mentions`, `ignore`).
//!
//! A prediction is a true positive when it overlaps an unmatched gold mention
//! whose `entity` or `also` holds the predicted id; otherwise, if it overlaps
//! an `ignore` span it is not counted, else it is a false positive. Gold
//! mentions left unmatched are false negatives. Micro-averaged over documents.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::resolve::Resolver;
use crate::types::{Mention, ResolveOptions};

#[derive(Debug, Clone, Deserialize)]
pub struct GoldDocument {
    pub doc: String,
    pub mentions: Vec<GoldMention>,
    #[serde(default)]
    pub ignore: Vec<GoldSpan>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct GoldMention {
    pub start: usize,
    pub end: usize,
    #[serde(default)]
    pub text: String,
    pub entity: String,
    #[serde(default)]
    pub also: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct GoldSpan {
    pub start: usize,
    pub end: usize,
    #[serde(default)]
    pub text: String,
}

/// A gold mention the resolver missed, or a prediction it should not have made.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Discrepancy {
    pub doc: String,
    pub start: usize,
    pub end: usize,
    pub text: String,
    pub entity: String,
}

/// Figures of one evaluation.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    pub documents: usize,
    pub gold: usize,
    pub predicted_counted: usize,
    pub true_positives: usize,
    pub exact_spans: usize,
    pub false_positives: usize,
    pub false_negatives: usize,
    pub ignored: usize,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub misses: Vec<Discrepancy>,
    pub false_hits: Vec<Discrepancy>,
}

fn overlaps(a: (usize, usize), b: (usize, usize)) -> bool {
    a.0 < b.1 && b.0 < a.1
}

/// Parses a gold file; a bad line is reported with its number.
pub fn read_gold(path: &Path) -> Result<Vec<GoldDocument>> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.display().to_string(),
        source,
    })?;
    let mut documents = Vec::new();
    for (number, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let document = serde_json::from_str(line).map_err(|error| {
            Error::invalid_argument(
                format!("{}:{}", path.display(), number + 1),
                error.to_string(),
            )
        })?;
        documents.push(document);
    }
    Ok(documents)
}

/// Scores one document's predictions; adds to `report`.
pub fn score_document(report: &mut Report, gold: &GoldDocument, predicted: &[Mention], text: &str) {
    report.documents += 1;
    report.gold += gold.mentions.len();
    let mut matched = vec![false; gold.mentions.len()];
    for prediction in predicted {
        let span = (prediction.start, prediction.end);
        let hit = gold.mentions.iter().enumerate().find(|(i, g)| {
            !matched[*i]
                && overlaps(span, (g.start, g.end))
                && (g.entity == prediction.entity_id || g.also.contains(&prediction.entity_id))
        });
        if let Some((i, g)) = hit {
            matched[i] = true;
            report.true_positives += 1;
            report.predicted_counted += 1;
            if (g.start, g.end) == span {
                report.exact_spans += 1;
            }
        } else if gold.ignore.iter().any(|s| overlaps(span, (s.start, s.end))) {
            report.ignored += 1;
        } else {
            report.false_positives += 1;
            report.predicted_counted += 1;
            report.false_hits.push(Discrepancy {
                doc: gold.doc.clone(),
                start: prediction.start,
                end: prediction.end,
                text: prediction.text.clone(),
                entity: prediction.entity_id.clone(),
            });
        }
    }
    for (g, found) in gold.mentions.iter().zip(matched) {
        if !found {
            report.false_negatives += 1;
            let written = text.get(g.start..g.end).unwrap_or(&g.text).to_string();
            report.misses.push(Discrepancy {
                doc: gold.doc.clone(),
                start: g.start,
                end: g.end,
                text: written,
                entity: g.entity.clone(),
            });
        }
    }
}

impl Report {
    pub fn finish(&mut self) {
        let tp = self.true_positives as f64;
        self.precision = if self.predicted_counted == 0 {
            0.0
        } else {
            tp / self.predicted_counted as f64
        };
        self.recall = if self.gold == 0 {
            0.0
        } else {
            tp / self.gold as f64
        };
        self.f1 = if self.precision + self.recall == 0.0 {
            0.0
        } else {
            2.0 * self.precision * self.recall / (self.precision + self.recall)
        };
    }
}

/// Resolves every document of a gold file from `corpus/<doc>.txt` and scores it.
pub fn evaluate(resolver: &Resolver, gold_path: &Path, corpus: &Path) -> Result<Report> {
    let gold = read_gold(gold_path)?;
    let mut report = Report::default();
    for document in &gold {
        let path = corpus.join(format!("{}.txt", document.doc));
        let text = std::fs::read_to_string(&path).map_err(|source| Error::Io {
            path: path.display().to_string(),
            source,
        })?;
        let resolution = resolver.resolve(&text, &ResolveOptions::default())?;
        score_document(&mut report, document, &resolution.mentions, &text);
    }
    report.finish();
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{EntityType, MatchKind};

    fn predicted(start: usize, end: usize, entity: &str) -> Mention {
        Mention {
            text: String::new(),
            start,
            end,
            char_start: start,
            char_end: end,
            utf16_start: start,
            utf16_end: end,
            entity_id: entity.to_string(),
            canonical_name: String::new(),
            entity_type: EntityType::Organization,
            score: 1.0,
            match_kind: MatchKind::Exact,
            matched_alias: String::new(),
            explanation: String::new(),
            alternatives: vec![],
        }
    }

    /// (name, predictions, true positives, false positives, false negatives, exact spans)
    type Case = (&'static str, Vec<Mention>, usize, usize, usize, usize);

    #[test]
    fn scoring_rules_table() {
        let gold: GoldDocument = serde_json::from_str(
            r#"{"doc":"d","mentions":[
                {"start":0,"end":7,"text":"Taliban","entity":"taliban","also":["iea"]},
                {"start":10,"end":14,"text":"ISIS","entity":"islamic-state","also":["isis-k"]},
                {"start":20,"end":23,"text":"TTP","entity":"ttp"}],
              "ignore":[{"start":30,"end":39,"text":"Pakistani"}]}"#,
        )
        .unwrap();
        // (name, predictions, tp, fp, fn, exact spans)
        let cases: Vec<Case> = vec![
            (
                "all right",
                vec![
                    predicted(0, 7, "taliban"),
                    predicted(10, 14, "isis-k"),
                    predicted(20, 23, "ttp"),
                ],
                3,
                0,
                0,
                3,
            ),
            (
                "overlap counts, exact span counted apart",
                vec![predicted(0, 5, "iea")],
                1,
                0,
                2,
                0,
            ),
            (
                "wrong entity is a false positive",
                vec![predicted(20, 23, "tlp")],
                0,
                1,
                3,
                0,
            ),
            (
                "ignored span is not counted",
                vec![predicted(30, 38, "pakistan")],
                0,
                0,
                3,
                0,
            ),
            (
                "a gold mention matches once",
                vec![predicted(0, 3, "taliban"), predicted(3, 7, "taliban")],
                1,
                1,
                2,
                0,
            ),
        ];
        for (name, predictions, tp, fp, fn_, exact) in cases {
            let mut report = Report::default();
            score_document(&mut report, &gold, &predictions, "");
            report.finish();
            assert_eq!(
                (
                    report.true_positives,
                    report.false_positives,
                    report.false_negatives,
                    report.exact_spans
                ),
                (tp, fp, fn_, exact),
                "{name}"
            );
        }
    }
}
