//! The UN Security Council Consolidated List, imported.
//!
//! # Selection
//! - every entry of `UN_LIST_TYPE` `Taliban` (the 1988 Committee's list);
//! - every `Al-Qaida` entry tied to Afghanistan, Pakistan, Kashmir, Central
//!   Asia or Xinjiang: a nationality, an address country or a place-of-birth
//!   country in [`select::REGION_COUNTRIES`], or one of the terms of
//!   [`select::REGION_TERMS`] (places and the region's groups) in the
//!   narrative (`COMMENTS1`, `DESIGNATION`) or the entry's own name;
//! - the al-Qaida leadership: Al-Qaida itself (`QDe.004`), and every
//!   individual whose narrative has a sentence opening with a leadership
//!   role ("Leader of", "Senior …", "Deputy …", "Member of the Shura
//!   Council") whose first list reference is `QDe.004`.
//!
//! # Records
//! Individuals become persons, entities organisations. The primary name is
//! the name parts in order, in natural case, titles out; individuals'
//! a.k.a. of quality Good are aliases, Low (and the few unrated ones) weak;
//! entities' a.k.a. and f.k.a. are aliases; an a.k.a. of one word ("Gurg",
//! "Jamiyat", "Al-Hadid") is weak whatever its quality, since such a word
//! is too generic to name anyone alone in news text (`names::is_one_word`), and
//! so is an individual's a.k.a. made only of common name elements ("Ahmad
//! Shah", "Abdul Haq": `names::only_common_name_words`); `NAME_ORIGINAL_SCRIPT` and
//! Arabic-script names inside alias elements are native names. Every
//! record carries `external_ids.un_sc` and the list as its source.
//!
//! Entries the `--existing` map names become `[[extend]]` records of that
//! entity (several entries of one entity are merged, their reference
//! numbers comma-separated). A name another entity of the table already
//! holds is left out and reported; an entry whose primary name another
//! entity holds is not created (reported: either it is that entity, and
//! belongs in the map, or a namesake for a curator to tell apart). Names
//! two imported entities share are listed as `ambiguous` in both.

pub mod build;
pub mod list;
pub mod names;
pub mod select;
mod write;

pub use build::build;
pub use write::render;
