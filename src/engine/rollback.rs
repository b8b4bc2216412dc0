//! Rollback: the `rollback` commands of completed steps, newest first, then the end of the run.

use std::sync::Arc;

use crate::engine::EngineError;
use crate::engine::context::{StepCx, StepOutcome};
use crate::engine::event::{EventKind, RunStatus, StepStatus};
use crate::engine::logfile::{DEFAULT_CAP, LogFile};
use crate::engine::runner::{End, Runner};
use crate::time::now;

impl Runner {
    /// Runs the rollbacks of every completed step that has one, newest first.
    pub(crate) async fn rollback(&mut self, failure: &str) -> Result<End, EngineError> {
        let order: Vec<usize> = self
            .completed
            .iter()
            .rev()
            .copied()
            .filter(|&i| self.shared.plan.steps[i].step.rollback.is_some())
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
            if !self.rollback_one(i).await? {
                failed.push(self.shared.plan.steps[i].id.clone());
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

    async fn rollback_one(&mut self, i: usize) -> Result<bool, EngineError> {
        let ps = self.shared.plan.steps[i].clone();
        let Some(template) = ps.step.rollback.clone() else { return Ok(true) };
        let params = self.params_for(&ps).unwrap_or_default();
        let log_path = self.shared.store.log_dir(&self.shared.run_id).join(format!("{}.log", ps.id));
        let mut log = LogFile::open(&log_path, DEFAULT_CAP)
            .map_err(|source| EngineError::Log { path: log_path, source })?;
        log.write_line("── rollback ──");
        let record = self.records[i].clone();
        let mut cx =
            StepCx::new(Arc::clone(&self.shared), ps.clone(), record, self.outputs.clone(), params, log);
        let dry = self.shared.plan.options.mode == crate::workflow::plan::Mode::DryRun;
        // A rollback command reads the secrets it names anew; one that fails shows in the render error.
        let _ = cx.load_secrets().await;
        let outcome = match cx.render_shell(&template) {
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
        };
        if !cx.has_started() {
            cx.started("rollback").await?;
        }
        let ok = outcome == StepOutcome::Succeeded;
        let mut record = cx.record;
        record.status = if ok { StepStatus::RolledBack } else { StepStatus::RollbackFailed };
        record.finished_at = Some(now());
        record.message = match outcome {
            StepOutcome::Failed(m) | StepOutcome::Rejected(m) => Some(format!("rollback failed: {m}")),
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
