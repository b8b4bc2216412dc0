//! Backup and restore with `SQLite`'s online backup API (a consistent copy even while other
//! connections use the database), each copy checked with `PRAGMA integrity_check`.

use std::path::Path;
use std::time::{Duration, Instant};

use rusqlite::Connection;
use rusqlite::backup::{Backup, StepResult};

use crate::dbtool::error::{DbError, io, sqlite};
use crate::dbtool::migrate::{open_ro, open_rw};
use crate::dbtool::stats::{Stats, differences, sqlite_stats};

/// The longest a copy may take (it waits while another process holds a write lock).
const COPY_LIMIT: Duration = Duration::from_secs(60);

/// What a backup or restore copied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyReport {
    /// Pages copied.
    pub pages: u32,
    /// Size of the written file, in bytes.
    pub bytes: u64,
    /// The source database did not exist, so the copy is an empty database.
    pub source_was_missing: bool,
    /// The source's tables as copied (read in the same read transaction as the copy).
    pub tables: Stats,
}

/// Copies `db` to `out` (creating `out`'s directory; an existing `out` is replaced) and checks the
/// copy. A database that does not exist yet backs up as an empty database, so that restoring it
/// later returns to "nothing applied".
pub fn backup(db: &Path, out: &Path) -> Result<CopyReport, DbError> {
    let (src, source_was_missing) = match open_ro(db)? {
        Some(conn) => (conn, false),
        None => (Connection::open_in_memory().map_err(sqlite(db, "cannot open an empty database"))?, true),
    };
    integrity(&src, db)?;
    src.execute_batch("BEGIN").map_err(sqlite(db, "cannot start a read transaction"))?;
    let tables = sqlite_stats(&src, db)?;
    let mut dst = open_rw(out)?;
    let pages = copy(&src, &mut dst, db)?;
    let _ = src.execute_batch("COMMIT");
    integrity(&dst, out)?;
    drop(dst);
    let bytes = std::fs::metadata(out).map_err(io(out, "cannot read the backup's size"))?.len();
    Ok(CopyReport { pages, bytes, source_was_missing, tables })
}

/// Replaces the content of `db` with the backup `from` (creating `db` and its directory if
/// missing), after checking the backup, and checks the result.
pub fn restore(db: &Path, from: &Path) -> Result<CopyReport, DbError> {
    let Some(src) = open_ro(from)? else {
        return Err(DbError::Missing {
            path: from.to_path_buf(),
            hint: "give a file written by `flightdeck db backup`".into(),
        });
    };
    integrity(&src, from)?;
    let mut dst = open_rw(db)?;
    let pages = copy(&src, &mut dst, from)?;
    integrity(&dst, db)?;
    drop(dst);
    let bytes = std::fs::metadata(db).map_err(io(db, "cannot read the database's size"))?.len();
    Ok(CopyReport { pages, bytes, source_was_missing: false, tables: Stats::new() })
}

/// Restores the backup `from` into a scratch file, checks its integrity and compares its tables
/// with `want`; returns the copy's figures. The scratch file is removed.
pub fn verify(from: &Path, want: &Stats) -> Result<Stats, DbError> {
    let scratch = std::env::temp_dir().join(format!(
        "flightdeck-verify-{}-{}.db",
        std::process::id(),
        crate::time::now().0 % 1_000_000
    ));
    let result = restore(&scratch, from).and_then(|_| {
        let conn = open_rw(&scratch)?;
        sqlite_stats(&conn, &scratch)
    });
    let _ = std::fs::remove_file(&scratch);
    let got = result.map_err(|e| DbError::Verify {
        path: from.to_path_buf(),
        why: format!("the backup does not restore: {e}"),
    })?;
    let diff = differences(want, &got);
    if diff.is_empty() {
        Ok(got)
    } else {
        Err(DbError::Verify { path: from.to_path_buf(), why: diff.join("; ") })
    }
}

/// Runs the backup API from `src` to `dst` in steps, pausing while the source is busy, for at
/// most [`COPY_LIMIT`]; returns the page count.
fn copy(src: &Connection, dst: &mut Connection, src_path: &Path) -> Result<u32, DbError> {
    let backup = Backup::new(src, dst).map_err(sqlite(src_path, "cannot start the copy"))?;
    let started = Instant::now();
    loop {
        match backup.step(256).map_err(sqlite(src_path, "copy failed"))? {
            StepResult::Done => break,
            StepResult::More => {}
            _ => std::thread::sleep(Duration::from_millis(20)),
        }
        if started.elapsed() > COPY_LIMIT {
            return Err(DbError::Busy { path: src_path.to_path_buf(), secs: COPY_LIMIT.as_secs() });
        }
    }
    Ok(u32::try_from(backup.progress().pagecount).unwrap_or(0))
}

/// Runs `PRAGMA integrity_check`; anything but `ok` is an error quoting `SQLite`'s report.
pub fn integrity(conn: &Connection, path: &Path) -> Result<(), DbError> {
    let mut stmt = conn.prepare("PRAGMA integrity_check").map_err(sqlite(path, "cannot check integrity"))?;
    let rows = stmt
        .query_map([], |r| r.get::<_, String>(0))
        .map_err(sqlite(path, "cannot check integrity"))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(sqlite(path, "cannot check integrity"))?;
    if rows == ["ok"] {
        Ok(())
    } else {
        Err(DbError::Integrity { path: path.to_path_buf(), report: rows.join("; ") })
    }
}
