//! The service's error type: the core's errors (converted variant by
//! variant, `From<entity_resolver_core::Error>`) plus those only a service or
//! a client meets (a remote resolver, credentials). The gRPC layer maps it to
//! `tonic::Status` in a single place (`server::status`).

use entity_resolver_core::error::TableProblems;
pub use entity_resolver_core::TableError;

/// Everything the resolver library can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The alias table did not validate. Every problem found is kept
    /// (`Error::problems`); the message lists the first
    /// `TableError::SHOWN_PROBLEMS`, each cut to `TableError::SHOWN_BYTES`,
    /// so it fits in a gRPC status message (tonic refuses headers over
    /// 16 KiB) and in a terminal.
    #[error("{}", TableProblems(.0))]
    InvalidTable(Vec<TableError>),

    /// A file or directory could not be read.
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },

    /// A request field is out of its domain; `field` names it.
    #[error("invalid {field}: {message}")]
    InvalidArgument { field: String, message: String },

    /// A request exceeds a configured limit.
    #[error("{what} is {actual}, over the limit of {limit}")]
    LimitExceeded {
        what: String,
        actual: usize,
        limit: usize,
    },

    /// No entity has this id.
    #[error("no entity with id {0:?}")]
    EntityNotFound(String),

    /// A remote resolver (the client side of `batch --server`) failed or
    /// could not be reached.
    #[error("server {target}: {message}")]
    Remote { target: String, message: String },

    /// A call without the credentials it needs, or with wrong ones.
    #[error("{0}")]
    Unauthenticated(String),

    /// A call this server is not set up to allow, whoever makes it.
    #[error("{0}")]
    PermissionDenied(String),

    /// The caller went away, so the work was stopped before it was done.
    #[error("cancelled: {0}")]
    Cancelled(String),

    /// The call's deadline passed before the work was done; what was done
    /// is dropped.
    #[error("deadline exceeded: {0}")]
    DeadlineExceeded(String),

    /// A bug: resolution failed where it never should. The document is not
    /// echoed back; the panic message is logged.
    #[error("internal error while resolving this document: {0}")]
    Internal(String),
}

impl Error {
    /// Every problem of a refused table (empty for other errors), for a
    /// caller that wants the whole list rather than the bounded message.
    pub fn problems(&self) -> &[TableError] {
        match self {
            Error::InvalidTable(problems) => problems,
            _ => &[],
        }
    }

    pub fn invalid_argument(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::InvalidArgument {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl Error {
    /// The core's form of a stop the service decided on (the client went
    /// away, the deadline passed), for the `Interrupt` the core polls. Only
    /// those two stop a resolution; anything else would be a bug, reported
    /// as internal.
    pub(crate) fn into_interrupt(self) -> entity_resolver_core::Error {
        use entity_resolver_core::Error as Core;
        match self {
            Error::Cancelled(message) => Core::Cancelled(message),
            Error::DeadlineExceeded(message) => Core::DeadlineExceeded(message),
            other => Core::Internal(other.to_string()),
        }
    }
}

impl From<entity_resolver_core::Error> for Error {
    fn from(error: entity_resolver_core::Error) -> Self {
        use entity_resolver_core::Error as Core;
        match error {
            Core::InvalidTable(problems) => Error::InvalidTable(problems),
            Core::Io { path, source } => Error::Io { path, source },
            Core::InvalidArgument { field, message } => Error::InvalidArgument { field, message },
            Core::LimitExceeded {
                what,
                actual,
                limit,
            } => Error::LimitExceeded {
                what,
                actual,
                limit,
            },
            Core::EntityNotFound(id) => Error::EntityNotFound(id),
            Core::Cancelled(message) => Error::Cancelled(message),
            Core::DeadlineExceeded(message) => Error::DeadlineExceeded(message),
            Core::Internal(message) => Error::Internal(message),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
