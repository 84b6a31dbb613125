//! The options of `loadgen`, checked once into the `Plan` every run follows.

use std::path::PathBuf;
use std::time::Duration;

use clap::ValueEnum;
use tonic::transport::Endpoint;

use entity_resolver::Error;

/// A target that accepts TCP but never answers HTTP/2 should fail the run
/// quickly rather than hang it.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Bounds the drain at the end of a run when the server stops answering.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The options of `loadgen`; its help text is the `Command::Loadgen` variant's.
#[derive(clap::Args)]
pub struct LoadgenArgs {
    /// URL of the service; https:// for TLS.
    #[arg(long, default_value = "http://127.0.0.1:50051")]
    pub(super) target: String,
    /// PEM CA certificate(s) to trust for an https:// target; the system's
    /// roots when absent.
    #[arg(long)]
    pub(super) tls_ca: Option<std::path::PathBuf>,
    /// RPC to load; repeat to run several in turn with the same settings and
    /// payload. With both resolve and echo, the ratio of their requests/s is
    /// printed.
    #[arg(long = "rpc", value_enum, required = true)]
    pub(super) rpcs: Vec<Rpc>,
    /// Separate HTTP/2 connections; requests are spread over them.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub(super) connections: u32,
    /// Closed loop: requests outstanding on each connection.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub(super) concurrency: u32,
    /// Fixed rate instead of a closed loop: requests per second over all
    /// connections, sent on schedule whether or not answers have come back.
    /// Applies to resolve and echo; a stream always sends as fast as flow
    /// control allows.
    #[arg(long, conflicts_with = "concurrency")]
    pub(super) rate: Option<f64>,
    /// How long each RPC is measured: 500ms, 10s, 2m.
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    pub(super) duration: Duration,
    /// Load before the measured window, left out of every figure.
    #[arg(long, default_value = "1s", value_parser = parse_duration)]
    pub(super) warmup: Duration,
    /// Texts to send: JSONL of {"id", "text"} when the file starts with `{`,
    /// otherwise plain text, one document per paragraph (split on blank
    /// lines). A built-in set of news paragraphs of about 1 KB when absent.
    #[arg(long)]
    pub(super) payload: Option<PathBuf>,
    /// One JSON object per RPC run, then the ratio object, instead of text.
    #[arg(long)]
    pub(super) json: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(super) enum Rpc {
    /// EntityResolverService/Resolve, one document per call.
    Resolve,
    /// DiagnosticsService/Echo with the same texts: the transport's cost alone.
    Echo,
    /// EntityResolverService/ResolveStream, one stream per connection.
    Stream,
}

impl Rpc {
    pub(super) fn name(self) -> &'static str {
        match self {
            Rpc::Resolve => "resolve",
            Rpc::Echo => "echo",
            Rpc::Stream => "stream",
        }
    }
}

/// How unary requests are paced.
#[derive(Clone, Copy)]
pub(super) enum Pacing {
    ClosedLoop { concurrency: u32 },
    FixedRate { requests_per_second: f64 },
}

/// The settings every RPC run shares, validated.
pub(super) struct Plan {
    pub(super) endpoint: Endpoint,
    pub(super) connections: u32,
    pub(super) pacing: Pacing,
    pub(super) duration: Duration,
    pub(super) warmup: Duration,
}

impl Plan {
    pub(super) fn from_args(args: &LoadgenArgs) -> Result<Plan, Error> {
        let endpoint = target_endpoint(&args.target, args.tls_ca.as_deref())?;
        if args.duration.is_zero() {
            return Err(Error::invalid_argument(
                "--duration",
                "must be longer than zero",
            ));
        }
        let pacing = match args.rate {
            None => Pacing::ClosedLoop {
                concurrency: args.concurrency,
            },
            Some(rate) if rate.is_finite() && rate > 0.0 => Pacing::FixedRate {
                requests_per_second: rate,
            },
            Some(rate) => {
                return Err(Error::invalid_argument(
                    "--rate",
                    format!("{rate} is not a positive number of requests per second"),
                ))
            }
        };
        Ok(Plan {
            endpoint,
            connections: args.connections,
            pacing,
            duration: args.duration,
            warmup: args.warmup,
        })
    }
}

fn target_endpoint(target: &str, tls_ca: Option<&std::path::Path>) -> Result<Endpoint, Error> {
    let invalid = |message: String| Error::invalid_argument("--target", message);
    let endpoint = Endpoint::from_shared(target.to_string())
        .map_err(|error| invalid(format!("{target:?} is not a valid URL: {error}")))?;
    if !matches!(endpoint.uri().scheme_str(), Some("http" | "https")) {
        return Err(invalid(format!(
            "{target:?} needs a scheme, e.g. http://127.0.0.1:50051"
        )));
    }
    entity_resolver::client::secure(
        endpoint
            .tcp_nodelay(true)
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT),
        tls_ca,
    )
}

/// "500ms", "10s", "1.5s", "2m", "1h". A bare number is refused: seconds and
/// milliseconds are both plausible, and guessing wrong skews a run by 1000x.
fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let unit_at = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .ok_or_else(|| format!("{text:?} has no unit: write e.g. 500ms, 10s or 2m"))?;
    let (number, unit) = text.split_at(unit_at);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a duration: write e.g. 500ms, 10s or 2m"))?;
    let seconds_per_unit = match unit {
        "ms" => 0.001,
        "s" => 1.0,
        "m" => 60.0,
        "h" => 3600.0,
        _ => {
            return Err(format!(
                "{text:?}: unknown unit {unit:?} (use ms, s, m or h)"
            ))
        }
    };
    Duration::try_from_secs_f64(value * seconds_per_unit)
        .map_err(|_| format!("{text:?} is too long a duration"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_with_a_unit_and_only_with_one() {
        let cases: &[(&str, Option<Duration>)] = &[
            ("500ms", Some(Duration::from_millis(500))),
            ("10s", Some(Duration::from_secs(10))),
            ("1.5s", Some(Duration::from_millis(1500))),
            ("2m", Some(Duration::from_secs(120))),
            ("1h", Some(Duration::from_secs(3600))),
            ("0s", Some(Duration::ZERO)),
            (" 200ms ", Some(Duration::from_millis(200))),
            ("10", None),
            ("", None),
            ("s", None),
            ("ten s", None),
            ("-1s", None),
            ("1.2.3s", None),
            ("5 s", None),
            ("5sec", None),
            ("3d", None),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_duration(text).ok(), *expected, "{text:?}");
        }
    }
}
