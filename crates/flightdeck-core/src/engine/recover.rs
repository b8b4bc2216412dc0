//! What a resumed run does with the work an earlier process left mid-flight: a step whose process
//! finished, is still running, never began, or is unknown (the table in [`crate::engine::markers`]),
//! and a rollback that was interrupted, which continues where it stopped.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use crate::engine::EngineError;
use crate::engine::context::{StepCx, StepOutcome};
use crate::engine::event::{EventKind, StepStatus};
use crate::engine::logfile::{DEFAULT_CAP, LogFile};
use crate::engine::markers::{Markers, Resolution, decide};
use crate::engine::process;
use crate::engine::runner::Runner;
use crate::workflow::plan::PlanStep;

impl Runner {
    /// The resume decision for step `i`, stored as running by an earlier life: its forward attempt,
    /// or its rollback when `rollback` is set.
    pub(crate) fn resolution(&self, i: usize, rollback: bool) -> Resolution {
        let ps = &self.shared.plan.steps[i];
        let r = &self.records[i];
        let tag = if rollback { "rollback".to_string() } else { r.attempt.to_string() };
        let found = r.log_path.as_deref().map_or(crate::engine::markers::Found::NoMarkers, |log| {
            Markers::new(Path::new(log), &tag).inspect()
        });
        let resumes = !rollback && crate::engine::markers::kind_resumes(r.log_path.as_deref());
        decide(found, ps.step.idempotent || resumes)
    }

    /// Finishes an execution an earlier process started: records the status it left, or adopts its
    /// live process group. Returns the outcome and the context to conclude it with.
    pub(crate) async fn recovered(
        &mut self,
        i: usize,
        ps: &PlanStep,
        resolution: Resolution,
        rollback: bool,
    ) -> Result<(StepOutcome, StepCx), EngineError> {
        let params = self.params_for(ps).unwrap_or_default();
        let record = self.records[i].clone();
        let log_path = self.shared.store.log_dir(&self.shared.run_id).join(format!("{}.log", ps.id));
        let log = LogFile::open(&log_path, DEFAULT_CAP)
            .map_err(|source| EngineError::Log { path: log_path.clone(), source })?;
        let mut cx =
            StepCx::new(Arc::clone(&self.shared), ps.clone(), record, self.outputs.clone(), params, log);
        cx.rollback = rollback;
        cx.deadline = ps.step.timeout_ms.map(|ms| tokio::time::Instant::now() + Duration::from_millis(ms));
        let what = if rollback { "rollback".to_string() } else { self.shared.kinds.describe(ps) };
        let outcome = match resolution {
            Resolution::Record(code) => {
                cx.started(&format!("{what} (ended while flightdeck was down)")).await?;
                process::recorded(&mut cx, code).await
            }
            Resolution::Adopt(pgid) => {
                // The group comes from the wrapper's state file: the earlier life may have died
                // before it committed it (see `engine::process`).
                cx.record.pid = Some(pgid);
                cx.record.pgid = Some(pgid);
                cx.started(&format!("{what} (adopted: still running in process group {pgid})")).await?;
                process::adopt(&mut cx, pgid).await
            }
            Resolution::Run | Resolution::Confirm => {
                return Err(EngineError::Store(crate::store::StoreError::Invalid(format!(
                    "internal: step {} has nothing to recover",
                    ps.id
                ))));
            }
        };
        Ok((outcome, cx))
    }

    /// When this life resumes a run that was rolling back: the failure that started the rollback.
    pub(crate) fn interrupted_rollback(&mut self) -> Option<String> {
        if self.shared.life < 2 {
            return None;
        }
        let journal = self.shared.store.journal(&self.shared.run_id).ok()?;
        if !journal.iter().any(|e| matches!(e.kind, EventKind::RollbackStarted { .. })) {
            return None;
        }
        // Everything that succeeded forward, rolled back, or was mid-rollback, in plan order.
        self.completed = (0..self.records.len())
            .filter(|&i| {
                matches!(
                    self.records[i].status,
                    StepStatus::Succeeded
                        | StepStatus::Running
                        | StepStatus::RolledBack
                        | StepStatus::RollbackFailed
                )
            })
            .collect();
        // A refusal before the rollback still makes the run exit 8 (its step's stored message says so).
        self.refused |= self.records.iter().any(|r| {
            r.status == StepStatus::Failed
                && r.message.as_deref().is_some_and(|m| m.starts_with(crate::engine::runner::REFUSED))
        });
        let failure = self
            .records
            .iter()
            .find(|r| r.status == StepStatus::Failed)
            .and_then(|r| r.message.clone())
            .map_or_else(|| "an earlier failure".to_string(), |m| format!("step failed: {m}"));
        Some(failure)
    }
}
