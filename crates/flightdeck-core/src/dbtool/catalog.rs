//! `db backups` (the recorded backups, newest first) and `db prune --dry-run` (what retention per
//! database would delete; the deleting itself is the runner's: [`crate::dbtool::upkeep`]).

use crate::dbtool::retention::Policy;
use crate::dbtool::target::Target;
use crate::error::{Error, exit};
use crate::project::Project;
use crate::store::BackupRecord;
use crate::time::{Micros, now};

/// The database text records use for `--database` (a URL without its password).
pub fn key(database: Option<&str>) -> Result<Option<String>, Error> {
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
    print(&rows, json);
    Ok(exit::OK)
}

/// Prints the backups `db backups` lists (also for rows the runner sent a client-only operator).
pub fn print(rows: &[BackupRecord], json: bool) {
    let at = now();
    for r in rows {
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
}

/// `db prune --dry-run` (a read of the store: what would go). Deleting is the runner's (the
/// `backup-prune` step kind; `flightdeck db prune` starts it as a run of `prune-backups`).
pub async fn prune(project: &Project, database: Option<&str>, policy: Policy) -> Result<i32, Error> {
    let store = project.store()?;
    let pruned = crate::dbtool::upkeep::prune(&store, key(database)?.as_deref(), policy, true).await?;
    for line in &pruned.lines {
        crate::outln!("{line}");
    }
    Ok(exit::OK)
}
