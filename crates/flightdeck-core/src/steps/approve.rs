//! `approve = "message"` (yes/no) or `approve = { message, phrase | choices, default, facts }`.
//!
//! The environment decides how many distinct people must approve and whether the run's operator
//! may be one of them; its `confirm_phrase` applies when the step names no phrase or choices.
//! The chosen option of a choice gate becomes `steps.ID.outputs.choice`.

use std::collections::BTreeMap;

use serde_json::Value;

pub use crate::engine::ApproveSpec;
use crate::engine::{StepCx, StepOutcome};
use crate::steps::{ActionKind, BoxFuture, StepKind};
use crate::workflow::template::Template;

/// The `approve` kind.
pub struct Approve;

impl ActionKind for Approve {
    fn key(&self) -> &'static str {
        "approve"
    }

    fn parse(&self, action: &Value, _extras: &BTreeMap<String, Value>) -> Result<Value, String> {
        let spec: ApproveSpec =
            match action {
                Value::String(s) => ApproveSpec {
                    message: Template::new(s.clone()),
                    phrase: None,
                    choices: Vec::new(),
                    default: None,
                    facts: BTreeMap::new(),
                },
                Value::Object(_) => serde_json::from_value(action.clone())
                    .map_err(|e| format!("approve: {e} (keys: message, phrase, choices, default, facts)"))?,
                _ => return Err(
                    "`approve` must be a message string or a table { message, phrase | choices, default }"
                        .into(),
                ),
            };
        spec.check()?;
        serde_json::to_value(&spec).map_err(|e| e.to_string())
    }

    fn templates(&self, spec: &Value) -> Vec<(String, Template)> {
        let Ok(spec) = serde_json::from_value::<ApproveSpec>(spec.clone()) else {
            return Vec::new();
        };
        let mut out = vec![("approve.message".to_string(), spec.message)];
        out.extend(spec.phrase.map(|p| ("approve.phrase".to_string(), p)));
        out.extend(spec.facts.into_iter().map(|(k, t)| (format!("approve.facts.{k}"), t)));
        out
    }

    fn describe(&self, spec: &Value) -> String {
        let msg = spec.get("message").and_then(Value::as_str).unwrap_or_default();
        if let Some(p) = spec.get("phrase").and_then(Value::as_str) {
            format!("approve (type {p:?}): {msg}")
        } else if let Some(c) = spec.get("choices").and_then(Value::as_array).filter(|c| !c.is_empty()) {
            let opts: Vec<&str> = c.iter().filter_map(Value::as_str).collect();
            format!("approve (choose {}): {msg}", opts.join(" | "))
        } else {
            format!("approve: {msg}")
        }
    }

    fn mutates(&self) -> bool {
        false
    }
}

impl StepKind for Approve {
    fn execute<'a>(&'a self, spec: &'a Value, cx: &'a mut StepCx) -> BoxFuture<'a, StepOutcome> {
        Box::pin(async move {
            match serde_json::from_value::<ApproveSpec>(spec.clone()) {
                Ok(spec) => cx.gate(&spec).await,
                Err(e) => StepOutcome::failed(format!("internal: bad approve spec: {e}")),
            }
        })
    }
}
