//! One rollout: the targets it drives (balancer, podman), the containers it started, the weights it
//! found, and the operations every strategy is built from (start a slot, stop a slot, set weights,
//! hold a stage under check and traffic), plus the abort that puts everything back.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::json;

use crate::config::Config;
use crate::config::balancers::BalancerConfig;
use crate::engine::{StepCx, StepOutcome};
use crate::event::Stream;
use crate::platforms::podman::Podman;
use crate::platforms::{Balancer, Weights};
use crate::rollout::keep::KEEP_UNTIL;
use crate::rollout::{RolloutSpec, Strategy, ms, resume, strategy};
use crate::store::NewResource;
use crate::time::{Micros, now};

/// A rollout in progress.
pub struct Deploy<'a> {
    pub(crate) cx: &'a mut StepCx,
    pub(crate) spec: RolloutSpec,
    pub(crate) image: String,
    pub(crate) name: String,
    pub(crate) cfg: BalancerConfig,
    pub(crate) lb: Balancer,
    pub(crate) podman: Podman,
    /// Weights found before the first change.
    pub(crate) before: Weights,
    /// The image each slot's container ran before the first change (slots with a container only).
    pub(crate) images: BTreeMap<String, String>,
    /// Weights now.
    pub(crate) weights: Weights,
    /// Slots whose container this rollout started (removed again on abort).
    pub(crate) started: Vec<String>,
    /// Slots whose old container this rollout replaced, with the old image (rolling).
    pub(crate) replaced: Vec<(String, String)>,
    /// Slots holding a kept container (blue-green `keep`) before the first change, with its expiry.
    pub(crate) kept: BTreeMap<String, Micros>,
    /// Requests, failed requests and the worst p99 (ms) the traffic of every stage saw.
    pub(crate) traffic: (u64, u64, f64),
}

/// Runs a rollout as the step's attempt.
pub async fn run(spec: RolloutSpec, cx: &mut StepCx) -> StepOutcome {
    let where_ = format!(
        "workflow {} step {} (line {})",
        cx.shared.plan.workflow,
        cx.step_id(),
        cx.plan_step.step.line
    );
    let marker = super::resume::marker_path(cx);
    if let Ok(text) = std::fs::read_to_string(&marker) {
        return super::resume::finish(spec, cx, &marker, &text).await;
    }
    let mut d = match Deploy::prepare(spec, cx, true).await {
        Ok(d) => d,
        Err(e) => return StepOutcome::failed(format!("{e}\n  at {where_}; nothing was changed")),
    };
    let what = format!("{:?} rollout of {} on balancer {}", d.spec.strategy, d.image, d.name).to_lowercase();
    if let Err(e) = d.cx.started(&what).await {
        return StepOutcome::failed(e.to_string());
    }
    if let Err(e) = resume::write(&marker, &resume::body(&d, resume::ROLLING_OUT, None)) {
        return StepOutcome::failed(format!("{e}\n  at {where_}; nothing was changed"));
    }
    let result = match d.spec.strategy {
        Strategy::Rolling => strategy::rolling(&mut d).await,
        Strategy::BlueGreen => strategy::blue_green(&mut d).await,
        Strategy::Canary => strategy::canary(&mut d).await,
    };
    d.outputs();
    let outcome = match result {
        Ok(()) => StepOutcome::Succeeded,
        Err(e) => failed(&mut d, &e, &marker).await,
    };
    resume::remove(&marker);
    outcome
}

/// A failed (or cancelled) rollout: records the abort in the resume file, then aborts.
async fn failed(d: &mut Deploy<'_>, e: &str, marker: &std::path::Path) -> StepOutcome {
    let cancelled = d.cx.shared.cancel.is_cancelled();
    if !cancelled {
        d.cx.log(Stream::System, format!("rollout failed: {e}")).await;
    }
    // The abort changes the environment again: a runner killed during it leaves the next one the
    // failure and the state to put back.
    if let Err(w) = resume::write(marker, &resume::body(d, resume::ABORTING, Some(e))) {
        d.cx.log(Stream::System, w).await;
    }
    let undone = d.abort().await;
    if cancelled { StepOutcome::Cancelled } else { StepOutcome::failed(format!("{e}; {undone}")) }
}

