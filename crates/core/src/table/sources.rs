//! Provenance of a record: which published source its names come from, and
//! when.

use serde::{Deserialize, Serialize};

use crate::error::TableError;

/// Where a record's names come from: a published source and its date.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SourceRecord {
    pub source: String,
    /// `YYYY-MM-DD` or `YYYY-MM`: lists and pages are dated, often only to
    /// the month.
    pub date: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// Every source names itself and carries a plausible date, so that a user
/// can find and check it.
pub(super) fn check_sources(
    file: &str,
    id: &str,
    sources: &[SourceRecord],
    errors: &mut Vec<TableError>,
) {
    for source in sources {
        if source.source.trim().is_empty() {
            errors.push(TableError::new(file, "a source with an empty `source`").entity(id));
        }
        if !plausible_date(&source.date) {
            errors.push(
                TableError::new(
                    file,
                    format!("source date {:?} is not YYYY-MM-DD or YYYY-MM", source.date),
                )
                .entity(id),
            );
        }
    }
}

/// Whether a date is `YYYY-MM-DD` or `YYYY-MM` with a plausible month and
/// day. Years before 1900 or after 2100 are typos, not sources.
fn plausible_date(date: &str) -> bool {
    let parts: Vec<&str> = date.split('-').collect();
    let number = |text: &str, digits: usize| {
        (text.len() == digits && text.bytes().all(|b| b.is_ascii_digit()))
            .then(|| text.parse::<u32>().ok())
            .flatten()
    };
    let (year, month) = match parts.as_slice() {
        [y, m] | [y, m, _] => match (number(y, 4), number(m, 2)) {
            (Some(y), Some(m)) => (y, m),
            _ => return false,
        },
        _ => return false,
    };
    if !(1900..=2100).contains(&year) || !(1..=12).contains(&month) {
        return false;
    }
    match parts.get(2) {
        None => true,
        Some(day) => {
            let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
            let days = match month {
                2 if leap => 29,
                2 => 28,
                4 | 6 | 9 | 11 => 30,
                _ => 31,
            };
            number(day, 2).is_some_and(|d| (1..=days).contains(&d))
        }
    }
}
