//! One step of a run: its attempts with retries and backoff, each in a fresh context under the
//! step's timeout (the kind's execution, or the dry-run command), and the record of how it ended
//! (committed with its `StepFinished` event); a skipped step and one that failed before it started.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use crate::engine::EngineError;
use crate::engine::context::{StepCx, StepOutcome};
use crate::engine::event::{EventKind, StepStatus};
use crate::engine::logfile::{DEFAULT_CAP, LogFile};
use crate::engine::markers::Resolution;
use crate::engine::runner::{REFUSED, Runner, StepEnd};
use crate::time::now;
use crate::workflow::plan::{Mode, PlanStep};

impl Runner {
    /// Executes step `i` with its retries; `recovered` finishes first what an earlier life started.
    pub(crate) async fn step(
        &mut self,
        i: usize,
        recovered: Option<Resolution>,
    ) -> Result<StepEnd, EngineError> {
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
            if crate::engine::markers::kind_resumes(cx.record.log_path.as_deref()) {
                return Ok(self.left_unfinished(i, cx, &msg).await);
            }
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
            // A full disk is named, with what to do (the step's output after the error is lost).
            let log_dir = self.shared.store.log_dir(&self.shared.run_id);
            let line = match crate::store::space::full_disk_hint(&log_dir) {
                Some(hint) => format!("{e}; {hint}"),
                None => e.clone(),
            };
            self.shared.emit_log(&record.step, crate::engine::event::Stream::System, line).await;
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
        // The end is committed: the attempt's state file can serve the next execution.
        if let Some(log) = &self.records[i].log_path {
            crate::engine::markers::Markers::new(Path::new(log), &self.records[i].attempt.to_string())
                .recycle();
        }
        Ok(end)
    }

    /// The kind failed and kept its resume file: it could not finish what an earlier life left (a
    /// rollout's restore after a crash). The step stays running and the run stops interrupted, so
    /// the operator knows the environment was not put back and `flightdeck resume RUN` tries again.
    async fn left_unfinished(&mut self, i: usize, cx: StepCx, msg: &str) -> StepEnd {
        let step = cx.record.step.clone();
        let message = format!(
            "step {step} could not finish what the previous process left, so it was not undone: {msg}\n  \
             fix the cause, then finish it with `flightdeck resume {}`",
            self.shared.run_id
        );
        self.shared.emit_log(&step, crate::engine::event::Stream::System, message.clone()).await;
        self.records[i] = cx.record;
        StepEnd::Interrupted(message)
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
}
