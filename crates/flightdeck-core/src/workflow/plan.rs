//! The plan a run executes: a workflow with its tasks expanded, its parameters checked and typed,
//! its environment and its options fixed. A plan is stored with the run (as JSON), so `resume` runs
//! what was planned even if the files changed since.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::config::Environment;
use crate::workflow::catalog::Catalog;
use crate::workflow::diag::nearest;
use crate::workflow::expr::WhenExpr;
use crate::workflow::model::{DeploymentSpec, Param, ParamType, Persona, Step, Workflow, WorkflowKind};
use crate::workflow::template::Template;

mod params;

pub use params::{coerce_param, render_default, resolve_default};

/// How a run asks people.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Prompts at gates and on failure.
    #[default]
    Interactive,
    /// `--yes`: the operator's one approval is given up front; failures follow `on_fail`.
    Automated,
    /// Nothing that changes anything runs; steps with `dry_run` run that instead.
    DryRun,
    /// Fewer prompts; every bypass audited with the reason.
    Emergency,
}

impl Mode {
    /// The word shown and stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Interactive => "interactive",
            Mode::Automated => "automated",
            Mode::DryRun => "dry_run",
            Mode::Emergency => "emergency",
        }
    }
}

/// Options fixed when the run starts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct RunOptions {
    /// The mode.
    pub mode: Mode,
    /// `--yes`: supplies the operator's one approval to each gate and confirms re-runs.
    pub yes: bool,
    /// Someone can answer prompts (a terminal or the console).
    pub interactive: bool,
    /// Without a terminal, wait for `flightdeck approve` instead of rejecting.
    pub wait_approvals: bool,
    /// Why emergency mode was used (required with it).
    pub emergency_reason: Option<String>,
}

/// A `uses` step's call of a task, shared by the task's expanded steps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskCall {
    /// The `uses` step's id (the prefix of the expanded ids).
    pub id: String,
    /// The task's name.
    pub task: String,
    /// Inputs, as templates rendered in the caller's scope.
    pub with: BTreeMap<String, Template>,
    /// The task's parameter defaults.
    pub defaults: BTreeMap<String, Value>,
    /// The `uses` step's `when`, which gates every step of the task.
    pub when: Option<WhenExpr>,
}

/// One step of a plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanStep {
    /// Full id: the step id, or `USES.TASKSTEP` inside a task.
    pub id: String,
    /// The task call this step belongs to.
    pub call: Option<TaskCall>,
    /// The step as written (ids inside are the task's own).
    pub step: Step,
}

impl PlanStep {
    /// The display label: the step's title or id, prefixed by the task call.
    pub fn label(&self) -> String {
        match &self.call {
            Some(c) => format!("{} › {}", c.id, self.step.label()),
            None => self.step.label().to_string(),
        }
    }
}

/// What a run executes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// Workflow name.
    pub workflow: String,
    /// Workflow title.
    pub title: String,
    /// Workflow kind.
    pub kind: WorkflowKind,
    /// Persona.
    pub persona: Persona,
    /// The environment and its policy.
    pub environment: Environment,
    /// Typed parameter values.
    pub params: BTreeMap<String, Value>,
    /// Options.
    pub options: RunOptions,
    /// Steps with tasks expanded.
    pub steps: Vec<PlanStep>,
    /// Ledger row to write when it finishes.
    pub deployment: Option<DeploymentSpec>,
    /// Working directory for commands.
    pub project_dir: PathBuf,
    /// The data directory (for `run.data_dir`).
    pub data_dir: PathBuf,
}

/// Why a plan could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// A parameter is missing, unknown or has a bad value.
    #[error("parameter {name:?}: {message}")]
    Param {
        /// The parameter.
        name: String,
        /// What is wrong and what to do.
        message: String,
    },
    /// A `uses` names a task that is not in the catalogue.
    #[error("step {step:?} uses unknown task {task:?}")]
    UnknownTask {
        /// The step.
        step: String,
        /// The task.
        task: String,
    },
    /// The options contradict the environment's policy.
    #[error("{0}")]
    Policy(String),
}

/// Inputs for [`build`].
#[derive(Debug, Clone)]
pub struct PlanRequest<'a> {
    /// The workflow.
    pub workflow: &'a Workflow,
    /// The environment.
    pub environment: &'a Environment,
    /// Parameter values as typed by the user (`-p key=value`).
    pub params: &'a BTreeMap<String, String>,
    /// Options.
    pub options: RunOptions,
    /// Project directory.
    pub project_dir: PathBuf,
    /// Data directory.
    pub data_dir: PathBuf,
}

