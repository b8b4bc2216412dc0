//! Starting and resuming runs: ids, the run's lock, its first records with the `run.start` audit
//! entry that carries the plan hash, and what a resumed run must settle before it continues: the
//! stored plan must still match its hash, the environment comes back whole, and a step whose fate is
//! unknown and that is not idempotent needs a confirmation (`--yes`) before anything is written.

use std::hash::{BuildHasher, Hasher};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::json;

use crate::engine::RunSpec;
use crate::engine::event::{EventKind, RunStatus, StepStatus};
use crate::engine::kind::StepKinds;
use crate::engine::markers::{Found, Markers, Resolution, decide};
use crate::error::Error;
use crate::identity::{Operator, hostname};
use crate::store::records::{RunRecord, StepRecord};
use crate::store::{NewAudit, Store, plan_hash};
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
    kinds: StepKinds,
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
    let hash = plan_hash(&record.plan_json)
        .map_err(|e| Error::Invalid(format!("cannot hash the stored plan: {e}")))?;
    let start = NewAudit {
        at: started,
        uid: operator.uid,
        actor: operator.name.clone(),
        action: "run.start".into(),
        run: Some(id.clone()),
        detail: json!({
            "life": 1, "mode": plan.options.mode.as_str(), "params": plan.params, "plan_hash": hash,
            "workflow": plan.workflow, "environment": plan.environment.name,
        }),
    };
    store.create_run_audited(&record, &steps, start).await?;
    Ok(RunSpec {
        run_id: id,
        life: 1,
        plan: Arc::new(plan),
        store: store.clone(),
        operator,
        lock,
        previous: Vec::new(),
        flightdeck_bin: bin,
        kinds,
        await_confirmation: false,
        yes_by: None,
    })
}

/// A step that was mid-flight when the previous process died.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResumeCheck {
    /// The step.
    pub step: String,
    /// Marked idempotent: re-runs without asking.
    pub idempotent: bool,
    /// Its process group is still alive (it will be adopted, never started twice).
    pub still_running: bool,
    /// What its marker files say, and so what the resume does with it.
    pub resolution: Resolution,
}

/// Locks an interrupted run and loads it for another life. `options` replace how the stored plan
/// asks people (the resuming operator may be on a terminal where the first one was not); `None` is
/// a runner recovering the run on start: the stored options stay, and a re-run that needs a
/// confirmation waits for one. Refuses, before anything is written, a stored plan that no longer
/// matches the hash in its `run.start` entry, and a step that needs confirmation when `options`
/// can give none.
pub async fn prepare_resume(
    store: &Store,
    id: &str,
    operator: Operator,
    bin: PathBuf,
    options: Option<RunOptions>,
    kinds: StepKinds,
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
    check_plan(store, &record)?;
    let mut plan: Plan = serde_json::from_str(&record.plan_json)
        .map_err(|e| Error::Invalid(format!("run {} has an unreadable stored plan: {e}", record.id)))?;
    restore_environment(&mut plan);
    let await_confirmation = options.is_none();
    if let Some(options) = options {
        plan.options = RunOptions {
            mode: plan.options.mode,
            emergency_reason: plan.options.emergency_reason.clone(),
            ..options
        };
    }
    let previous = store.steps(&record.id)?;
    let rolling_back =
        store.journal(&record.id)?.iter().any(|e| matches!(e.kind, EventKind::RollbackStarted { .. }));
    let checks = resume_checks(&plan, &previous, rolling_back, kinds);
    if let Some(c) = checks.iter().find(|c| c.resolution == Resolution::Confirm)
        && !plan.options.yes
        && !plan.options.interactive
        && !await_confirmation
    {
        return Err(Error::Precondition(format!(
            "step {} of run {} was running when its process died, its end is unknown and it is not \
             idempotent: pass --yes to re-run it",
            c.step, record.id
        )));
    }
    let life = store.begin_life(&record.id).await?;
    let spec = RunSpec {
        run_id: record.id,
        life,
        plan: Arc::new(plan),
        store: store.clone(),
        operator,
        lock,
        previous,
        flightdeck_bin: bin,
        kinds,
        await_confirmation,
        yes_by: None,
    };
    Ok((spec, checks))
}

/// Refuses a run whose stored plan does not match the hash its `run.start` entry recorded.
fn check_plan(store: &Store, record: &RunRecord) -> Result<(), Error> {
    let recorded = store.recorded_plan_hash(&record.id).map_err(|e| Error::Precondition(e.to_string()))?;
    let Some(recorded) = recorded else {
        return Err(Error::Precondition(format!(
            "run {} has no plan hash in its run.start audit entry (started by an older flightdeck, or \
             the entry is gone); it cannot be resumed safely: start a new run",
            record.id
        )));
    };
    let actual = plan_hash(&record.plan_json).unwrap_or_default();
    if actual != recorded {
        return Err(Error::Precondition(format!(
            "the stored plan of run {} was changed after it started (its hash {} differs from {} in \
             the run.start audit entry); refusing to resume it: start a new run",
            record.id,
            short(&actual),
            short(&recorded)
        )));
    }
    Ok(())
}

fn short(hash: &str) -> &str {
    hash.get(..12).unwrap_or(hash)
}

/// The environment's name is not read back by its deserializer (it comes from the config's table
/// key), so a stored plan carries it among the extra keys: put it back where templates look.
fn restore_environment(plan: &mut Plan) {
    if let Some(toml::Value::String(name)) = plan.environment.vars.remove("name")
        && plan.environment.name.is_empty()
    {
        plan.environment.name = name;
    }
}

/// The resume decision for every step stored as running (its rollback's, when the run was rolling back).
fn resume_checks(
    plan: &Plan,
    previous: &[StepRecord],
    rolling_back: bool,
    kinds: StepKinds,
) -> Vec<ResumeCheck> {
    previous
        .iter()
        .filter(|r| r.status == StepStatus::Running)
        .map(|r| {
            // A kind that left its resume file finishes (or undoes) its interrupted attempt when re-run.
            let idempotent = plan.steps.iter().any(|s| s.id == r.step && s.step.idempotent)
                || (!rolling_back && crate::engine::markers::kind_resumes(r.log_path.as_deref()));
            // A kind's own rollback that resumes (a `rollout` undo) finishes what it began: no confirmation.
            let resumes = rolling_back
                && plan.steps.iter().any(|s| s.id == r.step && crate::engine::rollback::resumable(kinds, s));
            let found = r.log_path.as_deref().map_or(Found::NoMarkers, |log| {
                let tag = if rolling_back { "rollback".to_string() } else { r.attempt.to_string() };
                Markers::new(Path::new(log), &tag).inspect()
            });
            ResumeCheck {
                step: r.step.clone(),
                idempotent,
                still_running: matches!(found, Found::Alive(_)),
                resolution: if resumes { Resolution::Run } else { decide(found, idempotent) },
            }
        })
        .collect()
}

/// Step records for a run: stored ones from earlier lives, pending for the rest.
pub(crate) fn initial_records(spec: &RunSpec) -> Vec<StepRecord> {
    spec.plan
        .steps
        .iter()
        .enumerate()
        .map(|(idx, ps)| {
            spec.previous
                .iter()
                .find(|r| r.step == ps.id)
                .cloned()
                .unwrap_or_else(|| pending_record(&spec.run_id, idx, &ps.id))
        })
        .collect()
}

/// A step record that has not started.
pub(crate) fn pending_record(run: &str, idx: usize, step: &str) -> StepRecord {
    StepRecord::pending(run, step, u32::try_from(idx).unwrap_or(u32::MAX))
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
