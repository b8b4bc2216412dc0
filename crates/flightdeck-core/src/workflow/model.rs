//! The workflow and task model, as loaded from `workflows/*.toml` and `workflows/tasks/*.toml`.
//!
//! Everything here is plain serde data: a [`Plan`](crate::workflow::plan::Plan) made from it is stored
//! with a run, so a resumed run executes what was planned, not what the file says today.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::workflow::expr::WhenExpr;
use crate::workflow::template::Template;

/// Which persona's menu a workflow appears on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Persona {
    /// DevOps: deploy, rollback, infrastructure, incidents, databases, containers, secrets.
    Diana,
    /// Release: versions, changelog, tags, hotfix, DORA.
    Rita,
    /// Performance: health, load tests, profiling, baselines.
    Phoenix,
    /// Not on a persona's menu (tasks, utilities).
    #[default]
    None,
}

impl Persona {
    /// Every persona that has a menu, in display order.
    pub const MENU: [Persona; 3] = [Persona::Diana, Persona::Rita, Persona::Phoenix];

    /// The key used in files (`diana`).
    pub fn key(self) -> &'static str {
        match self {
            Persona::Diana => "diana",
            Persona::Rita => "rita",
            Persona::Phoenix => "phoenix",
            Persona::None => "none",
        }
    }

    /// The heading shown to people (`Diana — DevOps`).
    pub fn heading(self) -> &'static str {
        match self {
            Persona::Diana => "Diana — DevOps",
            Persona::Rita => "Rita — Release",
            Persona::Phoenix => "Phoenix — Performance",
            Persona::None => "Other",
        }
    }
}

/// What a workflow does, for the ledger and for grouping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum WorkflowKind {
    /// Ships a version to an environment.
    Deployment,
    /// Returns an environment to an earlier version.
    Rollback,
    /// A fix shipped outside the normal release train.
    Hotfix,
    /// Cuts a release (version, changelog, tag).
    Release,
    /// Incident response.
    Incident,
    /// A reusable task (files under `workflows/tasks/`).
    Task,
    /// Anything else.
    #[default]
    Other,
}

impl WorkflowKind {
    /// Where workflows of this kind come on a persona's menu: what an operator reaches for first
    /// (deploy, release, rollback) before set-up and reports; ties go by name.
    pub fn menu_rank(self) -> u8 {
        match self {
            WorkflowKind::Deployment => 0,
            WorkflowKind::Release => 1,
            WorkflowKind::Rollback => 2,
            WorkflowKind::Hotfix => 3,
            WorkflowKind::Incident => 4,
            WorkflowKind::Other => 5,
            WorkflowKind::Task => 6,
        }
    }
}

/// The type of a parameter and, for choices, its options.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum ParamType {
    /// Free text, optionally constrained by `pattern`.
    String,
    /// One of a fixed list.
    Choice {
        /// The allowed values, in display order.
        choices: Vec<String>,
    },
    /// `true` or `false`.
    Bool,
    /// An integer or decimal number.
    Number,
}

/// One declared parameter of a workflow (or input of a task).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Param {
    /// The name used in templates (`params.NAME`) and on the command line (`-p NAME=value`).
    pub name: String,
    /// The label shown in forms and prompts.
    pub prompt: String,
    /// The type and, for choices, the options.
    #[serde(flatten)]
    pub ty: ParamType,
    /// The default value, already checked against the type.
    pub default: Option<serde_json::Value>,
    /// Whether a value must be given when there is no default.
    pub required: bool,
    /// A regular expression a string value must match (whole value).
    pub pattern: Option<String>,
    /// Longer help text.
    pub help: Option<String>,
}

/// What a finished run of a deploying workflow writes to the ledger (all fields templated).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct DeploymentSpec {
    /// The service deployed.
    pub service: Option<Template>,
    /// The commit deployed.
    pub sha: Option<Template>,
    /// The version deployed.
    pub version: Option<Template>,
    /// `normal`, `hotfix`, `rollback`, `fix-forward`.
    pub kind: Option<Template>,
    /// The id of a deployment or run this one remediates.
    pub remediates: Option<Template>,
    /// The image digest shipped (`sha256:...`, from `flightdeck image push`).
    #[serde(default)]
    pub digest: Option<Template>,
}

