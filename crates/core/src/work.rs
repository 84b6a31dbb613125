//! What every stage shares while it runs: the counters of work done (so tests
//! bound work instead of timing it) and the interrupt it polls to stop early.
//! A leaf module, so the stages and the pipeline that runs them need not import
//! each other for it.

use crate::error::Result;

/// Work done by one resolution or lookup, counted in units that each take a
/// bounded time, so tests can show that work grows linearly with the text
/// instead of timing it. Not a stable interface.
#[doc(hidden)]
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Work {
    /// Tokens of the text.
    pub tokens: u64,
    /// Steps through the alias tries (one per word of a candidate name).
    pub trie_steps: u64,
    /// Words whose fuzzy substitutes were asked for (cached or not).
    pub fuzzy_words: u64,
    /// Fuzzy work charged to the document's budget: deletion variants and
    /// edit distances a word's substitutes take (charged the same whether
    /// the thread's cache had them or not, so answers never depend on what
    /// a thread saw before), and names aligned with the text.
    pub fuzzy_charged: u64,
    /// Deletion variants actually hashed (cache misses only).
    pub deletion_hashes: u64,
    /// Names aligned word by word against the text.
    pub alignments: u64,
    /// Whether the document ran out of fuzzy budget (the rest of it got
    /// exact and normalised matches only).
    pub fuzzy_budget_exhausted: bool,
    /// Candidates before settling.
    pub candidates: u64,
    /// Shorter forms of names looked up and compared while linking.
    pub link_probes: u64,
    /// Edit distances computed while linking misspelt surnames.
    pub link_edit_distances: u64,
    /// Mentions emitted.
    pub mentions: u64,
}

impl Work {
    /// Every unit counted, for a bound on the whole.
    pub fn total(&self) -> u64 {
        self.tokens
            + self.trie_steps
            + self.fuzzy_words
            + self.fuzzy_charged
            + self.deletion_hashes
            + self.alignments
            + self.candidates
            + self.link_probes
            + self.link_edit_distances
            + self.mentions
    }
}

/// Asked during resolution whether to stop: `Err` (cancelled, deadline
/// exceeded) ends the work with that error. Shared by reference with the
/// stages, so it must be cheap to ask.
pub struct Interrupt<'a> {
    stop: &'a (dyn Fn() -> Result<()> + Sync),
}

impl<'a> Interrupt<'a> {
    /// How much text a stage may get through between two questions.
    pub const EVERY_BYTES: usize = 64 * 1024;

    pub fn new(stop: &'a (dyn Fn() -> Result<()> + Sync)) -> Self {
        Interrupt { stop }
    }

    /// Never stops.
    pub fn never() -> Interrupt<'static> {
        Interrupt { stop: &|| Ok(()) }
    }

    pub fn check(&self) -> Result<()> {
        (self.stop)()
    }

    /// A pacer that asks this interrupt once per `EVERY_BYTES` of text
    /// a stage gets through.
    pub(crate) fn paced(&self) -> Paced<'_, 'a> {
        Paced {
            interrupt: self,
            next: Self::EVERY_BYTES,
        }
    }
}

/// Asks an interrupt as a stage moves through the text: once the stage is
/// past the next `Interrupt::EVERY_BYTES` mark.
pub(crate) struct Paced<'i, 'a> {
    interrupt: &'i Interrupt<'a>,
    next: usize,
}

impl Paced<'_, '_> {
    /// The stage has reached byte `at` of the text.
    #[inline]
    pub(crate) fn at(&mut self, at: usize) -> Result<()> {
        if at >= self.next {
            self.interrupt.check()?;
            self.next = (at / Interrupt::EVERY_BYTES + 1) * Interrupt::EVERY_BYTES;
        }
        Ok(())
    }
}
