//! The context a step kind executes in: its scope for templates, its log, its outputs, and the
//! engine services it may call (run a shell command, wait at a gate, report progress).

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::Value;

use crate::engine::event::{EventKind, Stream};
use crate::engine::gate::ApproveSpec;
use crate::engine::logfile::LogFile;
use crate::engine::shared::Shared;
use crate::engine::{gate, process};
use crate::store::records::StepRecord;
use crate::store::{RunUpdate, StoreError};
use crate::time::now;
use crate::workflow::plan::PlanStep;
use crate::workflow::template::{Outputs, Scope, Template};

/// How one attempt of a step ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepOutcome {
    /// It did what it should.
    Succeeded,
    /// It failed; the text says why.
    Failed(String),
    /// A gate was rejected, missed its approvals or timed out.
    Rejected(String),
    /// The run was cancelled while it ran.
    Cancelled,
    /// A precondition refused it before it changed anything (an `iac` apply of a plan nobody
    /// approved): the step fails, is not retried, and the run exits 8 instead of 3.
    Refused(String),
}

impl StepOutcome {
    /// A failure with its reason.
    pub fn failed(message: impl Into<String>) -> Self {
        StepOutcome::Failed(message.into())
    }

    /// A refused precondition with its reason (the run exits 8).
    pub fn refused(message: impl Into<String>) -> Self {
        StepOutcome::Refused(message.into())
    }
}

/// What a step kind sees while it executes one attempt.
#[derive(Debug)]
pub struct StepCx {
    pub(crate) shared: Arc<Shared>,
    pub(crate) plan_step: PlanStep,
    pub(crate) record: StepRecord,
    pub(crate) outputs: Outputs,
    pub(crate) params: BTreeMap<String, Value>,
    pub(crate) env_vars: BTreeMap<String, Value>,
    pub(crate) deadline: Option<tokio::time::Instant>,
    pub(crate) log: LogFile,
    /// This execution is the step's rollback (its marker files are tagged `rollback`).
    pub(crate) rollback: bool,
    started: bool,
    /// Outputs this attempt wrote.
    pub step_outputs: BTreeMap<String, String>,
    /// Exit code of the process this attempt ran, if any.
    pub exit_code: Option<i32>,
    /// The secrets this step's templates name, read when it started (wiped on drop).
    pub(crate) secrets: crate::secrets::SecretValues,
}

impl StepCx {
    pub(crate) fn new(
        shared: Arc<Shared>,
        plan_step: PlanStep,
        record: StepRecord,
        outputs: Outputs,
        params: BTreeMap<String, Value>,
        log: LogFile,
    ) -> StepCx {
        let env_vars = shared.plan.environment.template_vars();
        StepCx {
            shared,
            plan_step,
            record,
            outputs,
            params,
            env_vars,
            deadline: None,
            log,
            rollback: false,
            started: false,
            step_outputs: BTreeMap::new(),
            exit_code: None,
            secrets: crate::secrets::SecretValues::default(),
        }
    }

    /// The step's full id.
    pub fn step_id(&self) -> &str {
        &self.plan_step.id
    }

    /// The attempt number (from 1).
    pub fn attempt(&self) -> u32 {
        self.record.attempt
    }

    /// The scope templates and `when` are evaluated in.
    pub fn scope(&self) -> Scope<'_> {
        Scope {
            params: &self.params,
            environment: &self.env_vars,
            outputs: &self.outputs,
            step_prefix: self.plan_step.call.as_ref().map(|c| c.id.as_str()),
            secrets: &self.secrets,
            run: &self.shared.run_vars,
        }
    }

    /// Renders a template as plain text.
    pub fn render(&self, t: &Template) -> Result<String, String> {
        t.render(&self.scope(), false).map_err(|e| format!("template {}: {e}", brief(t.source())))
    }

    /// Renders a template for a shell command line (values become quoted words).
    pub fn render_shell(&self, t: &Template) -> Result<String, String> {
        t.render(&self.scope(), true).map_err(|e| format!("template {}: {e}", brief(t.source())))
    }

    /// Runs a shell command as this attempt's process (see `engine::process`).
    pub async fn shell(&mut self, command: &str) -> StepOutcome {
        process::run_shell(self, command).await
    }

    /// Waits at an approval gate (see `engine::gate`).
    pub async fn gate(&mut self, spec: &ApproveSpec) -> StepOutcome {
        gate::run_gate(self, spec).await
    }

    /// Writes a line to the step's log and sends it to listeners.
    pub async fn log(&mut self, stream: Stream, line: String) {
        let line = self.shared.redact(line);
        self.log.write_line(&line);
        self.shared.emit_log(&self.plan_step.id, stream, line).await;
    }

    /// Sends kind-specific progress data.
    pub async fn progress(&self, data: Value) {
        self.shared.emit_progress(&self.plan_step.id, data).await;
    }

    /// Reports the attempt started (once), committing the record first (with a pid if it has one).
    pub async fn started(&mut self, detail: &str) -> Result<(), StoreError> {
        if self.started {
            return Ok(());
        }
        self.started = true;
        self.record.status = crate::engine::event::StepStatus::Running;
        self.record.started_at = Some(now());
        self.record.finished_at = None;
        let kind = EventKind::StepStarted {
            step: self.plan_step.id.clone(),
            attempt: self.record.attempt,
            detail: self.shared.redact(detail.to_string()),
        };
        let run = RunUpdate::status(crate::engine::event::RunStatus::Running);
        self.shared.emit(kind, Some(run), Some(&self.record)).await
    }

    /// True once [`started`](Self::started) has run.
    pub fn has_started(&self) -> bool {
        self.started
    }
}

/// A template's source for an error message: quoted, its first line only and at most 60
/// characters (a multi-line `run` would otherwise bury the reason).
fn brief(source: &str) -> String {
    let first = source.lines().next().unwrap_or("");
    let cut: String = first.chars().take(60).collect();
    if cut.len() < source.trim_end().len() { format!("{cut:?}…") } else { format!("{cut:?}") }
}

#[cfg(test)]
mod tests {
    use super::brief;

    #[test]
    fn an_error_quotes_a_long_template_by_its_first_line() {
        assert_eq!(brief("echo {{ environment.url }}"), "\"echo {{ environment.url }}\"");
        assert_eq!(brief("set -e\nsandbox ensure --url {{ environment.url }}\n"), "\"set -e\"…");
        let long = format!("echo {}", "x".repeat(100));
        assert_eq!(brief(&long), format!("{:?}…", &long[..60]));
    }
}