/// Builds a plan: checks and types the parameters, checks the policy, expands tasks.
pub fn build(req: PlanRequest<'_>, catalog: &Catalog) -> Result<Plan, PlanError> {
    let wf = req.workflow;
    let mut params = params::resolve(&wf.params, req.params)?;
    // Defaults may name the environment (`{{ environment.name }}-latest`); given values never render.
    let env_vars = req.environment.template_vars();
    // A default that cannot be resolved before the run never reaches it as its literal text.
    for (name, value) in &mut params {
        if !req.params.contains_key(name) {
            *value = resolve_default(value, &env_vars).map_err(|why| PlanError::Param {
                name: name.clone(),
                message: format!(
                    "its default {} cannot be resolved: {why}; give it with -p {name}=VALUE",
                    crate::workflow::template::value_text(value)
                ),
            })?;
        }
    }
    check_policy(req.environment, &req.options)?;
    let mut steps = Vec::new();
    for step in &wf.steps {
        if step.action.kind == "uses" {
            steps.extend(expand(step, catalog)?);
        } else {
            steps.push(PlanStep { id: step.id.clone(), call: None, step: step.clone() });
        }
    }
    Ok(Plan {
        workflow: wf.name.clone(),
        title: wf.title.clone(),
        kind: wf.kind,
        persona: wf.persona,
        environment: req.environment.clone(),
        params,
        options: req.options,
        steps,
        deployment: wf.deployment.clone(),
        project_dir: req.project_dir,
        data_dir: req.data_dir,
    })
}

fn check_policy(env: &Environment, opts: &RunOptions) -> Result<(), PlanError> {
    if env.read_only && opts.mode != Mode::DryRun {
        return Err(PlanError::Policy(format!(
            "environment {:?} is read-only: only --dry-run may start there",
            env.name
        )));
    }
    if opts.mode == Mode::Emergency && opts.emergency_reason.as_deref().is_none_or(|r| r.trim().is_empty()) {
        return Err(PlanError::Policy("emergency mode needs a reason: --emergency \"why\"".into()));
    }
    Ok(())
}

fn expand(step: &Step, catalog: &Catalog) -> Result<Vec<PlanStep>, PlanError> {
    let task_name = step.action.spec.get("task").and_then(Value::as_str).unwrap_or_default();
    let task = catalog
        .tasks
        .get(task_name)
        .ok_or_else(|| PlanError::UnknownTask { step: step.id.clone(), task: task_name.to_string() })?;
    let with: BTreeMap<String, Template> = step
        .action
        .spec
        .get("with")
        .and_then(Value::as_object)
        .map(|m| m.iter().filter_map(|(k, v)| Some((k.clone(), Template::new(v.as_str()?)))).collect())
        .unwrap_or_default();
    let defaults = task.params.iter().filter_map(|p| Some((p.name.clone(), p.default.clone()?))).collect();
    let call =
        TaskCall { id: step.id.clone(), task: task.name.clone(), with, defaults, when: step.when.clone() };
    Ok(task
        .steps
        .iter()
        .map(|s| PlanStep { id: format!("{}.{}", step.id, s.id), call: Some(call.clone()), step: s.clone() })
        .collect())
}

/// The names of `params`, for messages.
fn param_names(params: &[Param]) -> Vec<&str> {
    params.iter().map(|p| p.name.as_str()).collect()
}

/// Describes a parameter's type for help text.
pub fn type_hint(p: &Param) -> String {
    match &p.ty {
        ParamType::String => {
            p.pattern.as_ref().map_or_else(|| "text".into(), |pat| format!("text matching {pat}"))
        }
        ParamType::Choice { choices } => format!("one of {}", choices.join(", ")),
        ParamType::Bool => "true or false".into(),
        ParamType::Number => "a number".into(),
    }
}

fn unknown_param(name: &str, params: &[Param]) -> PlanError {
    let names = param_names(params);
    let hint = nearest(name, &names).map(|n| format!("did you mean {n:?}? ")).unwrap_or_default();
    PlanError::Param {
        name: name.to_string(),
        message: format!("not a parameter of this workflow; {hint}parameters: {}", names.join(", ")),
    }
}
