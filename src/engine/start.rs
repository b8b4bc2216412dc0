//! Starting and resuming runs: ids, the run's lock, its first records, and what a resumed run must
//! settle before it continues.

use std::hash::{BuildHasher, Hasher};
use std::path::PathBuf;
use std::sync::Arc;

use crate::engine::RunSpec;
use crate::engine::event::{RunStatus, StepStatus};
use crate::engine::process::{group_alive, proc_start_time};
use crate::engine::runner::pending_record;
use crate::error::Error;
use crate::identity::{Operator, hostname};
use crate::store::Store;
use crate::store::records::RunRecord;
use crate::time::{Micros, now};
use crate::workflow::plan::{Plan, RunOptions};

/// A new run id: `YYYYMMDD-HHMMSS-WORKFLOW-xxxx` (UTC; sortable; the suffix is random).
pub fn new_run_id(workflow: &str, at: Micros) -> String {
    let stamp =
        at.to_timestamp().map_or_else(|| at.0.to_string(), |t| t.strftime("%Y%m%d-%H%M%S").to_string());
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_i64(at.0);
    h.write_u32(std::process::id());
    let short: String =
        workflow.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').take(24).collect();
    format!("{stamp}-{short}-{:04x}", h.finish() & 0xffff)
}

/// Creates a run in the store, locked by this process, ready for `engine::run`.
pub async fn prepare_run(
    plan: Plan,
    store: &Store,
    operator: Operator,
    bin: PathBuf,
) -> Result<RunSpec, Error> {
    let started = now();
    let id = new_run_id(&plan.workflow, started);
    let lock = store.lock_run(&id)?;
    let plan_json =
        serde_json::to_string(&plan).map_err(|e| Error::Invalid(format!("cannot store the plan: {e}")))?;
    let record = RunRecord {
        id: id.clone(),
        workflow: plan.workflow.clone(),
        title: plan.title.clone(),
        environment: plan.environment.name.clone(),
        production: plan.environment.production,
        mode: plan.options.mode.as_str().to_string(),
        status: RunStatus::Running,
        operator_uid: operator.uid,
        operator: operator.name.clone(),
        host: hostname(),
        started_at: started,
        finished_at: None,
        life: 1,
        exit_code: None,
        message: None,
        plan_json,
    };
    let steps: Vec<_> = plan.steps.iter().enumerate().map(|(i, s)| pending_record(&id, i, &s.id)).collect();
    store.create_run(&record, &steps).await?;
    Ok(RunSpec {
        run_id: id,
        life: 1,
        plan: Arc::new(plan),
        store: store.clone(),
        operator,
        lock,
        previous: Vec::new(),
        flightdeck_bin: bin,
    })
}

/// A step that was mid-flight when the previous process died.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResumeCheck {
    /// The step.
    pub step: String,
    /// Marked idempotent: re-runs without asking.
    pub idempotent: bool,
    /// Its process group is still alive.
    pub still_running: bool,
}

/// Locks an interrupted run and loads it for another life. `options` replace how the stored plan
/// asks people (the resuming operator may be on a terminal where the first one was not).
pub async fn prepare_resume(
    store: &Store,
    id: &str,
    operator: Operator,
    bin: PathBuf,
    options: RunOptions,
) -> Result<(RunSpec, Vec<ResumeCheck>), Error> {
    let record =
        store.run(id)?.ok_or_else(|| Error::Invalid(format!("no run {id:?}: see `flightdeck runs`")))?;
    if record.status.is_final() {
        return Err(Error::Precondition(format!(
            "run {} already ended ({}); start a new run instead",
            record.id,
            record.status.as_str()
        )));
    }
    let lock = store.lock_run(&record.id)?;
    let mut plan: Plan = serde_json::from_str(&record.plan_json)
        .map_err(|e| Error::Invalid(format!("run {} has an unreadable stored plan: {e}", record.id)))?;
    plan.options = RunOptions {
        mode: plan.options.mode,
        emergency_reason: plan.options.emergency_reason.clone(),
        ..options
    };
    let life = store.begin_life(&record.id).await?;
    let previous = store.steps(&record.id)?;
    let checks = previous
        .iter()
        .filter(|r| r.status == StepStatus::Running)
        .map(|r| {
            let idempotent = plan.steps.iter().any(|s| s.id == r.step && s.step.idempotent);
            let same = r.pid.is_none_or(|pid| r.proc_start.is_none() || proc_start_time(pid) == r.proc_start);
            ResumeCheck {
                step: r.step.clone(),
                idempotent,
                still_running: r.pgid.is_some_and(group_alive) && same,
            }
        })
        .collect();
    let spec = RunSpec {
        run_id: record.id,
        life,
        plan: Arc::new(plan),
        store: store.clone(),
        operator,
        lock,
        previous,
        flightdeck_bin: bin,
    };
    Ok((spec, checks))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_ids_sort_by_time_and_name_the_workflow() {
        let a = new_run_id("deploy", Micros(1_700_000_000_000_000));
        let b = new_run_id("deploy", Micros(1_700_000_060_000_000));
        assert!(a < b);
        assert!(a.starts_with("20231114-221320-deploy-"), "{a}");
    }
}
