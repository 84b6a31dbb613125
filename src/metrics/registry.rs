//! The registry: every counter and histogram of the service, and what the
//! handlers and the reloader call to count.

use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::{Registry, Unit};
use tonic::Code;

use super::collector::{State, StreamGauges};
use crate::convert::match_kind_from_proto;
use crate::proto;
use crate::transport::{ConnectionCounts, Port};
use entity_resolver_core::index::Index;
use entity_resolver_core::types::MatchKind;

/// Latency buckets in seconds, 100 µs to 10 s in 1-2.5-5 steps: a cached
/// Resolve answers in well under a millisecond, a long stream takes seconds.
const LATENCY_BUCKETS: [f64; 16] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
    5.0, 10.0,
];

/// The method label of a path the server has no method for. Any client can
/// send any path; labelling each one would let a scanner grow the series
/// without bound.
pub const UNKNOWN_METHOD: &str = "unknown";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CallLabels {
    method: String,
    code: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct MethodLabels {
    method: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CodeLabels {
    code: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct MatchKindLabels {
    match_kind: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: &'static str,
}

type LatencyFamily = Family<MethodLabels, Histogram, fn() -> Histogram>;

/// Every metric of the service, and the registry that encodes them.
/// Counting is a few atomic operations per call, so it is always on; only
/// the HTTP endpoint (`serve_metrics`) is optional.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    calls: Family<CallLabels, Counter>,
    latency: LatencyFamily,
    documents: Counter,
    document_errors: Family<CodeLabels, Counter>,
    mentions: Family<MatchKindLabels, Counter>,
    reloads: Family<OutcomeLabels, Counter>,
    state: Arc<State>,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("entity_resolver");
        let calls = Family::<CallLabels, Counter>::default();
        registry.register(
            "grpc_requests",
            "gRPC calls ended, by method (the full path) and status code",
            calls.clone(),
        );
        let latency: LatencyFamily =
            Family::new_with_constructor(|| Histogram::new(LATENCY_BUCKETS));
        registry.register_with_unit(
            "grpc_request_duration",
            "Time from a call's arrival to the end of its response (a stream's whole life), by method",
            Unit::Seconds,
            latency.clone(),
        );
        let documents = Counter::default();
        registry.register(
            "documents",
            "Documents resolved, by any RPC (each stream or batch document counts)",
            documents.clone(),
        );
        let document_errors = Family::<CodeLabels, Counter>::default();
        registry.register(
            "document_errors",
            "Documents refused, by status code (a stream document fails alone, inside an OK call)",
            document_errors.clone(),
        );
        let mentions = Family::<MatchKindLabels, Counter>::default();
        registry.register(
            "mentions",
            "Mentions returned, by match kind",
            mentions.clone(),
        );
        let reloads = Family::<OutcomeLabels, Counter>::default();
        registry.register(
            "table_reloads",
            "Alias table reloads, by outcome (ok, or refused: the table in service stays)",
            reloads.clone(),
        );
        // Every series that is known in advance starts at zero, so a rate
        // over a counter's first increment is not lost.
        for kind in ALL_MATCH_KINDS {
            mentions
                .get_or_create(&MatchKindLabels {
                    match_kind: kind.as_str(),
                })
                .inc_by(0);
        }
        for outcome in [ReloadOutcome::Ok, ReloadOutcome::Refused] {
            reloads
                .get_or_create(&OutcomeLabels {
                    outcome: outcome.label(),
                })
                .inc_by(0);
        }
        let state = Arc::new(State::default());
        registry.register_collector(Box::new(state.clone()));
        Metrics {
            registry,
            calls,
            latency,
            documents,
            document_errors,
            mentions,
            reloads,
            state,
        }
    }

    /// Reports the stream gauges from these live counters at each scrape.
    /// The first set of counters watched stays.
    pub fn watch_activity(&self, activity: Arc<dyn StreamGauges>) {
        self.state.watch_activity(activity);
    }

    /// Reports the connections of `port` from these live counters at each
    /// scrape.
    pub fn watch_connections(&self, port: Port, counts: Arc<ConnectionCounts>) {
        self.state.watch_connections(port, counts);
    }

    /// Reports the table gauges from the table in this slot at each scrape.
    /// The first slot watched stays.
    pub fn watch_table(&self, table: Arc<ArcSwap<Index>>) {
        self.state.watch_table(table);
    }

    /// How long the table in service took to read, check and compile.
    pub fn record_load_time(&self, load_time: Duration) {
        self.state.set_load_seconds(load_time.as_secs_f64());
    }

    /// A reload that put a new table in service after `load_time`.
    pub fn record_reload(&self, load_time: Duration) {
        self.record_load_time(load_time);
        self.count_reload(ReloadOutcome::Ok);
    }

    /// A reload refused (an invalid table, an unreadable file): the table in
    /// service stays.
    pub fn record_reload_refused(&self) {
        self.count_reload(ReloadOutcome::Refused);
    }

    fn count_reload(&self, outcome: ReloadOutcome) {
        self.reloads
            .get_or_create(&OutcomeLabels {
                outcome: outcome.label(),
            })
            .inc();
    }

    /// One document resolved: counts it and its mentions by match kind.
    pub fn record_resolution(&self, response: &proto::ResolveResponse) {
        self.documents.inc();
        let mut by_kind = [0u64; ALL_MATCH_KINDS.len()];
        for mention in &response.mentions {
            if let Some(slot) = match_kind_slot(mention.match_kind) {
                by_kind[slot] += 1;
            }
        }
        for (kind, count) in ALL_MATCH_KINDS.iter().zip(by_kind) {
            if count > 0 {
                self.mentions
                    .get_or_create(&MatchKindLabels {
                        match_kind: kind.as_str(),
                    })
                    .inc_by(count);
            }
        }
    }

    /// One document's outcome: resolved, or refused with a status code.
    pub fn record_document(&self, outcome: Result<&proto::ResolveResponse, Code>) {
        match outcome {
            Ok(response) => self.record_resolution(response),
            Err(code) => self.record_document_error(code),
        }
    }

    /// One document refused with `code`.
    pub fn record_document_error(&self, code: Code) {
        self.document_errors
            .get_or_create(&CodeLabels {
                code: code_name(code),
            })
            .inc();
    }

    pub(super) fn record_call(&self, method: String, code: Code, elapsed: Duration) {
        let method = if code == Code::Unimplemented {
            UNKNOWN_METHOD.to_string()
        } else {
            method
        };
        self.latency
            .get_or_create(&MethodLabels {
                method: method.clone(),
            })
            .observe(elapsed.as_secs_f64());
        self.calls
            .get_or_create(&CallLabels {
                method,
                code: code_name(code),
            })
            .inc();
    }

    /// Every metric, as OpenMetrics text (ending in `# EOF`).
    pub fn encode(&self) -> String {
        let mut text = String::new();
        // Writing to a String cannot fail, and the encoders only fail on
        // writer errors.
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry);
        text
    }
}

