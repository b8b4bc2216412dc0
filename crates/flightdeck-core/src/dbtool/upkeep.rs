//! Verifying and pruning recorded backups, done by the runner (the `backup-verify` and
//! `backup-prune` step kinds, which `flightdeck db verify` and `db prune` start as runs of the
//! built-in `verify-backup` and `prune-backups` tasks): the runner, the store's one writer, records
//! the verification and marks pruned rows, and the run's operator (the socket peer) is audited.
//!
//! Prunes are one at a time in the runner, and a backup's `taking` row is only inserted between
//! them ([`exclusive`]). A row is marked pruned before its file is deleted, and only when it is
//! complete (`done`) and not pruned yet; a file that another live row still names (a later backup
//! written to the same path, possibly still `taking`) is kept. So two prunes at once never delete a
//! file twice, and a prune never removes a backup being taken.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::json;
use tokio::sync::{Mutex, MutexGuard};

use crate::dbtool::commands::check;
use crate::dbtool::manifest::{Manifest, manifest_path};
use crate::dbtool::retention::{Item, Policy, keep};
use crate::dbtool::target::Target;
use crate::error::Error;
use crate::store::{BackupRecord, Store};
use crate::time::now;

static PRUNING: Mutex<()> = Mutex::const_new(());

/// Held by a prune for its whole length, and by a backup while it inserts its `taking` row.
pub async fn exclusive() -> MutexGuard<'static, ()> {
    PRUNING.lock().await
}

/// `p` without `//` or `.` components: the same file is recorded and looked up by one text.
pub fn clean(p: &Path) -> PathBuf {
    p.components().collect()
}

/// What a verification found: tables and rows equal to the manifest's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verified {
    /// Tables compared.
    pub tables: usize,
    /// Rows in them.
    pub rows: i64,
}

/// Restores the backup `m` describes into a scratch copy, compares it, and records the result on
/// the backup's live rows; an error when it does not verify.
pub async fn checked(store: &Store, m: &Manifest, server: Option<&Target>) -> Result<Verified, Error> {
    let result = check(m, server).await;
    let (ok, detail) = match &result {
        Ok(tables) => (true, json!({"ok": true, "tables": tables})),
        Err(e) => (false, json!({"ok": false, "error": e.to_string()})),
    };
    store.set_backup_verified(&m.path.to_string_lossy(), now(), ok, &detail).await?;
    let tables = result?;
    Ok(Verified { tables: tables.len(), rows: tables.values().map(|s| s.rows).sum() })
}

/// Reads the manifest of the backup at `from` (absolute) and verifies it ([`checked`]).
pub async fn verify(
    store: &Store,
    from: &Path,
    server: Option<&Target>,
) -> Result<(Manifest, Verified), Error> {
    let from = clean(from);
    let mut m = Manifest::read(&from)?;
    m.path = from;
    let v = checked(store, &m, server).await?;
    Ok((m, v))
}

/// The line `db verify` prints for a backup that verified.
pub fn verified_line(path: &Path, v: Verified) -> String {
    format!(
        "verified {}: restored into a scratch copy, {} tables and {} rows equal the source's (counts and checksums)",
        path.display(),
        v.tables,
        v.rows
    )
}

/// What a prune did (or, dry, would do).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Pruned {
    /// The lines to print, in order (`keep ...`, `delete ...`, the total).
    pub lines: Vec<String>,
    /// The rows marked pruned (none when dry).
    pub deleted: Vec<i64>,
    /// How many backups were kept.
    pub kept: usize,
}

/// One backup retention decided on: its row and why it is kept (`None`: it goes).
type Decision<'a> = (&'a BackupRecord, Option<String>);

/// Retention per database over the complete backups among `rows` (of `database` when given).
fn decide<'a>(rows: &'a [BackupRecord], database: Option<&str>, policy: Policy) -> Vec<Decision<'a>> {
    let mut by_db: BTreeMap<&str, Vec<&BackupRecord>> = BTreeMap::new();
    // Only complete backups count: a failed one has no file; one being taken is not a prune's.
    for r in rows.iter().filter(|r| r.state == "done" && database.is_none_or(|d| r.backup.database == d)) {
        by_db.entry(r.backup.database.as_str()).or_default().push(r);
    }
    let mut out = Vec::new();
    for rows in by_db.into_values() {
        let items: Vec<Item> = rows
            .iter()
            .map(|r| Item { id: r.id, created_at: r.backup.created_at, verified: r.verify_ok == Some(true) })
            .collect();
        let keep = keep(&items, policy);
        for r in rows {
            out.push((r, keep.iter().find(|(id, _)| *id == r.id).map(|(_, why)| why.clone())));
        }
    }
    out
}

