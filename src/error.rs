//! The exit codes every command maps its outcome to (DESIGN §10), and the top-level error type.

use crate::workflow::diag::{Diagnostic, render_all};

/// Process exit codes.
pub mod exit {
    /// Success.
    pub const OK: i32 = 0;
    /// Internal error.
    pub const INTERNAL: i32 = 1;
    /// Usage or invalid input.
    pub const USAGE: i32 = 2;
    /// A step failed.
    pub const STEP_FAILED: i32 = 3;
    /// An approval was rejected, missing or timed out.
    pub const REJECTED: i32 = 4;
    /// Cancelled.
    pub const CANCELLED: i32 = 5;
    /// A monitor is down.
    pub const MONITOR_DOWN: i32 = 6;
    /// A load threshold or baseline failed.
    pub const THRESHOLD: i32 = 7;
    /// A precondition refused (dirty tree, tag exists, run locked by another process).
    pub const PRECONDITION: i32 = 8;
}

/// An error that ends a command, with the exit code it maps to.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad input from the user: a file, a flag, a value.
    #[error("{0}")]
    Invalid(String),
    /// Problems found in files.
    #[error("{}", render_all(.0))]
    Diagnostics(Vec<Diagnostic>),
    /// A precondition refused.
    #[error("{0}")]
    Precondition(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    /// Reading or writing a file failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The cause.
        source: std::io::Error,
    },
}

impl Error {
    /// The exit code for this error.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Invalid(_) | Error::Diagnostics(_) => exit::USAGE,
            Error::Precondition(_) => exit::PRECONDITION,
            Error::Store(_) | Error::Io { .. } => exit::INTERNAL,
        }
    }

    /// Wraps an I/O error with what was being done.
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Error {
        Error::Io { context: context.into(), source }
    }
}

impl From<Diagnostic> for Error {
    fn from(d: Diagnostic) -> Self {
        Error::Diagnostics(vec![d])
    }
}
