//! The store's schema as an ordered list of migration scripts, the connection settings (WAL, busy
//! timeout, foreign keys) and the code that brings a file up to date.
//!
//! The version is `SQLite`'s `PRAGMA user_version`: migration `i` (0-based) moves the file from version
//! `i` to `i + 1`. Each runs in its own `BEGIN IMMEDIATE` transaction that re-reads the version first, so
//! two processes opening a fresh file at once apply it once. Never edit a released script; append one.

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, TransactionBehavior};

use super::{SqliteContext, StoreError};

/// How long a connection waits for another process's write lock.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The migrations, oldest first.
// One entry per line; a new capability appends its own line at the end.
const MIGRATIONS: &[&str] = &[
    V1,
    V2_DORA,
    V3_HEALTH,
    V_LOAD,
    super::notify::V_NOTIFY,
    super::resources::V_RESOURCES,
    super::artifacts::V_ARTIFACTS,
    super::assessments::V_ASSESSMENTS,
    super::incident_events::V_INCIDENT_EVENTS,
    super::backups::V_BACKUPS,
    super::cost::V_COST,
    super::profiles::V_PROFILES,
    super::cost::V_COST_BILLS,
    super::backup_state::V_BACKUP_STATE,
];

/// The schema version this binary writes.
#[allow(clippy::cast_possible_wrap)]
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

const V1: &str = "
CREATE TABLE meta (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL);

CREATE TABLE runs (
    id TEXT PRIMARY KEY NOT NULL,
    workflow TEXT NOT NULL,
    title TEXT NOT NULL,
    environment TEXT NOT NULL,
    production INTEGER NOT NULL,
    mode TEXT NOT NULL,
    status TEXT NOT NULL,
    operator_uid INTEGER NOT NULL,
    operator TEXT NOT NULL,
    host TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    finished_at INTEGER,
    life INTEGER NOT NULL,
    exit_code INTEGER,
    message TEXT,
    plan_json TEXT NOT NULL
);
CREATE INDEX runs_started ON runs (started_at);

CREATE TABLE steps (
    run TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    step TEXT NOT NULL,
    idx INTEGER NOT NULL,
    status TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    started_at INTEGER,
    finished_at INTEGER,
    exit_code INTEGER,
    pid INTEGER,
    pgid INTEGER,
    proc_start INTEGER,
    outputs_json TEXT NOT NULL,
    message TEXT,
    log_path TEXT,
    PRIMARY KEY (run, step)
);

CREATE TABLE journal (
    run TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    life INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    at INTEGER NOT NULL,
    event TEXT NOT NULL,
    PRIMARY KEY (run, life, seq)
);

CREATE TABLE approvals (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    gate TEXT NOT NULL,
    uid INTEGER NOT NULL,
    name TEXT NOT NULL,
    decision TEXT NOT NULL,
    value TEXT,
    comment TEXT,
    at INTEGER NOT NULL
);
CREATE INDEX approvals_gate ON approvals (run, gate, id);

CREATE TABLE audit (
    seq INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    uid INTEGER NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    run TEXT,
    detail TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;

CREATE TABLE deployments (
    id TEXT PRIMARY KEY NOT NULL,
    service TEXT NOT NULL,
    environment TEXT NOT NULL,
    production INTEGER NOT NULL,
    sha TEXT,
    version TEXT,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    finished_at INTEGER NOT NULL,
    run TEXT,
    remediates TEXT
);
CREATE INDEX deployments_finished ON deployments (finished_at);

CREATE TABLE run_links (
    run TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    rel TEXT NOT NULL,
    target TEXT NOT NULL,
    PRIMARY KEY (run, rel, target)
);
";

/// DORA ledger: who deployed, incidents (with the deployment that caused them) and releases.
const V2_DORA: &str = "
ALTER TABLE deployments ADD COLUMN actor TEXT;
CREATE INDEX deployments_service ON deployments (service, environment, finished_at);

CREATE TABLE incidents (
    id TEXT PRIMARY KEY NOT NULL,
    service TEXT NOT NULL,
    environment TEXT NOT NULL,
    severity TEXT NOT NULL,
    title TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    detected_at INTEGER,
    mitigated_at INTEGER,
    resolved_at INTEGER,
    caused_by TEXT
);
CREATE INDEX incidents_caused_by ON incidents (caused_by);

CREATE TABLE releases (
    id TEXT PRIMARY KEY NOT NULL,
    service TEXT NOT NULL,
    version TEXT NOT NULL,
    tag TEXT,
    sha TEXT,
    created_at INTEGER NOT NULL
);
";

/// Health monitor state transitions (`UP`, `DOWN`, `PENDING`, `MAINTENANCE`, `RECOVERED_AFTER_RETRY`), for the
/// run and incident timeline.
const V3_HEALTH: &str = "
CREATE TABLE health_transitions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    monitor TEXT NOT NULL,
    environment TEXT NOT NULL,
    from_state TEXT NOT NULL,
    to_state TEXT NOT NULL,
    kind TEXT NOT NULL,
    reason TEXT,
    message TEXT
);
CREATE INDEX health_transitions_at ON health_transitions (at);
";

