//! Base scores of every kind of match, in one place, ordered so that surer
//! kinds of match always rank higher.

pub const CANONICAL_EXACT: f32 = 0.99;
pub const ALIAS_EXACT: f32 = 0.97;
pub const NATIVE: f32 = 0.95;
pub const NORMALIZED: f32 = 0.94;
pub const ACRONYM_UPPER: f32 = 0.93;
pub const TRANSLITERATED: f32 = 0.91;
pub const ACRONYM_TITLE: f32 = 0.88;
pub const DOCUMENT_ACRONYM: f32 = 0.87;
pub const FUZZY_MAX: f32 = 0.86;
pub const PARTIAL_MULTI_WORD: f32 = 0.84;
pub const PARTIAL_ONE_WORD: f32 = 0.8;
pub const PARTIAL_MISSPELT: f32 = 0.72;
/// Factor for a match made after taking a glued proclitic or an ending off
/// an Arabic-script word, and for a native name matched only through the
/// letters one orthography writes for another's (پ/ب): an exact spelling
/// of another entity ranks above either.
pub const AFFIX_FACTOR: f32 = 0.97;
/// Factor for an alias that is too generic alone.
pub const WEAK_FACTOR: f32 = 0.9;

/// Fuzzy score: below every exact kind, falling with the share of the name edited.
pub fn fuzzy_score(distance: u32, letters: usize) -> f32 {
    let share = distance as f32 / letters.max(1) as f32;
    (FUZZY_MAX - 1.2 * share).clamp(0.3, FUZZY_MAX)
}
