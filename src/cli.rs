//! Command-line types (clap derive). Parsing only: `main.rs` dispatches, `headless` does the work.

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
    /// What to do (default: open the console).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// List workflows by persona.
    List(JsonFlag),
    /// Show a workflow's plan: parameters and steps.
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
    /// `SQLite` migrations, backups and restores (used by the execute-migration task).
    #[command(subcommand)]
    Db(crate::dbtool::DbCommand),
}

/// `--json`.
#[derive(Debug, Args)]
pub struct JsonFlag {
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `show`.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// Workflow name.
    pub workflow: String,
    /// Environment to plan for.
    #[arg(long = "env", short = 'e')]
    pub env: Option<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `run`.
#[derive(Debug, Args)]
#[allow(clippy::struct_excessive_bools)] // flags are naturally booleans
pub struct RunArgs {
    /// Workflow name.
    pub workflow: String,
    /// Parameter values, `-p name=value` (repeatable).
    #[arg(short = 'p', long = "param", value_name = "NAME=VALUE")]
    pub params: Vec<String>,
    /// Environment (its policy applies).
    #[arg(long = "env", short = 'e')]
    pub env: Option<String>,
    /// Give your one approval to every gate and confirm re-runs (automated mode).
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Print the plan and run only `dry_run` commands; nothing that changes anything runs.
    #[arg(long)]
    pub dry_run: bool,
    /// Emergency mode: fewer prompts, every bypass audited with this reason.
    #[arg(long, value_name = "REASON")]
    pub emergency: Option<String>,
    /// Without a terminal, wait for `flightdeck approve` at gates instead of rejecting.
    #[arg(long)]
    pub wait_approvals: bool,
    /// One JSON event per line on stdout.
    #[arg(long)]
    pub json: bool,
}

/// `runs`.
#[derive(Debug, Args)]
pub struct RunsArgs {
    /// Only this workflow.
    #[arg(long)]
    pub workflow: Option<String>,
    /// Only this environment.
    #[arg(long = "env", short = 'e')]
    pub env: Option<String>,
    /// Only this status (running, succeeded, failed, `rolled_back`, rejected, cancelled, interrupted).
    #[arg(long)]
    pub status: Option<String>,
    /// At most this many.
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `log`.
#[derive(Debug, Args)]
pub struct LogArgs {
    /// Run id (or a unique prefix).
    pub run: String,
    /// Only this step.
    pub step: Option<String>,
    /// Print the run's journal (its events) instead of step output.
    #[arg(long)]
    pub events: bool,
}

/// `resume`.
#[derive(Debug, Args)]
pub struct ResumeArgs {
    /// Run id (or a unique prefix).
    pub run: String,
    /// Confirm re-running a step that was mid-flight, and give your one approval to gates.
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Without a terminal, wait for `flightdeck approve` at gates.
    #[arg(long)]
    pub wait_approvals: bool,
    /// One JSON event per line on stdout.
    #[arg(long)]
    pub json: bool,
}

/// `approve`.
#[derive(Debug, Args)]
pub struct ApproveArgs {
    /// Run id (or a unique prefix).
    pub run: String,
    /// Gate `STEP#ATTEMPT` (default: the gate the run is waiting at).
    pub gate: Option<String>,
    /// Reject instead of approving.
    #[arg(long, conflicts_with_all = ["phrase", "choose"])]
    pub reject: bool,
    /// The phrase a typed-phrase gate requires.
    #[arg(long)]
    pub phrase: Option<String>,
    /// The option to pick at a choice gate.
    #[arg(long)]
    pub choose: Option<String>,
    /// A comment kept with the approval.
    #[arg(long, short = 'm')]
    pub comment: Option<String>,
}

/// `audit`.
#[derive(Debug, Args)]
pub struct AuditArgs {
    /// `verify` checks the hash chain.
    pub action: Option<AuditAction>,
    /// At most this many entries.
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `audit verify`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AuditAction {
    /// Recompute every hash and check the chain is whole.
    Verify,
}

/// `validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Files or directories (default: the project's workflows and the built-in ones).
    pub paths: Vec<PathBuf>,
}

/// `load`: flags that oha and wrk users recognise (DESIGN §10 "Load flags").
#[derive(Debug, Args)]
#[allow(clippy::struct_excessive_bools)] // flags are naturally booleans
pub struct LoadArgs {
    /// Target URL (`http://HOST:PORT/PATH`); requests go nowhere else.
    pub url: String,
    /// Run for this long (`10s`, `2m`); default 10s.
    #[arg(short = 'z', value_name = "DURATION")]
    pub duration: Option<String>,
    /// Send this many requests instead of running for a duration.
    #[arg(short = 'n', value_name = "REQUESTS")]
    pub requests: Option<u64>,
    /// Connections (closed model), or the pool for the open model.
    #[arg(short = 'c', value_name = "CONNS", default_value_t = 50)]
    pub connections: usize,
    /// Open model: this many requests per second, latency measured from the intended send time.
    #[arg(short = 'q', value_name = "RATE")]
    pub rate: Option<f64>,
    /// Request body.
    #[arg(short = 'd', value_name = "BODY")]
    pub body: Option<String>,
    /// HTTP method.
    #[arg(short = 'm', value_name = "METHOD", default_value = "GET")]
    pub method: String,
    /// Extra header `Name: value` (repeatable).
    #[arg(short = 'H', value_name = "HEADER")]
    pub headers: Vec<String>,
    /// Worker threads (default: the available cores).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// HTTP/2 over cleartext (prior knowledge).
    #[arg(long)]
    pub http2: bool,
    /// Load profile: baseline, peak, stress, spike or soak.
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// Pass/fail criterion, e.g. `p95 < 500ms`, `error_rate < 1%`, `rps > 100`; append `abort` to
    /// stop the test as soon as it fails (repeatable).
    #[arg(long = "threshold", value_name = "EXPR")]
    pub thresholds: Vec<String>,
    /// Every threshold aborts the test as soon as it fails.
    #[arg(long)]
    pub abort_on_fail: bool,
    /// Request timeout.
    #[arg(long, value_name = "DURATION")]
    pub timeout: Option<String>,
    /// Compare with the saved baseline of this name; a regression exits 7.
    #[arg(long, value_name = "NAME")]
    pub baseline: Option<String>,
    /// Save this run as the baseline of this name.
    #[arg(long, value_name = "NAME")]
    pub save_baseline: Option<String>,
    /// Regression tolerance for `--baseline`, in percent.
    #[arg(long, value_name = "PCT", default_value_t = 10.0)]
    pub tolerance: f64,
    /// Print the summary as JSON (oha's field names) to stdout.
    #[arg(long)]
    pub json: bool,
    /// Write the JSON summary to this file.
    #[arg(short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Environment the target belongs to (a non-loopback target in production needs confirmation).
    #[arg(long = "env", short = 'e')]
    pub env: Option<String>,
    /// Confirm a non-loopback target in a production environment.
    #[arg(long)]
    pub yes: bool,
}
