//! `uses = "TASK"` with `with = { ... }`: runs a task from `workflows/tasks/`. The planner expands it
//! into the task's steps (ids `STEP.TASKSTEP`), so this kind itself never executes.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::engine::{StepCx, StepOutcome};
use crate::steps::{ActionKind, BoxFuture, StepKind};
use crate::workflow::template::Template;

/// The `uses` kind.
pub struct Uses;

impl ActionKind for Uses {
    fn key(&self) -> &'static str {
        "uses"
    }

    fn extra_keys(&self) -> &'static [&'static str] {
        &["with"]
    }

    fn parse(&self, action: &Value, extras: &BTreeMap<String, Value>) -> Result<Value, String> {
        let Some(task) = action.as_str().filter(|t| !t.is_empty()) else {
            return Err(
                "`uses` must name a task in workflows/tasks/, e.g. uses = \"execute-migration\"".into()
            );
        };
        let with = match extras.get("with") {
            None => serde_json::Map::new(),
            Some(Value::Object(map)) => {
                let mut out = serde_json::Map::new();
                for (k, v) in map {
                    let text = match v {
                        Value::String(s) => s.clone(),
                        Value::Bool(_) | Value::Number(_) => v.to_string(),
                        _ => return Err(format!("`with.{k}` must be a string, number or boolean")),
                    };
                    out.insert(k.clone(), Value::String(text));
                }
                out
            }
            Some(_) => {
                return Err(
                    "`with` must be a table of task inputs, e.g. with = { database = \"app.db\" }".into()
                );
            }
        };
        Ok(json!({ "task": task, "with": with }))
    }

    fn templates(&self, spec: &Value) -> Vec<(String, Template)> {
        spec.get("with")
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| v.as_str().map(|s| (format!("with.{k}"), Template::new(s))))
                    .collect()
            })
            .unwrap_or_default()
    }

    fn describe(&self, spec: &Value) -> String {
        format!("uses: {}", spec.get("task").and_then(Value::as_str).unwrap_or_default())
    }

    fn mutates(&self) -> bool {
        false
    }
}

impl StepKind for Uses {
    fn execute<'a>(&'a self, _spec: &'a Value, _cx: &'a mut StepCx) -> BoxFuture<'a, StepOutcome> {
        Box::pin(async { StepOutcome::failed("internal: `uses` steps are expanded by the planner") })
    }
}
