//! The rollback of a rollout that succeeded, run when a later step fails and the run rolls back.
//!
//! The step recorded, in its output `previous`, the weights and the image of every slot's container
//! before its first change (and which slots held kept containers, until when). Undoing it: every slot
//! that served before gets its old image back (a slot still serving is taken out of service one at a
//! time, so a rolling rollout's replicas are never all down), then all the old weights are set in one
//! request (blue-green and canary switch back at once), then kept containers the rollout replaced are
//! brought back (see `rollout::keep`) and containers the old state did not have are removed.
//!
//! Crash safety: before its first change the undo writes `<step>.rollback-undo.json` beside the
//! step's log (synced), naming the run, the balancer and the state it restores. Each part is skipped
//! when it is already in place (a container counts only when it runs the old image), and nginx and
//! haproxy weights are set absolutely, so a runner that died mid-undo is finished by the next one
//! running it again (`StepKind::resumes_rollback`). If that fails, the step's error says what the
//! balancer and every slot hold now against what they should, and the run stops interrupted so
//! `flightdeck resume RUN` tries again once the cause is fixed.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::json;

use crate::engine::event::Stream;
use crate::engine::{StepCx, StepOutcome};
use crate::platforms::Weights;
use crate::rollout::RolloutSpec;
use crate::rollout::deploy::Deploy;
use crate::time::Micros;

/// The step output holding the state before the rollout (JSON).
pub const PREVIOUS: &str = "previous";

/// What a rollout found before its first change.
#[derive(Debug, Deserialize)]
pub(crate) struct Previous {
    weights: Weights,
    #[serde(default)]
    images: BTreeMap<String, String>,
    /// Slots that held a kept container, with its expiry (UTC microseconds).
    #[serde(default)]
    kept: BTreeMap<String, i64>,
}

/// The durable marker of an undo in progress: `<step>.rollback-undo.json` beside the step's log.
pub fn marker_path(cx: &StepCx) -> PathBuf {
    cx.shared.store.log_dir(&cx.shared.run_id).join(format!("{}.rollback-undo.json", cx.step_id()))
}

/// Writes the marker (and syncs it) before the first change; an existing one is left as it is.
fn write_marker(path: &Path, body: &serde_json::Value) -> Result<(), String> {
    if path.exists() {
        return Ok(());
    }
    let io = || -> std::io::Result<()> {
        let tmp = path.with_extension("json.tmp");
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(body.to_string().as_bytes())?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    };
    io().map_err(|e| format!("rollout rollback: cannot write its marker {}: {e}", path.display()))
}

/// Undoes the completed rollout `spec` of the step `cx` rolls back.
pub async fn run(spec: RolloutSpec, cx: &mut StepCx) -> StepOutcome {
    let recorded = cx.outputs.get(cx.step_id()).and_then(|o| o.get(PREVIOUS)).cloned();
    let previous = match recorded.as_deref().map(serde_json::from_str::<Previous>) {
        Some(Ok(p)) => p,
        Some(Err(e)) => {
            return StepOutcome::failed(format!("rollout rollback: output `{PREVIOUS}` is unreadable: {e}"));
        }
        None => {
            return StepOutcome::failed(format!(
                "rollout rollback: the step recorded no `{PREVIOUS}` state, so the old version is unknown; \
                 put traffic back by hand (`flightdeck env resources` lists the containers)"
            ));
        }
    };
    let marker = marker_path(cx);
    let resumed = std::fs::read_to_string(&marker).ok();
    let mut d = match Deploy::prepare(spec, cx, false).await {
        Ok(d) => d,
        Err(e) => return StepOutcome::failed(format!("rollout rollback: {e}")),
    };
    let body = json!({ "run": d.cx.shared.run_id, "step": d.cx.step_id(), "balancer": d.name,
        "began_at": crate::time::now().to_rfc3339(), "restores": recorded });
    if let Err(e) = write_marker(&marker, &body) {
        return StepOutcome::failed(e);
    }
    let mut what = format!("rollback of the rollout of {} on balancer {}", d.image, d.name);
    if resumed.is_some() {
        what.push_str(" (resumed: the previous runner died during it)");
    }
    if let Err(e) = d.cx.started(&what).await {
        return StepOutcome::failed(e.to_string());
    }
    if let Some(text) = resumed {
        let line = format!("finishing the rollback an earlier runner began ({}): {text}", marker.display());
        d.cx.log(Stream::System, line).await;
    }
    conclude(&mut d, &previous, &marker).await
}

