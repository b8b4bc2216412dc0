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

/// `alerts ...`.
#[derive(Debug, Subcommand)]
pub enum AlertsCommand {
    /// Receive Alertmanager's webhook on ADDR (`POST /alerts`); store and print each alert.
    Listen(AlertsListenArgs),
    /// Received alerts, newest first.
    List(AlertsListArgs),
}

/// `alerts listen ADDR`.
#[derive(Debug, Args)]
pub struct AlertsListenArgs {
    /// `host:port` to listen on (port 0 picks a free one; the URL is printed).
    #[arg(default_value = "127.0.0.1:9095")]
    pub addr: String,
    /// Stop after this long (`30s`); default: until interrupted.
    #[arg(long = "for", value_name = "DURATION")]
    pub duration: Option<String>,
}

/// `alerts list`.
#[derive(Debug, Args)]
pub struct AlertsListArgs {
    /// At most this many.
    #[arg(short = 'n', long, default_value_t = 50)]
    pub limit: usize,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// `cost ...`.
#[derive(Debug, Subcommand)]
pub enum CostCommand {
    /// Import an AWS CUR CSV (legacy or 2.0 headers, plain or .gz) or a GCP billing export (NDJSON);
    /// importing the same file again changes nothing.
    Import(CostImportArgs),
    /// A month's totals by service, environment or tag, the change from the month before, and anomalies.
    Report(CostReportArgs),
    /// A month's anomalous days (median + 3 x MAD of the previous 14 days, above `[cost] min_amount`).
    Anomalies(CostAnomaliesArgs),
    /// The imported billing files.
    Imports(JsonFlag),
}

/// `cost import`.
#[derive(Debug, Args)]
pub struct CostImportArgs {
    /// The billing file.
    pub file: PathBuf,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `profile ...`.
#[derive(Debug, Subcommand)]
pub enum ProfileCommand {
    /// Show the profiles a run took (or a baseline's): hottest functions, deltas, flamegraph paths.
    Show(ProfileShowArgs),
    /// List the saved profile baselines.
    Baselines(JsonFlag),
    /// Point a baseline at the last profile a run took.
    SaveBaseline(ProfileSaveArgs),
    /// Record a profile now (exit 2 on bad input or when perf cannot run, 7 on a regression).
    Record(Box<ProfileRecordArgs>),
}

/// `profile show`.
#[derive(Debug, Args)]
pub struct ProfileShowArgs {
    /// The run (id or unique prefix).
    #[arg(required_unless_present = "baseline", conflicts_with = "baseline")]
    pub run: Option<String>,
    /// Show this baseline's profile instead.
    #[arg(long, value_name = "NAME")]
    pub baseline: Option<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `monitoring ...`.
#[derive(Debug, Subcommand)]
pub enum MonitoringCommand {
    /// Write prometheus.yml, rules.yml, blackbox.yml and alertmanager.yml for an environment's
    /// monitors, checked with promtool and amtool (nothing is replaced when a check fails).
    Generate(MonitoringGenerateArgs),
    /// Check a directory's files with promtool and amtool.
    Check(MonitoringCheckArgs),
    /// Load the files in use: `POST /-/reload` to each server URL given.
    Apply(MonitoringApplyArgs),
    /// Poll Prometheus until every target is up and rules are loaded; exit 6 if not in time.
    Verify(MonitoringVerifyArgs),
}

/// `monitoring apply URL...`.
#[derive(Debug, Args)]
pub struct MonitoringApplyArgs {
    /// Base URLs of Prometheus, Alertmanager and the blackbox exporter.
    #[arg(required = true)]
    pub urls: Vec<String>,
}

/// `monitoring verify --prometheus URL`.
#[derive(Debug, Args)]
pub struct MonitoringVerifyArgs {
    /// Prometheus's base URL.
    #[arg(long, default_value = "http://127.0.0.1:9090")]
    pub prometheus: String,
    /// How long to wait (`60s`).
    #[arg(long, default_value = "60s")]
    pub timeout: String,
}

/// `monitoring generate`.
#[derive(Debug, Args)]
pub struct MonitoringGenerateArgs {
    /// Environment whose monitors are translated.
    #[arg(long = "env", short = 'e')]
    pub env: Option<String>,
    /// Directory to write the files to.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// The blackbox exporter's address.
    #[arg(long, default_value = "127.0.0.1:9115")]
    pub blackbox: String,
    /// Alertmanager's address.
    #[arg(long, default_value = "127.0.0.1:9093")]
    pub alertmanager: String,
    /// flightdeck's webhook receiver URL (`flightdeck alerts listen`).
    #[arg(long, default_value = "http://127.0.0.1:9095/alerts")]
    pub receiver: String,
    /// Scrape, evaluation and group-wait interval in seconds.
    #[arg(long, default_value_t = 15)]
    pub interval: u64,
}

/// `monitoring check DIR`.
#[derive(Debug, Args)]
pub struct MonitoringCheckArgs {
    /// Directory holding prometheus.yml, rules.yml and alertmanager.yml.
    pub dir: PathBuf,
}

/// `assess [--env E] [--json|--markdown] [-o FILE]`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct AssessArgs {
    /// `set` or `history` (default: compute and print an assessment).
    #[command(subcommand)]
    pub command: Option<AssessCommand>,
    /// Environment assessed (default: the first production environment).
    #[arg(long = "env", short = 'e')]
    pub env: Option<String>,
    /// Print the report as JSON.
    #[arg(long, conflicts_with = "markdown")]
    pub json: bool,
    /// Print the report as Markdown.
    #[arg(long)]
    pub markdown: bool,
    /// Write the report to FILE instead of stdout.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// List every item in the text report, not only those with a finding.
    #[arg(long)]
    pub all: bool,
}

/// `assess set|history`.
#[derive(Debug, Subcommand)]
pub enum AssessCommand {
    /// Set an item's state: `assess set 5.2.1 pass -m "why"` (audited; overrides evidence).
    Set(AssessSetArgs),
    /// Past assessments: overall score, coverage, verdict.
    History(AssessHistoryArgs),
}

/// `assess set ID STATE -m NOTE`.
#[derive(Debug, Args)]
pub struct AssessSetArgs {
    /// Item id (`5.2.1`).
    pub id: String,
    /// pass, partial, fail, n/a or unknown.
    pub state: String,
    /// Why (shown beside the item).
    #[arg(short = 'm', long = "message")]
    pub message: Option<String>,
    /// Environment (default: the first production environment).
    #[arg(long = "env", short = 'e')]
    pub env: Option<String>,
}

/// `assess history`.
#[derive(Debug, Args)]
pub struct AssessHistoryArgs {
    /// Only this environment.
    #[arg(long = "env", short = 'e')]
    pub env: Option<String>,
    /// At most this many (0: all).
    #[arg(short = 'n', long, default_value_t = 20)]
    pub limit: usize,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// `cost report`.
#[derive(Debug, Args)]
pub struct CostReportArgs {
    /// The month, YYYY-MM (default: the month of the latest imported day).
    #[arg(long)]
    pub month: Option<String>,
    /// Group by `service`, `environment` or `tag:KEY`.
    #[arg(long, default_value = "service")]
    pub by: String,
    /// Print the whole report as JSON.
    #[arg(long, conflicts_with = "csv")]
    pub json: bool,
    /// Print the breakdown as CSV.
    #[arg(long)]
    pub csv: bool,
}

/// `cost anomalies`.
#[derive(Debug, Args)]
pub struct CostAnomaliesArgs {
    /// The month, YYYY-MM (default: the month of the latest imported day).
    #[arg(long)]
    pub month: Option<String>,
    /// Print JSON instead of text.
    #[arg(long, conflicts_with = "count")]
    pub json: bool,
    /// Print only the number of anomalous days.
    #[arg(long)]
    pub count: bool,
}

/// `profile save-baseline`.
#[derive(Debug, Args)]
pub struct ProfileSaveArgs {
    /// The baseline's name.
    pub name: String,
    /// The run whose last profile it names (id or unique prefix).
    #[arg(long)]
    pub run: String,
}

/// `profile record`: the `profile` step's keys as flags.
#[derive(Debug, Args)]
pub struct ProfileRecordArgs {
    /// Profile this running process.
    #[arg(long, conflicts_with_all = ["process", "command"])]
    pub pid: Option<String>,
    /// Profile every running process of this name.
    #[arg(long, conflicts_with = "command")]
    pub process: Option<String>,
    /// Start this shell command under perf (stopped at the end of the duration).
    #[arg(long)]
    pub command: Option<String>,
    /// How long to record (`30s`; at most 120s in a production environment).
    #[arg(short = 'z', long, value_name = "DURATION")]
    pub duration: Option<String>,
    /// Samples per second.
    #[arg(short = 'F', long, value_name = "HZ")]
    pub frequency: Option<u32>,
    /// `fp` (frame pointers) or `dwarf`.
    #[arg(long, value_name = "MODE")]
    pub call_graph: Option<String>,
    /// Drive load at this URL while recording.
    #[arg(long, value_name = "URL")]
    pub load_url: Option<String>,
    /// Connections of that load.
    #[arg(short = 'c', long, value_name = "CONNS")]
    pub connections: Option<usize>,
    /// Compare with this saved baseline profile.
    #[arg(long, value_name = "NAME")]
    pub baseline: Option<String>,
    /// Save this profile as a baseline of this name (unless it regressed).
    #[arg(long, value_name = "NAME")]
    pub save_baseline: Option<String>,
    /// Share growth that counts as a regression (`5pp`).
    #[arg(long, value_name = "PP")]
    pub regress: Option<String>,
    /// The environment whose policy applies (production caps the duration).
    #[arg(long, value_name = "NAME")]
    pub env: Option<String>,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `env ...`.
#[derive(Debug, Subcommand)]
pub enum EnvCommand {
    /// The live resources flightdeck created in an environment (DNS records, certificates, `IaC`
    /// applies, containers), oldest first.
    Resources(EnvResourcesArgs),
    /// Removes the containers a blue-green `keep` kept whose time has expired.
    Gc(EnvGcArgs),
}

/// `env gc ENV [--json]`.
#[derive(Debug, Args)]
pub struct EnvGcArgs {
    /// The environment.
    pub env: String,
    /// Print the removed resources as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `env resources ENV [--json] [--all]`.
#[derive(Debug, Args)]
pub struct EnvResourcesArgs {
    /// The environment.
    pub env: String,
    /// Also list removed resources.
    #[arg(long)]
    pub all: bool,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `secrets ...`.
#[derive(Debug, Subcommand)]
pub enum SecretsCommand {
    /// Every secret of flightdeck.toml: provider, version, last rotated, due by `rotate_every`.
    List(SecretsArgs),
    /// Check that secrets are readable (default: all); exit 8 if one is not.
    Check(SecretsCheckArgs),
    /// Write a generated value as a new version, read it back; prints the new and previous version.
    Rotate(SecretsRotateArgs),
    /// Make an earlier version current again (the rollback of a rotation).
    Restore(SecretsVersionArgs),
    /// Disable a version that is no longer current.
    Disable(SecretsVersionArgs),
    /// Create a secret that does not exist yet from a value typed at a hidden prompt (twice).
    Create(SecretsCreateArgs),
}

/// `secrets create`.
#[derive(Debug, Args)]
pub struct SecretsCreateArgs {
    /// Secret name (a `[secrets.NAME]` table in a versioned provider: openbao or aws).
    pub name: String,
    /// Environment whose overrides apply.
    #[arg(long = "env", short = 'e')]
    pub env: Option<String>,
}

/// `secrets list`.
#[derive(Debug, Args)]
pub struct SecretsArgs {
    /// Environment whose overrides apply.
    #[arg(long = "env", short = 'e')]
    pub env: Option<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `secrets check`.
#[derive(Debug, Args)]
pub struct SecretsCheckArgs {
    /// Secret names (default: every secret).
    pub names: Vec<String>,
    /// Environment whose overrides apply.
    #[arg(long = "env", short = 'e')]
    pub env: Option<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `secrets rotate`.
#[derive(Debug, Args)]
pub struct SecretsRotateArgs {
    /// Secret name.
    pub name: String,
    /// Environment whose overrides apply.
    #[arg(long = "env", short = 'e')]
    pub env: Option<String>,
    /// Length of the generated value (default: the secret's `length`, else 32).
    #[arg(long)]
    pub length: Option<usize>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `secrets restore|disable NAME VERSION`.
#[derive(Debug, Args)]
pub struct SecretsVersionArgs {
    /// Secret name.
    pub name: String,
    /// Version id.
    pub version: String,
    /// Environment whose overrides apply.
    #[arg(long = "env", short = 'e')]
    pub env: Option<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
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

/// `release`: version from commits, changelog, tags, hotfixes.
#[derive(Debug, Subcommand)]
pub enum ReleaseCommand {
    /// The next version: current version and tag, next version, the reason and the commits.
    Plan(ReleasePlanArgs),
    /// The changelog section of the next release (preview), or prepend it to the changelog file.
    Changelog(ReleaseChangelogArgs),
    /// Write the next version into the version files and the changelog, and commit them.
    Bump(ReleaseBumpArgs),
    /// Tag HEAD with the next version (annotated, carrying its changelog section) and push.
    Tag(ReleaseTagArgs),
    /// The hotfix flow: branch from the production tag, check the fix, finish, merge back.
    #[command(subcommand)]
    Hotfix(HotfixCommand),
    /// Record that a run remediates a deployment (or an earlier run), for DORA.
    Link(ReleaseLinkArgs),
}

/// What decides the next version (shared by the release commands).
#[derive(Debug, Args, Clone, Default)]
pub struct ReleaseVersionArgs {
    /// An explicit next version (overrides the commits).
    #[arg(long = "version", value_name = "X.Y.Z")]
    pub version: Option<String>,
    /// Force a level: major, minor or patch.
    #[arg(long)]
    pub level: Option<String>,
    /// Make or continue a pre-release with this identifier (rc, beta, alpha).
    #[arg(long, value_name = "ID")]
    pub pre: Option<String>,
    /// The package, for `{package}` in the tag pattern.
    #[arg(long)]
    pub package: Option<String>,
    /// A hotfix release: patch from the release tag below HEAD, marked in the changelog.
    #[arg(long)]
    pub hotfix: bool,
    /// Finalise the current pre-release (1.0.0-rc.2 -> 1.0.0), with or without new commits.
    #[arg(long = "final", conflicts_with_all = ["version", "pre", "level"])]
    pub finalize: bool,
}

/// `release plan`.
#[derive(Debug, Args)]
pub struct ReleasePlanArgs {
    /// What decides the version.
    #[command(flatten)]
    pub v: ReleaseVersionArgs,
    /// Print JSON (the release view-model) instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `release changelog`.
#[derive(Debug, Args)]
pub struct ReleaseChangelogArgs {
    /// What decides the version.
    #[command(flatten)]
    pub v: ReleaseVersionArgs,
    /// Prepend the section to the changelog file instead of printing it.
    #[arg(long)]
    pub write: bool,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `release bump`.
#[derive(Debug, Args)]
pub struct ReleaseBumpArgs {
    /// What decides the version.
    #[command(flatten)]
    pub v: ReleaseVersionArgs,
    /// Say what would change; change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Write the files but do not commit them.
    #[arg(long)]
    pub no_commit: bool,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `release tag`.
#[derive(Debug, Args)]
pub struct ReleaseTagArgs {
    /// What decides the version.
    #[command(flatten)]
    pub v: ReleaseVersionArgs,
    /// Push the branch and the tag with `git push`.
    #[arg(long)]
    pub push: bool,
    /// Check and show the tag message; create nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `release hotfix ...`.
#[derive(Debug, Subcommand)]
pub enum HotfixCommand {
    /// Create and check out `hotfix/<version>` from the production tag.
    Start {
        /// The production tag (default: the highest stable release tag).
        #[arg(long, value_name = "TAG")]
        from: Option<String>,
        /// Say what would happen; change nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Check the hotfix branch holds a fix (refuses with exit 8 on an empty diff).
    Check,
    /// Bump the patch from the production tag, write the changelog, commit, tag (and push).
    Finish {
        /// Push the branch and the tag.
        #[arg(long)]
        push: bool,
        /// Say what would happen; change nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Merge the hotfix branch back into the main branch (cherry-pick the fix if the merge conflicts).
    Merge {
        /// The hotfix branch (default: the checked-out one).
        #[arg(long)]
        branch: Option<String>,
        /// Push the main branch afterwards.
        #[arg(long)]
        push: bool,
        /// Say what would happen; change nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

/// `release link`.
#[derive(Debug, Args)]
pub struct ReleaseLinkArgs {
    /// The run doing the remediation (usually `{{ run.id }}`).
    pub run: String,
    /// The deployment (or run) it remediates.
    #[arg(long)]
    pub remediates: String,
}

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

/// `incident`.
#[derive(Debug, Subcommand)]
pub enum IncidentCommand {
    /// Declare an incident (you are on it; `--commander` makes you its commander).
    Open(IncidentOpenArgs),
    /// Join an incident, or change your role on it.
    Join(IncidentJoinArgs),
    /// Leave an incident.
    Leave(IncidentIdArgs),
    /// Add a note (a note on a resolved incident is kept, marked late).
    Note(IncidentNoteArgs),
    /// Change the severity (sev1–sev4).
    Severity(IncidentSeverityArgs),
    /// Mark the incident mitigated (users no longer hurt).
    Mitigated(IncidentIdArgs),
    /// Resolve an incident.
    Resolve(IncidentResolveArgs),
    /// List incidents.
    List(JsonFlag),
    /// Show one incident: state, responders and MTTR against targets.
    Show(IncidentShowArgs),
    /// The merged timeline; `--markdown` writes the postmortem, `--json` the same content as JSON.
    Timeline(IncidentTimelineArgs),
}

/// `incident open`.
#[derive(Debug, Args)]
pub struct IncidentOpenArgs {
    /// One-line description.
    pub title: String,
    /// Service affected.
    #[arg(long)]
    pub service: String,
    /// Environment (default: the first production environment, else `production`).
    #[arg(long = "env", short = 'e')]
    pub env: Option<String>,
    /// Severity: sev1 (worst) to sev4.
    #[arg(long, default_value = "sev2")]
    pub severity: String,
    /// The deployment that caused it (a ledger id).
    #[arg(long)]
    pub caused_by: Option<String>,
    /// When the impairment began (default: the detection).
    #[arg(long)]
    pub started: Option<String>,
    /// When it was noticed (default: now).
    #[arg(long)]
    pub detected: Option<String>,
    /// Id (default: `inc-` and the start time in seconds).
    #[arg(long)]
    pub id: Option<String>,
    /// You take the incident commander role.
    #[arg(long)]
    pub commander: bool,
    /// When it was declared (default: now; RFC 3339).
    #[arg(long)]
    pub at: Option<String>,
}

/// `incident ID` with an optional time.
#[derive(Debug, Args)]
pub struct IncidentIdArgs {
    /// Incident id.
    pub id: String,
    /// When (default: now; RFC 3339).
    #[arg(long)]
    pub at: Option<String>,
}

/// `incident join`.
#[derive(Debug, Args)]
pub struct IncidentJoinArgs {
    /// Incident id.
    pub id: String,
    /// commander, responder or scribe.
    #[arg(long, default_value = "responder")]
    pub role: String,
    /// When (default: now; RFC 3339).
    #[arg(long)]
    pub at: Option<String>,
}

/// `incident note`.
#[derive(Debug, Args)]
pub struct IncidentNoteArgs {
    /// Incident id.
    pub id: String,
    /// The note.
    pub text: String,
    /// When (default: now; RFC 3339).
    #[arg(long)]
    pub at: Option<String>,
}

/// `incident severity`.
#[derive(Debug, Args)]
pub struct IncidentSeverityArgs {
    /// Incident id.
    pub id: String,
    /// sev1 (worst) to sev4.
    pub level: String,
    /// When (default: now; RFC 3339).
    #[arg(long)]
    pub at: Option<String>,
}

/// `incident resolve`.
#[derive(Debug, Args)]
pub struct IncidentResolveArgs {
    /// Incident id.
    pub id: String,
    /// When it was resolved (default: now).
    #[arg(long)]
    pub at: Option<String>,
    /// When it was mitigated, if not recorded yet (default: the resolution).
    #[arg(long)]
    pub mitigated: Option<String>,
}

/// `incident show`.
#[derive(Debug, Args)]
pub struct IncidentShowArgs {
    /// Incident id.
    pub id: String,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// `incident timeline`.
#[derive(Debug, Args)]
pub struct IncidentTimelineArgs {
    /// Incident id.
    pub id: String,
    /// The Markdown postmortem.
    #[arg(long, conflicts_with = "json")]
    pub markdown: bool,
    /// The postmortem as JSON (the same content as `--markdown`).
    #[arg(long)]
    pub json: bool,
    /// Write to this file instead of stdout.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<std::path::PathBuf>,
}

/// `health`.
#[derive(Debug, Args)]
pub struct HealthArgs {
    /// Environment whose monitors to run (default: the default environment).
    #[arg(long = "env", short = 'e')]
    pub env: Option<String>,
    /// Probe every monitor once, print the results and exit (6 if any failed).
    #[arg(long)]
    pub once: bool,
    /// Stop live mode after this long (`30s`, `5m`); default: until interrupted.
    #[arg(long = "for", value_name = "DURATION")]
    pub duration: Option<String>,
    /// Print JSON (one line per transition in live mode).
    #[arg(long)]
    pub json: bool,
}

/// `load`: flags that oha and wrk users recognise (DESIGN §10 "Load flags").
#[derive(Debug, Args)]
#[allow(clippy::struct_excessive_bools)] // flags are naturally booleans
pub struct LoadArgs {
    /// Target URL (`http[s]://HOST:PORT/PATH`); requests go nowhere else.
    pub url: String,
    /// Draw the live view (the console's Load screen) while the test runs.
    #[arg(long)]
    pub tui: bool,
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
    /// HTTPS: accept any server certificate (a self-signed test server).
    #[arg(long, short = 'k')]
    pub insecure: bool,
    /// HTTPS: trust the CA certificates in this PEM file besides the usual roots.
    #[arg(long, value_name = "FILE")]
    pub cacert: Option<PathBuf>,
}

/// `flightdeck notify ...`.
#[derive(Debug, Subcommand)]
pub enum NotifyCommand {
    /// Validate `[notify]` in flightdeck.toml: channels, routes, templates.
    Check(JsonFlag),
    /// Send a test message to one channel, or to every channel.
    Test(NotifyTestArgs),
    /// Deliveries, newest first: state, attempts, next retry, last error.
    List(NotifyListArgs),
    /// Send everything pending now (and wait for retries up to `--timeout`).
    Flush(NotifyFlushArgs),
    /// Put a delivered or failed notification back in the queue and send it.
    Resend(NotifyResendArgs),
}

/// `notify test`.
#[derive(Debug, Args)]
pub struct NotifyTestArgs {
    /// Channel name (default: every channel).
    pub channel: Option<String>,
    /// How long to wait for delivery, retries included.
    #[arg(long, default_value = "30s")]
    pub timeout: String,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// `notify list`.
#[derive(Debug, Args)]
pub struct NotifyListArgs {
    /// Show the attempts of this notification id.
    pub id: Option<i64>,
    /// Most rows shown.
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// `notify flush`.
#[derive(Debug, Args)]
pub struct NotifyFlushArgs {
    /// How long to keep retrying before leaving the rest for later.
    #[arg(long, default_value = "60s")]
    pub timeout: String,
}

/// `notify resend`.
#[derive(Debug, Args)]
pub struct NotifyResendArgs {
    /// Notification id (from `notify list`).
    pub id: i64,
    /// How long to wait for delivery.
    #[arg(long, default_value = "30s")]
    pub timeout: String,
}
