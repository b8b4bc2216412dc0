//! The catalogue's check against the project's `flightdeck.toml`: a `check` step, or the `check` a
//! `rollout` step runs at every stage, naming a literal `service` that no monitor watches.

use serde_json::Value;

use crate::config::Config;
use crate::config::monitors::{unknown_service, watching};
use crate::diag::Diagnostic;
use crate::workflow::model::Workflow;

/// Load-time problems of a workflow's `check` steps, and of the `check` a `rollout` step runs at
/// every stage, against the project's config: a literal `service` that no monitor watches (the
/// nearest service named).
pub fn service_problems(wf: &Workflow, config: &Config) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for step in &wf.steps {
        let spec = &step.action.spec;
        let service = match step.action.kind.as_str() {
            "check" => spec.get("service"),
            "rollout" => spec.get("check").and_then(|c| c.get("service")),
            _ => None,
        };
        let Some(service) = service.and_then(Value::as_str) else { continue };
        if service.contains("{{") || !watching(&config.monitors, service).is_empty() {
            continue;
        }
        let (line, column) = step.action.at.0.unwrap_or((step.line, 0));
        out.push(
            Diagnostic::new(&wf.source, line, column, format!("step `{}`: {}", step.id, unknown_service(config, service)))
                .with_help("name a service a monitor watches (its `service` key, or its name), or add a [monitors.NAME] for it"),
        );
    }
    out
}