/// Opens a connection to `path` with the store's settings: busy timeout, WAL, foreign keys.
pub fn connect(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open(path).ctx(&format!("opening {}", path.display()))?;
    conn.busy_timeout(BUSY_TIMEOUT).ctx("setting the busy timeout")?;
    let mode = switch_to_wal(&conn)?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Invalid(format!(
            "{} cannot use WAL journaling (journal_mode is {mode}); put the data directory on a local \
             file system",
            path.display()
        )));
    }
    conn.pragma_update(None, "foreign_keys", true).ctx("enabling foreign keys")?;
    Ok(conn)
}

/// Sets WAL journaling. Two processes opening a fresh file at once can both hold a shared lock while
/// asking for the exclusive one the switch needs; the library then answers one of them
/// `SQLITE_BUSY` at once (waiting would deadlock) without calling the busy handler, so the switch
/// is retried here for as long as the busy timeout allows.
fn switch_to_wal(conn: &Connection) -> Result<String, StoreError> {
    let deadline = std::time::Instant::now() + BUSY_TIMEOUT;
    loop {
        match conn.query_row("PRAGMA journal_mode = WAL", [], |row| row.get::<_, String>(0)) {
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::DatabaseBusy && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(Duration::from_millis(20));
            }
            other => return other.ctx("switching to WAL"),
        }
    }
}

/// The schema version of an open file.
pub fn version(conn: &Connection) -> Result<i64, StoreError> {
    conn.pragma_query_value(None, "user_version", |row| row.get(0)).ctx("reading the schema version")
}

/// Applies the migrations the file lacks; refuses a file newer than this binary.
pub fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    check_not_newer(conn)?;
    for (i, script) in MIGRATIONS.iter().enumerate() {
        #[allow(clippy::cast_possible_wrap)]
        let target = i as i64 + 1;
        if version(conn)? >= target {
            continue;
        }
        let what = format!("migrating the store to schema version {target}");
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).ctx(&what)?;
        // Another process may have migrated between our check and our lock.
        if version(&tx)? < target {
            tx.execute_batch(script).ctx(&what)?;
            tx.pragma_update(None, "user_version", target).ctx(&what)?;
        }
        tx.commit().ctx(&what)?;
    }
    check_not_newer(conn)
}

fn check_not_newer(conn: &Connection) -> Result<(), StoreError> {
    let found = version(conn)?;
    if found > SCHEMA_VERSION {
        return Err(StoreError::SchemaTooNew { found, known: SCHEMA_VERSION });
    }
    Ok(())
}

/// Load results and named baselines (`load::baseline`).
const V_LOAD: &str = "
CREATE TABLE load_results (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    url TEXT NOT NULL,
    run TEXT,
    passed INTEGER NOT NULL,
    report TEXT NOT NULL
);
CREATE INDEX load_results_url ON load_results (url, at);
CREATE TABLE load_baselines (
    name TEXT PRIMARY KEY NOT NULL,
    result INTEGER NOT NULL REFERENCES load_results (id),
    saved_at INTEGER NOT NULL
);
";