#[derive(Clone, Copy)]
enum ReloadOutcome {
    Ok,
    Refused,
}

impl ReloadOutcome {
    fn label(self) -> &'static str {
        match self {
            ReloadOutcome::Ok => "ok",
            ReloadOutcome::Refused => "refused",
        }
    }
}

const ALL_MATCH_KINDS: [MatchKind; 7] = [
    MatchKind::Exact,
    MatchKind::Normalized,
    MatchKind::Acronym,
    MatchKind::DocumentAcronym,
    MatchKind::Fuzzy,
    MatchKind::PartialName,
    MatchKind::NativeScript,
];

/// Where a mention's proto match kind counts in `ALL_MATCH_KINDS`; none for
/// a value the server never sends.
fn match_kind_slot(value: i32) -> Option<usize> {
    let kind = match_kind_from_proto(value)?;
    ALL_MATCH_KINDS.iter().position(|&k| k == kind)
}

/// The canonical name of a status code, as the gRPC documentation writes it.
pub fn code_name(code: Code) -> &'static str {
    match code {
        Code::Ok => "OK",
        Code::Cancelled => "CANCELLED",
        Code::Unknown => "UNKNOWN",
        Code::InvalidArgument => "INVALID_ARGUMENT",
        Code::DeadlineExceeded => "DEADLINE_EXCEEDED",
        Code::NotFound => "NOT_FOUND",
        Code::AlreadyExists => "ALREADY_EXISTS",
        Code::PermissionDenied => "PERMISSION_DENIED",
        Code::ResourceExhausted => "RESOURCE_EXHAUSTED",
        Code::FailedPrecondition => "FAILED_PRECONDITION",
        Code::Aborted => "ABORTED",
        Code::OutOfRange => "OUT_OF_RANGE",
        Code::Unimplemented => "UNIMPLEMENTED",
        Code::Internal => "INTERNAL",
        Code::Unavailable => "UNAVAILABLE",
        Code::DataLoss => "DATA_LOSS",
        Code::Unauthenticated => "UNAUTHENTICATED",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolutions_count_documents_and_mentions_by_kind() {
        let metrics = Metrics::new();
        let mention = |kind: proto::MatchKind| proto::Mention {
            match_kind: kind as i32,
            ..Default::default()
        };
        metrics.record_resolution(&proto::ResolveResponse {
            mentions: vec![
                mention(proto::MatchKind::Exact),
                mention(proto::MatchKind::Fuzzy),
                mention(proto::MatchKind::Exact),
                mention(proto::MatchKind::Unspecified),
            ],
            ..Default::default()
        });
        metrics.record_resolution(&proto::ResolveResponse::default());
        metrics.record_document_error(Code::ResourceExhausted);
        let text = metrics.encode();
        for line in [
            "entity_resolver_documents_total 2",
            "entity_resolver_mentions_total{match_kind=\"exact\"} 2",
            "entity_resolver_mentions_total{match_kind=\"fuzzy\"} 1",
            "entity_resolver_mentions_total{match_kind=\"partial_name\"} 0",
            "entity_resolver_document_errors_total{code=\"RESOURCE_EXHAUSTED\"} 1",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} missing in\n{text}");
        }
    }

    #[test]
    fn the_table_gauges_follow_reloads() {
        let metrics = Metrics::new();
        assert!(!metrics.encode().contains("entity_resolver_table_info"));
        let index = Arc::new(Index::embedded().unwrap());
        let slot = Arc::new(ArcSwap::new(index.clone()));
        metrics.watch_table(slot.clone());
        metrics.record_load_time(Duration::from_millis(250));
        // A reload as `reload` does it: a new table swapped into the slot.
        let mut table = entity_resolver_core::AliasTable::embedded().unwrap();
        table.version = "reloaded-version".to_string();
        table.entities.truncate(3);
        let reloaded = Index::from_table(table).unwrap();
        slot.store(Arc::new(reloaded));
        metrics.record_reload(Duration::from_millis(500));
        metrics.record_reload_refused();
        metrics.record_reload_refused();
        let text = metrics.encode();
        for line in [
            "entity_resolver_table_info{version=\"reloaded-version\"} 1",
            "entity_resolver_table_entities 3",
            "entity_resolver_table_reloads_total{outcome=\"ok\"} 1",
            "entity_resolver_table_reloads_total{outcome=\"refused\"} 2",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} missing in\n{text}");
        }
        assert_eq!(text.matches("entity_resolver_table_info{").count(), 1);
    }
}
