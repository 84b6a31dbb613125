//! Per document, after normalisation: names found exactly (`candidates`) and
//! through misspellings (`fuzzy`), acronyms spelled in Arabic-script letter names (`spelled`), overlaps settled (`settle`), place names inside longer names
//! dropped (`inside`), people's names read in their context (`people`), wire credits (`credits`), partial names
//! and acronyms linked to what the document named in full (`link`), every
//! score taken from `score`.

pub mod candidates;
pub mod credits;
pub mod fuzzy;
pub mod inside;
pub mod link;
pub mod lower_case;
pub mod people;
pub mod score;
pub mod settle;
pub mod spelled;
pub mod support;
