//! The gRPC AdminService: table reloads, behind a bearer token.
//!
//! The token is read from a file (a flag value would show in `ps`) and only
//! its SHA-256 digest is kept. A presented token is hashed too and the two
//! digests are compared in constant time, so the time a wrong guess takes
//! says nothing about the token, its contents or its length.
//!
//! Failed authentications are limited per peer address (`FailedLogins`):
//! past a few, that address waits, longer after each further failure, so a
//! guesser gets a handful of tries a minute instead of thousands a second,
//! while the operator, from another address, is never locked out.
//!
//! A server started without a token refuses every admin call with
//! PERMISSION_DENIED: no token must not mean "anyone may reload". SIGHUP
//! still reloads, since sending it needs local access to the process.

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use tonic::metadata::MetadataMap;
use tonic::service::interceptor::InterceptedService;
use tonic::{Request, Response, Status};

use crate::error::Error;
use crate::proto;
use crate::proto::admin_service_server::{AdminService, AdminServiceServer};
use crate::reload::Reloader;
use crate::status::status;
use crate::transport::PeerInfo;

pub use crate::token::{read_token_file, AUTHORIZATION};

/// The admin token a server checks calls against.
#[derive(Clone)]
pub struct AdminToken {
    digest: [u8; 32],
}

impl AdminToken {
    pub fn new(token: &str) -> Self {
        AdminToken {
            digest: Sha256::digest(token.as_bytes()).into(),
        }
    }

    pub fn from_file(path: &Path) -> Result<Self, Error> {
        Ok(Self::new(&read_token_file(path)?))
    }

    fn matches(&self, presented: &str) -> bool {
        let presented: [u8; 32] = Sha256::digest(presented.as_bytes()).into();
        presented.ct_eq(&self.digest).into()
    }
}

impl std::fmt::Debug for AdminToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AdminToken(..)")
    }
}

/// Lets an admin call through only with the right token.
pub fn authorize(token: Option<&AdminToken>, metadata: &MetadataMap) -> Result<(), Error> {
    let Some(token) = token else {
        return Err(Error::PermissionDenied(
            "admin calls are off on this server: start it with --admin-token-file FILE to allow them \
             (SIGHUP reloads the table without a token)"
                .to_string(),
        ));
    };
    let presented = metadata
        .get(AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim());
    match presented {
        Some(presented) if token.matches(presented) => Ok(()),
        Some(_) => Err(Error::Unauthenticated("wrong admin token".to_string())),
        None => Err(Error::Unauthenticated(format!(
            "an admin call needs the metadata \"{AUTHORIZATION}: Bearer <token>\""
        ))),
    }
}

/// Failed authentications an address may make before it has to wait. A
/// person mistyping or pasting the wrong file needs a few tries, not more.
pub const FREE_FAILURES: u32 = 5;
/// The first wait, doubled with each further failure.
const FIRST_WAIT: Duration = Duration::from_secs(1);
/// The longest wait: a guesser gets about one try a minute, an operator who
/// fixed the token waits at most this long.
pub const MAX_WAIT: Duration = Duration::from_secs(60);
/// Addresses remembered at once. An entry is about 64 bytes, so the table
/// stays under a megabyte whoever sends what; past it the address that
/// failed longest ago is forgotten.
pub const MAX_REMEMBERED: usize = 10_000;
/// An address whose last failure is this old starts again from zero.
const FORGET_AFTER: Duration = Duration::from_secs(600);

/// Failed admin authentications by peer address.
///
/// IPv6 addresses count by their /64 network: one host usually holds a
/// whole /64 and could otherwise take a fresh address for every try.
/// Behind a proxy every client has the proxy's address, and the limit then
/// holds for them all together.
#[derive(Debug)]
pub struct FailedLogins {
    by_peer: Mutex<HashMap<IpAddr, Failures>>,
    capacity: usize,
}

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    last: Instant,
    /// No admin call from this address is looked at before this.
    wait_until: Option<Instant>,
}

impl Default for FailedLogins {
    fn default() -> Self {
        Self::with_capacity(MAX_REMEMBERED)
    }
}

impl FailedLogins {
    pub fn with_capacity(capacity: usize) -> Self {
        FailedLogins {
            by_peer: Mutex::new(HashMap::new()),
            capacity: capacity.max(1),
        }
    }

    /// Addresses remembered now.
    pub fn remembered(&self) -> usize {
        self.table().len()
    }

    fn table(&self) -> std::sync::MutexGuard<'_, HashMap<IpAddr, Failures>> {
        self.by_peer.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Refuses the call while `peer` has to wait.
    fn check(&self, peer: IpAddr, now: Instant) -> Result<(), Error> {
        let table = self.table();
        match table.get(&peer_key(peer)) {
            Some(Failures {
                count,
                wait_until: Some(until),
                ..
            }) if *until > now => Err(Error::LimitExceeded {
                what: format!(
                    "failed admin authentications from {peer} (retry in {} s)",
                    (*until - now).as_secs_f64().ceil() as u64
                ),
                actual: *count as usize,
                limit: FREE_FAILURES as usize,
            }),
            _ => Ok(()),
        }
    }

