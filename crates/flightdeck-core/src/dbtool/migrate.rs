//! SQL migrations: files `NNNN_name.sql` in a directory, applied in number order, each in its own
//! transaction, and recorded in `schema_migrations(version, name, applied_at, checksum)`. An applied
//! file whose SHA-256 changed is refused (drift); a file numbered below an applied one is refused.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};
use sha2::{Digest, Sha256};

use crate::dbtool::error::{DbError, io, sqlite};

const CREATE_TABLE: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at TEXT NOT NULL,
    checksum TEXT NOT NULL
)";

/// One migration file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationFile {
    /// The number (`0003` is 3).
    pub version: u32,
    /// The part after the number (`create_accounts`).
    pub name: String,
    /// The file.
    pub path: PathBuf,
    /// Its SQL.
    pub sql: String,
    /// SHA-256 of its bytes, hex.
    pub checksum: String,
}

/// One row of `schema_migrations`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// The number.
    pub version: u32,
    /// The name.
    pub name: String,
    /// When (RFC 3339, UTC).
    pub applied_at: String,
    /// SHA-256 of the file when it was applied.
    pub checksum: String,
}

/// What a migration run found or did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MigrateReport {
    /// Migrations applied before this run.
    pub already: Vec<Applied>,
    /// Migrations not yet applied (in a dry run: what would be applied).
    pub pending: Vec<MigrationFile>,
    /// Migrations applied by this run.
    pub applied: Vec<MigrationFile>,
    /// Applied migrations whose file is gone (a warning).
    pub missing_files: Vec<Applied>,
}

impl MigrateReport {
    /// The newest applied version after the run, if any.
    pub fn version(&self) -> Option<u32> {
        let newest_now = self.applied.iter().map(|m| m.version).max();
        newest_now.or_else(|| self.already.iter().map(|a| a.version).max())
    }
}

/// `0003`, or `none`.
pub fn version_text(v: Option<u32>) -> String {
    v.map_or_else(|| "none".to_string(), |v| format!("{v:04}"))
}

/// Reads the migration files of `dir` in number order (files not ending in `.sql` are ignored).
pub fn read_dir(dir: &Path) -> Result<Vec<MigrationFile>, DbError> {
    let entries = std::fs::read_dir(dir).map_err(io(dir, "cannot read the migrations directory"))?;
    let mut files = Vec::new();
    for entry in entries {
        let path = entry.map_err(io(dir, "cannot read the migrations directory"))?.path();
        if path.extension().is_none_or(|e| e != "sql") || !path.is_file() {
            continue;
        }
        files.push(read_file(&path)?);
    }
    files.sort_by_key(|f| f.version);
    for pair in files.windows(2) {
        if pair[0].version == pair[1].version {
            return Err(DbError::BadMigrationFile {
                path: pair[1].path.clone(),
                why: format!("has the same number as {}: renumber one of them", pair[0].path.display()),
            });
        }
    }
    Ok(files)
}

fn read_file(path: &Path) -> Result<MigrationFile, DbError> {
    let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let stem = file_name.strip_suffix(".sql").unwrap_or(&file_name);
    let bad = |why: &str| DbError::BadMigrationFile { path: path.to_path_buf(), why: why.to_string() };
    let Some((number, name)) = stem.split_once('_') else {
        return Err(bad("name it NNNN_description.sql, e.g. 0004_add_index.sql"));
    };
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) || name.is_empty() {
        return Err(bad("name it NNNN_description.sql, e.g. 0004_add_index.sql"));
    }
    let version: u32 = number.parse().map_err(|_| bad("the number is too large"))?;
    if version == 0 {
        return Err(bad("migration numbers start at 0001"));
    }
    let bytes = std::fs::read(path).map_err(io(path, "cannot read the migration"))?;
    let sql = String::from_utf8(bytes.clone()).map_err(|_| bad("is not UTF-8 text"))?;
    Ok(MigrationFile {
        version,
        name: name.to_string(),
        path: path.to_path_buf(),
        sql,
        checksum: hex::encode(Sha256::digest(&bytes)),
    })
}

/// The rows of `schema_migrations` (none when the table does not exist).
pub fn applied(conn: &Connection, db: &Path) -> Result<Vec<Applied>, DbError> {
    let exists: bool = conn
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations')",
            [],
            |r| r.get(0),
        )
        .map_err(sqlite(db, "cannot read the schema"))?;
    if !exists {
        return Ok(Vec::new());
    }
    let mut stmt = conn
        .prepare("SELECT version, name, applied_at, checksum FROM schema_migrations ORDER BY version")
        .map_err(sqlite(db, "cannot read schema_migrations"))?;
    let rows = stmt
        .query_map([], |r| {
            Ok(Applied { version: r.get(0)?, name: r.get(1)?, applied_at: r.get(2)?, checksum: r.get(3)? })
        })
        .map_err(sqlite(db, "cannot read schema_migrations"))?;
    rows.collect::<Result<Vec<_>, _>>().map_err(sqlite(db, "cannot read schema_migrations"))
}

