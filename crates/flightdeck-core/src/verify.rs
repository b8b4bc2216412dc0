//! Running a health check inside a step: the spec of `check = { monitor | url, conditions, for,
//! interval, timeout }`, resolved against `flightdeck.toml` and the run's environment, then probed
//! every `interval` for `for`, each probe a log line and a `StepProgress` event; the first failing
//! probe fails. The `check` step kind (`steps::check`) and a rollout stage's gate
//! (`rollout::gate`) both run it, so neither imports the other's module.
//!
//! With `FLIGHTDECK_DEMO_FAST=1` the duration shrinks to at most 500 ms and the interval to 100 ms.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::config::Config;
use crate::engine::event::Stream;
use crate::engine::{StepCx, StepOutcome};
use crate::health::condition::Condition;
use crate::health::monitor::Monitor;
use crate::health::probe::{Clients, probe};
use crate::time::{human_duration, now, parse_duration};
use crate::workflow::template::Template;

/// The normalised spec of a check step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckSpec {
    /// A monitor of `flightdeck.toml` (templated).
    #[serde(default)]
    pub monitor: Option<Template>,
    /// An inline HTTP(S) URL (templated).
    #[serde(default)]
    pub url: Option<Template>,
    /// Conditions (templated): the inline check's, or extra ones for the monitor.
    #[serde(default)]
    pub conditions: Vec<Template>,
    /// How long every probe must pass (`60s`; templated).
    #[serde(rename = "for")]
    pub duration: Template,
    /// Time between probes (default: the monitor's interval, at most a tenth of `for`, at least 100 ms).
    #[serde(default)]
    pub interval: Option<String>,
    /// Longest one probe may take (default: the monitor's, or 10 s).
    #[serde(default)]
    pub timeout: Option<String>,
}

impl CheckSpec {
    /// Checks the keys that are not templates: one of `monitor`/`url`, durations, conditions.
    pub(crate) fn check(&self) -> Result<(), String> {
        match (&self.monitor, &self.url) {
            (Some(_), Some(_)) => return Err("check: give `monitor` or `url`, not both".into()),
            (None, None) => {
                return Err(
                    "check needs `monitor = \"NAME\"` (from flightdeck.toml) or `url = \"...\"`".into()
                );
            }
            _ => {}
        }
        for (key, v) in [
            ("for", Some(self.duration.source())),
            ("interval", self.interval.as_deref()),
            ("timeout", self.timeout.as_deref()),
        ] {
            if let Some(v) = v
                && !v.contains("{{")
                && parse_duration(v).is_none_or(|ms| ms == 0)
            {
                return Err(format!("check: {key} {v:?} is not a duration; write e.g. \"30s\""));
            }
        }
        for c in self.conditions.iter().map(Template::source).filter(|c| !c.contains("{{")) {
            Condition::parse(c).map_err(|e| format!("check: {e}"))?;
        }
        Ok(())
    }
}

/// Runs a check inside another step (a rollout's stage): probes for its `for` and fails at the first
/// failing probe, without reporting the step as started.
pub async fn run_check(spec: &CheckSpec, cx: &mut StepCx) -> StepOutcome {
    match prepare(spec, cx) {
        Ok((monitor, total, every)) => watch(cx, &monitor, total, every).await,
        Err(e) => StepOutcome::failed(e),
    }
}

/// The monitor to probe, how long, and how often: `spec` resolved and rendered for the step's run.
pub fn prepare(spec: &CheckSpec, cx: &StepCx) -> Result<(Monitor, Duration, Duration), String> {
    let monitor = resolve(spec, cx)?;
    let total = match parse_duration(&cx.render(&spec.duration)?) {
        Some(ms) if ms > 0 => Duration::from_millis(ms),
        _ => return Err(format!("check: for {:?} is not a duration", spec.duration.source())),
    };
    let (total, every) = timing(spec, &monitor, total);
    Ok((monitor, total, every))
}

