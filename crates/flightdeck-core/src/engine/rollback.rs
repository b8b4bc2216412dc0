//! Rollback: the `rollback` commands of completed steps, newest first, then the end of the run. A
//! resumed rollback skips the steps already rolled back and finishes (records or adopts) the one that
//! was mid-flight: nothing is rolled back twice. A kind whose own rollback resumes
//! ([`StepKind::resumes_rollback`](crate::engine::StepKind::resumes_rollback), e.g. `rollout`) runs it
//! again to finish it; if that fails, the run stops interrupted with the kind's account of the
//! environment, and `flightdeck resume RUN` tries again.

use std::sync::Arc;

use crate::engine::EngineError;
use crate::engine::context::{StepCx, StepOutcome};
use crate::engine::event::{EventKind, RunStatus, StepStatus};
use crate::engine::kind::StepKinds;
use crate::engine::logfile::{DEFAULT_CAP, LogFile};
use crate::engine::markers::Resolution;
use crate::engine::runner::{End, Runner};
use crate::time::now;
use crate::workflow::plan::PlanStep;
use crate::workflow::template::Template;

/// True if step `ps` has something to undo: its `rollback` command, or its kind's own rollback.
fn undoable(kinds: StepKinds, ps: &PlanStep) -> bool {
    ps.step.rollback.is_some() || kinds.of(ps).is_some_and(crate::engine::StepKind::rolls_back)
}

/// True if step `ps` is undone by its kind, whose rollback may run again after a crash.
pub(crate) fn resumable(kinds: StepKinds, ps: &PlanStep) -> bool {
    ps.step.rollback.is_none() && kinds.of(ps).is_some_and(|k| k.rolls_back() && k.resumes_rollback())
}

/// How one step's rollback ended.
enum Undo {
    /// Recorded rolled back (true) or rollback-failed (false).
    Done(bool),
    /// The run must stop interrupted, with this message for the operator.
    Interrupted(String),
}

impl Runner {
    /// Runs the rollbacks of every completed step that has one, newest first.
    pub(crate) async fn rollback(&mut self, failure: &str) -> Result<End, EngineError> {
        let order: Vec<usize> = self
            .completed
            .iter()
            .rev()
            .copied()
            .filter(|&i| undoable(self.shared.kinds, &self.shared.plan.steps[i]))
            .collect();
        let ids = order.iter().map(|&i| self.shared.plan.steps[i].id.clone()).collect();
        self.shared.emit(EventKind::RollbackStarted { steps: ids }, None, None).await?;
        let mut failed = Vec::new();
        for i in order {
            if self.shared.cancel.is_cancelled() {
                return Ok(End {
                    status: RunStatus::Cancelled,
                    message: Some("cancelled during rollback".into()),
                });
            }
            match self.rollback_one(i).await? {
                Undo::Done(true) => {}
                Undo::Done(false) => failed.push(self.shared.plan.steps[i].id.clone()),
                Undo::Interrupted(message) => {
                    return Ok(End { status: RunStatus::Interrupted, message: Some(message) });
                }
            }
        }
        Ok(if failed.is_empty() {
            End { status: RunStatus::RolledBack, message: Some(format!("rolled back after: {failure}")) }
        } else {
            End {
                status: RunStatus::Failed,
                message: Some(format!("{failure}; rollback failed for: {}", failed.join(", "))),
            }
        })
    }

    /// Rolls back step `i`.
    async fn rollback_one(&mut self, i: usize) -> Result<Undo, EngineError> {
        let ps = self.shared.plan.steps[i].clone();
        let interrupted = self.records[i].status == StepStatus::Running;
        if let Some(settled) = self.settled(i, &ps).await? {
            return Ok(settled);
        }
        if !undoable(self.shared.kinds, &ps) {
            return Ok(Undo::Done(true));
        }
        let params = self.params_for(&ps).unwrap_or_default();
        let log_path = self.shared.store.log_dir(&self.shared.run_id).join(format!("{}.log", ps.id));
        let mut log = LogFile::open(&log_path, DEFAULT_CAP)
            .map_err(|source| EngineError::Log { path: log_path, source })?;
        log.write_line("── rollback ──");
        let record = self.records[i].clone();
        let mut cx =
            StepCx::new(Arc::clone(&self.shared), ps.clone(), record, self.outputs.clone(), params, log);
        cx.rollback = true;
        let outcome = match ps.step.rollback.clone() {
            Some(template) => self.rollback_command(&mut cx, &template).await?,
            None => self.rollback_kind(&mut cx, &ps).await?,
        };
        if !cx.has_started() {
            cx.started("rollback").await?;
        }
        if interrupted
            && resumable(self.shared.kinds, &ps)
            && let StepOutcome::Failed(m) = &outcome
        {
            // Left running: the next `resume` finishes this rollback instead of skipping it.
            return Ok(Undo::Interrupted(format!(
                "the rollback of step {} was interrupted when the previous process died and could not be \
                 finished now: {m}\n  fix the cause, then finish it with `flightdeck resume {}`",
                ps.id, self.shared.run_id
            )));
        }
        self.rollback_done(i, &ps, cx, &outcome).await.map(Undo::Done)
    }

