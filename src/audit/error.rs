//! The single error type of the audit layer.

use std::path::PathBuf;

/// Everything that can go wrong while writing, reading or reviewing the audit log.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// A file system operation failed; `doing` says which one in plain words.
    #[error("audit log: could not {doing} {}: {source}", path.display())]
    Io {
        doing: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// The newest entry on disk cannot be read, so nothing can be chained to it.
    #[error(
        "audit log: the last line of {} (line {line}) is incomplete or unreadable ({reason}); \
         no further entries will be appended until a person reviews it. \
         Run `clio-mcp audit verify` for details; do not edit the file"
    , path.display())]
    DamagedTail {
        path: PathBuf,
        line: u64,
        reason: String,
    },

    /// The head kept in the state database could not be written or read.
    #[error(
        "audit log: the head kept in {} could not be read or written: {source}; check the \
         folder is writable (CLIO_MCP_HOME)", path.display()
    )]
    Head {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },

    /// An entry could not be turned into JSON (should not happen for well-formed events).
    #[error("audit log: could not serialise an entry: {0}")]
    Serialize(#[from] serde_json::Error),

    /// Writing the CSV export failed.
    #[error("audit log: could not write the CSV export: {0}")]
    Csv(#[from] csv::Error),

    /// The sequence counter would overflow; the log needs archiving by an administrator.
    #[error("audit log: sequence number overflow; archive the audit directory and start a new one")]
    SequenceOverflow,

    /// No home directory was given and none could be derived.
    #[error(
        "no clio-mcp home directory: pass --home or set CLIO_MCP_HOME (no platform data directory found)"
    )]
    NoHome,

    /// A command-line argument was not understood.
    #[error("{0}")]
    InvalidArgument(String),
}

impl AuditError {
    pub(crate) fn io(
        doing: &'static str,
        path: impl Into<PathBuf>,
    ) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| AuditError::Io {
            doing,
            path,
            source,
        }
    }
}

/// A failed write to standard output (a closed pipe, a full disk behind a redirect).
pub fn stdout_error(source: std::io::Error) -> AuditError {
    AuditError::Io {
        doing: "write to",
        path: PathBuf::from("standard output"),
        source,
    }
}
