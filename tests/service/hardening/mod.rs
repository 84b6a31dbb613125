//! Issue 11: no call can hold the async threads, run past its deadline,
//! answer more than the limits allow, or hold slots it does not use
//! (`calls`, `admission`); connections that misbehave (`conns`,
//! `malformed`); a process that must stop when told (`process`).
//!
//! Nothing here times the server. Where a timeout is under test it is set to
//! a test-sized second, and a socket read that waits ten times longer counts
//! as "never closed"; child processes get a minute before they count as hung.

mod admission;
mod calls;
mod conns;
mod malformed;
mod process;

use entity_resolver::server::Limits;

/// Plain prose without entities: slow to get through in bulk (every word is
/// a fuzzy candidate), with a small answer.
fn prose(bytes: usize) -> String {
    let sentence = "Officials said the convoy was delayed by heavy rain and that talks \
                    would resume after the holiday, according to local reports. ";
    sentence.repeat(bytes / sentence.len() + 1)[..bytes].to_string()
}

const LARGE: usize = 8 << 20;

fn large_limits() -> Limits {
    Limits {
        max_text_bytes: LARGE,
        max_message_bytes: 64 << 20,
        ..Limits::default()
    }
}

/// Resolve calls the metrics counted with `code`.
fn calls(text: &str, code: &str) -> f64 {
    crate::common::scrape::sample(
        text,
        &format!(
            "entity_resolver_grpc_requests_total{{method=\"{}\",code=\"{code}\"}}",
            crate::common::raw::RESOLVE
        ),
    )
}
