//! The exit codes every command maps its outcome to (DESIGN §10), and the top-level error type.

use std::path::{Path, PathBuf};

use crate::diag::{Diagnostic, render_all};
use crate::store::StoreError;

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
    /// Something failed that the user did not cause (a task died, the store stopped mid-run).
    #[error("{0}")]
    Internal(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The store at a known file failed (busy, disk full, unreadable): the message names it.
    #[error("{source} [store {}]", path.display())]
    StoreAt {
        /// The store's database file.
        path: PathBuf,
        /// The cause.
        source: StoreError,
    },
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
            Error::Store(e) | Error::StoreAt { source: e, .. } => store_exit_code(e),
            Error::Io { .. } | Error::Internal(_) => exit::INTERNAL,
        }
    }

    /// Names the store file in a store failure that does not name a path itself (a busy or full
    /// database), so the user knows which file to look at.
    #[must_use]
    pub fn with_store_path(self, db_file: &Path) -> Error {
        match self {
            Error::Store(source @ (StoreError::Sqlite { .. } | StoreError::WriterGone)) => {
                Error::StoreAt { path: db_file.to_path_buf(), source }
            }
            other => other,
        }
    }

    /// Wraps an I/O error with what was being done.
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Error {
        Error::Io { context: context.into(), source }
    }
}

/// A store error's exit code: a run locked by another process is a refused precondition (8), an
/// unknown or ambiguous run id is bad input (2), anything else (busy, disk full, I/O) is 1.
fn store_exit_code(e: &StoreError) -> i32 {
    match e {
        StoreError::Locked { .. } => exit::PRECONDITION,
        StoreError::NotFound { .. } | StoreError::Ambiguous { .. } => exit::USAGE,
        _ => exit::INTERNAL,
    }
}

impl From<Diagnostic> for Error {
    fn from(d: Diagnostic) -> Self {
        Error::Diagnostics(vec![d])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_errors_map_to_the_readme_exit_codes() {
        let locked = Error::Store(StoreError::Locked { run: "r1".into() });
        assert_eq!(locked.exit_code(), exit::PRECONDITION);
        let unknown = Error::Store(StoreError::NotFound { run: "r1".into() });
        assert_eq!(unknown.exit_code(), exit::USAGE);
        let busy = rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY),
            Some("database is locked".into()),
        );
        let busy = Error::Store(StoreError::Sqlite { what: "begin".into(), source: busy })
            .with_store_path(Path::new("/data/flightdeck.db"));
        assert_eq!(busy.exit_code(), exit::INTERNAL);
        assert!(busy.to_string().contains("[store /data/flightdeck.db]"), "{busy}");
        let full = rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_FULL),
            Some("database or disk is full".into()),
        );
        let full = Error::Store(StoreError::Sqlite { what: "record".into(), source: full })
            .with_store_path(Path::new("/data/flightdeck.db"));
        assert_eq!(full.exit_code(), exit::INTERNAL);
        assert!(
            full.to_string().contains("disk is full") && full.to_string().contains("/data/flightdeck.db")
        );
        let locked = Error::Store(StoreError::Locked { run: "r1".into() }).with_store_path(Path::new("/x"));
        assert!(!locked.to_string().contains("[store"), "{locked}");
    }
}
