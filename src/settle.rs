//! Step 3: settle overlaps. Candidates overlap freely ("Pakistani Taliban",
//! "Taliban"); the mentions returned do not. The longest span wins, then the
//! surest match, then the leftmost: leftmost-longest, with scores breaking
//! ties between an exact match and a fuzzy one of the same span.

use crate::candidates::Candidate;

/// Non-overlapping candidates in text order.
pub fn settle(mut candidates: Vec<Candidate>) -> Vec<Candidate> {
    candidates.sort_by(|a, b| {
        let length = |c: &Candidate| c.end_byte - c.start_byte;
        length(b)
            .cmp(&length(a))
            .then(b.score().total_cmp(&a.score()))
            .then(a.start_byte.cmp(&b.start_byte))
    });
    let mut kept: Vec<Candidate> = Vec::new();
    for candidate in candidates {
        if kept.iter().all(|k| !k.overlaps(&candidate)) {
            kept.push(candidate);
        }
    }
    kept.sort_by_key(|c| c.start_byte);
    kept
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::candidates::{Choice, Evidence};
    use crate::types::MatchKind;

    fn candidate(first: usize, end: usize, entity: u32, score: f32) -> Candidate {
        Candidate {
            first,
            end,
            start_byte: first * 10,
            end_byte: end * 10 - 1,
            kind: MatchKind::Exact,
            evidence: Evidence::Alias,
            choices: vec![Choice {
                entity,
                alias: 0,
                score,
            }],
            weak: false,
        }
    }

    #[test]
    fn settle_table() {
        let cases: &[(&str, Vec<Candidate>, &[u32])] = &[
            (
                "longest wins",
                vec![candidate(1, 2, 1, 0.99), candidate(0, 2, 2, 0.9)],
                &[2],
            ),
            (
                "surest wins on the same span",
                vec![candidate(0, 2, 1, 0.8), candidate(0, 2, 2, 0.95)],
                &[2],
            ),
            (
                "leftmost wins a tie",
                vec![candidate(1, 3, 1, 0.9), candidate(0, 2, 2, 0.9)],
                &[2],
            ),
            (
                "disjoint both kept in order",
                vec![candidate(3, 4, 1, 0.9), candidate(0, 1, 2, 0.9)],
                &[2, 1],
            ),
        ];
        for (name, candidates, expected) in cases {
            let kept: Vec<u32> = settle(candidates.clone())
                .iter()
                .map(|c| c.entity())
                .collect();
            assert_eq!(kept, *expected, "{name}");
        }
    }
}
