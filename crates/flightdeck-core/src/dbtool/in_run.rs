//! A backup taken by the runner inside a run (the `backup` step kind): the runner, the store's one
//! writer, records it. Its row is written `taking` before the copy starts and completed once the
//! file and its manifest are whole; a failure removes the file and marks the row failed. There is
//! one runner per data directory, so a row left `taking` that this process is not taking means an
//! earlier runner died mid-copy: its file is removed and the row marked failed before the next
//! backup of that database starts, and the caller is told so it can say it.

use std::path::{Path, PathBuf};

use crate::dbtool::commands::copy;
use crate::dbtool::manifest::{Manifest, manifest_path};
use crate::dbtool::target::Target;
use crate::error::Error;
use crate::store::backup_state::{is_live, live};
use crate::store::{BackupRecord, NewBackup, Store};
use crate::time::{Micros, now};

/// Where a backup is taken from: the store and the run.
pub struct InRun<'a> {
    /// The runner's store.
    pub store: &'a Store,
    /// The run taking the backup.
    pub run: &'a str,
    /// The run's environment.
    pub environment: &'a str,
}

/// What [`take`] did.
#[derive(Debug)]
pub struct Taken {
    /// The backup, complete and recorded.
    pub manifest: Manifest,
    /// Its row id.
    pub id: i64,
    /// The verification's figures (table count, rows) when asked for.
    pub verified: Option<(usize, i64)>,
    /// Backups of the same database earlier runs left unfinished, now removed and marked failed.
    pub interrupted: Vec<BackupRecord>,
}

/// Removes `path` and its manifest (either may be missing).
fn remove(path: &Path) {
    for f in [path.to_path_buf(), manifest_path(path)] {
        let _ = std::fs::remove_file(f);
    }
}

/// Marks the backups of `database` an earlier runner left `taking` failed, removing their files.
pub async fn fail_unfinished(at: &InRun<'_>, database: &str) -> Result<Vec<BackupRecord>, Error> {
    let rows: Vec<BackupRecord> =
        at.store.unfinished_backups(database)?.into_iter().filter(|r| !is_live(r.id)).collect();
    for r in &rows {
        remove(Path::new(&r.backup.path));
        let run = r.backup.run.as_deref().unwrap_or("?");
        let why = format!(
            "interrupted: run {run} stopped before this backup was complete (its runner ended); the partial file was removed"
        );
        at.store.fail_backup(r.id, now(), &why).await?;
    }
    Ok(rows)
}

/// Takes a backup of `t` into `out` (absolute), records it, and verifies it when `verify`.
pub async fn take(at: &InRun<'_>, t: &Target, out: &Path, verify: bool) -> Result<Taken, Error> {
    let interrupted = fail_unfinished(at, &t.display()).await?;
    let mut row = NewBackup {
        database: t.display(),
        engine: t.engine().to_string(),
        path: out.to_string_lossy().into_owned(),
        bytes: 0,
        sha256: String::new(),
        schema_version: String::new(),
        created_at: now(),
        run: Some(at.run.to_string()),
        environment: Some(at.environment.to_string()).filter(|e| !e.is_empty()),
    };
    let id = {
        // Not while a prune decides which files go (it keeps the files live rows name).
        let _no_prune = crate::dbtool::upkeep::exclusive().await;
        at.store.begin_backup(&row).await?
    };
    live(id, true);
    let copy = copied(t, out, at.run).await;
    live(id, false);
    let manifest = match copy {
        Ok(m) => m,
        Err(e) => {
            remove(out);
            at.store.fail_backup(id, now(), &e.to_string()).await?;
            return Err(e);
        }
    };
    row.bytes = i64::try_from(manifest.bytes).unwrap_or(i64::MAX);
    row.sha256.clone_from(&manifest.sha256);
    row.schema_version.clone_from(&manifest.schema_version);
    row.created_at = Micros(manifest.created_at);
    at.store.finish_backup(id, &row).await?;
    let verified = if verify { Some(verified(at, &manifest).await?) } else { None };
    Ok(Taken { manifest, id, verified, interrupted })
}

/// The copy, with the run in its manifest (a restore by the same run needs no phrase).
async fn copied(t: &Target, out: &Path, run: &str) -> Result<Manifest, Error> {
    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::io(format!("cannot create the backup directory {}", dir.display()), e))?;
    }
    let mut m = copy(t, out).await?;
    m.run = Some(run.to_string());
    m.write()?;
    Ok(m)
}

/// Verifies the backup and records the result; an error when it does not verify.
async fn verified(at: &InRun<'_>, m: &Manifest) -> Result<(usize, i64), Error> {
    let v = crate::dbtool::upkeep::checked(at.store, m, None).await?;
    Ok((v.tables, v.rows))
}

