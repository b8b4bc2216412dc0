//! `dora` and `ledger` arguments: DORA metrics and the deployment ledger.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::JsonFlag;

/// `dora`.
#[derive(Debug, Args)]
pub struct DoraArgs {
    /// Only this service (default: every service, each with its own history).
    #[arg(long)]
    pub service: Option<String>,
    /// Only this environment (default: every production environment).
    #[arg(long = "env", short = 'e')]
    pub env: Option<String>,
    /// Window ending now: 7d, 30d, 90d, 180d (default `[dora] window`, else 90d).
    #[arg(long, conflicts_with_all = ["since", "until"])]
    pub window: Option<String>,
    /// Window start (a date in `[dora] time_zone`, or an RFC 3339 instant).
    #[arg(long, requires = "until")]
    pub since: Option<String>,
    /// Window end, exclusive.
    #[arg(long, requires = "since")]
    pub until: Option<String>,
    /// Print the dashboard as JSON.
    #[arg(long, conflicts_with = "csv")]
    pub json: bool,
    /// Print the five metrics as CSV.
    #[arg(long)]
    pub csv: bool,
}

/// `ledger`.
#[derive(Debug, Subcommand)]
pub enum LedgerCommand {
    /// Record a deployment by hand.
    Add(LedgerAddArgs),
    /// List deployments, oldest first.
    List(JsonFlag),
    /// Write the ledger to stdout.
    Export(LedgerExportArgs),
    /// Read deployments from a JSONL or CSV file (as written by export), or from git tags.
    Import(LedgerImportArgs),
    /// The newest good version of a service (what a rollback returns to by default).
    LastGood(LedgerLastGoodArgs),
}

/// `ledger last-good`.
#[derive(Debug, Args)]
pub struct LedgerLastGoodArgs {
    /// Service.
    #[arg(long)]
    pub service: String,
    /// Environment (default: the first production environment, else `production`).
    #[arg(long = "env", short = 'e')]
    pub env: Option<String>,
    /// Skip this version (the one live now).
    #[arg(long)]
    pub except: Option<String>,
    /// Print this version when the ledger has no deployment of the service in the environment at
    /// all (a project that does not record deployments yet); ignored when it has some.
    #[arg(long)]
    pub fallback: Option<String>,
    /// Print the deployment as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `ledger add`.
#[derive(Debug, Args)]
pub struct LedgerAddArgs {
    /// Service.
    #[arg(long)]
    pub service: String,
    /// Environment (default: the first production environment, else `production`).
    #[arg(long = "env", short = 'e')]
    pub env: Option<String>,
    /// Commit deployed (any revision git understands).
    #[arg(long)]
    pub sha: Option<String>,
    /// Version deployed.
    #[arg(long)]
    pub version: Option<String>,
    /// normal, hotfix, rollback or fix-forward.
    #[arg(long, default_value = "normal")]
    pub kind: String,
    /// succeeded, failed (the attempt failed) or degraded (deployed, then failed in production).
    #[arg(long, default_value = "succeeded")]
    pub status: String,
    /// Start (default: the finish).
    #[arg(long)]
    pub started: Option<String>,
    /// Finish (default: now).
    #[arg(long)]
    pub finished: Option<String>,
    /// The deployment this one remediates.
    #[arg(long)]
    pub remediates: Option<String>,
    /// Id (default: `dep-` and the finish time).
    #[arg(long)]
    pub id: Option<String>,
    /// Who deployed (default: you).
    #[arg(long)]
    pub actor: Option<String>,
    /// Record `--sha` as given even when it is not a commit of the service's repository.
    #[arg(long)]
    pub allow_unknown_sha: bool,
    /// Overwrite a deployment with the same id.
    #[arg(long)]
    pub replace: bool,
}

/// `ledger export`.
#[derive(Debug, Args)]
pub struct LedgerExportArgs {
    /// jsonl or csv.
    #[arg(long, default_value = "jsonl")]
    pub format: LedgerFormat,
}

/// Ledger file formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LedgerFormat {
    /// One JSON object per line.
    Jsonl,
    /// Comma-separated with a header line.
    Csv,
}

/// `ledger import`.
#[derive(Debug, Args)]
pub struct LedgerImportArgs {
    /// A JSONL or CSV file.
    #[arg(required_unless_present = "from_tags", conflicts_with = "from_tags")]
    pub file: Option<PathBuf>,
    /// Import each tag matching this glob (`v*`) as a production deployment at its tag time.
    #[arg(long, value_name = "PATTERN")]
    pub from_tags: Option<String>,
    /// The service the tags belong to (default: the only `[services]` entry, else the project name).
    #[arg(long)]
    pub service: Option<String>,
    /// Keep SHAs that are not commits of the service's repository as given.
    #[arg(long)]
    pub allow_unknown_sha: bool,
    /// Overwrite deployments whose id is already in the ledger.
    #[arg(long)]
    pub replace: bool,
}
