//! Message templates: one per event, a file whose first line is the subject and whose remaining
//! lines are the body, in the workflows' `{{ }}` syntax. The facts of the event are `run.*`
//! (`run.id`, `run.workflow`, `run.status`, `run.gate`, `run.approve_command`, ...) and
//! `environment.name` / `environment.production`. Defaults are built in; a project overrides one by
//! writing `EVENT.txt` in the directory named by `[notify] templates`.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use crate::notify::{EventName, Message};
use crate::workflow::template::{Outputs, Scope, Template};

const APPROVAL_WAITING: &str = "[flightdeck] {{ run.workflow }} on {{ environment.name }} waits for approval
Run {{ run.id }} ({{ run.title }}) started by {{ run.operator }} waits at gate {{ run.gate }}:
{{ run.gate_message }}

Approvals: {{ run.approvals }} of {{ run.required }}. {{ run.eligible }}
Approve from a terminal on the host:
    {{ run.approve_command }}";

const FAILED: &str = "[flightdeck] FAILED: {{ run.workflow }} on {{ environment.name }}
Run {{ run.id }} ({{ run.title }}) started by {{ run.operator }} failed after {{ run.duration }}.
{{ run.message }}

See it with: flightdeck runs {{ run.id }}";

const ROLLED_BACK: &str = "[flightdeck] ROLLED BACK: {{ run.workflow }} on {{ environment.name }}
Run {{ run.id }} ({{ run.title }}) started by {{ run.operator }} failed and was rolled back after {{ run.duration }}.
{{ run.message }}";

const FINISHED: &str = "[flightdeck] {{ run.workflow }} on {{ environment.name }} succeeded
Run {{ run.id }} ({{ run.title }}) started by {{ run.operator }} succeeded in {{ run.duration }}.";

const INCIDENT_OPENED: &str = "[flightdeck] INCIDENT {{ run.severity }} {{ run.incident }}: {{ run.title }}
Incident {{ run.incident }} ({{ run.severity }}) opened on {{ run.service }} in {{ environment.name }} at {{ run.started }}.";

const INCIDENT_RESOLVED: &str = "[flightdeck] resolved: incident {{ run.incident }}
Incident {{ run.incident }} ({{ run.title }}) on {{ run.service }} was resolved at {{ run.resolved }}.";

const MESSAGE: &str = "{{ run.subject }}
{{ run.text }}";

const TEST: &str = "[flightdeck] test message for channel {{ run.channel }}
This is a test from flightdeck on {{ run.host }}. If you can read it, channel {{ run.channel }} works.";

/// The built-in template of an event.
pub fn default_template(event: EventName) -> &'static str {
    match event {
        EventName::ApprovalWaiting => APPROVAL_WAITING,
        EventName::Failed => FAILED,
        EventName::RolledBack => ROLLED_BACK,
        EventName::Finished => FINISHED,
        EventName::IncidentOpened => INCIDENT_OPENED,
        EventName::IncidentResolved => INCIDENT_RESOLVED,
        EventName::Message => MESSAGE,
        EventName::Test => TEST,
    }
}

/// The template of `event`: the project's file in `dir` if there is one, else the default.
pub fn template_text(dir: Option<&Path>, event: EventName) -> Result<String, String> {
    if let Some(d) = dir {
        let path = d.join(format!("{}.txt", event.as_str()));
        match std::fs::read_to_string(&path) {
            Ok(t) => return Ok(t),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(format!("cannot read template {}: {e}", path.display())),
        }
    }
    Ok(default_template(event).to_string())
}

/// Renders `template` for `event` with `fields` (`run.*`) and the environment's name and flag.
/// A field the template names that the event lacks renders empty rather than failing the message.
pub fn render(
    template: &str,
    event: EventName,
    fields: &BTreeMap<String, String>,
) -> Result<Message, String> {
    let run: BTreeMap<String, Value> =
        fields.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect();
    let mut environment = BTreeMap::new();
    environment
        .insert("name".to_string(), Value::String(fields.get("environment").cloned().unwrap_or_default()));
    environment
        .insert("production".to_string(), Value::Bool(fields.get("production").is_some_and(|p| p == "true")));
    let empty = BTreeMap::new();
    let outputs = Outputs::new();
    let scope = Scope {
        params: &empty,
        environment: &environment,
        outputs: &outputs,
        step_prefix: None,
        secrets: &BTreeMap::new(),
        run: &run,
    };
    let mut run_filled = run.clone();
    for var in Template::new(template).vars().map_err(|e| format!("template: {e}"))? {
        if var.segments.first().is_some_and(|s| s == "run") && scope.get(&var).is_none() {
            run_filled.insert(var.segments.get(1).cloned().unwrap_or_default(), Value::String(String::new()));
        }
    }
    let scope = Scope { run: &run_filled, ..scope };
    let text = Template::new(template).render(&scope, false).map_err(|e| format!("template: {e}"))?;
    let (subject, body) = text.split_once('\n').unwrap_or((text.as_str(), ""));
    Ok(Message {
        event,
        subject: subject.trim().to_string(),
        text: body.trim_matches('\n').to_string(),
        fields: fields.clone(),
    })
}

/// Checks that a template parses and names only `run.*`, `environment.*` and `env.*` values.
pub fn check_template(text: &str) -> Result<(), String> {
    for var in Template::new(text).vars().map_err(|e| e.to_string())? {
        let root = var.segments.first().map(String::as_str).unwrap_or_default();
        if !["run", "environment", "env"].contains(&root) {
            return Err(format!(
                "{{{{ {var} }}}}: notification templates see run.*, environment.* and env.* only"
            ));
        }
    }
    Ok(())
}
