//! `check = { monitor = "web", for = "60s" }`, `check = { service = "api", for = "60s" }` (every
//! monitor watching that service, each probed every round) or inline `check = { url = "...", conditions = [...],
//! for = "30s" }`: gate a step on health. It probes every `interval` for `for` and passes only if
//! every probe passed; the first failing probe fails the step (and so triggers `on_fail`, e.g. a
//! rollback). Each probe is a log line and a `StepProgress` event.
//!
//! A named monitor is read from the project's `flightdeck.toml` when the step runs and resolved for
//! the run's environment; `conditions` given beside it are added to the monitor's. A literal
//! `service` no monitor watches is a load-time error naming the nearest one
//! ([`service_problems`](crate::workflow::catalog::service_problems)). `url` and `conditions` are templates (`[BODY].version == {{ params.version }}`). With
//! `FLIGHTDECK_DEMO_FAST=1` the duration shrinks to at most 500 ms and the interval to 100 ms.
//!
//! This file is the step kind (keys, templates, plan text); resolving
//! and probing are in [`crate::verify`], which a rollout stage's gate runs too.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::engine::{StepCx, StepOutcome};
use crate::health::monitor::Monitor;
use crate::steps::{ActionKind, BoxFuture, StepKind};
use crate::verify;
pub use crate::verify::CheckSpec;
use crate::workflow::template::Template;

/// The `check` kind.
pub struct Check;

impl ActionKind for Check {
    fn key(&self) -> &'static str {
        "check"
    }

    fn parse(&self, action: &Value, _extras: &BTreeMap<String, Value>) -> Result<Value, String> {
        if !action.is_object() {
            return Err("`check` must be a table: check = { monitor = \"web\", for = \"60s\" }".into());
        }
        let spec: CheckSpec = serde_json::from_value(action.clone()).map_err(|e| {
            format!("check: {e} (keys: monitor, service, url, conditions, for, interval, timeout)")
        })?;
        spec.check()?;
        serde_json::to_value(&spec).map_err(|e| e.to_string())
    }

    fn templates(&self, spec: &Value) -> Vec<(String, Template)> {
        let Ok(spec) = serde_json::from_value::<CheckSpec>(spec.clone()) else {
            return Vec::new();
        };
        let mut out: Vec<(String, Template)> =
            spec.url.map(|u| ("check.url".to_string(), u)).into_iter().collect();
        out.extend(spec.monitor.map(|m| ("check.monitor".to_string(), m)));
        out.extend(spec.service.map(|m| ("check.service".to_string(), m)));
        out.push(("check.for".to_string(), spec.duration));
        out.extend(
            spec.conditions.into_iter().enumerate().map(|(i, c)| (format!("check.conditions[{i}]"), c)),
        );
        out
    }

    fn describe(&self, spec: &Value) -> String {
        let what = spec
            .get("monitor")
            .and_then(Value::as_str)
            .map(|m| format!("monitor {m}"))
            .or_else(|| spec.get("service").and_then(Value::as_str).map(|s| format!("service {s}")))
            .or_else(|| spec.get("url").and_then(Value::as_str).map(str::to_string))
            .unwrap_or_default();
        let d = spec.get("for").and_then(Value::as_str).unwrap_or_default();
        format!("check: {what} healthy for {d}")
    }

    /// A check verifies what the run changed, so a dry run (which changed nothing) skips it
    /// unless the step names its own `dry_run` command.
    fn mutates(&self) -> bool {
        true
    }
}

impl StepKind for Check {
    fn execute<'a>(&'a self, spec: &'a Value, cx: &'a mut StepCx) -> BoxFuture<'a, StepOutcome> {
        Box::pin(async move {
            let spec = match serde_json::from_value::<CheckSpec>(spec.clone()) {
                Ok(s) => s,
                Err(e) => return StepOutcome::failed(format!("internal: bad check spec: {e}")),
            };
            let (monitors, total, every) = match verify::prepare(&spec, cx) {
                Ok(p) => p,
                Err(e) => return StepOutcome::failed(e),
            };
            let what: Vec<String> = monitors.iter().map(Monitor::target).collect();
            if let Err(e) =
                cx.started(&format!("check {} for {}", what.join(", "), verify::show(total))).await
            {
                return StepOutcome::failed(e.to_string());
            }
            verify::watch(cx, &monitors, total, every).await
        })
    }
}
