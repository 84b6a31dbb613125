//! When a call's work must stop: the client's grpc-timeout, counted from
//! when the call's headers arrived, capped by the server's maximum.

use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use tonic::{Request, Status};

use crate::error::Error;
use crate::status::status;

/// When a call's headers arrived: where its client's grpc-timeout counts
/// from, as tonic's own timer for it does. The handler runs only once the
/// whole request has arrived, which for a large request is well after.
#[derive(Debug, Clone, Copy)]
struct Arrived(Instant);

/// A service that stamps each request with `Arrived` before passing it on.
#[derive(Debug, Clone)]
pub struct Stamped<S>(S);

impl<S> Stamped<S> {
    pub(super) fn new(service: S) -> Self {
        Stamped(service)
    }
}

impl<S: tonic::server::NamedService> tonic::server::NamedService for Stamped<S> {
    const NAME: &'static str = S::NAME;
}

impl<S, B> tower_service::Service<http::Request<B>> for Stamped<S>
where
    S: tower_service::Service<http::Request<B>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, mut request: http::Request<B>) -> Self::Future {
        request.extensions_mut().insert(Arrived(Instant::now()));
        self.0.call(request)
    }
}

/// When a call's work must stop, and why.
#[derive(Debug, Clone, Copy)]
pub(super) struct Deadline {
    pub(super) at: Instant,
    allowed: Duration,
    /// The server's maximum, not the client's deadline, set `at`.
    capped: bool,
}

impl Deadline {
    /// When the work of a unary call must stop: its client's timeout,
    /// capped at `max`.
    pub(super) fn of_call<T>(request: &Request<T>, max: Duration) -> Result<Self, Status> {
        let asked = grpc_timeout(request.metadata()).map_err(status)?;
        Ok(Deadline::new(arrived(request), asked, max))
    }

    /// A stream's own deadline, when its client set one: it ends the work
    /// of every document of the stream.
    pub(super) fn of_stream<T>(request: &Request<T>) -> Result<Option<Self>, Status> {
        let asked = grpc_timeout(request.metadata()).map_err(status)?;
        Ok(asked.map(|asked| Deadline::new(arrived(request), Some(asked), Duration::MAX)))
    }

    /// The client's `asked` timeout (grpc-timeout), counted from `from`,
    /// capped at `max`.
    ///
    /// tonic's server ends a call whose grpc-timeout passes with its own
    /// CANCELLED ("Timeout expired"), and a tonic client reports its own
    /// timer the same way. Stopping a little early (a tenth, at most
    /// 250 ms) lets the server's DEADLINE_EXCEEDED, which says what
    /// happened, cross the network and a busy client's scheduler first; an
    /// answer that came in the last tenth would hardly have reached the
    /// client in time anyway.
    pub(super) fn new(from: Instant, asked: Option<Duration>, max: Duration) -> Self {
        let (allowed, capped) = match asked {
            Some(asked) if asked <= max => {
                let early = (asked / 10).min(Duration::from_millis(250));
                (asked - early, false)
            }
            _ => (max, true),
        };
        // A deadline too far to represent is no deadline: a year will do.
        let at = from
            .checked_add(allowed)
            .unwrap_or_else(|| from + Duration::from_secs(365 * 24 * 3600));
        Deadline {
            at,
            allowed,
            capped,
        }
    }

    /// The earlier of this deadline and `other`.
    pub(super) fn earlier(self, other: Option<Deadline>) -> Self {
        match other {
            Some(other) if other.at < self.at => other,
            _ => self,
        }
    }

    pub(super) fn check(&self) -> Result<(), Error> {
        if Instant::now() >= self.at {
            Err(self.exceeded())
        } else {
            Ok(())
        }
    }

    pub(super) fn exceeded(&self) -> Error {
        let seconds = self.allowed.as_secs_f64();
        Error::DeadlineExceeded(if self.capped {
            format!(
                "the work ran past the server's maximum of {seconds} s per call \
                 (--max-deadline-seconds); send less text per call"
            )
        } else {
            format!("the call ran past its deadline (grpc-timeout, {seconds} s of work)")
        })
    }
}

