//! DiagnosticsService: Echo, the baseline that does no work over the same
//! transport, so a benchmark can tell the transport's cost from the
//! resolver's.

use tonic::{Request, Response, Status};

use crate::proto;
use crate::proto::diagnostics_service_server::{DiagnosticsService, DiagnosticsServiceServer};

/// The Echo baseline: no work, the same transport.
#[derive(Debug, Clone, Copy, Default)]
pub struct Diagnostics {
    pub(super) max_message_bytes: usize,
}

#[tonic::async_trait]
impl DiagnosticsService for Diagnostics {
    async fn echo(
        &self,
        request: Request<proto::EchoRequest>,
    ) -> Result<Response<proto::EchoResponse>, Status> {
        Ok(Response::new(proto::EchoResponse {
            text: request.into_inner().text,
        }))
    }
}

impl Diagnostics {
    pub(super) fn into_server(self) -> DiagnosticsServiceServer<Self> {
        DiagnosticsServiceServer::new(self)
            .max_decoding_message_size(self.max_message_bytes)
            .max_encoding_message_size(self.max_message_bytes)
    }
}
