//! `rollout = { strategy, balancer, image, stages, hold, check, traffic, ... }`: deploys an image to
//! containers behind a balancer with a rolling, blue-green or canary strategy (see `crate::rollout`
//! for every key and what happens on failure). Progress is `StepProgress` with the stage and the
//! traffic split; outputs: `image`, `servers`, `traffic_requests`, `traffic_failed`, `traffic_p99_ms`,
//! `previous` (the weights and images before; a run's rollback puts them back, see `rollout::undo`).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::Value;

use crate::engine::{StepCx, StepOutcome};
use crate::rollout::{self, KEYS, RolloutSpec};
use crate::steps::{ActionKind, BoxFuture, StepKind};
use crate::workflow::template::Template;

/// The `rollout` kind.
pub struct Rollout;

impl ActionKind for Rollout {
    fn key(&self) -> &'static str {
        "rollout"
    }

    fn parse(&self, action: &Value, _extras: &BTreeMap<String, Value>) -> Result<Value, String> {
        if !action.is_object() {
            return Err("`rollout` must be a table: rollout = { strategy = \"canary\", balancer = \"web\", \
                        image = \"app:1.2.3\", stages = [5, 25, 50, 100] }"
                .into());
        }
        let spec: RolloutSpec =
            serde_json::from_value(action.clone()).map_err(|e| format!("rollout: {e} (keys: {KEYS})"))?;
        spec.validate()?;
        if let Some(check) = action.get("check") {
            super::check::Check.parse(check, &BTreeMap::new()).map_err(|e| format!("rollout.{e}"))?;
        }
        if let Some(traffic) = action.get("traffic") {
            super::load::Load
                .parse(traffic, &BTreeMap::new())
                .map_err(|e| format!("rollout traffic: {e}"))?;
        }
        serde_json::to_value(&spec).map_err(|e| e.to_string())
    }

    fn templates(&self, spec: &Value) -> Vec<(String, Template)> {
        let mut out: Vec<(String, Template)> = ["balancer", "image"]
            .iter()
            .filter_map(|f| super::template_field(spec, f).map(|t| (format!("rollout.{f}"), t)))
            .collect();
        if let Some(check) = spec.get("check").filter(|c| !c.is_null()) {
            out.extend(
                super::check::Check.templates(check).into_iter().map(|(f, t)| (format!("rollout.{f}"), t)),
            );
        }
        if let Some(url) = spec.get("traffic").and_then(|t| t.get("url")).and_then(Value::as_str) {
            out.push(("rollout.traffic.url".into(), Template::new(url)));
        }
        out
    }

    fn describe(&self, spec: &Value) -> String {
        let get = |k: &str| spec.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
        let mut text =
            format!("rollout: {} {} on balancer {}", get("strategy"), get("image"), get("balancer"));
        if let Some(stages) = spec.get("stages").and_then(Value::as_array).filter(|s| !s.is_empty()) {
            let s: Vec<String> = stages.iter().map(ToString::to_string).collect();
            let _ = write!(text, " stages {}", s.join(","));
        }
        text
    }
}

impl StepKind for Rollout {
    fn execute<'a>(&'a self, spec: &'a Value, cx: &'a mut StepCx) -> BoxFuture<'a, StepOutcome> {
        Box::pin(async move {
            match serde_json::from_value::<RolloutSpec>(spec.clone()) {
                Ok(spec) => rollout::deploy::run(spec, cx).await,
                Err(e) => StepOutcome::failed(format!("internal: bad rollout spec: {e}")),
            }
        })
    }

    fn rolls_back(&self) -> bool {
        true
    }

    fn resumes_rollback(&self) -> bool {
        true
    }

    fn rollback<'a>(&'a self, spec: &'a Value, cx: &'a mut StepCx) -> BoxFuture<'a, StepOutcome> {
        Box::pin(async move {
            match serde_json::from_value::<RolloutSpec>(spec.clone()) {
                Ok(spec) => rollout::undo::run(spec, cx).await,
                Err(e) => StepOutcome::failed(format!("internal: bad rollout spec: {e}")),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(v: &Value) -> Result<Value, String> {
        Rollout.parse(v, &BTreeMap::new())
    }

    #[test]
    fn parses_specs_and_names_mistakes() {
        let ok = json!({ "strategy": "canary", "balancer": "web", "image": "app:{{ params.version }}",
            "stages": [5, 25, 50, 100], "hold": "2s", "check": { "url": "http://127.0.0.1:{port}/", "for": "1s" },
            "traffic": { "url": "http://127.0.0.1:18080/", "thresholds": ["error_rate < 1%"] } });
        let spec = parse(&ok).unwrap();
        let fields: Vec<String> = Rollout.templates(&spec).into_iter().map(|(f, _)| f).collect();
        assert!(
            fields.contains(&"rollout.image".to_string())
                && fields.contains(&"rollout.check.url".to_string()),
            "{fields:?}"
        );
        assert_eq!(
            Rollout.describe(&spec),
            "rollout: canary app:{{ params.version }} on balancer web stages 5,25,50,100"
        );
        let mut bad = ok.clone();
        bad["stages"] = json!([5, 25, 50]);
        assert!(parse(&bad).unwrap_err().contains("must end at 100"));
        let mut bad = ok.clone();
        bad["stratgy"] = json!("x");
        assert!(parse(&bad).unwrap_err().contains("stratgy"));
        let mut bad = ok.clone();
        bad["strategy"] = json!("big-bang");
        assert!(parse(&bad).unwrap_err().contains("big-bang"));
        let mut bad = ok.clone();
        bad["traffic"]["thresholds"] = json!(["error_rate lots"]);
        assert!(parse(&bad).unwrap_err().contains("bad threshold"));
        let mut bad = ok;
        bad["strategy"] = json!("rolling");
        assert!(parse(&bad).unwrap_err().contains("`stages` applies to strategy = \"canary\" only"));
        assert!(
            parse(&json!({ "strategy": "rolling", "balancer": "web", "image": "" }))
                .unwrap_err()
                .contains("names no image")
        );
    }
}
