//! The client side of the API, for `batch --server`, `reload` and the load
//! generator: connecting over plaintext or TLS with the same message limits
//! the server applies.

use std::path::Path;

use tonic::metadata::MetadataValue;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint};
use tonic::{Request, Status};

use crate::error::Error;
use crate::proto::admin_service_client::AdminServiceClient;
use crate::proto::entity_resolver_service_client::EntityResolverServiceClient;
use crate::token::{read_token_file, AUTHORIZATION};

/// Secures `endpoint` when its URL is https: trusting the PEM CA
/// certificates of `tls_ca`, or the system's roots without it. A CA file with
/// a plaintext URL is refused rather than silently ignored.
pub fn secure(endpoint: Endpoint, tls_ca: Option<&Path>) -> Result<Endpoint, Error> {
    let https = endpoint.uri().scheme_str() == Some("https");
    match (https, tls_ca) {
        (false, None) => Ok(endpoint),
        (false, Some(_)) => Err(Error::invalid_argument(
            "--tls-ca",
            format!(
                "{} is not an https:// URL, so no TLS is used",
                endpoint.uri()
            ),
        )),
        (true, ca) => {
            let config = match ca {
                Some(path) => {
                    let pem = std::fs::read(path).map_err(|source| Error::Io {
                        path: path.display().to_string(),
                        source,
                    })?;
                    ClientTlsConfig::new().ca_certificate(Certificate::from_pem(pem))
                }
                None => ClientTlsConfig::new().with_native_roots(),
            };
            endpoint
                .tls_config(config)
                .map_err(|error| Error::invalid_argument("--tls-ca", source_chain(&error)))
        }
    }
}

/// Opens a connection to the service at `url` (e.g. `http://127.0.0.1:50051`
/// or `https://resolver.example:50051`).
pub async fn connect_channel(url: &str, tls_ca: Option<&Path>) -> Result<Channel, Error> {
    let remote = |message: String| Error::Remote {
        target: url.to_string(),
        message,
    };
    let endpoint = Endpoint::from_shared(url.to_string())
        .map_err(|error| remote(format!("not a valid URL: {error}")))?
        .tcp_nodelay(true);
    secure(endpoint, tls_ca)?
        .connect()
        .await
        .map_err(|error| remote(format!("cannot connect: {}", source_chain(&error))))
}

/// Connects to a running service at `url`.
pub async fn connect(
    url: &str,
    tls_ca: Option<&Path>,
    max_message_bytes: usize,
) -> Result<EntityResolverServiceClient<Channel>, Error> {
    let channel = connect_channel(url, tls_ca).await?;
    Ok(EntityResolverServiceClient::new(channel)
        .max_decoding_message_size(max_message_bytes)
        .max_encoding_message_size(max_message_bytes))
}

/// Adds "authorization: Bearer <token>" to every call.
#[derive(Clone)]
pub struct BearerToken(Option<MetadataValue<tonic::metadata::Ascii>>);

impl BearerToken {
    /// The token of `token_file`; no token at all without one (the server
    /// then answers UNAUTHENTICATED or PERMISSION_DENIED, which says more
    /// than a refusal here would).
    pub fn from_file(token_file: Option<&Path>) -> Result<Self, Error> {
        let Some(path) = token_file else {
            return Ok(BearerToken(None));
        };
        let token = read_token_file(path)?;
        let value = format!("Bearer {token}").parse().map_err(|_| {
            Error::invalid_argument(path.display().to_string(), "not a valid header value")
        })?;
        Ok(BearerToken(Some(value)))
    }
}

impl tonic::service::Interceptor for BearerToken {
    fn call(&mut self, mut request: Request<()>) -> Result<Request<()>, Status> {
        if let Some(value) = &self.0 {
            request.metadata_mut().insert(AUTHORIZATION, value.clone());
        }
        Ok(request)
    }
}

/// An AdminService client carrying `token` on every call.
pub fn admin(
    channel: Channel,
    token: BearerToken,
) -> AdminServiceClient<InterceptedService<Channel, BearerToken>> {
    AdminServiceClient::with_interceptor(channel, token)
}

/// "transport error: tcp connect error: Connection refused": the causes
/// behind tonic's terse top-level message.
pub fn source_chain(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_settings_follow_the_url_scheme() {
        let dir = tempfile::tempdir().unwrap();
        let ca = dir.path().join("ca.pem");
        std::fs::write(&ca, "not checked until the handshake").unwrap();
        let missing = dir.path().join("missing.pem");
        // (what, URL, CA file, None or a part of the error)
        type Case<'a> = (&'a str, &'a str, Option<&'a Path>, Option<&'a str>);
        let cases: [Case; 4] = [
            ("plaintext", "http://127.0.0.1:1", None, None),
            (
                "https with a CA file",
                "https://127.0.0.1:1",
                Some(&ca),
                None,
            ),
            (
                "a CA file with a plaintext URL",
                "http://127.0.0.1:1",
                Some(&ca),
                Some("--tls-ca"),
            ),
            (
                "an unreadable CA file",
                "https://127.0.0.1:1",
                Some(&missing),
                Some("missing.pem"),
            ),
        ];
        for (name, url, tls_ca, expected) in cases {
            let endpoint = Endpoint::from_shared(url.to_string()).unwrap();
            match (secure(endpoint, tls_ca), expected) {
                (Ok(_), None) => {}
                (Err(error), Some(part)) => {
                    assert!(error.to_string().contains(part), "{name}: {error}")
                }
                (got, _) => panic!("{name}: {:?}", got.map(|_| ())),
            }
        }
    }
}