    fn failed(&self, peer: IpAddr, now: Instant) {
        let mut table = self.table();
        let key = peer_key(peer);
        if !table.contains_key(&key) && table.len() >= self.capacity {
            table.retain(|_, failures| now.duration_since(failures.last) < FORGET_AFTER);
            if table.len() >= self.capacity {
                let oldest = table
                    .iter()
                    .min_by_key(|(_, failures)| failures.last)
                    .map(|(&key, _)| key);
                if let Some(oldest) = oldest {
                    table.remove(&oldest);
                }
            }
        }
        let failures = table.entry(key).or_insert(Failures {
            count: 0,
            last: now,
            wait_until: None,
        });
        if now.duration_since(failures.last) >= FORGET_AFTER {
            failures.count = 0;
        }
        failures.count = failures.count.saturating_add(1);
        failures.last = now;
        failures.wait_until = (failures.count > FREE_FAILURES).then(|| {
            let doublings = (failures.count - FREE_FAILURES - 1).min(16);
            now + (FIRST_WAIT * (1 << doublings)).min(MAX_WAIT)
        });
    }

    fn succeeded(&self, peer: IpAddr) {
        self.table().remove(&peer_key(peer));
    }
}

fn peer_key(peer: IpAddr) -> IpAddr {
    match peer {
        IpAddr::V4(_) => peer,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6((u128::from(v6) & !((1u128 << 64) - 1)).into()),
        },
    }
}

/// The interceptor in front of AdminService (and nothing else).
#[derive(Debug, Clone)]
pub struct Guard {
    token: Option<AdminToken>,
    failures: Arc<FailedLogins>,
}

impl Guard {
    fn authorize(
        &self,
        peer: Option<IpAddr>,
        metadata: &MetadataMap,
        now: Instant,
    ) -> Result<(), Error> {
        if let Some(peer) = peer {
            self.failures.check(peer, now)?;
        }
        let outcome = authorize(self.token.as_ref(), metadata);
        match (&outcome, peer) {
            (Ok(()), Some(peer)) => self.failures.succeeded(peer),
            (Err(Error::Unauthenticated(_)), Some(peer)) => {
                self.failures.failed(peer, now);
                tracing::warn!(%peer, "admin call with a wrong or missing token refused");
            }
            _ => {}
        }
        outcome
    }
}

impl tonic::service::Interceptor for Guard {
    fn call(&mut self, request: Request<()>) -> Result<Request<()>, Status> {
        let peer = PeerInfo::of(request.extensions())
            .and_then(PeerInfo::remote_addr)
            .or_else(|| request.remote_addr())
            .map(|addr| addr.ip());
        self.authorize(peer, request.metadata(), Instant::now())
            .map_err(status)?;
        Ok(request)
    }
}

/// The AdminService implementation.
pub struct Admin {
    reloader: Arc<Reloader>,
}

impl Admin {
    /// The service behind its guard, ready to add to a server.
    pub fn into_server(
        reloader: Arc<Reloader>,
        token: Option<AdminToken>,
    ) -> InterceptedService<AdminServiceServer<Admin>, Guard> {
        Self::into_server_with(reloader, token, Arc::default())
    }

    /// The service behind its guard, counting failed authentications in
    /// `failures`.
    pub fn into_server_with(
        reloader: Arc<Reloader>,
        token: Option<AdminToken>,
        failures: Arc<FailedLogins>,
    ) -> InterceptedService<AdminServiceServer<Admin>, Guard> {
        AdminServiceServer::with_interceptor(Admin { reloader }, Guard { token, failures })
    }
}

