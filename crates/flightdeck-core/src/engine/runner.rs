//! The run loop: steps in order, `when` skipping, dry runs, attempts with retries and backoff,
//! timeouts, failure handling, and the end of the run (ledger row, final event, audit).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::engine::context::{StepCx, StepOutcome};
use crate::engine::event::{Event, EventKind, FailureAction, RunStatus, StepInfo, StepStatus};
use crate::engine::logfile::{DEFAULT_CAP, LogFile};
use crate::engine::markers::Resolution;
use crate::engine::shared::Shared;
use crate::engine::start::initial_records;
use crate::engine::{EngineError, RunSpec, Stamped, Summary};
use crate::store::RunLock;
use crate::store::records::StepRecord;
use crate::time::now;
use crate::workflow::model::OnFail;
use crate::workflow::plan::{Mode, PlanStep};
use crate::workflow::template::{Outputs, Scope};

/// How the step loop ended.
pub(crate) struct End {
    pub status: RunStatus,
    pub message: Option<String>,
}

/// How the message of a step that ended [`StepOutcome::Refused`] starts (stored with the step, so a
/// resumed run still knows it was refused).
pub(crate) const REFUSED: &str = "precondition refused: ";

/// How one step ended (after its retries).
pub(crate) enum StepEnd {
    Done,
    Failed(String),
    Rejected(String),
    Cancelled,
}

/// One run's executor state.
pub(crate) struct Runner {
    pub shared: Arc<Shared>,
    pub records: Vec<StepRecord>,
    pub outputs: Outputs,
    /// Steps that succeeded, in the order they did (rollback runs them in reverse).
    pub completed: Vec<usize>,
    /// A step ended [`StepOutcome::Refused`]: a failed run exits 8 (a precondition refused).
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

    /// Executes step `i` with its retries; `recovered` finishes first what an earlier life started.
    async fn step(&mut self, i: usize, recovered: Option<Resolution>) -> Result<StepEnd, EngineError> {
        let ps = self.shared.plan.steps[i].clone();
        let params = match self.params_for(&ps) {
            Ok(p) => p,
            Err(e) => return self.fail_without_start(i, e).await,
        };
        if recovered.is_none()
            && let Some(reason) = self.skip_reason(&ps, &params)
        {
            self.mark_skipped(i, &reason).await?;
            return Ok(StepEnd::Done);
        }
        let retry = ps.step.retry;
        let mut retries_used = 0;
        let mut recovered = recovered;
        loop {
            let (outcome, cx) = match recovered.take() {
                Some(r) => {
                    retries_used = self.records[i].attempt.saturating_sub(1);
                    self.recovered(i, &ps, r, false).await?
                }
                None => self.attempt(i, &ps, &params).await?,
            };
            let StepOutcome::Failed(msg) = outcome else {
                return self.conclude(i, cx, outcome).await;
            };
            if retries_used >= retry.count || self.shared.cancel.is_cancelled() {
                return self.conclude(i, cx, StepOutcome::Failed(msg)).await;
            }
            retries_used += 1;
            let delay = retry.delay_ms(retries_used);
            self.records[i] = cx.record;
            let kind = EventKind::StepRetrying {
                step: ps.id.clone(),
                attempt: self.records[i].attempt,
                delay_ms: delay,
                error: msg,
            };
            self.shared.emit(kind, None, Some(&self.records[i])).await?;
            tokio::select! {
                () = tokio::time::sleep(Duration::from_millis(delay)) => {}
                () = self.shared.cancel.cancelled() => {}
            }
        }
    }

    /// One attempt: a fresh context, the kind's execution (or the dry-run command), under the timeout.
    async fn attempt(
        &mut self,
        i: usize,
        ps: &PlanStep,
        params: &BTreeMap<String, Value>,
    ) -> Result<(StepOutcome, StepCx), EngineError> {
        let mut record = self.records[i].clone();
        record.attempt += 1;
        record.exit_code = None;
        record.message = None;
        let log_path = self.shared.store.log_dir(&self.shared.run_id).join(format!("{}.log", ps.id));
        record.log_path = Some(log_path.display().to_string());
        let mut log = LogFile::open(&log_path, DEFAULT_CAP)
            .map_err(|source| EngineError::Log { path: log_path.clone(), source })?;
        if record.attempt > 1 {
            log.write_line(&format!("── attempt {} ──", record.attempt));
        }
        let mut cx = StepCx::new(
            Arc::clone(&self.shared),
            ps.clone(),
            record,
            self.outputs.clone(),
            params.clone(),
            log,
        );
        cx.deadline = ps.step.timeout_ms.map(|ms| tokio::time::Instant::now() + Duration::from_millis(ms));
        let outcome = self.execute(ps, &mut cx).await;
        if !cx.has_started() {
            cx.started(&self.shared.kinds.describe(ps)).await?;
        }
        Ok((outcome, cx))
    }