    /// What earlier lives settled about step `i`'s rollback, or `None` when it must run now.
    async fn settled(&mut self, i: usize, ps: &PlanStep) -> Result<Option<Undo>, EngineError> {
        match self.records[i].status {
            StepStatus::RolledBack => Ok(Some(Undo::Done(true))),
            StepStatus::RollbackFailed => Ok(Some(Undo::Done(false))),
            // The kind finds what its interrupted rollback already did and finishes the rest, from
            // the outputs its forward attempt recorded (kept on the record while it rolls back).
            StepStatus::Running if resumable(self.shared.kinds, ps) => {
                if !self.outputs.contains_key(&ps.id)
                    && let Ok(o) = serde_json::from_str(&self.records[i].outputs_json)
                {
                    self.outputs.insert(ps.id.clone(), o);
                }
                Ok(None)
            }
            StepStatus::Running => match self.resolution(i, true) {
                Resolution::Confirm if !self.shared.plan.options.yes || self.shared.await_confirmation => {
                    Ok(Some(Undo::Interrupted(format!(
                        "the rollback of step {} was running when the previous process died and it \
                         is not idempotent; confirm its re-run with `flightdeck resume --yes`",
                        ps.id
                    ))))
                }
                Resolution::Run | Resolution::Confirm => Ok(None),
                found => {
                    let (outcome, cx) = self.recovered(i, ps, found, true).await?;
                    self.rollback_done(i, ps, cx, &outcome).await.map(|ok| Some(Undo::Done(ok)))
                }
            },
            _ => Ok(None),
        }
    }

    /// A step's own `rollback` command.
    async fn rollback_command(
        &self,
        cx: &mut StepCx,
        template: &Template,
    ) -> Result<StepOutcome, EngineError> {
        let dry = self.shared.plan.options.mode == crate::workflow::plan::Mode::DryRun;
        // A rollback command reads the secrets it names anew; one that fails shows in the render error.
        let _ = cx.load_secrets().await;
        Ok(match cx.render_shell(template) {
            Ok(cmd) if dry => {
                cx.started(&format!("rollback (dry run, not run): {cmd}")).await?;
                StepOutcome::Succeeded
            }
            // A dry run skipped the steps whose outputs the command names: show it as written.
            Err(_) if dry => {
                cx.started(&format!("rollback (dry run, not run): {}", template.source())).await?;
                StepOutcome::Succeeded
            }
            Ok(cmd) => cx.shell(&cmd).await,
            Err(e) => StepOutcome::failed(e),
        })
    }

    /// The rollback of the step's kind itself (a `rollout` puts the previous version back).
    async fn rollback_kind(&self, cx: &mut StepCx, ps: &PlanStep) -> Result<StepOutcome, EngineError> {
        let Some(kind) = self.shared.kinds.of(ps) else { return Ok(StepOutcome::Succeeded) };
        if self.shared.plan.options.mode == crate::workflow::plan::Mode::DryRun {
            cx.started(&format!("rollback (dry run, not run): undo {}", kind.describe(&ps.step.action.spec)))
                .await?;
            return Ok(StepOutcome::Succeeded);
        }
        if let Err(e) = cx.load_secrets().await {
            return Ok(StepOutcome::failed(e));
        }
        Ok(kind.rollback(&ps.step.action.spec, cx).await)
    }

    /// Records how step `i`'s rollback ended; true if it succeeded.
    async fn rollback_done(
        &mut self,
        i: usize,
        ps: &PlanStep,
        cx: StepCx,
        outcome: &StepOutcome,
    ) -> Result<bool, EngineError> {
        let ok = *outcome == StepOutcome::Succeeded;
        let mut record = cx.record;
        record.status = if ok { StepStatus::RolledBack } else { StepStatus::RollbackFailed };
        record.finished_at = Some(now());
        record.message = match outcome {
            StepOutcome::Failed(m) | StepOutcome::Rejected(m) | StepOutcome::Refused(m) => {
                Some(format!("rollback failed: {m}"))
            }
            StepOutcome::Cancelled => Some("rollback cancelled".into()),
            StepOutcome::Succeeded => Some("rolled back".into()),
        };
        let kind = EventKind::StepFinished {
            step: ps.id.clone(),
            attempt: record.attempt,
            status: record.status,
            exit_code: cx.exit_code,
            duration_ms: record.started_at.map_or(0, |s| now().millis_since(s)),
            outputs: cx.step_outputs,
            message: record.message.clone(),
        };
        self.records[i] = record;
        self.shared.emit(kind, None, Some(&self.records[i])).await?;
        Ok(ok)
    }
}