/// Applies the retention (`database`: the text records use, a path or a URL without password).
pub async fn prune(
    store: &Store,
    database: Option<&str>,
    policy: Policy,
    dry_run: bool,
) -> Result<Pruned, Error> {
    let _one = if dry_run { None } else { Some(exclusive().await) };
    let all = store.backups(None)?;
    let decided = decide(&all, database, policy);
    let going: BTreeSet<i64> = decided.iter().filter(|(_, k)| k.is_none()).map(|(r, _)| r.id).collect();
    // Files still named by a row that stays (a later backup to the same path, maybe being taken).
    let named: BTreeMap<&str, i64> = all
        .iter()
        .filter(|r| r.state != "failed" && !going.contains(&r.id))
        .map(|r| (r.backup.path.as_str(), r.id))
        .collect();
    let mut out = Pruned::default();
    for (r, why) in decided {
        let (db, path) = (&r.backup.database, &r.backup.path);
        if let Some(why) = why {
            out.kept += 1;
            out.lines.push(format!("keep   {db} {path} ({why})"));
        } else if dry_run {
            out.lines.push(format!("would delete {db} {path}"));
        } else if !store.set_backup_pruned(r.id, now()).await? {
            out.lines.push(format!(
                "skip   {db} {path} (no longer a complete backup: pruned or replaced meanwhile)"
            ));
        } else if let Some(other) = named.get(path.as_str()) {
            out.deleted.push(r.id);
            out.lines.push(format!("delete {db} {path} (its record only: the file is backup {other}'s now)"));
        } else {
            remove(path)?;
            out.deleted.push(r.id);
            out.lines.push(format!("delete {db} {path}"));
        }
    }
    let gone = if dry_run { going.len() } else { out.deleted.len() };
    let verb = if dry_run { "would delete" } else { "deleted" };
    out.lines.push(format!("{verb} {gone} backup(s), keep {}", out.kept));
    Ok(out)
}

/// Deletes a backup file and its manifest (either may be missing already).
fn remove(path: &str) -> Result<(), Error> {
    let p = Path::new(path);
    for f in [p.to_path_buf(), manifest_path(p)] {
        match std::fs::remove_file(&f) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io(format!("cannot delete {}", f.display()), e)),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::NewBackup;
    use crate::time::Micros;

    /// Ten complete backups a day apart (the oldest verified), their files, and one being taken.
    async fn seeded(dir: &Path) -> Store {
        let store = Store::open(&dir.join("data")).unwrap();
        for n in 0..11_i64 {
            let path = dir.join(format!("{n}.backup"));
            std::fs::write(&path, "x").unwrap();
            let b = NewBackup {
                database: "/srv/app.db".into(),
                engine: "sqlite".into(),
                path: path.display().to_string(),
                bytes: 1,
                sha256: "00".into(),
                schema_version: "none".into(),
                created_at: Micros(1_700_000_000_000_000 + n * 86_400_000_000),
                run: None,
                environment: None,
            };
            if n == 10 {
                store.begin_backup(&b).await.unwrap();
            } else {
                store.add_backup(&b).await.unwrap();
            }
            if n == 0 {
                store.set_backup_verified(&b.path, Micros(1), true, &json!({"ok": true})).await.unwrap();
            }
        }
        store
    }

    #[tokio::test]
    async fn two_prunes_at_once_delete_each_backup_once_and_never_one_being_taken() {
        let tmp = tempfile::tempdir().unwrap();
        let store = seeded(tmp.path()).await;
        let policy = Policy { daily: 1, weekly: 0, monthly: 0 };
        let (a, b) = tokio::join!(
            prune(&store, Some("/srv/app.db"), policy, false),
            prune(&store, Some("/srv/app.db"), policy, false)
        );
        let (a, b) = (a.unwrap(), b.unwrap());
        let mut both: Vec<i64> = a.deleted.iter().chain(&b.deleted).copied().collect();
        both.sort_unstable();
        // Kept: the newest (id 10, day 9) and the newest verified (id 1); 2..=9 go, once.
        assert_eq!(both, (2..=9).collect::<Vec<_>>(), "{a:?} {b:?}");
        assert!(a.deleted.is_empty() || b.deleted.is_empty(), "one after the other: {a:?} {b:?}");
        let left: Vec<i64> = store.backups(None).unwrap().iter().map(|r| r.id).collect();
        assert_eq!(left, [11, 10, 1], "the taking row stays");
        assert!(tmp.path().join("10.backup").exists(), "the file being taken stays");
        assert!(!tmp.path().join("5.backup").exists() && tmp.path().join("9.backup").exists());
        let dry = prune(&store, None, Policy { daily: 0, weekly: 0, monthly: 0 }, true).await.unwrap();
        assert_eq!(dry.lines.last().map(String::as_str), Some("would delete 1 backup(s), keep 1"));
        assert!(tmp.path().join("9.backup").exists(), "a dry run deletes nothing");
    }

    #[test]
    fn clean_drops_doubled_slashes_and_dots() {
        assert_eq!(clean(Path::new("/a//b/./c.backup")), Path::new("/a/b/c.backup"));
    }
}
