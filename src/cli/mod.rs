//! Command-line types (clap derive). Parsing only: `main.rs` dispatches, `headless` does the work.
//!
//! This file holds the top-level [`Cli`] and [`Command`] and the shared [`JsonFlag`]; each command
//! family's argument types live in their own file and are re-exported here, so `crate::cli::X`
//! names every one of them.

mod assess;
mod cost;
mod dora;
mod env;
mod health;
mod incident;
mod monitoring;
mod notify;
mod profile;
mod release;
mod run;
mod secrets;

pub use assess::*;
pub use cost::*;
pub use dora::*;
pub use env::*;
pub use health::*;
pub use incident::*;
pub use monitoring::*;
pub use notify::*;
pub use profile::*;
pub use release::*;
pub use run::*;
pub use secrets::*;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// flightdeck: a terminal operations console. Deploy, roll back, approve, and audit — from the
/// console or headless, with the same workflows.
#[derive(Debug, Parser)]
#[command(name = "flightdeck", version, about, long_about = None)]
pub struct Cli {
    /// Project directory (default: the nearest ancestor of the current directory with
    /// flightdeck.toml or workflows/).
    #[arg(short = 'C', long = "project", global = true, value_name = "DIR")]
    pub project: Option<PathBuf>,
    /// Data directory for the store, logs and locks (overrides `FLIGHTDECK_HOME`).
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Console theme: default, light, high-contrast, mono, or NAME for themes/NAME.toml.
    #[arg(long, global = true, value_name = "NAME")]
    pub theme: Option<String>,
    /// Colour depth: truecolor, 256 or 16 (default: from COLORTERM and TERM).
    #[arg(long, global = true, value_name = "DEPTH", value_parser = ["truecolor", "24bit", "256", "16"])]
    pub color: Option<String>,
    /// What to do (default: open the console).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// List workflows by persona.
    List(JsonFlag),
    /// Show a workflow's plan (parameters and steps), or a run and its steps.
    Show(ShowArgs),
    /// Run a workflow headless.
    Run(RunArgs),
    /// List runs, newest first.
    Runs(RunsArgs),
    /// Print a run's step logs.
    Log(LogArgs),
    /// Resume an interrupted run.
    Resume(ResumeArgs),
    /// Approve (or reject) a waiting gate of a run, from any terminal on this host.
    Approve(ApproveArgs),
    /// Follow a live run from any terminal: steps, log, gates (closing it detaches).
    Attach(AttachArgs),
    /// The process that owns every live run of a data directory (clients start it on demand).
    Runner(RunnerArgs),
    /// Show the audit log, or verify its hash chain.
    Audit(AuditArgs),
    /// Check workflow and task files (default: the whole project catalogue).
    Validate(ValidateArgs),
    /// Print every path and setting in use.
    Info(JsonFlag),
    /// Load-test an HTTP endpoint (oha/wrk-style flags); exit 7 if a threshold or baseline fails.
    Load(Box<LoadArgs>),
    /// The demo sandbox service.
    #[command(subcommand)]
    Sandbox(crate::sandbox::SandboxCommand),
    /// DORA metrics of a service and window, from the ledger and git history.
    Dora(DoraArgs),
    /// The DORA ledger of deployments: add, list, export, import (also from tags).
    #[command(subcommand)]
    Ledger(LedgerCommand),
    /// Incidents: open, join, note, severity, mitigated, resolve, list, show, timeline.
    #[command(subcommand)]
    Incident(IncidentCommand),
    /// Notifications: check channels, send a test, list deliveries, flush the outbox, resend one.
    #[command(subcommand)]
    Notify(NotifyCommand),
    /// Run the project's health monitors: one round (`--once`) or live until interrupted.
    Health(HealthArgs),
    /// Database migrations, backups, verification, restores and retention (`SQLite` and `PostgreSQL`).
    #[command(subcommand)]
    Db(crate::dbtool::DbCommand),
    /// Container images: build (with SBOM), scan gate, push (digest recorded), list.
    #[command(subcommand)]
    Image(crate::containers::ImageCommand),
    /// Release management: next version, changelog, tags, hotfixes.
    #[command(subcommand)]
    Release(ReleaseCommand),
    /// Secrets: list their versions and rotation dates, check them, rotate one (never prints a value).
    #[command(subcommand)]
    Secrets(SecretsCommand),
    /// Environments: what flightdeck created in one (`env resources ENV`), expired kept containers
    /// removed (`env gc ENV`).
    #[command(subcommand)]
    Env(EnvCommand),
    /// CPU profiles (perf + flamegraphs): record one, show a run's or a baseline's, list baselines.
    #[command(subcommand)]
    Profile(ProfileCommand),
    /// Cloud cost: import billing exports (AWS CUR, GCP), report totals, month over month, anomalies.
    #[command(subcommand)]
    Cost(CostCommand),
    /// Alertmanager's alerts: receive its webhook (`listen ADDR`), list what arrived.
    #[command(subcommand)]
    Alerts(AlertsCommand),
    /// Prometheus, blackbox exporter and Alertmanager configuration from the monitors.
    #[command(subcommand)]
    Monitoring(MonitoringCommand),
    /// Production-readiness assessment against the bundled infrastructure checklist; `set`, `history`.
    Assess(AssessArgs),
}

/// `--json`.
#[derive(Debug, Args)]
pub struct JsonFlag {
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}
