//! The one domain error type. The gRPC layer maps it to `tonic::Status` in a
//! single place (`server::status`); the library never builds a `Status`.

use std::fmt;

/// Everything the resolver library can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The alias table did not validate; every problem found is listed.
    #[error("invalid alias table ({} problem{}):\n{}", .0.len(), if .0.len() == 1 { "" } else { "s" }, TableErrorList(.0))]
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
    pub fn invalid_argument(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::InvalidArgument {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// One problem in an alias table, located as precisely as it can be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableError {
    pub file: String,
    pub entity: Option<String>,
    pub alias: Option<String>,
    pub message: String,
}

impl TableError {
    pub fn new(file: &str, message: impl Into<String>) -> Self {
        TableError {
            file: file.to_string(),
            entity: None,
            alias: None,
            message: message.into(),
        }
    }

    pub fn entity(mut self, id: &str) -> Self {
        self.entity = Some(id.to_string());
        self
    }

    pub fn alias(mut self, alias: &str) -> Self {
        self.alias = Some(alias.to_string());
        self
    }
}

impl fmt::Display for TableError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(entity) = &self.entity {
            write!(f, ": entity {entity:?}")?;
        }
        if let Some(alias) = &self.alias {
            write!(f, ": alias {alias:?}")?;
        }
        write!(f, ": {}", self.message)
    }
}

struct TableErrorList<'a>(&'a [TableError]);

impl fmt::Display for TableErrorList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "  - {error}")?;
        }
        Ok(())
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
