//! Database backups on record (issue 17): one row per `flightdeck db backup`, with the database
//! (a path or a URL without password), engine, file, size, SHA-256, schema version, when it was
//! taken and verified, the verification result with its per-table row counts, and the run that
//! took it. `db prune` marks rows pruned (and deletes their files); rows are never deleted.

use rusqlite::{Row, params};
use serde::{Deserialize, Serialize};

use super::{SqliteContext, Store, StoreError};
use crate::time::Micros;

/// Schema: one row per backup.
pub(crate) const V_BACKUPS: &str = "
CREATE TABLE backups (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    database TEXT NOT NULL,
    engine TEXT NOT NULL,
    path TEXT NOT NULL,
    bytes INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    schema_version TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    verified_at INTEGER,
    verify_ok INTEGER,
    verify_result TEXT,
    run TEXT,
    environment TEXT,
    pruned_at INTEGER
);
CREATE INDEX backups_database ON backups (database, created_at);
";

/// A backup to record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewBackup {
    /// The database (never with a password).
    pub database: String,
    /// `sqlite` or `postgres`.
    pub engine: String,
    /// The backup file.
    pub path: String,
    /// Its size.
    pub bytes: i64,
    /// Its SHA-256, hex.
    pub sha256: String,
    /// `none` or `NNNN`.
    pub schema_version: String,
    /// When it was taken.
    pub created_at: Micros,
    /// The run that took it (`$FLIGHTDECK_RUN`).
    pub run: Option<String>,
    /// The run's environment (`$FLIGHTDECK_ENV`).
    pub environment: Option<String>,
}

/// A recorded backup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupRecord {
    /// Row id.
    pub id: i64,
    /// What was recorded.
    #[serde(flatten)]
    pub backup: NewBackup,
    /// When it was last verified.
    pub verified_at: Option<Micros>,
    /// Whether that verification passed.
    pub verify_ok: Option<bool>,
    /// The verification's result: per-table row counts and checksums, or what differed.
    pub verify_result: Option<serde_json::Value>,
    /// When `db prune` removed it.
    pub pruned_at: Option<Micros>,
    /// `taking` (a run is writing it), `done`, or `failed` (the run stopped before it was
    /// complete; its file was removed): see `backup_state`.
    pub state: String,
}

pub(super) const COLS: &str = "id, database, engine, path, bytes, sha256, schema_version, created_at, run, environment, \
                    verified_at, verify_ok, verify_result, pruned_at, state";

impl Store {
    /// Records a backup; returns its id.
    pub async fn add_backup(&self, b: &NewBackup) -> Result<i64, StoreError> {
        let b = b.clone();
        self.write("recording a backup", move |tx| {
            tx.execute(
                "INSERT INTO backups (database, engine, path, bytes, sha256, schema_version, created_at, run, environment) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![b.database, b.engine, b.path, b.bytes, b.sha256, b.schema_version, b.created_at.0, b.run, b.environment],
            )
            .ctx(&format!("recording backup {}", b.path))?;
            Ok(tx.last_insert_rowid())
        })
        .await
    }

    /// Records the verification of the live backups at `path`; returns how many rows it updated.
    pub async fn set_backup_verified(
        &self,
        path: &str,
        at: Micros,
        ok: bool,
        result: &serde_json::Value,
    ) -> Result<usize, StoreError> {
        let (path, result) = (path.to_string(), result.to_string());
        self.write("recording a backup's verification", move |tx| {
            tx.execute(
                "UPDATE backups SET verified_at = ?2, verify_ok = ?3, verify_result = ?4 \
                 WHERE path = ?1 AND pruned_at IS NULL AND state = 'done'",
                params![path, at.0, ok, result],
            )
            .ctx(&format!("recording the verification of {path}"))
        })
        .await
    }

