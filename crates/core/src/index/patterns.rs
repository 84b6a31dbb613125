//! The word tries the exact matcher walks: each key a sequence of words,
//! each naming the aliases it stands for.

use rustc_hash::FxHashMap;

use crate::index::fuzzy::FlatLists;

/// A set of keys searched together, each naming the aliases it stands for.
pub struct PatternSet {
    pub words: WordTrie,
    pub keys: Vec<String>,
    /// Key -> the aliases it stands for, in table order.
    aliases: FlatLists<u32>,
}

impl PatternSet {
    pub(super) fn build(keyed: Vec<(String, u32)>) -> Self {
        let mut by_key: FxHashMap<String, u32> = FxHashMap::default();
        let mut keys: Vec<String> = Vec::new();
        let mut pairs: Vec<(u32, u32)> = Vec::with_capacity(keyed.len());
        for (key, alias) in keyed {
            let id = match by_key.get(&key) {
                Some(&id) => id,
                None => {
                    let id = keys.len() as u32;
                    by_key.insert(key.clone(), id);
                    keys.push(key);
                    id
                }
            };
            pairs.push((id, alias));
        }
        // The trie finds a whole key as well as the map did: the map goes,
        // and with it a second copy of every key.
        drop(by_key);
        pairs.dedup();
        let aliases = FlatLists::grouped(keys.len(), pairs);
        let words = WordTrie::build(&keys);
        PatternSet {
            words,
            keys,
            aliases,
        }
    }

    /// The aliases key `pattern` stands for.
    pub fn aliases_of(&self, pattern: u32) -> &[u32] {
        self.aliases.get(pattern as usize)
    }

    /// The id of `key` (words joined by single spaces), if it is one of the set.
    pub fn key_id(&self, key: &str) -> Option<u32> {
        let mut node = 0;
        for word in key.split(' ') {
            node = self.words.step(node, self.words.word(word)?)?;
        }
        self.words.key_at(node)
    }
}

/// Keys as sequences of words, in a trie whose edges are words. A mention
/// starts and ends on word boundaries, so matching walks the document's
/// words instead of its bytes: one lookup per word, none of the hits inside
/// words a byte automaton reports, and a build that stays linear in the
/// table (a byte automaton's failure links took most of the load time of a
/// million aliases).
#[derive(Debug, Default)]
pub struct WordTrie {
    word_ids: FxHashMap<String, u32>,
    /// (node, word) -> the node after it. The root is node 0.
    children: FxHashMap<(u32, u32), u32>,
    /// The key that ends at each node, or `NO_KEY`.
    key_at: Vec<u32>,
}

const NO_KEY: u32 = u32::MAX;

impl WordTrie {
    /// The trie of `keys`, each words joined by single spaces.
    pub fn build(keys: &[String]) -> Self {
        let mut trie = WordTrie {
            key_at: vec![NO_KEY],
            ..WordTrie::default()
        };
        for (id, key) in keys.iter().enumerate() {
            let mut node = 0;
            for word in key.split(' ') {
                let word = match trie.word_ids.get(word) {
                    Some(&id) => id,
                    None => {
                        let id = trie.word_ids.len() as u32;
                        trie.word_ids.insert(word.to_string(), id);
                        id
                    }
                };
                let next_node = trie.key_at.len() as u32;
                node = *trie.children.entry((node, word)).or_insert(next_node);
                if node == next_node {
                    trie.key_at.push(NO_KEY);
                }
            }
            trie.key_at[node as usize] = id as u32;
        }
        trie
    }

    /// The id of a word of some key, if any key has it.
    pub fn word(&self, word: &str) -> Option<u32> {
        self.word_ids.get(word).copied()
    }

    /// The node reached from `node` by `word`; the root is 0.
    pub fn step(&self, node: u32, word: u32) -> Option<u32> {
        self.children.get(&(node, word)).copied()
    }

    /// The key that ends at `node`, if one does.
    pub fn key_at(&self, node: u32) -> Option<u32> {
        let key = self.key_at[node as usize];
        (key != NO_KEY).then_some(key)
    }
}
