//! `flightdeck db ...`: database migrations and backups on `SQLite` files and `PostgreSQL`
//! (`--database` is a path or a `postgres://` URL; see [`target`]). `status` is the preflight
//! (reachable, server version, schema version, pending files, destructive statements); `migrate`
//! applies numbered `NNNN_name.sql` files (or runs dbmate) under a lock; `backup` copies (`SQLite`
//! online backup, `pg_dump -Fc` at an exported snapshot) and records the copy with its per-table
//! figures; `verify` restores a backup into a scratch copy and compares; `restore` puts a backup
//! back; `backups` and `prune` list and thin the recorded backups. Relative paths are relative to
//! the current directory (the project directory when a workflow step runs it). Results are also
//! written as step outputs to `$FLIGHTDECK_OUTPUT`.
//!
//! - [`migrate`], [`pg`], [`dbmate`]: migration files and runners; [`destructive`]: flagged statements;
//! - [`backup`], [`pgdump`], [`manifest`], [`stats`]: copies and their evidence; [`in_run`]: a
//!   backup the runner takes and records inside a run (the `backup` step kind; `db backup ENV`);
//! - [`retention`]: which backups `prune` keeps; [`upkeep`]: verify and prune by the runner;
//!   [`commands`], [`catalog`]: the subcommands.
//!
//! `backup`, `verify` and `prune` change what the store records, and the runner is its one writer:
//! outside a run the binary starts them as runs (see its `headless::db`); inside a run's shell
//! step (a child of the runner) they are refused with the step kind to use instead (`backup`,
//! `backup-verify`, `backup-prune`), except `prune --dry-run`, which only reads.

use std::path::PathBuf;

use clap::{Subcommand, ValueEnum};

use crate::error::Error;
use crate::project::Project;

pub mod backup;
pub mod catalog;
pub mod commands;
pub mod dbmate;
pub mod destructive;
pub mod error;
pub mod in_run;
pub mod manifest;
pub mod migrate;
pub mod pg;
pub mod pgdump;
pub mod retention;
pub mod stats;
pub mod target;
pub mod upkeep;

#[cfg(test)]
mod tests;

pub use error::DbError;
pub use target::Target;

/// Which tool applies migrations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum Tool {
    /// flightdeck's numbered `NNNN_name.sql` runner.
    #[default]
    Builtin,
    /// dbmate (`-- migrate:up` files, its own `schema_migrations`), run with `--no-dump-schema`.
    Dbmate,
}

/// Where a command stands: the environment (production or not, its phrase) and the run.
#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct EnvArgs {
    /// The environment (default: `$FLIGHTDECK_ENV`, set for workflow steps).
    #[arg(long = "env", env = "FLIGHTDECK_ENV")]
    pub env: Option<String>,
    /// The confirmation phrase, typed beforehand (asked on a terminal when needed and missing).
    #[arg(long)]
    pub phrase: Option<String>,
}

