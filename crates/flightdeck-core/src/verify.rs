//! Running a health check inside a step: the spec of `check = { monitor | service | url,
//! conditions, for, interval, timeout }`, resolved against `flightdeck.toml` and the run's
//! environment (a `service` is every monitor watching it), then probed every `interval` for `for`,
//! each probe a log line and a `StepProgress` event; the first failing probe fails. The `check` step
//! kind (`steps::check`) and a rollout stage's gate (`rollout::gate`) both run it, so neither
//! imports the other's module.
//!
//! With `FLIGHTDECK_DEMO_FAST=1` the duration shrinks to at most 500 ms and the interval to 100 ms.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::config::Config;
use crate::config::monitors::{MonitorConfig, unknown_service, watching};
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
    /// A service: every monitor of `flightdeck.toml` watching it (templated).
    #[serde(default)]
    pub service: Option<Template>,
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
    /// Checks the keys that are not templates: one of `monitor`/`service`/`url`, durations,
    /// conditions.
    pub(crate) fn check(&self) -> Result<(), String> {
        match [self.monitor.is_some(), self.service.is_some(), self.url.is_some()]
            .iter()
            .filter(|x| **x)
            .count()
        {
            0 => {
                return Err(
                    "check needs `monitor = \"NAME\"` or `service = \"NAME\"` (from flightdeck.toml) \
                            or `url = \"...\"`"
                        .into(),
                );
            }
            1 => {}
            _ => {
                return Err(
                    "check: `monitor`, `service` and `url` exclude each other: give one, not both".into()
                );
            }
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
        Ok((monitors, total, every)) => watch(cx, &monitors, total, every).await,
        Err(e) => StepOutcome::failed(e),
    }
}

/// The monitors to probe, how long, and how often: `spec` resolved and rendered for the step's run.
pub fn prepare(spec: &CheckSpec, cx: &StepCx) -> Result<(Vec<Monitor>, Duration, Duration), String> {
    let monitors = resolve(spec, cx)?;
    let (total, every) = timing(spec, &monitors, duration(spec, cx)?);
    Ok((monitors, total, every))
}

/// The check's `for`, rendered.
fn duration(spec: &CheckSpec, cx: &StepCx) -> Result<Duration, String> {
    match parse_duration(&cx.render(&spec.duration)?) {
        Some(ms) if ms > 0 => Ok(Duration::from_millis(ms)),
        _ => Err(format!("check: for {:?} is not a duration", spec.duration.source())),
    }
}

