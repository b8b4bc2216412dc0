//! The rollback of a rollout that succeeded, run when a later step fails and the run rolls back.
//!
//! The step recorded, in its output `previous`, the weights and the image of every slot's container
//! before its first change (and which slots held kept containers, until when). Undoing it: every slot
//! that served before gets its old image back (a slot still serving is taken out of service one at a
//! time, so a rolling rollout's replicas are never all down), then all the old weights are set in one
//! request (blue-green and canary switch back at once), then kept containers the rollout replaced are
//! brought back (see `rollout::keep`) and containers the old state did not have are removed.
//! Containers come back before the balancer names them: an old image no longer on the host stops
//! the undo before any change, a slot is taken out of service only while another running slot
//! serves, and no weights are written that serve only from slots whose container is not running.
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
/// new containers removed. Containers come back before the balancer names them, and no balancer
/// file is written that serves only from slots whose container is not running (see [`safe_set`]):
/// a runner that died after rewriting nginx's upstream file but before the reload, with an old image
/// gone since, leaves the balancer as it was instead of taking every server down.
pub(crate) async fn restore(d: &mut Deploy<'_>, previous: &Previous) -> Result<(), String> {
    d.before.clone_from(&previous.weights);
    let slots = to_restart(d, previous).await;
    check_images(d, &slots).await?;
    // When a slot to restart serves now (a runner died after rewriting the balancer), slots already
    // running their old image get their old weight back first, so the slots taken out below are
    // never the last ones serving; otherwise the old weights still switch back in one request.
    let restarts_serving = slots.iter().any(|(s, _)| d.weights.get(s).copied().unwrap_or(0) > 0);
    let ready: Vec<(String, u32)> = previous
        .weights
        .iter()
        .filter(|(s, w)| **w > 0 && !slots.iter().any(|(r, _)| r == *s))
        .filter(|(s, w)| restarts_serving && d.weights.get(*s) != Some(*w))
        .map(|(s, w)| (s.clone(), *w))
        .collect();
    if !ready.is_empty() {
        safe_set(d, ready).await?;
    }
    for (slot, old) in &slots {
        restart_old(d, slot, old, previous.weights.get(slot).copied().unwrap_or(0)).await?;
    }
    d.cx.log(Stream::System, "switching traffic back to the previous version".into()).await;
    safe_set(d, previous.weights.iter().map(|(s, w)| (s.clone(), *w)).collect()).await?;
    for (slot, weight) in &previous.weights {
        if *weight > 0 {
            d.mark_kept(slot, None).await?;
        }
    }
    d.drain().await;
    remove_new(d, previous).await
}

/// The slots that served before whose container does not run its old image now, with that image.
async fn to_restart(d: &Deploy<'_>, previous: &Previous) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (slot, weight) in &previous.weights {
        let Some(old) = previous.images.get(slot).filter(|_| *weight > 0) else { continue };
        if d.podman.running_image(&d.container(slot)).await.as_deref() != Some(old.as_str()) {
            out.push((slot.clone(), old.clone()));
        }
    }
    out
}

/// Refuses, before any change, to restore an old image that is no longer on this host.
async fn check_images(d: &Deploy<'_>, slots: &[(String, String)]) -> Result<(), String> {
    for (slot, old) in slots {
        if !d.podman.image_exists(old).await.map_err(|e| e.to_string())? {
            return Err(format!(
                "the previous image {old} of slot {slot} is no longer on this host, so nothing was changed \
                 (the balancer still serves what it served); `podman pull {old}` (or build it) and resume"
            ));
        }
    }
    Ok(())
}

/// Puts `old` back in `slot`, taking the slot out of service meanwhile when another running slot
/// still serves (the only server is replaced in place: the balancer is not rewritten to serve
/// nothing), then gives it `weight`.
async fn restart_old(d: &mut Deploy<'_>, slot: &str, old: &str, weight: u32) -> Result<(), String> {
    let serving = d.weights.get(slot).copied().unwrap_or(0) > 0;
    let taken_out = serving && serves_running(d, &[(slot.to_string(), 0)]).await;
    if taken_out {
        d.set(vec![(slot.to_string(), 0)]).await?;
        d.drain().await;
    } else if serving {
        let note = format!("{slot} is the only running slot serving: its old image replaces it in place");
        d.cx.log(Stream::System, note).await;
    }
    start_image(d, slot, old).await?;
    if serving {
        safe_set(d, vec![(slot.to_string(), weight)]).await?;
    }
    Ok(())
}

/// Whether the weights after `changes` give traffic to at least one slot whose container runs.
async fn serves_running(d: &Deploy<'_>, changes: &[(String, u32)]) -> bool {
    let mut after = d.weights.clone();
    after.extend(changes.iter().cloned());
    for (slot, w) in &after {
        if *w > 0 && d.podman.running_image(&d.container(slot)).await.is_some() {
            return true;
        }
    }
    false
}

/// [`Deploy::set`], refused when the balancer would then serve only from slots not running.
async fn safe_set(d: &mut Deploy<'_>, changes: Vec<(String, u32)>) -> Result<(), String> {
    if !serves_running(d, &changes).await {
        let text: Vec<String> = changes.iter().map(|(s, w)| format!("{s}={w}")).collect();
        return Err(format!(
            "not setting weights {} on balancer {}: no slot it would serve from has a running container",
            text.join(" "),
            d.name
        ));
    }
    d.set(changes).await
}

/// Kept containers the rollout replaced come back; containers the old state did not have go.
async fn remove_new(d: &mut Deploy<'_>, previous: &Previous) -> Result<(), String> {
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
