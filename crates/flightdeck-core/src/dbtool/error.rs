//! Errors of the database tool, each naming the file it is about, and how they map to the
//! command's exit codes.

use std::path::PathBuf;

use crate::error::Error;

/// What went wrong, with the file it concerns.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// `SQLite` refused an operation on a database file.
    #[error("{path}: {what}: {source}")]
    Sqlite {
        /// The database file.
        path: PathBuf,
        /// What was being done.
        what: String,
        /// The cause.
        source: rusqlite::Error,
    },
    /// A file or directory could not be read or created.
    #[error("{path}: {what}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What was being done.
        what: String,
        /// The cause.
        source: std::io::Error,
    },
    /// A file that must exist does not.
    #[error("{path} does not exist: {hint}")]
    Missing {
        /// The file.
        path: PathBuf,
        /// What to do.
        hint: String,
    },
    /// A migration file's name does not follow `NNNN_name.sql`, or two files share a number.
    #[error("{path}: {why}")]
    BadMigrationFile {
        /// The file.
        path: PathBuf,
        /// What is wrong and how to fix it.
        why: String,
    },
    /// An applied migration's file changed since it was applied.
    #[error(
        "{path} changed after it was applied (on {applied_at}): recorded checksum {recorded}, file now {now}. \
         Applied migrations must not be edited: restore the file and add a new migration instead"
    )]
    Drift {
        /// The file.
        path: PathBuf,
        /// When it was applied.
        applied_at: String,
        /// The checksum recorded at the time.
        recorded: String,
        /// The file's checksum now.
        now: String,
    },
    /// A pending migration is numbered below one already applied.
    #[error(
        "{path} is pending but migration {newest:04} is already applied: number new migrations after the newest applied one"
    )]
    OutOfOrder {
        /// The pending file.
        path: PathBuf,
        /// The newest applied version.
        newest: u32,
    },
    /// A migration failed; its transaction was rolled back.
    #[error("migration {path} failed and was rolled back (the database stays at {at}): {source}")]
    MigrationFailed {
        /// The file.
        path: PathBuf,
        /// The version the database stays at (`none` or `NNNN`).
        at: String,
        /// `SQLite`'s message.
        source: rusqlite::Error,
    },
    /// `PRAGMA integrity_check` did not answer `ok`.
    #[error("{path} failed its integrity check: {report}")]
    Integrity {
        /// The database file.
        path: PathBuf,
        /// What `SQLite` reported.
        report: String,
    },
    /// `--database` is not a file path or a supported URL.
    #[error("--database {value}: {why}")]
    BadTarget {
        /// The value (its password hidden).
        value: String,
        /// What is wrong and what to write instead.
        why: String,
    },
    /// The `PostgreSQL` server could not be reached or refused the login.
    #[error("{db}: cannot connect: {why}")]
    Connect {
        /// The database (no password).
        db: String,
        /// The server's or the network's answer, and what to check.
        why: String,
    },
    /// A statement failed on `PostgreSQL`.
    #[error("{db}: {what}: {why}")]
    Postgres {
        /// The database (no password).
        db: String,
        /// What was being done.
        what: String,
        /// The server's message.
        why: String,
    },
    /// A `PostgreSQL` migration failed; its transaction was rolled back.
    #[error("migration {path} failed and was rolled back (the database stays at {at}): {why}")]
    PgMigrationFailed {
        /// The file.
        path: PathBuf,
        /// The version the database stays at.
        at: String,
        /// The server's message (with the line of the file when the server gave a position).
        why: String,
    },
    /// An external tool (`pg_dump`, `pg_restore`, `psql`, dbmate) failed or is missing.
    #[error("{tool} failed for {db}: {why}")]
    Tool {
        /// The tool.
        tool: String,
        /// The database or file it worked on.
        db: String,
        /// Its exit status and last lines of stderr, or why it could not start.
        why: String,
    },
    /// Another migration of the same database holds the lock.
    #[error(
        "{db}: another migration of this database is running (it holds the migration lock); wait for it to finish"
    )]
    Locked {
        /// The database.
        db: String,
    },
    /// A backup did not verify.
    #[error("{path}: verification failed: {why}")]
    Verify {
        /// The backup file.
        path: PathBuf,
        /// What differed.
        why: String,
    },
    /// The backup API could not finish in time (the database stayed locked).
    #[error("{path}: copy did not finish within {secs} s; is another process holding a write lock?")]
    Busy {
        /// The file being copied.
        path: PathBuf,
        /// The time limit.
        secs: u64,
    },
}

impl From<DbError> for Error {
    fn from(e: DbError) -> Error {
        match e {
            DbError::Drift { .. }
            | DbError::OutOfOrder { .. }
            | DbError::Integrity { .. }
            | DbError::Busy { .. }
            | DbError::Connect { .. }
            | DbError::Locked { .. }
            | DbError::Verify { .. } => Error::Precondition(e.to_string()),
            DbError::Tool { .. } | DbError::Postgres { .. } => Error::Internal(e.to_string()),
            _ => Error::Invalid(e.to_string()),
        }
    }
}

/// Wraps a rusqlite error with the file and what was being done.
pub fn sqlite(path: &std::path::Path, what: &str) -> impl FnOnce(rusqlite::Error) -> DbError {
    let path = path.to_path_buf();
    let what = what.to_string();
    move |source| DbError::Sqlite { path, what, source }
}

/// Wraps a tokio-postgres error with the database and what was being done (the server's own
/// message, detail and hint when it sent them).
pub fn pg(db: &str, what: &str) -> impl FnOnce(tokio_postgres::Error) -> DbError {
    let db = db.to_string();
    let what = what.to_string();
    move |e| DbError::Postgres { db, what, why: pg_text(&e) }
}

/// The most useful text of a tokio-postgres error.
pub fn pg_text(e: &tokio_postgres::Error) -> String {
    use std::fmt::Write as _;
    if let Some(d) = e.as_db_error() {
        let mut t = d.message().to_string();
        if let Some(detail) = d.detail() {
            let _ = write!(t, " ({detail})");
        }
        if let Some(hint) = d.hint() {
            let _ = write!(t, "; hint: {hint}");
        }
        return t;
    }
    let mut t = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        let _ = write!(t, ": {s}");
        src = s.source();
    }
    t
}

/// Wraps an I/O error with the file and what was being done.
pub fn io(path: &std::path::Path, what: &str) -> impl FnOnce(std::io::Error) -> DbError {
    let path = path.to_path_buf();
    let what = what.to_string();
    move |source| DbError::Io { path, what, source }
}
