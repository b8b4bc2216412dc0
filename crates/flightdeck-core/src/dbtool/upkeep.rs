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