impl<'a> Deploy<'a> {
    /// Renders the spec, finds the balancer, and checks the image (when `check_image`) and the
    /// servers: no change yet.
    pub(crate) async fn prepare(
        spec: RolloutSpec,
        cx: &'a mut StepCx,
        check_image: bool,
    ) -> Result<Deploy<'a>, String> {
        let name = cx.render(&spec.balancer)?;
        let image = cx.render(&spec.image)?;
        let dir = cx.shared.plan.project_dir.clone();
        let config = Config::load(&dir).map_err(|d| d.to_string())?;
        let file = dir.join(crate::config::FILE_NAME);
        let mut cfg = config.balancers.get(&name).cloned().ok_or_else(|| {
            let known: Vec<&str> = config.balancers.keys().map(String::as_str).collect();
            let known = if known.is_empty() { "none".to_string() } else { known.join(", ") };
            format!("rollout: balancer = {name:?} is not defined in {} (defined: {known}); add [balancers.{name}]", file.display())
        })?;
        cfg.resolve_paths(&dir);
        let podman = Podman::default();
        if check_image
            && (image.trim().is_empty() || !podman.image_exists(&image).await.map_err(|e| e.to_string())?)
        {
            return Err(format!(
                "rollout: image = {image:?} (from {:?}): {}",
                spec.image.source(),
                crate::platforms::PlatformError::NoImage { image: image.clone() }
            ));
        }
        let lb = Balancer::new(&name, &cfg);
        let before = lb.weights().await.map_err(|e| format!("rollout: {e}"))?;
        let weights = before.clone();
        let mut images = BTreeMap::new();
        for slot in &cfg.servers {
            if let Some(img) = podman.image_of(&format!("fd-{name}-{}", slot.name)).await {
                images.insert(slot.name.clone(), img);
            }
        }
        let mut kept =
            crate::rollout::keep::kept_slots(&cx.shared.store, &cx.shared.plan.environment.name, &name)?;
        kept.retain(|slot, _| images.contains_key(slot));
        Ok(Deploy {
            cx,
            spec,
            image,
            name,
            cfg,
            lb,
            podman,
            before,
            images,
            weights,
            started: Vec::new(),
            replaced: Vec::new(),
            kept,
            traffic: (0, 0, 0.0),
        })
    }

    /// The container name of a slot.
    pub(crate) fn container(&self, slot: &str) -> String {
        format!("fd-{}-{slot}", self.name)
    }

    /// Slots with weight, in configuration order.
    pub(crate) fn live(&self) -> Vec<String> {
        self.cfg
            .servers
            .iter()
            .filter(|s| self.weights.get(&s.name).copied().unwrap_or(0) > 0)
            .map(|s| s.name.clone())
            .collect()
    }

    /// Slots without weight, in configuration order.
    pub(crate) fn free(&self) -> Vec<String> {
        self.cfg
            .servers
            .iter()
            .filter(|s| self.weights.get(&s.name).copied().unwrap_or(0) == 0)
            .map(|s| s.name.clone())
            .collect()
    }

    fn stop_secs(&self) -> u64 {
        ms(self.spec.stop_timeout.as_ref(), 10_000) / 1000
    }

    /// Starts the new image in `slot` (removing what ran there) and waits until it is ready.
    pub(crate) async fn start(&mut self, slot: &str) -> Result<(), String> {
        let port = self.cfg.slot(slot).map(|s| s.port).ok_or_else(|| format!("no slot {slot:?}"))?;
        let name = self.container(slot);
        if let Some(until) = self.kept.get(slot) {
            let note = format!(
                "replacing the kept container {name} (kept until {}): this rollout's abort or the run's \
                 rollback brings it back while its keep lasts",
                until.to_rfc3339()
            );
            self.cx.log(Stream::System, note).await;
        }
        self.stop(slot).await?;
        self.cx.log(Stream::System, format!("starting {name} ({}) on port {port}", self.image)).await;
        self.podman.run(&name, &self.image, port, &[]).await.map_err(|e| e.to_string())?;
        self.started.push(slot.to_string());
        let detail = json!({ "engine": "podman", "container": name, "image": self.image, "balancer": self.name,
            "slot": slot, "port": port, "remove": format!("podman rm -f {name}") });
        self.record("container", &format!("podman:{name}"), detail).await?;
        self.wait_ready(&name, port).await
    }

    /// Stops and removes the container in `slot` (if any) and marks it removed in the inventory.
    pub(crate) async fn stop(&mut self, slot: &str) -> Result<(), String> {
        let name = self.container(slot);
        let removed = self.podman.remove(&name, self.stop_secs()).await.map_err(|e| e.to_string())?;
        if removed {
            self.cx.log(Stream::System, format!("removed {name}")).await;
        }
        self.unrecord(&format!("podman:{name}")).await
    }

    async fn wait_ready(&mut self, name: &str, port: u16) -> Result<(), String> {
        let path = self.spec.ready.clone().unwrap_or_else(|| "/".into());
        let url = format!("http://{}:{port}{path}", self.cfg.host());
        let limit = Duration::from_millis(ms(self.spec.ready_timeout.as_ref(), 30_000));
        let client =
            reqwest::Client::builder().timeout(Duration::from_secs(2)).build().map_err(|e| e.to_string())?;
        let end = tokio::time::Instant::now() + limit;
        let mut last = String::from("no answer");
        while tokio::time::Instant::now() < end {
            if self.cx.shared.cancel.is_cancelled() {
                return Err("cancelled".into());
            }
            match client.get(&url).send().await {
                Ok(r) if r.status().as_u16() < 400 => {
                    self.cx
                        .log(Stream::System, format!("{name} ready: GET {url} → {}", r.status().as_u16()))
                        .await;
                    return Ok(());
                }
                Ok(r) => last = format!("status {}", r.status().as_u16()),
                Err(e) => last = e.to_string(),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err(format!(
            "{name} ({}) was not ready within {} ms: GET {url}: {last}",
            self.image,
            limit.as_millis()
        ))
    }

    /// Sets weights at once, records newly served slots, and logs the split.
    pub(crate) async fn set(&mut self, changes: Vec<(String, u32)>) -> Result<(), String> {
        self.lb.set(&changes).await.map_err(|e| e.to_string())?;
        for (slot, w) in &changes {
            let was = self.weights.insert(slot.clone(), *w).unwrap_or(0);
            let server = format!("{}:{}/{slot}", self.kind(), self.name);
            if was == 0 && *w > 0 {
                let detail =
                    json!({ "balancer": self.name, "server": slot, "remove": self.lb.remove_hint(slot) });
                self.record("balancer_server", &server, detail).await?;
            } else if was > 0 && *w == 0 {
                self.unrecord(&server).await?;
            }
        }
        let text: Vec<String> = self.weights.iter().map(|(s, w)| format!("{s}={w}")).collect();
        self.cx.log(Stream::System, format!("weights: {}", text.join(" "))).await;
        Ok(())
    }

    fn kind(&self) -> &'static str {
        match self.lb {
            Balancer::Haproxy(_) => "haproxy",
            Balancer::Nginx(_) => "nginx",
        }
    }

    /// Waits `drain` so requests in flight on slots just taken out finish.
    pub(crate) async fn drain(&self) {
        tokio::time::sleep(Duration::from_millis(ms(self.spec.drain.as_ref(), 1000))).await;
    }

    async fn record(&mut self, kind: &str, name: &str, detail: serde_json::Value) -> Result<(), String> {
        self.unrecord(name).await?;
        let r = NewResource {
            environment: self.cx.shared.plan.environment.name.clone(),
            kind: kind.into(),
            name: name.into(),
            detail,
            run: Some(self.cx.shared.run_id.clone()),
            step: Some(self.cx.step_id().to_string()),
        };
        self.cx.shared.store.add_resource(&r, now()).await.map(|_| ()).map_err(|e| e.to_string())
    }

    /// Sets (or with `None` clears) when the kept container in `slot` expires (see `rollout::keep`).
    pub(crate) async fn mark_kept(&mut self, slot: &str, until: Option<Micros>) -> Result<(), String> {
        let name = format!("podman:{}", self.container(slot));
        let store = &self.cx.shared.store;
        let rows =
            store.resources(&self.cx.shared.plan.environment.name, false).map_err(|e| e.to_string())?;
        for r in rows.into_iter().filter(|r| r.name == name) {
            let mut detail = r.detail.clone();
            let Some(map) = detail.as_object_mut() else { continue };
            if let Some(t) = until {
                map.insert(KEEP_UNTIL.into(), json!(t.0));
                map.insert("keep_until_utc".into(), json!(t.to_rfc3339()));
            } else if map.remove(KEEP_UNTIL).is_none() {
                continue;
            } else {
                map.remove("keep_until_utc");
            }
            store.set_resource_detail(r.id, &detail).await.map_err(|e| e.to_string())?;
        }
        Ok(())
    }

    async fn unrecord(&mut self, name: &str) -> Result<(), String> {
        let store = &self.cx.shared.store;
        let env = &self.cx.shared.plan.environment.name;
        let live = store.resources(env, false).map_err(|e| e.to_string())?;
        for r in live.iter().filter(|r| r.name == name) {
            store
                .remove_resource(r.id, now(), Some(self.cx.shared.run_id.clone()))
                .await
                .map_err(|e| e.to_string())?;
        }
        Ok(())
    }

    /// Puts the old weights back, removes the containers this rollout started and restarts the old
    /// image in slots it replaced; returns what it did (or could not do).
    pub(crate) async fn abort(&mut self) -> String {
        let restore: Vec<(String, u32)> = self.before.iter().map(|(s, w)| (s.clone(), *w)).collect();
        let mut notes = Vec::new();
        // Traffic first: the slots that served before get their weights back in one request.
        let serving: Vec<(String, u32)> =
            restore.iter().filter(|(s, _)| !self.replaced.iter().any(|(r, _)| r == s)).cloned().collect();
        match self.set(serving).await {
            Ok(()) => notes.push("old weights restored".to_string()),
            Err(e) => notes.push(format!("restoring the old weights FAILED: {e}")),
        }
        for slot in std::mem::take(&mut self.started) {
            if self.replaced.iter().any(|(r, _)| *r == slot) {
                continue;
            }
            if let Some(note) = crate::rollout::keep::bring_back_replaced(self, &slot).await {
                notes.push(note);
                continue;
            }
            if let Err(e) = self.stop(&slot).await {
                notes.push(format!("removing {} FAILED: {e}", self.container(&slot)));
            }
        }
        for (slot, old) in std::mem::take(&mut self.replaced) {
            notes.push(strategy::restore_slot(self, &slot, &old).await);
        }
        let notes = if notes.len() > 1 { notes.join(", ") } else { notes.concat() };
        self.cx.log(Stream::System, format!("rollout aborted: {notes}")).await;
        self.cx.progress(json!({ "rollout": "aborted", "weights": self.weights })).await;
        format!("rollout aborted: {notes}")
    }

    fn outputs(&mut self) {
        let live = self.live().join(",");
        let (req, failed, p99) = self.traffic;
        let out = &mut self.cx.step_outputs;
        out.insert("image".into(), self.image.clone());
        out.insert("servers".into(), live);
        out.insert("traffic_requests".into(), req.to_string());
        out.insert("traffic_failed".into(), failed.to_string());
        out.insert("traffic_p99_ms".into(), format!("{p99:.3}"));
        let previous = self.previous();
        self.cx.step_outputs.insert(super::undo::PREVIOUS.into(), previous.to_string());
    }

    /// The state before the first change: weights, every slot's image, kept slots until when.
    pub(crate) fn previous(&self) -> serde_json::Value {
        let kept: BTreeMap<&String, i64> = self.kept.iter().map(|(s, t)| (s, t.0)).collect();
        json!({ "weights": self.before, "images": self.images, "kept": kept })
    }
}
