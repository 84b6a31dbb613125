//! The gRPC AdminService: table reloads, behind a bearer token.
//!
//! The token is read from a file (a flag value would show in `ps`) and only
//! its SHA-256 digest is kept. A presented token is hashed too and the two
//! digests are compared in constant time, so the time a wrong guess takes
//! says nothing about the token, its contents or its length.
//!
//! A server started without a token refuses every admin call with
//! PERMISSION_DENIED: no token must not mean "anyone may reload". SIGHUP
//! still reloads, since sending it needs local access to the process.

use std::path::Path;
use std::sync::Arc;

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use tonic::metadata::MetadataMap;
use tonic::service::interceptor::InterceptedService;
use tonic::{Request, Response, Status};

use crate::error::Error;
use crate::proto;
use crate::proto::admin_service_server::{AdminService, AdminServiceServer};
use crate::reload::Reloader;
use crate::server::status;

/// The metadata key that carries the token, as "Bearer <token>".
pub const AUTHORIZATION: &str = "authorization";

/// Reads a token file: its content without the surrounding whitespace (the
/// newline `echo` leaves is not part of the token). Refuses an empty token
/// and characters that cannot travel in a header, naming the file.
pub fn read_token_file(path: &Path) -> Result<String, Error> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.display().to_string(),
        source,
    })?;
    let token = text.trim();
    let invalid = |message: &str| Error::invalid_argument(path.display().to_string(), message);
    if token.is_empty() {
        return Err(invalid("the token file is empty"));
    }
    if !token.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(invalid(
            "a token may hold only visible ASCII characters (no spaces), so that it fits in a header",
        ));
    }
    Ok(token.to_string())
}

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

/// The interceptor in front of AdminService (and nothing else).
#[derive(Debug, Clone)]
pub struct Guard {
    token: Option<AdminToken>,
}

impl tonic::service::Interceptor for Guard {
    fn call(&mut self, request: Request<()>) -> Result<Request<()>, Status> {
        authorize(self.token.as_ref(), request.metadata()).map_err(status)?;
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
        AdminServiceServer::with_interceptor(Admin { reloader }, Guard { token })
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
