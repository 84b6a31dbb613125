//! The core's error type. A front end converts it into its own (the service's
//! `entity_resolver::Error`, then a gRPC status); the core never knows how it
//! is shown.

use std::fmt;

/// Everything the core can fail with.
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

/// One problem in an alias table, located as precisely as it can be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableError {
    pub file: String,
    pub entity: Option<String>,
    pub alias: Option<String>,
    pub message: String,
}

impl TableError {
    /// Problems listed in the message of `Error::InvalidTable`; the rest are
    /// counted ("and 3 more"). Twenty is a screenful, and enough to see
    /// whether a table has one mistake or a systematic one.
    pub const SHOWN_PROBLEMS: usize = 20;
    /// Longest line of one problem in that message, in bytes: an alias of
    /// a megabyte, or a TOML error quoting a megabyte line, is cut. 20
    /// lines of 512 bytes keep the message under 11 KiB.
    pub const SHOWN_BYTES: usize = 512;
    /// Longest alias or entity id quoted within a problem, in characters.
    const QUOTED_CHARS: usize = 80;

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
        let mut line = self.file.clone();
        if let Some(entity) = &self.entity {
            line.push_str(&format!(": entity {:?}", Shortened(entity)));
        }
        if let Some(alias) = &self.alias {
            line.push_str(&format!(": alias {:?}", Shortened(alias)));
        }
        line.push_str(": ");
        line.push_str(&self.message);
        f.write_str(cut(&line, Self::SHOWN_BYTES))?;
        if line.len() > Self::SHOWN_BYTES {
            f.write_str("…")?;
        }
        Ok(())
    }
}

/// A quoted name, cut to `TableError::QUOTED_CHARS` characters.
struct Shortened<'a>(&'a str);

impl fmt::Debug for Shortened<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.char_indices().nth(TableError::QUOTED_CHARS) {
            None => write!(f, "{:?}", self.0),
            Some((at, _)) => write!(
                f,
                "{:?}… ({} characters)",
                &self.0[..at],
                self.0.chars().count()
            ),
        }
    }
}

/// The longest prefix of `text` of at most `bytes` bytes that ends on a
/// character boundary.
fn cut(text: &str, bytes: usize) -> &str {
    if text.len() <= bytes {
        return text;
    }
    let mut end = bytes;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// The message of a refused table: how many problems, then the first
/// `TableError::SHOWN_PROBLEMS` of them. Public so a front end's own error
/// type words a refused table exactly as the core does.
pub struct TableProblems<'a>(pub &'a [TableError]);

impl fmt::Display for TableProblems<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.0.len();
        writeln!(
            f,
            "invalid alias table ({count} problem{}):",
            if count == 1 { "" } else { "s" }
        )?;
        for (i, error) in self.0.iter().take(TableError::SHOWN_PROBLEMS).enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "  - {error}")?;
        }
        if let Some(more) = self.0.len().checked_sub(TableError::SHOWN_PROBLEMS) {
            if more > 0 {
                write!(f, "\n  … and {more} more")?;
            }
        }
        Ok(())
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
