//! `db backups` (the recorded backups, newest first) and `db prune` (retention per database:
//! deletes the files retention does not keep and marks their rows pruned).

use std::collections::BTreeMap;

use crate::dbtool::manifest::manifest_path;
use crate::dbtool::retention::{Item, Policy, keep};
use crate::dbtool::target::Target;
use crate::error::{Error, exit};
use crate::project::Project;
use crate::store::BackupRecord;
use crate::time::{Micros, now};

/// The database text records use for `--database` (a URL without its password).
fn key(database: Option<&str>) -> Result<Option<String>, Error> {
    let cwd = std::env::current_dir().unwrap_or_default();
    database.map(|d| Target::parse(d).map(|t| t.absolute(&cwd).display()).map_err(Error::from)).transpose()
}

/// `3d 4h`, `12m`, `40s`.
pub fn age(from: Micros, to: Micros) -> String {
    let s = (to.0 - from.0).max(0) / 1_000_000;
    match s {
        s if s >= 86_400 => format!("{}d {}h", s / 86_400, s % 86_400 / 3600),
        s if s >= 3600 => format!("{}h {}m", s / 3600, s % 3600 / 60),
        s if s >= 60 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

/// `1.2 MB` and the like.
pub fn size(bytes: i64) -> String {
    #[allow(clippy::cast_precision_loss)]
    let b = bytes as f64;
    match bytes {
        n if n >= 1 << 30 => format!("{:.1} GB", b / f64::from(1u32 << 30)),
        n if n >= 1 << 20 => format!("{:.1} MB", b / f64::from(1u32 << 20)),
        n if n >= 1 << 10 => format!("{:.1} kB", b / 1024.0),
        n => format!("{n} B"),
    }
}

/// `✓`, `✗` or `-` (not verified).
pub fn mark(r: &BackupRecord) -> &'static str {
    match r.verify_ok {
        Some(true) => "✓",
        Some(false) => "✗",
        None => "-",
    }
}

/// `db backups`.
pub fn list(project: &Project, database: Option<&str>, json: bool) -> Result<i32, Error> {
    let rows = project.store()?.backups(key(database)?.as_deref())?;
    let at = now();
    for r in &rows {
        if json {
            crate::outln!("{}", serde_json::to_string(r).unwrap_or_default());
        } else {
            let state = if r.state == "done" { String::new() } else { format!("  [{}]", r.state) };
            crate::outln!(
                "{:>4}  {:<9} {:>9}  {} schema {}  {}  {}{state}",
                r.id,
                age(r.backup.created_at, at),
                size(r.backup.bytes),
                mark(r),
                r.backup.schema_version,
                r.backup.database,
                r.backup.path
            );
        }
    }
    if rows.is_empty() && !json {
        crate::outln!("no backups recorded");
    }
    Ok(exit::OK)
}

/// `db prune`.
pub async fn prune(
    project: &Project,
    database: Option<&str>,
    policy: Policy,
    dry_run: bool,
) -> Result<i32, Error> {
    let store = project.store()?;
    let mut by_db: BTreeMap<String, Vec<BackupRecord>> = BTreeMap::new();
    // Only complete backups count for retention (a failed one has no file; one being taken is not
    // this command's to touch).
    for r in store.backups(key(database)?.as_deref())?.into_iter().filter(|r| r.state == "done") {
        by_db.entry(r.backup.database.clone()).or_default().push(r);
    }
    let (mut gone, mut kept) = (0, 0);
    for (db, rows) in by_db {
        let items: Vec<Item> = rows
            .iter()
            .map(|r| Item { id: r.id, created_at: r.backup.created_at, verified: r.verify_ok == Some(true) })
            .collect();
        let keep = keep(&items, policy);
        for r in &rows {
            if let Some((_, why)) = keep.iter().find(|(id, _)| *id == r.id) {
                kept += 1;
                crate::outln!("keep   {} {} ({why})", db, r.backup.path);
                continue;
            }
            gone += 1;
            crate::outln!("{} {} {}", if dry_run { "would delete" } else { "delete" }, db, r.backup.path);
            if !dry_run {
                remove(&r.backup.path)?;
                store.set_backup_pruned(r.id, now()).await?;
            }
        }
    }
    let verb = if dry_run { "would delete" } else { "deleted" };
    crate::outln!("{verb} {gone} backup(s), keep {kept}");
    Ok(exit::OK)
}

fn remove(path: &str) -> Result<(), Error> {
    let p = std::path::Path::new(path);
    for f in [p.to_path_buf(), manifest_path(p)] {
        match std::fs::remove_file(&f) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io(format!("cannot delete {}", f.display()), e)),
        }
    }
    Ok(())
}