/// When `request` arrived; now if it was not stamped (a handler called
/// directly, without `into_server`).
fn arrived<T>(request: &Request<T>) -> Instant {
    request
        .extensions()
        .get::<Arrived>()
        .map_or_else(Instant::now, |arrived| arrived.0)
}

/// The client's grpc-timeout: 1 to 8 digits and a unit (H, M, S, m, u, n),
/// per gRPC over HTTP/2. Absent, the server's maximum applies.
fn grpc_timeout(metadata: &tonic::metadata::MetadataMap) -> Result<Option<Duration>, Error> {
    let Some(value) = metadata.get("grpc-timeout") else {
        return Ok(None);
    };
    let invalid = || {
        Error::invalid_argument(
            "grpc-timeout",
            format!("{value:?} is not 1 to 8 digits followed by H, M, S, m, u or n"),
        )
    };
    // Visible ASCII only, so the split below is on a character boundary.
    let text = value.to_str().map_err(|_| invalid())?;
    if text.len() < 2 {
        return Err(invalid());
    }
    let (digits, unit) = text.split_at(text.len() - 1);
    if digits.len() > 8 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid());
    }
    let amount: u64 = digits.parse().map_err(|_| invalid())?;
    Ok(Some(match unit {
        "H" => Duration::from_secs(amount * 3600),
        "M" => Duration::from_secs(amount * 60),
        "S" => Duration::from_secs(amount),
        "m" => Duration::from_millis(amount),
        "u" => Duration::from_micros(amount),
        "n" => Duration::from_nanos(amount),
        _ => return Err(invalid()),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grpc_timeouts_parse_per_the_spec() {
        // (header value, the timeout, or None for a refusal)
        let cases: [(&str, Option<Duration>); 12] = [
            ("1H", Some(Duration::from_secs(3600))),
            ("2M", Some(Duration::from_secs(120))),
            ("30S", Some(Duration::from_secs(30))),
            ("250m", Some(Duration::from_millis(250))),
            ("7u", Some(Duration::from_micros(7))),
            ("99999999n", Some(Duration::from_nanos(99_999_999))),
            ("100000000n", None),
            ("5", None),
            ("S", None),
            ("-5S", None),
            ("5s", None),
            ("1.5S", None),
        ];
        for (value, want) in cases {
            let mut metadata = tonic::metadata::MetadataMap::new();
            metadata.insert("grpc-timeout", value.parse().unwrap());
            match (grpc_timeout(&metadata), want) {
                (Ok(Some(got)), Some(want)) => assert_eq!(got, want, "{value}"),
                (Err(error), None) => {
                    assert!(
                        error.to_string().contains("grpc-timeout"),
                        "{value}: {error}"
                    )
                }
                (got, want) => panic!("{value}: got {got:?}, want {want:?}"),
            }
        }
        let none = tonic::metadata::MetadataMap::new();
        assert!(grpc_timeout(&none).unwrap().is_none());
    }

    #[test]
    fn deadlines_take_the_client_timeout_capped_by_the_server() {
        let now = Instant::now();
        let max = Duration::from_secs(60);
        // (client timeout, work allowed, set by the server's maximum)
        let cases = [
            (None, max, true),
            (Some(Duration::from_secs(600)), max, true),
            // A tenth early, so the server's status arrives first ...
            (
                Some(Duration::from_millis(200)),
                Duration::from_millis(180),
                false,
            ),
            // ... but never more than 250 ms early.
            (
                Some(Duration::from_secs(10)),
                Duration::from_millis(9_750),
                false,
            ),
        ];
        for (asked, allowed, capped) in cases {
            let deadline = Deadline::new(now, asked, max);
            assert_eq!(deadline.at - now, allowed, "{asked:?}");
            assert_eq!(deadline.capped, capped, "{asked:?}");
        }
        let past = Deadline::new(now, Some(Duration::ZERO), max);
        assert!(matches!(past.check(), Err(Error::DeadlineExceeded(_))));
        assert!(Deadline::new(now, None, Duration::MAX).check().is_ok());
    }
}