    /// Marks a complete backup pruned; `false` when it is not one to prune (already pruned by
    /// someone else, still `taking`, or failed), so its file is not this caller's to delete.
    pub async fn set_backup_pruned(&self, id: i64, at: Micros) -> Result<bool, StoreError> {
        self.write("marking a backup pruned", move |tx| {
            let n = tx
                .execute(
                    "UPDATE backups SET pruned_at = ?2 WHERE id = ?1 AND pruned_at IS NULL AND state = 'done'",
                    params![id, at.0],
                )
                .ctx(&format!("marking backup {id} pruned"))?;
            Ok(n == 1)
        })
        .await
    }

    /// The backups not pruned (of `database` when given), newest first.
    pub fn backups(&self, database: Option<&str>) -> Result<Vec<BackupRecord>, StoreError> {
        let what = "reading the backups";
        let conn = self.reader();
        let mut stmt = conn
            .prepare_cached(&format!(
                "SELECT {COLS} FROM backups WHERE pruned_at IS NULL AND (?1 IS NULL OR database = ?1) \
                 ORDER BY created_at DESC, id DESC"
            ))
            .ctx(what)?;
        let rows = stmt.query_map([database], backup_from_row).ctx(what)?;
        rows.collect::<Result<_, _>>().ctx(what)
    }
}

pub(super) fn backup_from_row(row: &Row<'_>) -> rusqlite::Result<BackupRecord> {
    let result: Option<String> = row.get(12)?;
    Ok(BackupRecord {
        id: row.get(0)?,
        backup: NewBackup {
            database: row.get(1)?,
            engine: row.get(2)?,
            path: row.get(3)?,
            bytes: row.get(4)?,
            sha256: row.get(5)?,
            schema_version: row.get(6)?,
            created_at: Micros(row.get(7)?),
            run: row.get(8)?,
            environment: row.get(9)?,
        },
        verified_at: row.get::<_, Option<i64>>(10)?.map(Micros),
        verify_ok: row.get(11)?,
        verify_result: result.map(|t| serde_json::from_str(&t).unwrap_or(serde_json::Value::String(t))),
        pruned_at: row.get::<_, Option<i64>>(13)?.map(Micros),
        state: row.get(14)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn backups_are_recorded_verified_and_pruned() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::open(tmp.path()).unwrap();
        let mut b = NewBackup {
            database: "postgres://ops@127.0.0.1:5432/app".into(),
            engine: "postgres".into(),
            path: "/b/1.dump".into(),
            bytes: 10,
            sha256: "ab".into(),
            schema_version: "0002".into(),
            created_at: Micros(1),
            run: Some("r1".into()),
            environment: Some("staging".into()),
        };
        let first = store.add_backup(&b).await.unwrap();
        b.path = "/b/2.dump".into();
        b.created_at = Micros(2);
        store.add_backup(&b).await.unwrap();
        let counts = serde_json::json!({"public.accounts": {"rows": 3, "checksum": "9"}});
        assert_eq!(store.set_backup_verified("/b/1.dump", Micros(5), true, &counts).await.unwrap(), 1);
        let all = store.backups(Some(&b.database)).unwrap();
        assert_eq!(
            all.iter().map(|r| r.backup.path.as_str()).collect::<Vec<_>>(),
            ["/b/2.dump", "/b/1.dump"]
        );
        assert_eq!((all[1].verify_ok, all[1].verify_result.as_ref()), (Some(true), Some(&counts)));
        assert_eq!(all[0].verify_ok, None);
        assert!(store.set_backup_pruned(first, Micros(9)).await.unwrap());
        assert!(!store.set_backup_pruned(first, Micros(10)).await.unwrap(), "pruned once only");
        assert_eq!(store.backups(None).unwrap().len(), 1);
        let taking = store.begin_backup(&b).await.unwrap();
        assert!(!store.set_backup_pruned(taking, Micros(11)).await.unwrap(), "a backup being taken stays");
        assert!(store.backups(Some("other")).unwrap().is_empty());
    }
}
