//! The run loop: the announcement, steps in order (each in [`crate::engine::attempt`]: `when`
//! skipping, dry runs, attempts with retries and backoff, timeouts), what a failure leads to, the
//! parameters and scope a step sees, and the end of the run (ledger row, final event, audit).

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::engine::event::{Event, EventKind, FailureAction, RunStatus, StepInfo, StepStatus};
use crate::engine::markers::Resolution;
use crate::engine::shared::Shared;
use crate::engine::start::initial_records;
use crate::engine::{EngineError, RunSpec, Stamped, Summary};
use crate::store::RunLock;
use crate::store::records::StepRecord;
use crate::workflow::model::OnFail;
use crate::workflow::plan::PlanStep;
use crate::workflow::template::{Outputs, Scope};

/// How the step loop ended.
pub(crate) struct End {
    pub status: RunStatus,
    pub message: Option<String>,
}

/// How the message of a step that ended [`StepOutcome::Refused`](crate::engine::context::StepOutcome::Refused) starts (stored with the step, so a
/// resumed run still knows it was refused).
pub(crate) const REFUSED: &str = "precondition refused: ";

/// How one step ended (after its retries).
pub(crate) enum StepEnd {
    Done,
    Failed(String),
    Rejected(String),
    Cancelled,
    /// The step could not be finished now and stays running: the run stops interrupted.
    Interrupted(String),
}

/// One run's executor state.
pub(crate) struct Runner {
    pub shared: Arc<Shared>,
    pub records: Vec<StepRecord>,
    pub outputs: Outputs,
    /// Steps that succeeded, in the order they did (rollback runs them in reverse).
    pub completed: Vec<usize>,
    /// A step ended [`StepOutcome::Refused`](crate::engine::context::StepOutcome::Refused): a failed run exits 8 (a precondition refused).
    pub refused: bool,
    task_params: BTreeMap<String, BTreeMap<String, Value>>,
    _lock: RunLock,
}

impl Runner {
    pub fn new(
        spec: RunSpec,
        events: mpsc::Sender<Event>,
        decisions: mpsc::Receiver<Stamped>,
        cancel: CancellationToken,
    ) -> Runner {
        let shared = Shared::new(&spec, events, decisions, cancel);
        let records = initial_records(&spec);
        let mut outputs = Outputs::new();
        let mut completed = Vec::new();
        for (i, r) in records.iter().enumerate() {
            if r.status == StepStatus::Succeeded {
                completed.push(i);
            }
            if r.status.is_done()
                && let Ok(o) = serde_json::from_str::<BTreeMap<String, String>>(&r.outputs_json)
            {
                outputs.insert(r.step.clone(), o);
            }
        }
        Runner {
            shared,
            records,
            outputs,
            completed,
            refused: false,
            task_params: BTreeMap::new(),
            _lock: spec.lock,
        }
    }

    pub async fn run(mut self) -> Result<Summary, EngineError> {
        self.announce().await?;
        if let Some(end) = self.precheck_secrets().await {
            return self.finish(end).await;
        }
        let end = match self.interrupted_rollback() {
            Some(failure) => self.rollback(&failure).await?,
            None => self.steps().await?,
        };
        self.finish(end).await
    }

    async fn announce(&mut self) -> Result<(), EngineError> {
        let plan = Arc::clone(&self.shared.plan);
        let steps = plan
            .steps
            .iter()
            .zip(&self.records)
            .map(|(ps, r)| StepInfo {
                id: ps.id.clone(),
                label: ps.label(),
                kind: ps.step.action.kind.clone(),
                group: ps.call.as_ref().map(|c| c.id.clone()),
                status: r.status,
            })
            .collect();
        let kind = EventKind::RunStarted {
            workflow: plan.workflow.clone(),
            environment: plan.environment.name.clone(),
            mode: plan.options.mode.as_str().to_string(),
            operator: self.shared.operator.name.clone(),
            steps,
        };
        self.shared
            .emit(kind, Some(crate::store::RunUpdate::status(crate::engine::event::RunStatus::Running)), None)
            .await?;
        // `run.start`, with the plan hash, was written with the run (`prepare_run`).
        if self.shared.life > 1 {
            let detail = json!({ "life": self.shared.life, "mode": plan.options.mode.as_str(), "params": plan.params });
            self.shared.audit("run.resume", detail).await?;
        }
        Ok(())
    }

