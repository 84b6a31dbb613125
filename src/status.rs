//! The one mapping from domain errors to gRPC status codes. A module of its
//! own, beside the server rather than in it, so that every service (the
//! resolver, admin) and the CPU-pool work share it without importing the
//! server, and the library never builds a `Status` itself.

use tonic::Status;

use crate::error::Error;

/// The gRPC status a domain error is answered with; its message is the
/// error's own text.
pub fn status(error: Error) -> Status {
    match error {
        Error::InvalidArgument { .. } => Status::invalid_argument(error.to_string()),
        Error::LimitExceeded { .. } => Status::resource_exhausted(error.to_string()),
        Error::EntityNotFound(_) => Status::not_found(error.to_string()),
        Error::InvalidTable(_) => Status::failed_precondition(error.to_string()),
        Error::Remote { .. } => Status::unavailable(error.to_string()),
        Error::Unauthenticated(_) => Status::unauthenticated(error.to_string()),
        Error::PermissionDenied(_) => Status::permission_denied(error.to_string()),
        Error::Cancelled(_) => Status::cancelled(error.to_string()),
        Error::DeadlineExceeded(_) => Status::deadline_exceeded(error.to_string()),
        Error::Io { .. } | Error::Internal(_) => Status::internal(error.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_maps_to_its_status_code() {
        use tonic::Code;
        let cases: Vec<(Error, Code)> = vec![
            (
                Error::invalid_argument("options.min_score", "2 is outside [0, 1]"),
                Code::InvalidArgument,
            ),
            (
                Error::LimitExceeded {
                    what: "text".into(),
                    actual: 2,
                    limit: 1,
                },
                Code::ResourceExhausted,
            ),
            (Error::EntityNotFound("nope".into()), Code::NotFound),
            (Error::InvalidTable(vec![]), Code::FailedPrecondition),
            (
                Error::Io {
                    path: "x".into(),
                    source: std::io::Error::other("boom"),
                },
                Code::Internal,
            ),
            (
                Error::Remote {
                    target: "http://127.0.0.1:1".into(),
                    message: "connection refused".into(),
                },
                Code::Unavailable,
            ),
            (
                Error::Unauthenticated("wrong token".into()),
                Code::Unauthenticated,
            ),
            (
                Error::PermissionDenied("admin calls are off".into()),
                Code::PermissionDenied,
            ),
            (
                Error::Cancelled("the client went away".into()),
                Code::Cancelled,
            ),
            (
                Error::DeadlineExceeded("the call's deadline passed".into()),
                Code::DeadlineExceeded,
            ),
        ];
        for (error, code) in cases {
            let message = error.to_string();
            let status = status(error);
            assert_eq!(status.code(), code, "{message}");
            assert_eq!(status.message(), message);
        }
    }
}
