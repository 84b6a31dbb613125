//! What one connection counted, and the window it counted in.

use std::collections::BTreeMap;
use std::sync::{Mutex, PoisonError};
use std::time::Instant;

use hdrhistogram::Histogram;
use tonic::Code;

use entity_resolver::metrics::code_name;

use super::plan::Plan;

/// Latencies are recorded in microseconds, up to an hour, to 3 significant digits.
const HISTOGRAM_MAX_MICROS: u64 = 3_600_000_000;

/// One run's time line: load from `begin`, figures from `start` to `end`.
#[derive(Clone, Copy)]
pub(super) struct Window {
    pub(super) begin: Instant,
    pub(super) start: Instant,
    pub(super) end: Instant,
}

impl Window {
    pub(super) fn from_now(plan: &Plan) -> Window {
        let begin = Instant::now();
        let start = begin + plan.warmup;
        Window {
            begin,
            start,
            end: start + plan.duration,
        }
    }

    pub(super) fn contains(&self, instant: Instant) -> bool {
        instant >= self.start && instant < self.end
    }
}

/// What became of one unary request.
pub(super) struct Call {
    pub(super) intended: Instant,
    pub(super) answered: Instant,
    pub(super) payload_bytes: usize,
    pub(super) outcome: Result<(), Code>,
}

/// The figures of one connection, merged over connections at the end.
pub(super) struct Tally {
    pub(super) window: Window,
    pub(super) requests: u64,
    pub(super) payload_bytes: u64,
    pub(super) errors: BTreeMap<&'static str, u64>,
    pub(super) latency_micros: Histogram<u64>,
    pub(super) last_answer: Option<Instant>,
    pub(super) late: u64,
    pub(super) unsent: u64,
}

impl Tally {
    pub(super) fn new(window: Window) -> Tally {
        Tally {
            window,
            requests: 0,
            payload_bytes: 0,
            errors: BTreeMap::new(),
            latency_micros: Histogram::new_with_bounds(1, HISTOGRAM_MAX_MICROS, 3)
                .expect("constant histogram bounds are valid"),
            last_answer: None,
            late: 0,
            unsent: 0,
        }
    }

    pub(super) fn record(&mut self, call: Call) {
        if !self.window.contains(call.intended) {
            return;
        }
        self.count(call.answered, call.payload_bytes);
        match call.outcome {
            Ok(()) => {
                let micros = call.answered.duration_since(call.intended).as_micros();
                self.latency_micros
                    .saturating_record(u64::try_from(micros).unwrap_or(u64::MAX).max(1));
            }
            Err(code) => self.error(code_name(code)),
        }
    }

    pub(super) fn count(&mut self, answered: Instant, payload_bytes: usize) {
        self.requests += 1;
        self.payload_bytes += payload_bytes as u64;
        self.last_answer = self.last_answer.max(Some(answered));
    }

    pub(super) fn error(&mut self, kind: &'static str) {
        *self.errors.entry(kind).or_default() += 1;
    }

    pub(super) fn merge(&mut self, other: Tally) {
        self.requests += other.requests;
        self.payload_bytes += other.payload_bytes;
        for (kind, count) in other.errors {
            *self.errors.entry(kind).or_default() += count;
        }
        self.latency_micros
            .add(other.latency_micros)
            .expect("histograms with the same bounds add up");
        self.last_answer = self.last_answer.max(other.last_answer);
        self.late += other.late;
        self.unsent += other.unsent;
    }
}

pub(super) fn lock(tally: &Mutex<Tally>) -> std::sync::MutexGuard<'_, Tally> {
    tally.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Takes the figures out once every task that recorded into them is done.
pub(super) fn take(tally: &Mutex<Tally>) -> Tally {
    let mut tally = lock(tally);
    let window = tally.window;
    std::mem::replace(&mut *tally, Tally::new(window))
}
