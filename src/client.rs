//! The client side of the API, for `batch --server` and the load generator:
//! connecting with the same message limits the server applies.

use tonic::transport::{Channel, Endpoint};

use crate::error::Error;
use crate::proto::entity_resolver_service_client::EntityResolverServiceClient;

/// Connects to a running service at `url` (e.g. `http://127.0.0.1:50051`).
pub async fn connect(
    url: &str,
    max_message_bytes: usize,
) -> Result<EntityResolverServiceClient<Channel>, Error> {
    let remote = |message: String| Error::Remote {
        target: url.to_string(),
        message,
    };
    let endpoint = Endpoint::from_shared(url.to_string())
        .map_err(|error| remote(format!("not a valid URL: {error}")))?
        .tcp_nodelay(true);
    let channel = endpoint
        .connect()
        .await
        .map_err(|error| remote(format!("cannot connect: {}", source_chain(&error))))?;
    Ok(EntityResolverServiceClient::new(channel)
        .max_decoding_message_size(max_message_bytes)
        .max_encoding_message_size(max_message_bytes))
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
