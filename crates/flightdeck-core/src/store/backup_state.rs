//! The life of a backup taken inside a run (the `backup` step kind, run by the runner): its row
//! is written as `taking` before the first byte of the file, completed as `done` with its size,
//! hash and schema version once the file and its manifest are whole, or marked `failed`. A row
//! still `taking` that the runner is not taking means an earlier runner died mid-backup: the next
//! backup of the same database removes its file and marks it failed (see `dbtool::in_run`), so a
//! backup on record is complete, marked failed, or visibly `taking`, never recorded half-done.

use std::collections::BTreeSet;
use std::sync::Mutex;

use rusqlite::params;
use serde_json::json;

use super::backups::{COLS, backup_from_row};
use super::{BackupRecord, NewBackup, SqliteContext, Store, StoreError};

/// Schema: a backup's state (rows from before it are complete).
pub(crate) const V_BACKUP_STATE: &str = "
ALTER TABLE backups ADD COLUMN state TEXT NOT NULL DEFAULT 'done';
";

impl Store {
    /// Records a backup about to be taken (`taking`, no size or hash yet); returns its id.
    pub async fn begin_backup(&self, b: &NewBackup) -> Result<i64, StoreError> {
        let b = b.clone();
        self.write("recording a backup being taken", move |tx| {
            tx.execute(
                "INSERT INTO backups (database, engine, path, bytes, sha256, schema_version, created_at, run, environment, state) \
                 VALUES (?1, ?2, ?3, 0, '', '', ?4, ?5, ?6, 'taking')",
                params![b.database, b.engine, b.path, b.created_at.0, b.run, b.environment],
            )
            .ctx(&format!("recording backup {}", b.path))?;
            Ok(tx.last_insert_rowid())
        })
        .await
    }

    /// Completes backup `id` with what was taken.
    pub async fn finish_backup(&self, id: i64, b: &NewBackup) -> Result<(), StoreError> {
        let b = b.clone();
        self.write("completing a backup", move |tx| {
            tx.execute(
                "UPDATE backups SET path = ?2, bytes = ?3, sha256 = ?4, schema_version = ?5, created_at = ?6, \
                 state = 'done' WHERE id = ?1",
                params![id, b.path, b.bytes, b.sha256, b.schema_version, b.created_at.0],
            )
            .ctx(&format!("completing backup {id}"))?;
            Ok(())
        })
        .await
    }

    /// Marks backup `id` failed, with why (also as a failed verification, so every list shows ✗).
    pub async fn fail_backup(&self, id: i64, at: crate::time::Micros, why: &str) -> Result<(), StoreError> {
        let result = json!({"ok": false, "error": why}).to_string();
        self.write("marking a backup failed", move |tx| {
            tx.execute(
                "UPDATE backups SET state = 'failed', verified_at = ?2, verify_ok = 0, verify_result = ?3 \
                 WHERE id = ?1",
                params![id, at.0, result],
            )
            .ctx(&format!("marking backup {id} failed"))?;
            Ok(())
        })
        .await
    }

    /// Backups of `database` still `taking`.
    pub fn unfinished_backups(&self, database: &str) -> Result<Vec<BackupRecord>, StoreError> {
        let what = "reading the unfinished backups";
        let conn = self.reader();
        let mut stmt = conn
            .prepare_cached(&format!(
                "SELECT {COLS} FROM backups WHERE state = 'taking' AND database = ?1 ORDER BY id"
            ))
            .ctx(what)?;
        let rows = stmt.query_map(params![database], backup_from_row).ctx(what)?;
        rows.collect::<Result<_, _>>().ctx(what)
    }
}

/// The backup rows this process is taking now.
static LIVE: Mutex<BTreeSet<i64>> = Mutex::new(BTreeSet::new());

pub(crate) fn live(id: i64, on: bool) {
    if let Ok(mut set) = LIVE.lock() {
        if on {
            set.insert(id);
        } else {
            set.remove(&id);
        }
    }
}

pub(crate) fn is_live(id: i64) -> bool {
    LIVE.lock().is_ok_and(|set| set.contains(&id))
}

/// `r` as the runner shows it: a `taking` row this process is not taking is `interrupted` (its
/// runner died mid-copy; the next backup of that database removes the file and marks it failed).
pub fn as_seen(mut r: BackupRecord) -> BackupRecord {
    if r.state == "taking" && !is_live(r.id) {
        r.state = "interrupted".into();
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Micros;

    #[tokio::test]
    async fn a_backup_is_taking_then_done_or_failed() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::open(tmp.path()).unwrap();
        let mut b = NewBackup {
            database: "/db/app.db".into(),
            engine: "sqlite".into(),
            path: "/b/1.db".into(),
            bytes: 0,
            sha256: String::new(),
            schema_version: String::new(),
            created_at: Micros(1),
            run: Some("r1".into()),
            environment: None,
        };
        let first = store.begin_backup(&b).await.unwrap();
        assert_eq!(store.backups(None).unwrap()[0].state, "taking");
        assert_eq!(store.unfinished_backups("/db/app.db").unwrap().len(), 1);
        assert!(store.unfinished_backups("/db/other.db").unwrap().is_empty());
        store.fail_backup(first, Micros(3), "interrupted").await.unwrap();
        b.run = Some("r2".into());
        let second = store.begin_backup(&b).await.unwrap();
        (b.bytes, b.sha256, b.schema_version) = (7, "ab".into(), "0001".into());
        store.finish_backup(second, &b).await.unwrap();
        let rows = store.backups(None).unwrap();
        let states: Vec<_> = rows.iter().map(|r| (r.id, r.state.as_str(), r.verify_ok)).collect();
        assert_eq!(states, [(second, "done", None), (first, "failed", Some(false))]);
        assert_eq!((rows[0].backup.bytes, rows[0].backup.sha256.as_str()), (7, "ab"));
        assert!(store.unfinished_backups("/db/app.db").unwrap().is_empty());
    }
}