#[tonic::async_trait]
impl AdminService for Admin {
    async fn reload_table(
        &self,
        _request: Request<proto::ReloadTableRequest>,
    ) -> Result<Response<proto::ReloadTableResponse>, Status> {
        let reloaded = self.reloader.reload().await.map_err(status)?;
        Ok(Response::new(proto::ReloadTableResponse {
            old_table_version: reloaded.old_version,
            new_table_version: reloaded.new_version,
            entities: reloaded.entities as u32,
            aliases: reloaded.aliases as u32,
            load_time_ms: reloaded.load_time.as_millis() as u64,
            source: reloaded.source,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tonic::Code;

    struct AuthCase {
        name: &'static str,
        configured: bool,
        presented: Option<&'static str>,
        refused: Option<Code>,
    }

    #[test]
    fn only_the_right_token_is_let_through() {
        let token = AdminToken::new("s3cret-token");
        let case = |name, configured, presented, refused| AuthCase {
            name,
            configured,
            presented,
            refused,
        };
        let unauthenticated = Some(Code::Unauthenticated);
        let cases = [
            case(
                "no token configured",
                false,
                Some("Bearer s3cret-token"),
                Some(Code::PermissionDenied),
            ),
            case("right token", true, Some("Bearer s3cret-token"), None),
            case(
                "scheme in any case",
                true,
                Some("bearer s3cret-token"),
                None,
            ),
            case(
                "wrong token",
                true,
                Some("Bearer s3cret-tokem"),
                unauthenticated,
            ),
            case(
                "a prefix of the token",
                true,
                Some("Bearer s3cret"),
                unauthenticated,
            ),
            case(
                "token without scheme",
                true,
                Some("s3cret-token"),
                unauthenticated,
            ),
            case(
                "other scheme",
                true,
                Some("Basic s3cret-token"),
                unauthenticated,
            ),
            case("no metadata", true, None, unauthenticated),
        ];
        for case in cases {
            let mut metadata = MetadataMap::new();
            if let Some(value) = case.presented {
                metadata.insert(AUTHORIZATION, value.parse().unwrap());
            }
            let configured = case.configured.then_some(&token);
            let outcome = authorize(configured, &metadata).map_err(|e| status(e).code());
            assert_eq!(outcome.err(), case.refused, "{}", case.name);
        }
    }

    fn bearer(token: &str) -> MetadataMap {
        let mut metadata = MetadataMap::new();
        metadata.insert(AUTHORIZATION, format!("Bearer {token}").parse().unwrap());
        metadata
    }

    /// A guesser is held back; another address with the right token is
    /// not; the right token from the guesser's address waits like a guess.
    #[test]
    fn failed_authentications_are_limited_per_address() {
        let guard = Guard {
            token: Some(AdminToken::new("right")),
            failures: Arc::default(),
        };
        // One moment for every try: the waits are not over in between.
        let now = Instant::now();
        let guesser: IpAddr = "192.0.2.7".parse().unwrap();
        let operator: IpAddr = "198.51.100.1".parse().unwrap();
        let codes: Vec<Code> = (0..20)
            .map(|i| {
                let outcome = guard.authorize(Some(guesser), &bearer(&format!("guess-{i}")), now);
                status(outcome.unwrap_err()).code()
            })
            .collect();
        let looked_at = codes
            .iter()
            .filter(|&&c| c == Code::Unauthenticated)
            .count();
        let held_back = codes
            .iter()
            .filter(|&&c| c == Code::ResourceExhausted)
            .count();
        assert_eq!(looked_at, FREE_FAILURES as usize + 1, "{codes:?}");
        assert_eq!(held_back, 20 - looked_at, "{codes:?}");
        assert!(guard
            .authorize(Some(operator), &bearer("right"), now)
            .is_ok());
        let waiting = guard
            .authorize(Some(guesser), &bearer("right"), now)
            .unwrap_err();
        assert_eq!(status(waiting).code(), Code::ResourceExhausted);
        // Another address of the guesser's IPv6 /64 waits with it.
        let guesser_v6: IpAddr = "2001:db8::1".parse().unwrap();
        let same_network: IpAddr = "2001:db8::ffff:2".parse().unwrap();
        for i in 0..=FREE_FAILURES {
            let _ = guard.authorize(Some(guesser_v6), &bearer(&format!("guess-{i}")), now);
        }
        let waiting = guard
            .authorize(Some(same_network), &bearer("guess"), now)
            .unwrap_err();
        assert_eq!(status(waiting).code(), Code::ResourceExhausted);
    }

    #[test]
    fn waits_double_up_to_the_maximum_and_the_table_stays_bounded() {
        let failures = FailedLogins::with_capacity(3);
        let peer: IpAddr = "192.0.2.1".parse().unwrap();
        let start = Instant::now();
        let mut waits = Vec::new();
        for i in 0..(FREE_FAILURES + 10) {
            // Each try comes when the previous wait is over.
            let now = start + Duration::from_secs(61 * u64::from(i));
            assert!(failures.check(peer, now).is_ok(), "try {i}");
            failures.failed(peer, now);
            let until = failures.table()[&peer].wait_until;
            waits.push(until.map_or(0, |until| (until - now).as_secs()));
        }
        let expected: Vec<u64> = [0, 0, 0, 0, 0, 1, 2, 4, 8, 16, 32, 60, 60, 60, 60].to_vec();
        assert_eq!(waits, expected);
        for i in 0..10u8 {
            failures.failed(IpAddr::from([10, 0, 0, i]), start);
        }
        assert_eq!(failures.remembered(), 3);
    }

    #[test]
    fn token_files_are_trimmed_and_checked() {
        let dir = tempfile::tempdir().unwrap();
        let cases: &[(&str, &str, Result<&str, &str>)] = &[
            ("newline", "abc123\n", Ok("abc123")),
            ("empty", "\n", Err("empty")),
            ("inner space", "abc 123", Err("visible ASCII")),
            ("non-ASCII", "abcé", Err("visible ASCII")),
        ];
        for (name, content, expected) in cases {
            let path = dir.path().join(name);
            std::fs::write(&path, content).unwrap();
            match (read_token_file(&path), expected) {
                (Ok(token), Ok(want)) => assert_eq!(&token, want, "{name}"),
                (Err(error), Err(want)) => {
                    let message = error.to_string();
                    assert!(message.contains(want), "{name}: {message}");
                    assert!(message.contains(name), "{name}: names the file: {message}");
                }
                (got, _) => panic!("{name}: {got:?}"),
            }
        }
    }
}