/// Compares the files with what is applied: refuses drift and out-of-order files.
pub fn plan(files: Vec<MigrationFile>, already: Vec<Applied>) -> Result<MigrateReport, DbError> {
    let newest = already.iter().map(|a| a.version).max();
    let mut report = MigrateReport::default();
    for a in &already {
        if !files.iter().any(|f| f.version == a.version) {
            report.missing_files.push(a.clone());
        }
    }
    for f in files {
        match already.iter().find(|a| a.version == f.version) {
            Some(a) if a.checksum != f.checksum || a.name != f.name => {
                return Err(DbError::Drift {
                    path: f.path,
                    applied_at: a.applied_at.clone(),
                    recorded: format!("{} ({})", short(&a.checksum), a.name),
                    now: format!("{} ({})", short(&f.checksum), f.name),
                });
            }
            Some(_) => {}
            None if newest.is_some_and(|n| f.version < n) => {
                return Err(DbError::OutOfOrder { path: f.path, newest: newest.unwrap_or_default() });
            }
            None => report.pending.push(f),
        }
    }
    report.already = already;
    Ok(report)
}

fn short(checksum: &str) -> &str {
    checksum.get(..12).unwrap_or(checksum)
}

/// Opens (creating it and its directory if needed) a database for writing.
pub fn open_rw(db: &Path) -> Result<Connection, DbError> {
    if let Some(dir) = db.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io(dir, "cannot create the database's directory"))?;
    }
    let conn = Connection::open(db).map_err(sqlite(db, "cannot open the database"))?;
    conn.busy_timeout(Duration::from_secs(5)).map_err(sqlite(db, "cannot set a busy timeout"))?;
    Ok(conn)
}

/// Opens an existing database read-only, or `None` when the file does not exist.
pub fn open_ro(db: &Path) -> Result<Option<Connection>, DbError> {
    if !db.exists() {
        return Ok(None);
    }
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    Connection::open_with_flags(db, flags).map(Some).map_err(sqlite(db, "cannot open the database"))
}

/// Applies the pending migrations of `dir` to `db` (or, with `dry_run`, only reports them);
/// `on_applied` is called after each one commits.
pub fn migrate(
    db: &Path,
    dir: &Path,
    dry_run: bool,
    mut on_applied: impl FnMut(&MigrationFile),
) -> Result<MigrateReport, DbError> {
    let files = read_dir(dir)?;
    if dry_run {
        let already = match open_ro(db)? {
            Some(conn) => applied(&conn, db)?,
            None => Vec::new(),
        };
        return plan(files, already);
    }
    let conn = open_rw(db)?; // creates the database (and its directory) when missing
    let _file_lock = crate::dbtool::dbmate::sqlite_lock(db)?;
    lock(&conn, db)?;
    let result = migrate_locked(&conn, db, files, &mut on_applied);
    // Commits what was applied: a failed file was rolled back to its savepoint.
    conn.execute_batch("COMMIT").map_err(sqlite(db, "cannot commit the migrations"))?;
    result
}

/// Takes `SQLite`'s write lock for the whole run (`BEGIN IMMEDIATE`), waiting at most 2 s: a second
/// migration of the same file is refused with [`DbError::Locked`].
fn lock(conn: &Connection, db: &Path) -> Result<(), DbError> {
    conn.busy_timeout(Duration::from_secs(2)).map_err(sqlite(db, "cannot set a busy timeout"))?;
    match conn.execute_batch("BEGIN IMMEDIATE") {
        Ok(()) => Ok(()),
        Err(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy) => {
            Err(DbError::Locked { db: db.display().to_string() })
        }
        Err(e) => Err(sqlite(db, "cannot take the write lock")(e)),
    }
}

fn migrate_locked(
    conn: &Connection,
    db: &Path,
    files: Vec<MigrationFile>,
    on_applied: &mut impl FnMut(&MigrationFile),
) -> Result<MigrateReport, DbError> {
    conn.execute_batch(CREATE_TABLE).map_err(sqlite(db, "cannot create schema_migrations"))?;
    let mut report = plan(files, applied(conn, db)?)?;
    for m in std::mem::take(&mut report.pending) {
        apply_one(conn, &m, report.version())?;
        on_applied(&m);
        report.applied.push(m);
    }
    Ok(report)
}

/// Applies one file inside a savepoint of the run's transaction (rolled back alone on failure).
fn apply_one(conn: &Connection, m: &MigrationFile, at: Option<u32>) -> Result<(), DbError> {
    let failed = |source| DbError::MigrationFailed { path: m.path.clone(), at: version_text(at), source };
    conn.execute_batch("SAVEPOINT migration").map_err(failed)?;
    let result = conn.execute_batch(&m.sql).and_then(|()| {
        conn.execute(
            "INSERT INTO schema_migrations (version, name, applied_at, checksum) VALUES (?1, ?2, ?3, ?4)",
            rusqlite::params![m.version, m.name, crate::time::now().to_rfc3339(), m.checksum],
        )
    });
    match result {
        Ok(_) => conn.execute_batch("RELEASE migration").map_err(failed),
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK TO migration; RELEASE migration");
            Err(failed(e))
        }
    }
}
