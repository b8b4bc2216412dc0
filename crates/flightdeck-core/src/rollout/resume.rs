//! Crash safety of a rollout's own attempt. Before its first change the rollout writes
//! `<step>.resume.json` beside the step's log (synced; see `engine::markers::kind_resume_file`),
//! holding the state before the rollout (the weights, every slot's image, the kept containers and
//! until when) and its phase: `rolling out`, then `aborting` with the failure once a stage check or
//! a threshold fails. The file is removed when the attempt ends in this process.
//!
//! A runner killed in the middle (most importantly inside the abort, while weights move back and
//! new containers are removed) leaves the file, and the step stored as running. A resumed run re-runs
//! the step without asking (the engine sees the file), and the re-run does not deploy again: it puts
//! back the recorded state with the idempotent restore of a rollout's rollback (`rollout::undo`:
//! old images in the slots that served, old weights set absolutely, kept containers brought back
//! with their original keep, containers the old state did not have removed), then fails with the
//! original failure, so the run rolls back (`on_fail = "rollback"`) or fails, and never succeeds.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::json;

use crate::engine::event::Stream;
use crate::engine::{StepCx, StepOutcome};
use crate::rollout::RolloutSpec;
use crate::rollout::deploy::Deploy;
use crate::rollout::undo::{self, Previous};

/// The phase before the abort.
pub const ROLLING_OUT: &str = "rolling out";
/// The phase once the rollout failed and moves everything back.
pub const ABORTING: &str = "aborting";

/// The resume file as written.
#[derive(Debug, Deserialize)]
struct Marker {
    phase: String,
    #[serde(default)]
    failure: Option<String>,
    previous: Previous,
}

/// `<step>.resume.json` of the step `cx` runs.
pub(crate) fn marker_path(cx: &StepCx) -> PathBuf {
    let log = cx.shared.store.log_dir(&cx.shared.run_id).join(format!("{}.log", cx.step_id()));
    crate::engine::markers::kind_resume_file(&log)
}

/// Writes (or replaces) the resume file and syncs it and its directory.
pub(crate) fn write(path: &Path, body: &serde_json::Value) -> Result<(), String> {
    let io = || -> std::io::Result<()> {
        let tmp = path.with_extension("json.tmp");
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(body.to_string().as_bytes())?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)?;
        if let Some(dir) = path.parent() {
            std::fs::File::open(dir)?.sync_all()?;
        }
        Ok(())
    };
    io().map_err(|e| format!("rollout: cannot write its resume file {}: {e}", path.display()))
}

/// Removes the resume file once the attempt has ended in this process.
pub(crate) fn remove(path: &Path) {
    if let Err(e) = std::fs::remove_file(path)
        && e.kind() != std::io::ErrorKind::NotFound
    {
        tracing::warn!("removing {}: {e}", path.display());
    }
}

/// The resume file's body for `d` in `phase` (`failure` once aborting).
pub(crate) fn body(d: &Deploy<'_>, phase: &str, failure: Option<&str>) -> serde_json::Value {
    json!({ "run": d.cx.shared.run_id, "step": d.cx.step_id(), "attempt": d.cx.attempt(),
        "balancer": d.name, "image": d.image, "phase": phase, "failure": failure,
        "written_at": crate::time::now().to_rfc3339(), "previous": d.previous() })
}

/// A re-run of a step whose earlier attempt died with its resume file (`text`, at `path`) in place:
/// puts back the state before that rollout and fails with its failure.
pub(crate) async fn finish(spec: RolloutSpec, cx: &mut StepCx, path: &Path, text: &str) -> StepOutcome {
    let marker: Marker = match serde_json::from_str(text) {
        Ok(m) => m,
        Err(e) => {
            return StepOutcome::failed(format!(
                "rollout: the resume file {} an earlier runner left is unreadable ({e}); check the balancer \
                 and `flightdeck env resources` by hand, then remove the file",
                path.display()
            ));
        }
    };
    let mut d = match Deploy::prepare(spec, cx, false).await {
        Ok(d) => d,
        Err(e) => return StepOutcome::failed(format!("rollout: finishing an interrupted attempt: {e}")),
    };
    let what = format!(
        "rollout of {} on balancer {} (resumed: the previous runner died during it)",
        d.image, d.name
    );
    if let Err(e) = d.cx.started(&what).await {
        return StepOutcome::failed(e.to_string());
    }
    let line =
        format!("finishing the rollout an earlier runner left {} ({}): {text}", marker.phase, path.display());
    d.cx.log(Stream::System, line).await;
    conclude(&mut d, &marker, path).await
}

/// Puts back the state `marker` recorded and fails with the reason; the error says what the
/// environment holds when that fails.
async fn conclude(d: &mut Deploy<'_>, marker: &Marker, path: &Path) -> StepOutcome {
    let why = match (marker.phase.as_str(), &marker.failure) {
        (ABORTING, Some(f)) => format!("{f}; the runner died during the rollout's abort"),
        _ => "the runner died during the rollout, before its end was recorded".to_string(),
    };
    match undo::restore(d, &marker.previous).await {
        Ok(()) => {
            remove(path);
            let text: Vec<String> = d.weights.iter().map(|(s, w)| format!("{s}={w}")).collect();
            let done = format!(
                "rollout aborted by a later runner: previous version restored, weights {}",
                text.join(" ")
            );
            d.cx.log(Stream::System, done.clone()).await;
            d.cx.progress(json!({ "rollout": "aborted", "weights": d.weights })).await;
            StepOutcome::failed(format!("{why}; {done}"))
        }
        Err(e) => {
            let state = undo::state(d, &marker.previous).await;
            d.cx.log(Stream::System, format!("finishing the abort failed: {e}; {state}")).await;
            StepOutcome::failed(format!("{why}; finishing its abort failed: {e}; {state}"))
        }
    }
}
