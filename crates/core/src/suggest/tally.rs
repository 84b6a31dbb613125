//! Counts per key with the first occurrence kept as the sample: what the
//! suggestions are built from. A corpus of any size leaves one entry per
//! distinct key, never its documents.

use std::collections::HashMap;
use std::hash::Hash;

use serde::Serialize;

/// Where a suggestion was first seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sample {
    pub document_id: String,
    /// The sentence, or about 80 characters around the occurrence.
    pub context: String,
}

/// One key's count, its first value and its sample.
#[derive(Debug, Clone)]
pub struct Entry<V> {
    pub count: usize,
    pub value: V,
    pub sample: Sample,
}

#[derive(Debug)]
pub struct Tally<K, V> {
    entries: HashMap<K, Entry<V>>,
}

impl<K, V> Default for Tally<K, V> {
    fn default() -> Self {
        Tally {
            entries: HashMap::new(),
        }
    }
}

impl<K: Hash + Eq, V> Tally<K, V> {
    /// Counts one occurrence of `key`. The value and sample are made only
    /// for the first; later ones may update the kept value (`merge`).
    pub fn add(&mut self, key: K, first: impl FnOnce() -> (V, Sample), merge: impl FnOnce(&mut V)) {
        match self.entries.get_mut(&key) {
            Some(entry) => {
                entry.count += 1;
                merge(&mut entry.value);
            }
            None => {
                let (value, sample) = first();
                self.entries.insert(
                    key,
                    Entry {
                        count: 1,
                        value,
                        sample,
                    },
                );
            }
        }
    }

    /// The entries counted at least `min_count` times, most frequent first,
    /// then by `order` (the text as printed), at most `limit` of them.
    pub fn ranked<O: Ord>(
        &self,
        min_count: usize,
        limit: usize,
        order: impl Fn(&K, &V) -> O,
    ) -> Vec<(&K, &Entry<V>)> {
        let mut ranked: Vec<(&K, &Entry<V>)> = self
            .entries
            .iter()
            .filter(|(_, e)| e.count >= min_count)
            .collect();
        ranked.sort_by(|a, b| {
            b.1.count
                .cmp(&a.1.count)
                .then_with(|| order(a.0, &a.1.value).cmp(&order(b.0, &b.1.value)))
        });
        ranked.truncate(limit);
        ranked
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(id: &str) -> Sample {
        Sample {
            document_id: id.to_string(),
            context: String::new(),
        }
    }

    #[test]
    fn ranked_by_count_then_text_keeping_the_first_sample() {
        let mut tally: Tally<&str, usize> = Tally::default();
        for (i, key) in ["b", "a", "c", "a", "b", "d", "a"].iter().enumerate() {
            tally.add(*key, || (0, sample(&i.to_string())), |seen| *seen += 1);
        }
        let got: Vec<(&str, usize, usize, &str)> = tally
            .ranked(1, 10, |k, _| *k)
            .into_iter()
            .map(|(k, e)| (*k, e.count, e.value, e.sample.document_id.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("a", 3, 2, "1"),
                ("b", 2, 1, "0"),
                ("c", 1, 0, "2"),
                ("d", 1, 0, "5")
            ]
        );
        let kept: Vec<&str> = tally
            .ranked(2, 1, |k, _| *k)
            .into_iter()
            .map(|(k, _)| *k)
            .collect();
        assert_eq!(kept, ["a"], "min count and limit");
    }
}
