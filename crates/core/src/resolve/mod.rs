//! The pipeline, and step 5: emit. Text goes in; it is normalised, scanned for
//! candidates, fuzzy candidates are added, overlaps are settled, the document
//! links partial names and acronyms, and mentions come out with offsets in
//! three units, an explanation each, and the normalised text.

use std::sync::Arc;

use crate::error::{Error, Result};
use crate::index::Index;
use crate::matching::candidates::{alias_candidates, Candidate};
use crate::matching::fuzzy::fuzzy_candidates;
use crate::matching::inside::drop_places_inside_longer_names;
use crate::matching::link::link;
use crate::matching::settle::settle;
use crate::matching::spelled::spelled_acronym_candidates;
use crate::normalize::normalize_until;
use crate::types::{Resolution, ResolveOptions};

mod emit;
mod explain;

pub use crate::work::{Interrupt, Work};
use emit::emit;
pub use explain::normalisation_steps;

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
        candidates.extend(spelled_acronym_candidates(index, &doc, text));
        interrupt.check()?;
        if options.fuzzy {
            candidates.extend(fuzzy_candidates(index, &doc, interrupt, work)?);
            interrupt.check()?;
        }
        work.candidates += candidates.len() as u64;
        let mut settled = settle(candidates);
        drop_places_inside_longer_names(index, &doc, text, &mut settled);
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