/// `out` as given, or `DIR/backup-RUN.backup` when it names a directory (ends with `/` or is one),
/// relative to `base`.
pub fn out_path(base: &Path, out: &str, run: &str) -> PathBuf {
    let p = crate::dbtool::upkeep::clean(&base.join(out));
    if out.ends_with('/') || p.is_dir() { p.join(format!("backup-{run}.backup")) } else { p }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::backup_state::as_seen;

    #[tokio::test]
    async fn a_backup_left_taking_by_a_dead_runner_is_removed_and_marked_failed_by_the_next() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::open(&tmp.path().join("data")).unwrap();
        let db = tmp.path().join("app.db");
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute_batch("CREATE TABLE t (v TEXT); INSERT INTO t VALUES ('a'), ('b');").unwrap();
        drop(conn);
        let target = Target::Sqlite(db.clone());
        // What a runner killed mid-copy leaves: a `taking` row and a whole file nobody recorded.
        let stale_file = tmp.path().join("b/stale.backup");
        let stale = NewBackup {
            database: target.display(),
            engine: "sqlite".into(),
            path: stale_file.display().to_string(),
            bytes: 0,
            sha256: String::new(),
            schema_version: String::new(),
            created_at: now(),
            run: Some("r-dead".into()),
            environment: None,
        };
        let stale_id = store.begin_backup(&stale).await.unwrap();
        std::fs::create_dir_all(tmp.path().join("b")).unwrap();
        std::fs::copy(&db, &stale_file).unwrap();

        let at = InRun { store: &store, run: "r-next", environment: "staging" };
        let out = out_path(tmp.path(), "b//", "r-next");
        assert_eq!(out.to_string_lossy(), tmp.path().join("b/backup-r-next.backup").to_string_lossy());
        let taken = take(&at, &target, &out, true).await.unwrap();
        assert_eq!(taken.interrupted.iter().map(|r| r.id).collect::<Vec<_>>(), [stale_id]);
        assert!(!stale_file.exists(), "the unrecorded file is removed");
        assert_eq!(taken.verified, Some((1, 2)));
        let rows = store.backups(None).unwrap();
        let got: Vec<_> = rows.iter().map(|r| (r.id, r.state.as_str(), r.verify_ok)).collect();
        assert_eq!(got, [(taken.id, "done", Some(true)), (stale_id, "failed", Some(false))]);
        assert_eq!(rows[0].backup.run.as_deref(), Some("r-next"));
        assert_eq!(rows[0].backup.environment.as_deref(), Some("staging"));
        assert!(rows[0].backup.bytes > 0 && !rows[0].backup.sha256.is_empty());
        assert_eq!(Manifest::read(&out).unwrap().run.as_deref(), Some("r-next"));
        let again = fail_unfinished(&at, &target.display()).await.unwrap();
        assert!(again.is_empty(), "nothing left taking");
    }

    #[tokio::test]
    async fn the_runner_shows_a_taking_row_it_is_not_taking_as_interrupted() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::open(&tmp.path().join("data")).unwrap();
        let b = NewBackup {
            database: "/srv/app.db".into(),
            engine: "sqlite".into(),
            path: "/srv/b/x.backup".into(),
            bytes: 0,
            sha256: String::new(),
            schema_version: String::new(),
            created_at: now(),
            run: Some("r1".into()),
            environment: None,
        };
        let id = store.begin_backup(&b).await.unwrap();
        let row = || store.backups(None).unwrap().remove(0);
        live(id, true);
        assert_eq!(as_seen(row()).state, "taking", "this process is taking it");
        live(id, false);
        assert_eq!(as_seen(row()).state, "interrupted", "nobody is: its runner died");
        assert_eq!(row().state, "taking", "the store itself is unchanged");
    }

    #[tokio::test]
    async fn a_failed_copy_leaves_no_file_and_a_failed_row() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::open(&tmp.path().join("data")).unwrap();
        let db = tmp.path().join("not-a-db.db");
        std::fs::write(&db, "this is not a SQLite file, it is long enough to have a header......").unwrap();
        let at = InRun { store: &store, run: "r1", environment: "" };
        let out = tmp.path().join("b/x.backup");
        let err = take(&at, &Target::Sqlite(db), &out, true).await.unwrap_err();
        assert!(!err.to_string().is_empty());
        assert!(!out.exists());
        let rows = store.backups(None).unwrap();
        assert_eq!((rows.len(), rows[0].state.as_str(), rows[0].verify_ok), (1, "failed", Some(false)));
        assert_eq!(rows[0].backup.environment, None);
    }
}
