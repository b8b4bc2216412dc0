//! What happens after a step fails (the operator's menu or the step's `on_fail`), and the
//! confirmation a resumed run needs before it re-runs a step that was mid-flight when its process died.

use std::time::Duration;

use serde_json::json;

use crate::engine::event::{Decision, EventKind, FailureAction, RunStatus};
use crate::engine::markers::Markers;
use crate::engine::procfs::{group_alive, proc_start_time};
use crate::engine::runner::{End, Runner};
use crate::engine::{EngineError, Reply};
use crate::identity::Operator;
use crate::workflow::model::OnFail;

impl Runner {
    /// Decides what to do after step `i` failed: ask the operator when someone can answer,
    /// else follow its `on_fail`.
    pub(crate) async fn on_failure(&mut self, i: usize, error: &str) -> Result<FailureAction, EngineError> {
        let ps = &self.shared.plan.steps[i];
        let default = match ps.step.on_fail {
            OnFail::Halt => FailureAction::Abort,
            OnFail::Continue => FailureAction::Skip,
            OnFail::Rollback => FailureAction::Rollback,
        };
        if self.shared.cancel.is_cancelled() {
            return Ok(FailureAction::Abort);
        }
        if !self.shared.plan.options.interactive {
            return Ok(if default == FailureAction::Skip { FailureAction::Abort } else { default });
        }
        let attempt = self.records[i].attempt;
        let step = ps.id.clone();
        let kind = EventKind::FailureMenu { step: step.clone(), attempt, error: error.to_string(), default };
        self.shared.emit(kind, None, None).await?;
        let (action, by) = self.wait_failure_choice(&step, attempt).await;
        let detail = json!({ "step": step, "attempt": attempt, "action": action, "error": error });
        self.shared
            .audit_as(by.as_ref().unwrap_or(&self.shared.operator), "step.failure_action", detail)
            .await?;
        Ok(action)
    }

    /// The operator's choice for failed `step#attempt` and who made it (`None`: nobody, the run was
    /// cancelled or lost its clients). Answers about anything else are refused and audited.
    async fn wait_failure_choice(&self, step: &str, attempt: u32) -> (FailureAction, Option<Operator>) {
        let cancel = self.shared.cancel.clone();
        let mut decisions = self.shared.decisions.lock().await;
        loop {
            tokio::select! {
                d = decisions.recv() => match d {
                    Some(d) => match &d.decision {
                        Decision::OnFailure { step: s, attempt: a, action } if s == step && *a == attempt => {
                            let action = *action;
                            let by = d.by.clone();
                            d.answer(Reply::counted(format!("{step}: {action:?}")));
                            return (action, Some(by));
                        }
                        _ => {
                            let reason = format!("the run is waiting for a decision on failed step {step}#{attempt}");
                            self.shared.audit_refused(&d.by, &d.decision, &reason).await;
                            d.answer(Reply::refused(reason));
                        }
                    },
                    None => return (FailureAction::Abort, None),
                },
                () = cancel.cancelled() => return (FailureAction::Abort, None),
            }
        }
    }

    /// Step `i` was running when an earlier process died. Idempotent steps re-run; otherwise the
    /// operator must confirm (`--yes` does), and nothing re-runs while its process group lives.
    pub(crate) async fn confirm_rerun(&mut self, i: usize) -> Result<Option<End>, EngineError> {
        let ps = self.shared.plan.steps[i].clone();
        if ps.step.idempotent {
            return Ok(None);
        }
        let alive = self.still_running(i);
        let kind = EventKind::RerunNeeded { step: ps.id.clone(), still_running: alive };
        self.shared.emit(kind, None, None).await?;
        let opts = self.shared.plan.options.clone();
        // A recovering runner asks whoever resumes: the stored `--yes` was given before the crash.
        let confirmed = if self.shared.await_confirmation || opts.interactive {
            self.wait_rerun_confirmation(&ps.id).await
        } else {
            opts.yes
        };
        if !confirmed {
            let message = format!(
                "step {} was running when the previous process died; confirm its re-run (--yes or the console)",
                ps.id
            );
            return Ok(Some(End { status: RunStatus::Interrupted, message: Some(message) }));
        }
        if alive {
            self.kill_leftover(i).await;
        }
        self.shared.audit("step.rerun_confirmed", json!({ "step": ps.id, "was_alive": alive })).await?;
        Ok(None)
    }

    fn still_running(&self, i: usize) -> bool {
        let r = &self.records[i];
        let (Some(group), Some(leader)) = (r.pgid, r.pid) else { return self.marker_group(i).is_some() };
        let same_process = r.proc_start.is_none() || proc_start_time(leader) == r.proc_start;
        group_alive(group) && same_process
    }

    /// The live process group the wrapper of step `i`'s interrupted attempt wrote to its state file:
    /// a step that died within its first poll has no group in the store (see `engine::process`).
    fn marker_group(&self, i: usize) -> Option<i32> {
        let r = &self.records[i];
        let m = Markers::new(std::path::Path::new(r.log_path.as_deref()?), &r.attempt.to_string());
        m.begun_pid().filter(|&group| m.group_is_ours(group))
    }

    async fn wait_rerun_confirmation(&self, step: &str) -> bool {
        let cancel = self.shared.cancel.clone();
        let mut decisions = self.shared.decisions.lock().await;
        loop {
            tokio::select! {
                d = decisions.recv() => match d {
                    Some(d) => {
                        if matches!(&d.decision, Decision::ConfirmRerun { step: s } if s == step) {
                            let detail = json!({ "step": step, "decision": d.decision });
                            if let Err(e) = self.shared.audit_as(&d.by, "step.rerun_answer", detail).await {
                                tracing::warn!("auditing a re-run confirmation: {e}");
                            }
                            d.answer(Reply::counted(format!("re-run of {step} confirmed")));
                            return true;
                        }
                        let reason = format!("the run is waiting for a re-run confirmation of {step}");
                        self.shared.audit_refused(&d.by, &d.decision, &reason).await;
                        d.answer(Reply::refused(reason));
                    }
                    None => return false,
                },
                () = cancel.cancelled() => return false,
            }
        }
    }

    /// Stops what is left of a dead run's step: SIGTERM to its group, SIGKILL after the grace period.
    async fn kill_leftover(&self, i: usize) {
        let Some(pgid) = self.records[i].pgid.or_else(|| self.marker_group(i)) else { return };
        let pg = nix::unistd::Pid::from_raw(pgid);
        let _ = nix::sys::signal::killpg(pg, nix::sys::signal::Signal::SIGTERM);
        for _ in 0..50 {
            if !group_alive(pgid) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let _ = nix::sys::signal::killpg(pg, nix::sys::signal::Signal::SIGKILL);
    }
}
