//! `run = "COMMAND"`: a shell command under `sh -c`, output streamed line by line, outputs read from
//! the file named by `$FLIGHTDECK_OUTPUT`.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::engine::{StepCx, StepOutcome};
use crate::steps::{ActionKind, BoxFuture, StepKind, template_field};
use crate::workflow::template::Template;

/// The `run` kind.
pub struct Run;

impl ActionKind for Run {
    fn key(&self) -> &'static str {
        "run"
    }

    fn parse(&self, action: &Value, _extras: &BTreeMap<String, Value>) -> Result<Value, String> {
        match action.as_str() {
            Some(cmd) if !cmd.trim().is_empty() => Ok(json!({ "command": cmd })),
            Some(_) => Err("`run` is empty: give the shell command to run".into()),
            None => Err("`run` must be a string holding a shell command, e.g. run = \"./deploy.sh\"".into()),
        }
    }

    fn templates(&self, spec: &Value) -> Vec<(String, Template)> {
        template_field(spec, "command").map(|t| ("run".to_string(), t)).into_iter().collect()
    }

    fn describe(&self, spec: &Value) -> String {
        format!("run: {}", spec.get("command").and_then(Value::as_str).unwrap_or_default())
    }
}

impl StepKind for Run {
    fn execute<'a>(&'a self, spec: &'a Value, cx: &'a mut StepCx) -> BoxFuture<'a, StepOutcome> {
        Box::pin(async move {
            let Some(command) = template_field(spec, "command") else {
                return StepOutcome::failed("run step has no command");
            };
            match cx.render_shell(&command) {
                Ok(cmd) => cx.shell(&cmd).await,
                Err(e) => StepOutcome::failed(e),
            }
        })
    }
}