/// Runs the restore and reports it; on failure the error says what the environment holds now.
async fn conclude(d: &mut Deploy<'_>, previous: &Previous, marker: &Path) -> StepOutcome {
    match restore(d, previous).await {
        Ok(()) => {
            let _ = std::fs::remove_file(marker);
            let text: Vec<String> = d.weights.iter().map(|(s, w)| format!("{s}={w}")).collect();
            d.cx.log(Stream::System, format!("rollout rolled back: weights {}", text.join(" "))).await;
            d.cx.progress(json!({ "rollout": "rolled back", "weights": d.weights })).await;
            StepOutcome::Succeeded
        }
        Err(e) => {
            let state = state(d, previous).await;
            d.cx.log(Stream::System, format!("rollout rollback failed: {e}; {state}")).await;
            StepOutcome::failed(format!("rollout rollback: {e}; {state}"))
        }
    }
}

/// What the balancer and the slots hold now, against what the rollback restores.
pub(crate) async fn state(d: &Deploy<'_>, previous: &Previous) -> String {
    let show = |w: &Weights| w.iter().map(|(s, w)| format!("{s}={w}")).collect::<Vec<_>>().join(" ");
    let now = match d.lb.weights().await {
        Ok(w) => show(&w),
        Err(e) => format!("unreadable ({e})"),
    };
    let mut slots = Vec::new();
    for s in &d.cfg.servers {
        let name = d.container(&s.name);
        let have = match d.podman.running_image(&name).await {
            Some(i) => i,
            None if d.podman.image_of(&name).await.is_some() => "stopped".into(),
            None => "none".into(),
        };
        let want = previous.images.get(&s.name).map_or("none", String::as_str);
        slots.push(format!("{name} {have} (should be {want})"));
    }
    format!(
        "the environment may be half restored: balancer {} weights {now} (should be {}); containers: {}",
        d.name,
        show(&previous.weights),
        slots.join(", ")
    )
}

/// Old images back in the slots that served, the old weights in one request, kept containers back,
/// new containers removed.
pub(crate) async fn restore(d: &mut Deploy<'_>, previous: &Previous) -> Result<(), String> {
    d.before.clone_from(&previous.weights);
    for (slot, weight) in &previous.weights {
        if *weight == 0 {
            continue;
        }
        let Some(old) = previous.images.get(slot) else { continue };
        if d.podman.running_image(&d.container(slot)).await.as_deref() == Some(old.as_str()) {
            continue;
        }
        let serving = d.weights.get(slot).copied().unwrap_or(0) > 0;
        if serving {
            d.set(vec![(slot.clone(), 0)]).await?;
            d.drain().await;
        }
        start_image(d, slot, old).await?;
        if serving {
            d.set(vec![(slot.clone(), *weight)]).await?;
        }
    }
    d.cx.log(Stream::System, "switching traffic back to the previous version".into()).await;
    d.set(previous.weights.iter().map(|(s, w)| (s.clone(), *w)).collect()).await?;
    for (slot, weight) in &previous.weights {
        if *weight > 0 {
            d.mark_kept(slot, None).await?;
        }
    }
    d.drain().await;
    for (slot, weight) in &previous.weights {
        if *weight > 0 {
            continue;
        }
        if let (Some(until), Some(old)) = (previous.kept.get(slot), previous.images.get(slot)) {
            crate::rollout::keep::bring_back(d, slot, old, Micros(*until)).await?;
            continue;
        }
        let now = d.podman.image_of(&d.container(slot)).await;
        if now.is_some() && now.as_ref() != previous.images.get(slot) {
            d.stop(slot).await?;
        }
    }
    Ok(())
}

/// Starts `image` (not the step's) in `slot` and waits until it is ready.
async fn start_image(d: &mut Deploy<'_>, slot: &str, image: &str) -> Result<(), String> {
    let new_image = std::mem::replace(&mut d.image, image.to_string());
    let started = d.start(slot).await;
    d.image = new_image;
    started
}
