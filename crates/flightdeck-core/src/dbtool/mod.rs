//! `flightdeck db ...`: a small `SQLite` migration tool for the demo (and any `SQLite` database):
//! `status`, `backup` and `restore` through `SQLite`'s online backup API, and `migrate` with numbered
//! SQL files. Relative paths are relative to the current directory (the project directory when a
//! workflow step runs it). Results are also written as step outputs to `$FLIGHTDECK_OUTPUT`.
//!
//! - [`migrate`]: reading migration files, planning, applying each in its own transaction;
//! - [`backup`]: backup, restore, integrity checks;
//! - [`error`]: errors that name the file.

use std::path::{Path, PathBuf};

use clap::Subcommand;

use crate::error::{Error, exit};
use crate::outputs::write_outputs;

pub mod backup;
pub mod error;
pub mod migrate;

#[cfg(test)]
mod tests;

pub use error::DbError;
use migrate::{MigrateReport, version_text};

/// `flightdeck db ...`.
#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub enum DbCommand {
    /// Show the applied migrations (and, with --dir, the pending ones).
    Status {
        /// The database file.
        #[arg(long)]
        database: PathBuf,
        /// A migrations directory to compare with.
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// Copy the database to a file (online backup API) and check the copy.
    Backup {
        /// The database file.
        #[arg(long)]
        database: PathBuf,
        /// Where to write the copy (replaced if it exists).
        #[arg(long)]
        out: PathBuf,
    },
    /// Apply the pending `NNNN_name.sql` files of a directory, each in its own transaction.
    Migrate {
        /// The database file (created if missing).
        #[arg(long)]
        database: PathBuf,
        /// The migrations directory.
        #[arg(long)]
        dir: PathBuf,
        /// List the pending migrations and their SQL without applying them.
        #[arg(long)]
        dry_run: bool,
    },
    /// Replace the database's content with a backup and check the result.
    Restore {
        /// The database file.
        #[arg(long)]
        database: PathBuf,
        /// The backup file.
        #[arg(long)]
        from: PathBuf,
    },
}

/// Runs one database command; returns the exit code.
pub fn run_command(cmd: DbCommand) -> Result<i32, Error> {
    match cmd {
        DbCommand::Status { database, dir } => status(&database, dir.as_deref()),
        DbCommand::Backup { database, out } => {
            let r = backup::backup(&database, &out)?;
            if r.source_was_missing {
                crate::outln!("{} does not exist yet: the backup is an empty database", database.display());
            }
            let out_abs = absolute(&out);
            crate::outln!(
                "backed up {} to {} ({} pages, {} bytes, integrity ok)",
                database.display(),
                out_abs.display(),
                r.pages,
                r.bytes
            );
            write_outputs(&[("backup", &out_abs.to_string_lossy())])?;
            Ok(exit::OK)
        }
        DbCommand::Restore { database, from } => {
            let r = backup::restore(&database, &from)?;
            crate::outln!(
                "restored {} from {} ({} pages, integrity ok)",
                database.display(),
                from.display(),
                r.pages
            );
            Ok(exit::OK)
        }
        DbCommand::Migrate { database, dir, dry_run } => run_migrate(&database, &dir, dry_run),
    }
}

fn absolute(p: &Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

fn run_migrate(database: &Path, dir: &Path, dry_run: bool) -> Result<i32, Error> {
    let report = migrate::migrate(database, dir, dry_run, |m| {
        crate::outln!("applied {}", m.path.display());
    })?;
    warn_missing(&report);
    let (applied, version) = if dry_run {
        print_pending(database, &report);
        let newest = report.pending.iter().map(|m| m.version).max().or_else(|| report.version());
        (report.pending.len(), newest)
    } else {
        (report.applied.len(), report.version())
    };
    let version = version_text(version);
    let verb = if dry_run { "would apply" } else { "applied" };
    crate::outln!("{}: {verb} {applied} migration(s); version {version}", database.display());
    let applied = applied.to_string();
    if dry_run {
        write_outputs(&[("pending", &applied), ("version", &version)])?;
    } else {
        write_outputs(&[("applied", &applied), ("version", &version)])?;
    }
    Ok(exit::OK)
}

fn print_pending(database: &Path, report: &MigrateReport) {
    if report.pending.is_empty() {
        crate::outln!("{}: nothing to apply (dry run)", database.display());
    }
    for m in &report.pending {
        crate::outln!("-- pending {} (sha256 {})", m.path.display(), &m.checksum[..12.min(m.checksum.len())]);
        for line in m.sql.lines() {
            crate::outln!("   {line}");
        }
    }
}

fn warn_missing(report: &MigrateReport) {
    for a in &report.missing_files {
        crate::errln!(
            "warning: migration {:04}_{} was applied on {} but its file is gone",
            a.version,
            a.name,
            a.applied_at
        );
    }
}

fn status(database: &Path, dir: Option<&Path>) -> Result<i32, Error> {
    let Some(conn) = migrate::open_ro(database)? else {
        crate::outln!("{} does not exist yet: no migrations applied", database.display());
        write_outputs(&[("version", "none")])?;
        return Ok(exit::OK);
    };
    let already = migrate::applied(&conn, database)?;
    drop(conn);
    let size = std::fs::metadata(database).map_or(0, |m| m.len());
    crate::outln!("{} ({size} bytes)", database.display());
    for a in &already {
        crate::outln!("  applied {:04}_{} on {}", a.version, a.name, a.applied_at);
    }
    let mut report = MigrateReport { already, ..MigrateReport::default() };
    if let Some(dir) = dir {
        report = migrate::plan(migrate::read_dir(dir)?, report.already)?;
        for m in &report.pending {
            crate::outln!("  pending {}", m.path.display());
        }
        warn_missing(&report);
    }
    let version = version_text(report.version());
    crate::outln!("version {version}");
    write_outputs(&[("version", &version)])?;
    Ok(exit::OK)
}
