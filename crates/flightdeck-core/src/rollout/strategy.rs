//! The three strategies (and the first deployment, when nothing is live yet), built from the
//! operations of [`Deploy`]. Each returns at the first failure; the caller aborts.

use serde_json::json;

use crate::event::Stream;
use crate::rollout::deploy::Deploy;
use crate::rollout::gate::hold;
use crate::rollout::ms;
use crate::rollout::weights::{FULL, split};

/// Nothing is live: start `replicas` containers, then give them all weight at once.
async fn first(d: &mut Deploy<'_>) -> Result<(), String> {
    let n = d.spec.replicas.unwrap_or(1);
    let free = d.free();
    if free.len() < n {
        return Err(too_few(d, n, free.len()));
    }
    let slots = free[..n].to_vec();
    d.cx.log(
        Stream::System,
        format!("nothing is live on {}: first deployment to {}", d.name, slots.join(", ")),
    )
    .await;
    for s in &slots {
        d.start(s).await?;
    }
    d.set(slots.iter().map(|s| (s.clone(), FULL)).collect()).await?;
    progress(d, json!({ "stage": 1, "of": 1, "percent": 100 })).await;
    let ports = ports(d, &slots);
    hold(d, "first deployment", &ports).await
}

fn too_few(d: &Deploy<'_>, need: usize, have: usize) -> String {
    format!(
        "balancer {} has {have} free server(s), this rollout needs {need}: add servers to [balancers.{}] servers in flightdeck.toml",
        d.name, d.name
    )
}

fn ports(d: &Deploy<'_>, slots: &[String]) -> Vec<u16> {
    slots.iter().filter_map(|s| d.cfg.slot(s).map(|x| x.port)).collect()
}

async fn progress(d: &Deploy<'_>, mut data: serde_json::Value) {
    data["strategy"] = json!(d.spec.strategy);
    data["image"] = json!(d.image);
    data["weights"] = json!(d.weights);
    if let Some(p) = data["percent"].as_u64() {
        data["split"] = json!({ "old": 100 - p, "new": p });
    }
    d.cx.progress(data).await;
}

/// Rolling: `batch` live slots at a time go to weight 0, get the new image, and get their weight back.
pub(crate) async fn rolling(d: &mut Deploy<'_>) -> Result<(), String> {
    let live = d.live();
    if live.is_empty() {
        return first(d).await;
    }
    let batch = d.spec.batch.unwrap_or(1);
    let batches: Vec<Vec<String>> = live.chunks(batch).map(<[String]>::to_vec).collect();
    for (i, chunk) in batches.iter().enumerate() {
        let weights: Vec<(String, u32)> = chunk.iter().map(|s| (s.clone(), d.weights[s])).collect();
        d.cx.log(Stream::System, format!("batch {}/{}: {}", i + 1, batches.len(), chunk.join(", "))).await;
        d.set(chunk.iter().map(|s| (s.clone(), 0)).collect()).await?;
        d.drain().await;
        for s in chunk {
            let old = d.podman.image_of(&d.container(s)).await.unwrap_or_default();
            d.replaced.push((s.clone(), old));
            d.start(s).await?;
        }
        d.set(weights).await?;
        let done = (i + 1) * 100 / batches.len();
        progress(d, json!({ "stage": i + 1, "of": batches.len(), "percent": done, "batch": chunk })).await;
        let ports = ports(d, chunk);
        hold(d, &format!("batch {}/{}", i + 1, batches.len()), &ports).await?;
    }
    d.replaced.clear();
    Ok(())
}