    async fn execute(&self, ps: &PlanStep, cx: &mut StepCx) -> StepOutcome {
        let Some(kind) = self.shared.kinds.of(ps) else {
            return StepOutcome::failed(format!("unknown step kind {:?}", ps.step.action.kind));
        };
        if let Err(e) = cx.load_secrets().await {
            return StepOutcome::failed(e);
        }
        if self.shared.plan.options.mode == Mode::DryRun && kind.mutates() {
            return match &ps.step.dry_run {
                Some(t) => match cx.render_shell(t) {
                    Ok(cmd) => cx.shell(&cmd).await,
                    Err(e) => StepOutcome::failed(e),
                },
                None => StepOutcome::Succeeded,
            };
        }
        kind.execute(&ps.step.action.spec, cx).await
    }

    /// Records the final outcome of a step's attempts.
    async fn conclude(&mut self, i: usize, cx: StepCx, outcome: StepOutcome) -> Result<StepEnd, EngineError> {
        let mut record = cx.record;
        record.finished_at = Some(now());
        record.exit_code = cx.exit_code;
        record.outputs_json = serde_json::to_string(&cx.step_outputs).unwrap_or_else(|_| "{}".into());
        let dry_skip = self.shared.plan.options.mode == Mode::DryRun
            && cx.plan_step.step.dry_run.is_none()
            && self.shared.kinds.of(&cx.plan_step).is_some_and(crate::engine::ActionKind::mutates);
        let (status, end, message) = match outcome {
            StepOutcome::Succeeded if dry_skip => (
                StepStatus::Skipped,
                StepEnd::Done,
                Some(format!("dry run: would {}", self.shared.kinds.describe(&cx.plan_step))),
            ),
            StepOutcome::Succeeded => (StepStatus::Succeeded, StepEnd::Done, None),
            StepOutcome::Failed(m) => (StepStatus::Failed, StepEnd::Failed(m.clone()), Some(m)),
            StepOutcome::Rejected(m) => (StepStatus::Failed, StepEnd::Rejected(m.clone()), Some(m)),
            StepOutcome::Refused(m) => {
                self.refused = true;
                let m = format!("{REFUSED}{m}");
                (StepStatus::Failed, StepEnd::Failed(m.clone()), Some(m))
            }
            StepOutcome::Cancelled => (StepStatus::Cancelled, StepEnd::Cancelled, Some("cancelled".into())),
        };
        if let Some(e) = &cx.log.error {
            self.shared.emit_log(&record.step, crate::engine::event::Stream::System, e.clone()).await;
        }
        record.status = status;
        record.message.clone_from(&message);
        if status == StepStatus::Succeeded {
            self.completed.push(i);
            self.outputs.insert(record.step.clone(), cx.step_outputs.clone());
        }
        let duration_ms = match (record.started_at, record.finished_at) {
            (Some(s), Some(f)) => f.millis_since(s),
            _ => 0,
        };
        let kind = EventKind::StepFinished {
            step: record.step.clone(),
            attempt: record.attempt,
            status,
            exit_code: record.exit_code,
            duration_ms,
            outputs: cx.step_outputs,
            message,
        };
        self.records[i] = record;
        self.shared.emit(kind, None, Some(&self.records[i])).await?;
        Ok(end)
    }

    async fn fail_without_start(&mut self, i: usize, message: String) -> Result<StepEnd, EngineError> {
        let ps = self.shared.plan.steps[i].clone();
        let (_, cx) = (StepOutcome::Succeeded, self.bare_cx(i, &ps)?);
        let mut cx = cx;
        cx.started(&self.shared.kinds.describe(&ps)).await?;
        self.conclude(i, cx, StepOutcome::Failed(message)).await
    }

    fn bare_cx(&self, i: usize, ps: &PlanStep) -> Result<StepCx, EngineError> {
        let mut record = self.records[i].clone();
        record.attempt += 1;
        let log_path = self.shared.store.log_dir(&self.shared.run_id).join(format!("{}.log", ps.id));
        let log = LogFile::open(&log_path, DEFAULT_CAP)
            .map_err(|source| EngineError::Log { path: log_path, source })?;
        Ok(StepCx::new(
            Arc::clone(&self.shared),
            ps.clone(),
            record,
            self.outputs.clone(),
            BTreeMap::new(),
            log,
        ))
    }

    pub(crate) async fn mark_skipped(&mut self, i: usize, reason: &str) -> Result<(), EngineError> {
        let record = &mut self.records[i];
        record.status = StepStatus::Skipped;
        record.message = Some(reason.to_string());
        record.finished_at = Some(now());
        let kind = EventKind::StepFinished {
            step: record.step.clone(),
            attempt: record.attempt,
            status: StepStatus::Skipped,
            exit_code: None,
            duration_ms: 0,
            outputs: BTreeMap::new(),
            message: Some(reason.to_string()),
        };
        self.shared.emit(kind, None, Some(&self.records[i])).await?;
        Ok(())
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

    fn skip_reason(&self, ps: &PlanStep, params: &BTreeMap<String, Value>) -> Option<String> {
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