    async fn steps(&mut self) -> Result<End, EngineError> {
        let mut i = 0;
        while i < self.records.len() {
            if self.records[i].status.is_done() {
                i += 1;
                continue;
            }
            let mut recovered = None;
            if self.shared.life > 1 && self.records[i].status == StepStatus::Running {
                match self.resolution(i, false) {
                    Resolution::Run => {}
                    Resolution::Confirm => {
                        if let Some(end) = self.confirm_rerun(i).await? {
                            return Ok(end);
                        }
                    }
                    found => recovered = Some(found),
                }
            }
            let failure = match self.step(i, recovered).await? {
                StepEnd::Done => {
                    i += 1;
                    continue;
                }
                StepEnd::Rejected(m) => return Ok(End { status: RunStatus::Rejected, message: Some(m) }),
                StepEnd::Cancelled => return Ok(cancelled()),
                StepEnd::Interrupted(m) => {
                    return Ok(End { status: RunStatus::Interrupted, message: Some(m) });
                }
                StepEnd::Failed(m) => m,
            };
            match self.on_failure(i, &failure).await? {
                FailureAction::Retry => {}
                FailureAction::Skip => {
                    self.mark_skipped(i, "skipped by the operator after failing").await?;
                    i += 1;
                }
                FailureAction::Rollback => return self.rollback(&failure).await,
                FailureAction::Abort if self.shared.cancel.is_cancelled() => return Ok(cancelled()),
                FailureAction::Abort => {
                    if self.shared.plan.steps[i].step.on_fail == OnFail::Continue
                        && !self.shared.plan.options.interactive
                    {
                        i += 1;
                        continue;
                    }
                    let label = self.shared.plan.steps[i].id.clone();
                    return Ok(End {
                        status: RunStatus::Failed,
                        message: Some(format!("step {label} failed: {failure}")),
                    });
                }
            }
        }
        Ok(End { status: RunStatus::Succeeded, message: None })
    }

    /// The parameters a step sees: the run's, or its task call's inputs rendered in the caller's scope.
    pub(crate) fn params_for(&mut self, ps: &PlanStep) -> Result<BTreeMap<String, Value>, String> {
        let Some(call) = &ps.call else { return Ok(self.shared.plan.params.clone()) };
        if let Some(p) = self.task_params.get(&call.id) {
            return Ok(p.clone());
        }
        let env = self.shared.plan.environment.template_vars();
        let scope = self.caller_scope(&env);
        let mut params = call.defaults.clone();
        for (k, t) in &call.with {
            let v = t.render(&scope, false).map_err(|e| format!("task input {k}: {e}"))?;
            params.insert(k.clone(), Value::String(v));
        }
        self.task_params.insert(call.id.clone(), params.clone());
        Ok(params)
    }

    fn caller_scope<'a>(&'a self, env: &'a BTreeMap<String, Value>) -> Scope<'a> {
        Scope {
            params: &self.shared.plan.params,
            environment: env,
            outputs: &self.outputs,
            step_prefix: None,
            secrets: &self.shared.secrets,
            run: &self.shared.run_vars,
        }
    }

    pub(crate) fn skip_reason(&self, ps: &PlanStep, params: &BTreeMap<String, Value>) -> Option<String> {
        let env = self.shared.plan.environment.template_vars();
        if let Some(w) = ps.call.as_ref().and_then(|c| c.when.as_ref())
            && !w.eval(&self.caller_scope(&env))
        {
            return Some(format!("when `{}` is false", w.source()));
        }
        let w = ps.step.when.as_ref()?;
        let scope =
            Scope { params, step_prefix: ps.call.as_ref().map(|c| c.id.as_str()), ..self.caller_scope(&env) };
        (!w.eval(&scope)).then(|| format!("when `{}` is false", w.source()))
    }
}

fn cancelled() -> End {
    End { status: RunStatus::Cancelled, message: Some("cancelled by the operator".into()) }
}
