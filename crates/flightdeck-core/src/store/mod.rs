//! The durable store: one `SQLite` file (WAL) in the data directory holding runs, step states, the run
//! journal, approvals, the deployment ledger, run links and the hash-chained audit log.
//!
//! [`Store`] is `Clone + Send + Sync`. Every write goes through one writer thread that owns the write
//! connection and runs each job in its own `BEGIN IMMEDIATE` transaction (5 s busy timeout), so several
//! flightdeck processes can share one file; an async write method returns only after its commit.
//! Reads are synchronous and use a second connection behind a mutex.
//!
//! A live run holds an exclusive lock on `runs/<id>.lock` ([`lock`]); readers report a run stored as
//! running or waiting whose lock is free as [`RunStatus::Interrupted`] without writing it.

mod artifacts;
mod assessments;
mod audit;
mod audit_check;
pub mod backup_state;
mod backups;
mod chainkey;
mod cost;
mod health;
mod incident_events;
pub mod incident_records;
mod incidents;
mod ledger;
mod load_results;
pub mod lock;
pub mod notify;
mod orphans;
pub mod profiles;
pub mod records;
mod resources;
mod runs;
mod schema;
pub mod space;
mod writer;

#[cfg(test)]
mod tests;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use rusqlite::Connection;

use crate::event::RunStatus;
use crate::time::Micros;

pub use artifacts::{ArtifactRecord, NewArtifact};
pub use assessments::{AlertRecord, AssessmentRecord, ItemStateRecord};
pub use audit::plan_hash;
pub use backups::{BackupRecord, NewBackup};
pub use chainkey::{HEAD_FILE as AUDIT_HEAD_FILE, KEY_FILE as AUDIT_KEY_FILE};
pub use cost::{CostBill, CostDailyRow, CostImportRecord, CostReplaced, CostTagRow, NewCostImport};
pub use health::HealthTransitionRecord;
pub use incident_events::V_INCIDENT_EVENTS;
pub use load_results::{NewLoadResult, StoredBaseline};
pub use lock::RunLock;
pub use resources::{NewResource, ResourceRecord};
pub use schema::SCHEMA_VERSION;

/// File name of the `SQLite` store inside the data directory.
pub const DB_FILE: &str = "flightdeck.db";

/// Mode of directories the store creates: private to the user whose store it is. Operators of a
/// shared bastion reach it through the runner's socket, never the files (another user who could
/// write the directory could replace the store, its audit head, or plant links in it).
pub const DIR_MODE: u32 = 0o700;

/// Mode of the store's files when it creates them.
const FILE_MODE: u32 = 0o600;

/// Store errors. Each message says what was being done and, where it helps, what to do next.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// `SQLite` refused an operation.
    #[error("store: {what} failed: {source} ({})", space::sqlite_hint(.source))]
    Sqlite {
        /// What was being done.
        what: String,
        /// The cause.
        source: rusqlite::Error,
    },
    /// A file or directory could not be used.
    #[error(
        "store: cannot {what} {}: {source} (check that it exists and that your group may write to it)",
        path.display()
    )]
    Io {
        /// What was being done (`create directory`, `open lock file`, ...).
        what: String,
        /// The path concerned.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// Another process holds the run's lock.
    #[error("run {run} is held by another flightdeck process; wait for it or attach")]
    Locked {
        /// The run id.
        run: String,
    },
    /// No such run.
    #[error("no run {run} in the store; `flightdeck runs` lists the runs")]
    NotFound {
        /// The run id.
        run: String,
    },
    /// A run id prefix matches several runs.
    #[error("run prefix {prefix:?} matches several runs: {}; type more of the id", matches.join(", "))]
    Ambiguous {
        /// The prefix given.
        prefix: String,
        /// Run ids it matches.
        matches: Vec<String>,
    },
    /// The file was written by a newer flightdeck.
    #[error(
        "the store has schema version {found}, but this flightdeck knows only up to {known}; \
         upgrade flightdeck (or point --data-dir elsewhere)"
    )]
    SchemaTooNew {
        /// Version in the file.
        found: i64,
        /// Newest version this binary knows.
        known: i64,
    },
    /// JSON could not be written or read.
    #[error("store: {what}: {source}")]
    Json {
        /// What was being done.
        what: String,
        /// The cause.
        source: serde_json::Error,
    },
    /// A caller passed arguments the store cannot act on (a bug in the caller).
    #[error("store: {0}")]
    Invalid(String),
    /// The writer thread dropped the job (a bug made it panic) or has stopped.
    #[error("store: the write was lost inside the store (a bug); restart flightdeck and report it")]
    WriterGone,
}

/// Adds "what was being done" to rusqlite results.
pub(crate) trait SqliteContext<T> {
    /// Wraps an error as [`StoreError::Sqlite`] with `what`.
    fn ctx(self, what: &str) -> Result<T, StoreError>;
}

impl<T> SqliteContext<T> for rusqlite::Result<T> {
    fn ctx(self, what: &str) -> Result<T, StoreError> {
        self.map_err(|source| StoreError::Sqlite { what: what.to_string(), source })
    }
}

