//! The figures of each run, as text or JSON lines, and the Resolve/Echo ratio.

use std::collections::BTreeMap;

use serde::Serialize;

use super::plan::{Pacing, Plan, Rpc};
use super::tally::Tally;

/// The figures of one RPC run, as printed.
#[derive(Debug, Serialize)]
pub(super) struct Report {
    rpc: &'static str,
    /// "closed-loop", "fixed-rate" or "stream".
    mode: &'static str,
    connections: u32,
    /// Outstanding requests per connection in a closed loop.
    concurrency: Option<u32>,
    /// Requests per second asked for at a fixed rate.
    target_rate: Option<f64>,
    /// Requests counted (documents, for a stream), errors included.
    requests: u64,
    /// Failed requests by gRPC code, plus OUT_OF_ORDER and MISSING_ANSWER on
    /// a stream.
    errors: BTreeMap<&'static str, u64>,
    error_count: u64,
    /// From the start of the window to the last answer it counted (at least
    /// the window).
    seconds: f64,
    requests_per_second: f64,
    /// Of the successful requests; none for a stream.
    latency_ms: Option<Latency>,
    avg_payload_bytes: f64,
    /// At a fixed rate: requests that left more than 5 ms after their time.
    late: Option<u64>,
    /// At a fixed rate: requests due in the window that never left.
    unsent: Option<u64>,
}

#[derive(Debug, Serialize)]
struct Latency {
    p50: f64,
    p90: f64,
    p99: f64,
    p99_9: f64,
    max: f64,
}

impl Report {
    pub(super) fn new(rpc: Rpc, plan: &Plan, tally: Tally) -> Report {
        let window = tally.window;
        let seconds = match rpc {
            Rpc::Stream => plan.duration,
            _ => tally
                .last_answer
                .map_or(window.end, |last| last.max(window.end))
                .duration_since(window.start),
        }
        .as_secs_f64();
        let millis = |micros: u64| micros as f64 / 1000.0;
        let histogram = &tally.latency_micros;
        let latency = (rpc != Rpc::Stream).then(|| Latency {
            p50: millis(histogram.value_at_quantile(0.5)),
            p90: millis(histogram.value_at_quantile(0.9)),
            p99: millis(histogram.value_at_quantile(0.99)),
            p99_9: millis(histogram.value_at_quantile(0.999)),
            max: millis(histogram.max()),
        });
        let (mode, concurrency, target_rate) = match (rpc, plan.pacing) {
            (Rpc::Stream, _) => ("stream", None, None),
            (_, Pacing::ClosedLoop { concurrency }) => ("closed-loop", Some(concurrency), None),
            (
                _,
                Pacing::FixedRate {
                    requests_per_second,
                },
            ) => ("fixed-rate", None, Some(requests_per_second)),
        };
        let fixed_rate = target_rate.is_some();
        Report {
            rpc: rpc.name(),
            mode,
            connections: plan.connections,
            concurrency,
            target_rate,
            requests: tally.requests,
            error_count: tally.errors.values().sum(),
            errors: tally.errors,
            seconds,
            requests_per_second: tally.requests as f64 / seconds,
            latency_ms: latency,
            avg_payload_bytes: if tally.requests == 0 {
                0.0
            } else {
                tally.payload_bytes as f64 / tally.requests as f64
            },
            late: fixed_rate.then_some(tally.late),
            unsent: fixed_rate.then_some(tally.unsent),
        }
    }
}

#[derive(Debug, Serialize)]
struct Ratio {
    ratio: &'static str,
    /// Resolve requests/s over Echo requests/s; none when Echo had none.
    value: Option<f64>,
    resolve_requests_per_second: f64,
    echo_requests_per_second: f64,
}

fn resolve_to_echo(reports: &[Report]) -> Option<Ratio> {
    let last = |rpc: Rpc| reports.iter().rev().find(|report| report.rpc == rpc.name());
    let resolve = last(Rpc::Resolve)?.requests_per_second;
    let echo = last(Rpc::Echo)?.requests_per_second;
    Some(Ratio {
        ratio: "resolve/echo",
        value: (echo > 0.0).then(|| resolve / echo),
        resolve_requests_per_second: resolve,
        echo_requests_per_second: echo,
    })
}

fn print_report(report: &Report) {
    let (unit, one) = if report.mode == "stream" {
        ("documents", "document")
    } else {
        ("requests", "request")
    };
    let how = match (report.concurrency, report.target_rate) {
        (Some(concurrency), _) => format!(
            "closed loop, {} connection(s) x {concurrency} outstanding",
            report.connections
        ),
        (_, Some(rate)) => format!(
            "fixed rate of {rate} requests/s over {} connection(s)",
            report.connections
        ),
        (None, None) => format!("one stream on each of {} connection(s)", report.connections),
    };
    println!("{}: {how}", report.rpc);
    println!(
        "  {unit:<10} {} in {:.2} s: {:.1} {unit}/s",
        report.requests, report.seconds, report.requests_per_second
    );
    if let (Some(late), Some(unsent)) = (report.late, report.unsent) {
        println!("  schedule   late {late}, unsent {unsent}");
    }
    let errors = if report.errors.is_empty() {
        "none".to_string()
    } else {
        let kinds: Vec<String> = report
            .errors
            .iter()
            .map(|(kind, count)| format!("{kind} {count}"))
            .collect();
        format!("{} ({})", report.error_count, kinds.join(", "))
    };
    println!("  errors     {errors}");
    if let Some(latency) = &report.latency_ms {
        println!(
            "  latency ms p50 {:.3}  p90 {:.3}  p99 {:.3}  p99.9 {:.3}  max {:.3}",
            latency.p50, latency.p90, latency.p99, latency.p99_9, latency.max
        );
    }
    println!(
        "  payload    {:.0} bytes per {one} on average",
        report.avg_payload_bytes
    );
}

/// Prints every report, then the Resolve/Echo ratio when both ran.
pub(super) fn print_all(reports: &[Report], json: bool) {
    let ratio = resolve_to_echo(reports);
    if json {
        for report in reports {
            println!(
                "{}",
                serde_json::to_string(report).expect("reports serialise")
            );
        }
        if let Some(ratio) = &ratio {
            println!(
                "{}",
                serde_json::to_string(ratio).expect("ratios serialise")
            );
        }
    } else {
        for report in reports {
            print_report(report);
        }
        if let Some(ratio) = &ratio {
            let value = ratio
                .value
                .map_or("undefined (no Echo requests)".to_string(), |value| {
                    format!("{value:.3}")
                });
            println!(
                "Resolve/Echo requests/s: {value} (Resolve {:.1}, Echo {:.1})",
                ratio.resolve_requests_per_second, ratio.echo_requests_per_second
            );
        }
    }
}