/// Blue-green: the new set starts on free slots, must be ready (and pass a `{port}` check), then
/// every slot switches in one request; the old set is removed, or kept at weight 0 for `keep`.
pub(crate) async fn blue_green(d: &mut Deploy<'_>) -> Result<(), String> {
    let blue = d.live();
    if blue.is_empty() {
        return first(d).await;
    }
    let green = new_set(d, blue.len())?;
    for s in &green {
        d.start(s).await?;
    }
    let mut switch: Vec<(String, u32)> =
        green.iter().zip(&blue).map(|(g, b)| (g.clone(), d.weights[b])).collect();
    switch.extend(blue.iter().map(|b| (b.clone(), 0)));
    d.cx.log(Stream::System, format!("switching all traffic from {} to {}", blue.join(","), green.join(",")))
        .await;
    d.set(switch).await?;
    progress(d, json!({ "stage": 1, "of": 1, "percent": 100, "blue": blue, "green": green })).await;
    let ports = ports(d, &green);
    hold(d, "after the switch", &ports).await?;
    let keep = ms(d.spec.keep.as_ref(), 0);
    if keep == 0 {
        d.drain().await;
        for b in &blue {
            d.stop(b).await?;
        }
    } else {
        let until =
            crate::time::Micros(crate::time::now().0.saturating_add_unsigned(keep.saturating_mul(1000)));
        for b in &blue {
            d.mark_kept(b, Some(until)).await?;
        }
        let note = format!(
            "keeping {} at weight 0 for an instant switch back (keep = {:?}, until {}); `flightdeck env gc {}` \
             removes them after that, the next rollout on {} replaces them",
            blue.join(", "),
            d.spec.keep.as_deref().unwrap_or_default(),
            until.to_rfc3339(),
            d.cx.shared.plan.environment.name,
            d.name
        );
        d.cx.log(Stream::System, note).await;
    }
    Ok(())
}

/// Free slots for a new set as large as the live one.
fn new_set(d: &Deploy<'_>, n: usize) -> Result<Vec<String>, String> {
    let free = d.free();
    if free.len() < n {
        return Err(too_few(d, n, free.len()));
    }
    Ok(free[..n].to_vec())
}

/// Canary: the new set starts on free slots; each stage moves its percentage of the weight to it and
/// holds; after 100 the old set is removed.
pub(crate) async fn canary(d: &mut Deploy<'_>) -> Result<(), String> {
    let old = d.live();
    if old.is_empty() {
        return first(d).await;
    }
    let new = new_set(d, old.len())?;
    for s in &new {
        d.start(s).await?;
    }
    let stages = d.spec.stages.clone();
    let ports = ports(d, &new);
    for (i, p) in stages.iter().enumerate() {
        let (w_old, w_new) = split(*p, old.len(), new.len());
        let mut changes: Vec<(String, u32)> = old.iter().map(|s| (s.clone(), w_old)).collect();
        changes.extend(new.iter().map(|s| (s.clone(), w_new)));
        let label = format!("stage {}/{} ({p}% new)", i + 1, stages.len());
        d.cx.log(Stream::System, format!("{label}: split old {} / new {p}", 100 - p)).await;
        d.set(changes).await?;
        progress(d, json!({ "stage": i + 1, "of": stages.len(), "percent": p })).await;
        hold(d, &label, &ports).await?;
    }
    d.drain().await;
    for s in &old {
        d.stop(s).await?;
    }
    Ok(())
}

/// Abort of a rolling batch: the slot gets its old image and weight back.
pub(crate) async fn restore_slot(d: &mut Deploy<'_>, slot: &str, old_image: &str) -> String {
    let weight = d.before.get(slot).copied().unwrap_or(0);
    let name = d.container(slot);
    if let Err(e) = d.set(vec![(slot.to_string(), 0)]).await {
        return format!("{slot}: setting weight 0 FAILED: {e}");
    }
    if old_image.is_empty() {
        let _ = d.stop(slot).await;
        return format!("{slot} left out of service (its old image is unknown)");
    }
    let new_image = std::mem::replace(&mut d.image, old_image.to_string());
    let restarted = d.start(slot).await;
    d.image = new_image;
    if let Err(e) = restarted {
        return format!("{slot}: restarting {old_image} FAILED: {e}");
    }
    match d.set(vec![(slot.to_string(), weight)]).await {
        Ok(()) => format!("{name} back on {old_image}"),
        Err(e) => format!("{slot}: restoring weight {weight} FAILED: {e}"),
    }
}