/// What to do when a step has failed after its retries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum OnFail {
    /// Stop the run; it ends failed (the default).
    #[default]
    Halt,
    /// Record the failure and go on with the next step.
    Continue,
    /// Run the `rollback` of every completed step, newest first, then end failed.
    Rollback,
}

/// Retry policy of a step: `retries` extra attempts with exponential backoff.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Retry {
    /// Extra attempts after the first (0 = no retry).
    pub count: u32,
    /// Delay before the first retry, in milliseconds.
    pub backoff_ms: u64,
    /// Multiplier applied to the delay after each retry.
    pub factor: f64,
}

impl Default for Retry {
    fn default() -> Self {
        Retry { count: 0, backoff_ms: 1000, factor: 2.0 }
    }
}

impl Retry {
    /// The delay before retry number `n` (1-based), capped at five minutes.
    pub fn delay_ms(&self, n: u32) -> u64 {
        let exp = i32::try_from(n.saturating_sub(1)).unwrap_or(i32::MAX);
        #[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let ms = (self.backoff_ms as f64 * self.factor.powi(exp)).min(300_000.0) as u64;
        ms
    }
}

/// The action of a step: its kind (the action key, e.g. `run`) and that kind's normalised spec.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Action {
    /// The action key; names a registered [`ActionKind`](crate::workflow::kind::ActionKind).
    pub kind: String,
    /// The kind's own data, as its parser normalised it.
    pub spec: serde_json::Value,
    /// Where the action's value is in its file, for messages (`uses` naming an unknown task).
    #[serde(skip)]
    pub at: SourcePos,
}

/// A 1-based (line, column) in a workflow file, for messages only: not serialized (a stored plan
/// has none) and ignored by `==`, so it never makes two equal workflows differ.
#[derive(Debug, Clone, Copy, Default, Eq)]
pub struct SourcePos(pub Option<(u32, u32)>);

impl PartialEq for SourcePos {
    fn eq(&self, _other: &Self) -> bool {
        true
    }
}

/// One step of a workflow or task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    /// Unique within its file; used in templates and on the command line.
    pub id: String,
    /// Shown instead of the id when set.
    pub title: Option<String>,
    /// Skip the step unless this holds.
    pub when: Option<WhenExpr>,
    /// Fail the attempt after this many milliseconds.
    pub timeout_ms: Option<u64>,
    /// Retries with backoff.
    pub retry: Retry,
    /// What to do once attempts are exhausted.
    pub on_fail: OnFail,
    /// Shell command that undoes this step (run during rollback).
    pub rollback: Option<Template>,
    /// Extra environment variables for the child.
    pub env: BTreeMap<String, Template>,
    /// Working directory for the child, relative to the project directory.
    pub dir: Option<Template>,
    /// Command run instead of the action in a dry run.
    pub dry_run: Option<Template>,
    /// Safe to run again after a crash without asking.
    pub idempotent: bool,
    /// The action.
    pub action: Action,
    /// 1-based line of the step's `[[steps]]` header in its file.
    pub line: u32,
}

impl Step {
    /// The title if set, else the id.
    pub fn label(&self) -> &str {
        self.title.as_deref().unwrap_or(&self.id)
    }
}

/// A workflow (or a task, when `is_task`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Workflow {
    /// Identifier: the file stem.
    pub name: String,
    /// One-line title.
    pub title: String,
    /// Whose menu it is on.
    pub persona: Persona,
    /// What it does, for the ledger.
    pub kind: WorkflowKind,
    /// A sentence or two for the menu.
    pub summary: String,
    /// Declared parameters, in file order.
    pub params: Vec<Param>,
    /// Ledger row written by a finished run, if it deploys.
    pub deployment: Option<DeploymentSpec>,
    /// The steps, in order.
    pub steps: Vec<Step>,
    /// The file it came from (`<builtin>/deploy.toml` for embedded ones).
    pub source: PathBuf,
    /// True for files under `workflows/tasks/`.
    pub is_task: bool,
}

impl Workflow {
    /// The parameter named `name`.
    pub fn param(&self, name: &str) -> Option<&Param> {
        self.params.iter().find(|p| p.name == name)
    }
}