/// `flightdeck db ...`.
#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub enum DbCommand {
    /// Preflight: reachable, server version, applied migrations, pending ones (with --dir) and
    /// their destructive statements.
    Status {
        /// A `SQLite` file or a `postgres://` URL.
        #[arg(long)]
        database: String,
        /// A migrations directory to compare with.
        #[arg(long)]
        dir: Option<PathBuf>,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
        /// Fail (exit 8) when a migration of --dir is still pending: the check after a migration.
        #[arg(long, requires = "dir")]
        fail_if_pending: bool,
    },
    /// Back the database up: asks the runner to run the `database-backup` workflow in ENV (it
    /// copies with the `SQLite` online backup or `pg_dump -Fc` at one snapshot, writes the manifest,
    /// records the backup, verifies it by a restore into a scratch copy), follows the run and exits
    /// with its code. Inside a run's shell step it is refused: use a `backup` step there.
    Backup {
        /// The environment of the run (required outside a run).
        env: Option<String>,
        /// A `SQLite` file or a `postgres://` URL.
        #[arg(long)]
        database: String,
        /// Where to write the copy: a file, or a directory ending in `/` (default `backups/`).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Verify the copy at once (a backup through the runner always is; kept for scripts).
        #[arg(long)]
        verify: bool,
        /// Print the run's events as JSON lines (through the runner).
        #[arg(long)]
        json: bool,
    },
    /// Restore a backup into a scratch database (temp file for `SQLite`, `CREATE DATABASE` on the
    /// same server for `PostgreSQL`), compare row counts and checksums per table with its manifest.
    /// The runner does it (a run of the `verify-backup` task, in ENV when given) and records the
    /// result; inside a run's shell step it is refused: use a `backup-verify` step there.
    Verify {
        /// The environment of the run (optional).
        env: Option<String>,
        /// The backup file.
        #[arg(long)]
        from: PathBuf,
        /// The server to restore on (default: the database the backup copies).
        #[arg(long)]
        database: Option<String>,
        /// Print the run's events as JSON lines.
        #[arg(long)]
        json: bool,
    },
    /// Apply the pending migrations of a directory (each file in its own transaction), under a
    /// lock that refuses a second migration of the same database (exit 8).
    Migrate {
        /// A `SQLite` file (created if missing) or a `postgres://` URL.
        #[arg(long)]
        database: String,
        /// The migrations directory.
        #[arg(long)]
        dir: PathBuf,
        /// List the pending migrations and their SQL without applying them.
        #[arg(long)]
        dry_run: bool,
        /// The migration tool: `builtin` (numbered files) or `dbmate`.
        #[arg(long, default_value = "builtin")]
        tool: String,
        #[command(flatten)]
        env: EnvArgs,
    },
    /// Replace the database's content with a backup and check the result (in production, after
    /// the environment's confirmation phrase).
    Restore {
        /// A `SQLite` file or a `postgres://` URL.
        #[arg(long)]
        database: String,
        /// The backup file.
        #[arg(long)]
        from: PathBuf,
        #[command(flatten)]
        env: EnvArgs,
    },
    /// The recorded backups, newest first: age, size, schema version, verified.
    Backups {
        /// Only this database's.
        #[arg(long)]
        database: Option<String>,
        /// Print JSON lines.
        #[arg(long)]
        json: bool,
    },
    /// Delete the backups retention does not keep (N daily, M weekly, K monthly; never the newest
    /// verified one), per database. The runner does it (a run of the `prune-backups` task, in ENV
    /// when given: one prune at a time, never a backup being taken); inside a run's shell step only
    /// `--dry-run` works (use a `backup-prune` step there).
    Prune {
        /// The environment of the run (optional).
        env: Option<String>,
        /// Only this database's.
        #[arg(long)]
        database: Option<String>,
        /// Days to keep (the newest backup of each).
        #[arg(long, default_value_t = 7)]
        daily: usize,
        /// ISO weeks to keep.
        #[arg(long, default_value_t = 4)]
        weekly: usize,
        /// Months to keep.
        #[arg(long, default_value_t = 6)]
        monthly: usize,
        /// Only list what would go.
        #[arg(long)]
        dry_run: bool,
        /// Print the run's events as JSON lines.
        #[arg(long)]
        json: bool,
    },
}

/// Runs one database command in `project`; returns the exit code.
pub async fn run_command(project: &Project, cmd: DbCommand) -> Result<i32, Error> {
    match cmd {
        DbCommand::Status { database, dir, json, fail_if_pending } => {
            commands::status(&Target::parse(&database)?, dir.as_deref(), json, fail_if_pending).await
        }
        DbCommand::Backup { .. } => {
            Err(in_a_step("backup", "backup", "backup = { database = \"app.db\", out = \"backups/\" }"))
        }
        DbCommand::Verify { .. } => {
            Err(in_a_step("verify", "backup-verify", "backup-verify = { from = \"backups/app.backup\" }"))
        }
        DbCommand::Migrate { database, dir, dry_run, tool, env } => {
            let tool = Tool::from_str(&tool, true)
                .map_err(|_| Error::Invalid(format!("--tool {tool:?}: use builtin or dbmate")))?;
            commands::migrate(project, &Target::parse(&database)?, &dir, dry_run, tool, &env).await
        }
        DbCommand::Restore { database, from, env } => {
            commands::restore(project, &Target::parse(&database)?, &from, &env).await
        }
        DbCommand::Backups { database, json } => catalog::list(project, database.as_deref(), json),
        DbCommand::Prune { database, daily, weekly, monthly, dry_run, .. } => {
            if !dry_run {
                return Err(in_a_step(
                    "prune",
                    "backup-prune",
                    "backup-prune = { database = \"app.db\", daily = \"7\" }",
                ));
            }
            catalog::prune(project, database.as_deref(), retention::Policy { daily, weekly, monthly }).await
        }
    }
}

/// Why `db WHAT` is refused where it runs (inside a run's step, a child of the runner): the
/// runner records backups, and asking it from its own child would start a second run.
fn in_a_step(what: &str, kind: &str, example: &str) -> Error {
    Error::Invalid(format!(
        "db {what} cannot run inside a run's step ($FLIGHTDECK_RUN is set): the runner records backups and their \
         checks, not a step's process. Use a `{kind}` step instead, e.g. {example} (see workflows/README.md)"
    ))
}