/// The new state of a run, written by [`Store::record`]. All four fields are written (a `None` clears).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunUpdate {
    /// New state.
    pub status: RunStatus,
    /// End time, once final.
    pub finished_at: Option<Micros>,
    /// Exit code, once final.
    pub exit_code: Option<i32>,
    /// Why it failed, was rejected or cancelled.
    pub message: Option<String>,
}

impl RunUpdate {
    /// An update to `status` with no end time, exit code or message.
    pub fn status(status: RunStatus) -> RunUpdate {
        RunUpdate { status, finished_at: None, exit_code: None, message: None }
    }
}

/// Which runs [`Store::runs`] returns (newest first).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunFilter {
    /// Only this workflow.
    pub workflow: Option<String>,
    /// Only this environment.
    pub environment: Option<String>,
    /// Only this state, as readers report it (interrupted includes dead running runs).
    pub status: Option<RunStatus>,
    /// At most this many (0: no limit).
    pub limit: usize,
}

/// An audit entry to append; the store assigns its number and hashes.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAudit {
    /// When.
    pub at: Micros,
    /// Actor uid.
    pub uid: u32,
    /// Actor login name.
    pub actor: String,
    /// What happened (`run.start`, `gate.approve`, ...).
    pub action: String,
    /// The run concerned, if any.
    pub run: Option<String>,
    /// Details.
    pub detail: serde_json::Value,
}

/// The store. Cheap to clone; clones share the writer thread and the read connection.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("db_path", &self.inner.db_path).finish_non_exhaustive()
    }
}

struct Inner {
    data_dir: PathBuf,
    db_path: PathBuf,
    reader: Mutex<Connection>,
    writer: writer::WriterHandle,
}

impl Store {
    /// Opens (creating if needed) the store in `data_dir`: the directory with `logs/` and `runs/`
    /// (mode 2775), then `flightdeck.db`, migrated to [`SCHEMA_VERSION`].
    pub fn open(data_dir: &Path) -> Result<Store, StoreError> {
        crate::paths::refuse_planted_links(data_dir).map_err(StoreError::Invalid)?;
        for dir in [data_dir.to_path_buf(), data_dir.join("logs"), data_dir.join("runs")] {
            ensure_dir(&dir)?;
        }
        let db_path = data_dir.join(DB_FILE);
        let fresh = !db_path.exists();
        let mut write_conn = schema::connect(&db_path)?;
        if fresh {
            private_files(&db_path)?;
        }
        schema::migrate(&mut write_conn)?;
        // Best effort: a store whose old chain cannot be re-chained is reported by `audit verify`.
        let _ = audit::upgrade_chain(&mut write_conn, data_dir);
        let reader = schema::connect(&db_path)?;
        let writer = writer::WriterHandle::spawn(write_conn, &db_path)?;
        let inner = Inner { data_dir: data_dir.to_path_buf(), db_path, reader: Mutex::new(reader), writer };
        Ok(Store { inner: Arc::new(inner) })
    }

    /// The data directory.
    pub fn data_dir(&self) -> &Path {
        &self.inner.data_dir
    }

    /// The `SQLite` file.
    pub fn db_path(&self) -> &Path {
        &self.inner.db_path
    }

    /// The directory of a run's step logs (`logs/<run>/`; not created here).
    pub fn log_dir(&self, run: &str) -> PathBuf {
        self.inner.data_dir.join("logs").join(run)
    }

    /// The lock file of a run (`runs/<run>.lock`).
    pub fn lock_path(&self, run: &str) -> PathBuf {
        self.inner.data_dir.join("runs").join(format!("{run}.lock"))
    }

    /// The read connection (a poisoned mutex still holds a usable connection: reads are atomic).
    fn reader(&self) -> MutexGuard<'_, Connection> {
        self.inner.reader.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Makes a store just created (and its WAL files, which `SQLite` created with the umask's mode)
/// readable and writable by its user only.
fn private_files(db_path: &Path) -> Result<(), StoreError> {
    let mut wal = db_path.as_os_str().to_owned();
    wal.push("-wal");
    let mut shm = db_path.as_os_str().to_owned();
    shm.push("-shm");
    for path in [db_path.to_path_buf(), PathBuf::from(wal), PathBuf::from(shm)] {
        match std::fs::set_permissions(&path, std::fs::Permissions::from_mode(FILE_MODE)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(StoreError::Io { what: "set mode of".into(), path, source: e });
            }
            _ => {}
        }
    }
    Ok(())
}

/// Creates `dir` with mode 0700 if it does not exist; an existing directory is left as it is.
fn ensure_dir(dir: &Path) -> Result<(), StoreError> {
    if dir.is_dir() {
        return Ok(());
    }
    let io = |what: &str| {
        let what = what.to_string();
        move |source| StoreError::Io { what, path: dir.to_path_buf(), source }
    };
    std::fs::create_dir_all(dir).map_err(io("create directory"))?;
    // The umask narrows create_dir's mode, so set it explicitly.
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(DIR_MODE)).map_err(io("set mode of"))
}
