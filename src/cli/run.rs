//! Run arguments: `show`, `run`, `attach`, `runner`, `runs`, `log`, `resume`, `approve`, `audit`, `validate`.

use std::path::PathBuf;

use clap::Args;

/// `show`.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// Workflow name, or a run id (or a unique prefix) to show that run and its steps.
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
    /// Print the run id and return; the run goes on in the runner (`flightdeck attach RUN`).
    #[arg(long)]
    pub detach: bool,
    /// Link the run to this open incident (`run_links` rel `incident`).
    #[arg(long, value_name = "ID")]
    pub incident: Option<String>,
}

/// `attach`.
#[derive(Debug, Args)]
pub struct AttachArgs {
    /// Run id (or a unique prefix).
    pub run: String,
    /// One JSON event per line on stdout.
    #[arg(long)]
    pub json: bool,
}

/// `runner`.
#[derive(Debug, Args)]
pub struct RunnerArgs {
    /// Exit after this many seconds with no runs and no clients (0: never).
    #[arg(long, value_name = "SECS", env = "FLIGHTDECK_RUNNER_IDLE", default_value_t = 30)]
    pub idle_exit: u64,
    /// The group whose members may connect to the socket (socket 0660, data directory 0710).
    #[arg(long, value_name = "GROUP", env = "FLIGHTDECK_RUNNER_GROUP")]
    pub group: Option<String>,
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
    /// Only this status (running, waiting, succeeded, failed, `rolled_back`, rejected, cancelled, interrupted).
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
    /// Print step output bytes exactly as stored (escape sequences included); by default control
    /// characters are shown as visible escapes such as `\u001b`.
    #[arg(long)]
    pub raw: bool,
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
