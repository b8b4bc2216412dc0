//! The rollback of a rollout that succeeded, run when a later step fails and the run rolls back.
//!
//! The step recorded, in its output `previous`, the weights and the image of every slot's container
//! before its first change. Undoing it: every slot that served before gets its old image back
//! (a slot still serving is taken out of service one at a time, so a rolling rollout's replicas are
//! never all down), then all the old weights are set in one request (blue-green and canary switch
//! back at once), then containers the old state did not have are removed. Each part is skipped when
//! it is already in place, so running it twice does no harm.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::json;

use crate::engine::event::Stream;
use crate::engine::{StepCx, StepOutcome};
use crate::platforms::Weights;
use crate::rollout::RolloutSpec;
use crate::rollout::deploy::Deploy;

/// The step output holding the state before the rollout (JSON).
pub const PREVIOUS: &str = "previous";

/// What a rollout found before its first change.
#[derive(Debug, Deserialize)]
struct Previous {
    weights: Weights,
    #[serde(default)]
    images: BTreeMap<String, String>,
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
    let mut d = match Deploy::prepare(spec, cx, false).await {
        Ok(d) => d,
        Err(e) => return StepOutcome::failed(format!("rollout rollback: {e}")),
    };
    let what = format!("rollback of the rollout of {} on balancer {}", d.image, d.name);
    if let Err(e) = d.cx.started(&what).await {
        return StepOutcome::failed(e.to_string());
    }
    match restore(&mut d, &previous).await {
        Ok(()) => {
            let text: Vec<String> = d.weights.iter().map(|(s, w)| format!("{s}={w}")).collect();
            d.cx.log(Stream::System, format!("rollout rolled back: weights {}", text.join(" "))).await;
            d.cx.progress(json!({ "rollout": "rolled back", "weights": d.weights })).await;
            StepOutcome::Succeeded
        }
        Err(e) => {
            d.cx.log(Stream::System, format!("rollout rollback failed: {e}")).await;
            StepOutcome::failed(format!("rollout rollback: {e}"))
        }
    }
}

/// Old images back in the slots that served, the old weights in one request, new containers removed.
async fn restore(d: &mut Deploy<'_>, previous: &Previous) -> Result<(), String> {
    d.before.clone_from(&previous.weights);
    for (slot, weight) in &previous.weights {
        if *weight == 0 {
            continue;
        }
        let Some(old) = previous.images.get(slot) else { continue };
        if d.podman.image_of(&d.container(slot)).await.as_deref() == Some(old.as_str()) {
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
