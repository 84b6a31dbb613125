//! Step 3: settle overlaps. Candidates overlap freely ("Pakistani Taliban",
//! "Taliban"); the mentions returned do not. The longest span wins, then the
//! surest match, then the leftmost: leftmost-longest, with scores breaking
//! ties between an exact match and a fuzzy one of the same span.

use std::collections::BTreeMap;

use crate::matching::candidates::Candidate;

/// Non-overlapping candidates in text order.
pub fn settle(mut candidates: Vec<Candidate>) -> Vec<Candidate> {
    candidates.sort_by(|a, b| {
        let length = |c: &Candidate| c.end_byte - c.start_byte;
        length(b)
            .cmp(&length(a))
            .then(b.score().total_cmp(&a.score()))
            .then(a.start_byte.cmp(&b.start_byte))
    });
    // Token ranges kept so far, by first token. They never overlap, so the
    // one starting last before a candidate ends is the only one that can
    // reach into it: one lookup instead of a scan of every kept mention,
    // which made long documents quadratic.
    let mut taken: BTreeMap<usize, usize> = BTreeMap::new();
    let mut kept: Vec<Candidate> = Vec::new();
    for candidate in candidates {
        let blocked = taken
            .range(..candidate.end)
            .next_back()
            .is_some_and(|(_, &end)| end > candidate.first);
        if !blocked {
            taken.insert(candidate.first, candidate.end);
            kept.push(candidate);
        }
    }
    kept.sort_by_key(|c| c.start_byte);
    kept
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matching::candidates::{Choice, Evidence};
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
            lower_case: false,
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

    /// The pairwise rule the lookup replaces: keep a candidate when it
    /// overlaps nothing kept before it.
    fn settle_pairwise(mut candidates: Vec<Candidate>) -> Vec<Candidate> {
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

    #[test]
    fn settle_keeps_what_the_pairwise_rule_keeps() {
        let mut state: u64 = 7;
        let mut next = |below: u64| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) % below
        };
        for round in 0..500 {
            let count = 1 + next(30) as usize;
            let candidates: Vec<Candidate> = (0..count)
                .map(|entity| {
                    let first = next(40) as usize;
                    let end = first + 1 + next(4) as usize;
                    candidate(first, end, entity as u32, 0.5 + next(5) as f32 / 10.0)
                })
                .collect();
            let fast: Vec<(usize, usize)> = settle(candidates.clone())
                .iter()
                .map(|c| (c.first, c.end))
                .collect();
            let slow: Vec<(usize, usize)> = settle_pairwise(candidates)
                .iter()
                .map(|c| (c.first, c.end))
                .collect();
            assert_eq!(fast, slow, "round {round}");
        }
    }
}