/// A duration as people write it (`1m 30s`).
pub fn show(d: Duration) -> String {
    human_duration(i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// The monitors to probe: the named one or every one watching the service (for the run's
/// environment), or the inline one.
fn resolve(spec: &CheckSpec, cx: &StepCx) -> Result<Vec<Monitor>, String> {
    let plan = &cx.shared.plan;
    let extra: Vec<String> = spec.conditions.iter().map(|c| cx.render(c)).collect::<Result<_, _>>()?;
    if spec.monitor.is_none() && spec.service.is_none() {
        let url = spec.url.as_ref().map(|u| cx.render(u)).transpose()?.unwrap_or_default();
        let cfg_json = json!({ "conditions": extra, "failure_threshold": 1, "url": url });
        let mut cfg: MonitorConfig = serde_json::from_value(cfg_json).map_err(|e| format!("check: {e}"))?;
        if let Some(t) = &spec.timeout {
            cfg.timeout.clone_from(t);
        }
        let m = Monitor::resolve("check", &cfg, &plan.environment, &plan.project_dir);
        return m.map(|m| vec![m]).map_err(|e| format!("check check: {e}"));
    }
    let config = Config::load(&plan.project_dir).map_err(|d| d.to_string())?;
    let names = if let Some(name) = &spec.monitor {
        vec![cx.render(name)?]
    } else {
        let service = spec.service.as_ref().map(|s| cx.render(s)).transpose()?.unwrap_or_default();
        of_service(&config, &service, &plan.environment.name)?
    };
    names.iter().map(|n| named(&config, n, &extra, spec, cx)).collect()
}

/// The monitors watching `service` that apply to `env`, by name.
fn of_service(config: &Config, service: &str, env: &str) -> Result<Vec<String>, String> {
    let all = watching(&config.monitors, service);
    if all.is_empty() {
        return Err(format!("check: {}", unknown_service(config, service)));
    }
    let applies = |n: &str| {
        config
            .monitors
            .get(n)
            .is_some_and(|m| m.environments.is_empty() || m.environments.iter().any(|e| e == env))
    };
    let names: Vec<String> = all.iter().filter(|n| applies(n)).map(|n| (*n).to_string()).collect();
    if names.is_empty() {
        return Err(format!(
            "check: no monitor of service {service:?} applies to environment {env:?} (monitors: {})",
            all.join(", ")
        ));
    }
    Ok(names)
}

/// Monitor `name` of the config for the run's environment, with the check's extra conditions.
fn named(
    config: &Config,
    name: &str,
    extra: &[String],
    spec: &CheckSpec,
    cx: &StepCx,
) -> Result<Monitor, String> {
    let plan = &cx.shared.plan;
    let found = config.monitors.get(name).ok_or_else(|| {
        let known: Vec<&str> = config.monitors.keys().map(String::as_str).collect();
        if known.is_empty() {
            return format!(
                "check: no monitor {name:?} in flightdeck.toml (none is defined: add [monitors.{name}])"
            );
        }
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
    let mut cfg = found.clone();
    cfg.conditions.extend(extra.iter().cloned());
    if cfg.conditions.len() == extra.len() && !extra.is_empty() && cfg.url.is_some() {
        // Only extra conditions: keep the probe's defaults too.
        cfg.conditions.insert(0, "[STATUS] < 400".into());
    }
    if let Some(t) = &spec.timeout {
        cfg.timeout.clone_from(t);
    }
    Monitor::resolve(name, &cfg, &plan.environment, &plan.project_dir)
        .map_err(|e| format!("check {name}: {e}"))
}

/// The duration and the interval between probes (the shortest monitor interval).
fn timing(spec: &CheckSpec, monitors: &[Monitor], mut total: Duration) -> (Duration, Duration) {
    let ms = |s: &Option<String>| s.as_deref().and_then(parse_duration).map(Duration::from_millis);
    let shortest = monitors.iter().map(|m| m.interval).min().unwrap_or(total);
    let mut every =
        ms(&spec.interval).unwrap_or_else(|| shortest.min(total / 10)).max(Duration::from_millis(100));
    if crate::sandbox::server::demo_fast() {
        total = total.min(Duration::from_millis(500));
        every = every.min(Duration::from_millis(100));
    }
    (total, every)
}

/// Probes every monitor each round until `total` has passed; fails at the first failing probe.
pub async fn watch(cx: &mut StepCx, monitors: &[Monitor], total: Duration, every: Duration) -> StepOutcome {
    let clients = Clients::new();
    let start = tokio::time::Instant::now();
    let end = start + total;
    let cancel = cx.shared.cancel.clone();
    let mut n = 0u32;
    loop {
        n += 1;
        for m in monitors {
            if let Some(stop) = probe_once(cx, m, &clients, (n, start, total)).await {
                return stop;
            }
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
    let names: Vec<&str> = monitors.iter().map(|m| m.name.as_str()).collect();
    cx.log(Stream::System, format!("{} passed {n} probes over {}", names.join(", "), show(total))).await;
    StepOutcome::Succeeded
}

/// Probe `n` of monitor `m`, logged and reported; `Some` ends the check (failed or cancelled).
async fn probe_once(
    cx: &mut StepCx,
    m: &Monitor,
    clients: &Clients,
    (n, start, total): (u32, tokio::time::Instant, Duration),
) -> Option<StepOutcome> {
    let cancel = cx.shared.cancel.clone();
    let r = tokio::select! {
        () = cancel.cancelled() => return Some(StepOutcome::Cancelled),
        () = sleep_until_opt(cx.deadline) => return Some(StepOutcome::failed(format!("check {}: timed out", m.name))),
        r = probe(m, clients, now()) => r,
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
    if r.success {
        return None;
    }
    let reason = r.reason.map_or("failed", |x| x.as_str());
    Some(StepOutcome::failed(format!(
        "check {}: probe {n} failed after {} ({reason}): {}",
        m.name,
        show(elapsed),
        r.message.as_deref().unwrap_or("")
    )))
}

async fn sleep_until_opt(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}