/// A duration as people write it (`1m 30s`).
pub fn show(d: Duration) -> String {
    human_duration(i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// The monitor to probe: the named one for the run's environment, or the inline one.
fn resolve(spec: &CheckSpec, cx: &StepCx) -> Result<Monitor, String> {
    let plan = &cx.shared.plan;
    let extra: Vec<String> = spec.conditions.iter().map(|c| cx.render(c)).collect::<Result<_, _>>()?;
    let mut cfg_json = json!({ "conditions": extra, "failure_threshold": 1 });
    let (name, base, mut cfg) = if let Some(name) = &spec.monitor {
        let name = &cx.render(name)?;
        let config = Config::load(&plan.project_dir).map_err(|d| d.to_string())?;
        let found = config.monitors.get(name).ok_or_else(|| {
            let known: Vec<&str> = config.monitors.keys().map(String::as_str).collect();
            format!("check: no monitor {name:?} in flightdeck.toml (defined: {})", known.join(", "))
        })?;
        if let Some(d) = config.monitor_problems.get(name) {
            return Err(format!(
                "check: monitor {name:?} is disabled: {}:{}: {}",
                d.file.display(),
                d.line,
                d.message
            ));
        }
        (name.clone(), plan.project_dir.clone(), found.clone())
    } else {
        let url = spec.url.as_ref().map(|u| cx.render(u)).transpose()?.unwrap_or_default();
        cfg_json["url"] = Value::String(url);
        let cfg = serde_json::from_value(cfg_json.clone()).map_err(|e| format!("check: {e}"))?;
        ("check".to_string(), plan.project_dir.clone(), cfg)
    };
    if spec.monitor.is_some() {
        cfg.conditions.extend(extra.iter().cloned());
        if cfg.conditions.len() == extra.len() && !extra.is_empty() && cfg.url.is_some() {
            // Only extra conditions: keep the probe's defaults too.
            cfg.conditions.insert(0, "[STATUS] < 400".into());
        }
    }
    if let Some(t) = &spec.timeout {
        cfg.timeout.clone_from(t);
    }
    Monitor::resolve(&name, &cfg, &plan.environment, &base).map_err(|e| format!("check {name}: {e}"))
}

/// The duration and the interval between probes.
fn timing(spec: &CheckSpec, m: &Monitor, mut total: Duration) -> (Duration, Duration) {
    let ms = |s: &Option<String>| s.as_deref().and_then(parse_duration).map(Duration::from_millis);
    let mut every =
        ms(&spec.interval).unwrap_or_else(|| m.interval.min(total / 10)).max(Duration::from_millis(100));
    if crate::sandbox::server::demo_fast() {
        total = total.min(Duration::from_millis(500));
        every = every.min(Duration::from_millis(100));
    }
    (total, every)
}

/// Probes until `total` has passed; fails at the first failing probe.
pub async fn watch(cx: &mut StepCx, m: &Monitor, total: Duration, every: Duration) -> StepOutcome {
    let clients = Clients::new();
    let start = tokio::time::Instant::now();
    let end = start + total;
    let deadline = cx.deadline;
    let cancel = cx.shared.cancel.clone();
    let mut n = 0u32;
    loop {
        n += 1;
        let r = tokio::select! {
            () = cancel.cancelled() => return StepOutcome::Cancelled,
            () = sleep_until_opt(deadline) => return StepOutcome::failed(format!("check {}: timed out", m.name)),
            r = probe(m, &clients, now()) => r,
        };
        let elapsed = start.elapsed();
        cx.log(Stream::System, format!("probe {n}: {} {}", m.name, r.line())).await;
        cx.progress(json!({
            "probe": n,
            "monitor": m.name,
            "elapsed_ms": u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX),
            "for_ms": u64::try_from(total.as_millis()).unwrap_or(u64::MAX),
            "result": r,
        }))
        .await;
        if !r.success {
            let reason = r.reason.map_or("failed", |x| x.as_str());
            return StepOutcome::failed(format!(
                "check {}: probe {n} failed after {} ({reason}): {}",
                m.name,
                show(elapsed),
                r.message.as_deref().unwrap_or("")
            ));
        }
        let next = tokio::time::Instant::now() + every;
        if next > end {
            break;
        }
        tokio::select! {
            () = cancel.cancelled() => return StepOutcome::Cancelled,
            () = tokio::time::sleep_until(next) => {}
        }
    }
    cx.log(Stream::System, format!("{} passed {n} probes over {}", m.name, show(total))).await;
    StepOutcome::Succeeded
}

async fn sleep_until_opt(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}
