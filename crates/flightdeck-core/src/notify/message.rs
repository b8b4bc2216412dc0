//! Message templates: one per event, a file whose first line is the subject and whose remaining
//! lines are the body, in the workflows' `{{ }}` syntax. The facts of the event are `run.*`
//! (`run.id`, `run.workflow`, `run.status`, ...), `environment.name` / `environment.production`,
//! `env.*`, and per event (see [`vars`]): `params.*`, `steps.ID.outputs.*` and `deploy.*` on run
//! events, `approval.*` on `approval_waiting`, `incident.*` on the incident events. Defaults are
//! built in; a project overrides one by writing `EVENT.txt` in the directory named by
//! `[notify] templates`.

use std::collections::BTreeMap;
use std::path::Path;

use crate::notify::{EventName, Message, vars};
use crate::workflow::template::{Piece, Template};

const APPROVAL_WAITING: &str = "[flightdeck] {{ run.workflow }} on {{ environment.name }} waits for approval
Run {{ run.id }} ({{ run.title }}) started by {{ run.operator }} waits at gate {{ approval.gate }}:
{{ approval.message }}
{{ deploy.summary }}
Approvals: {{ approval.approvals }} of {{ approval.required }}. {{ approval.eligible }}
Approve from a terminal on the host:
    {{ approval.command }}";

const FAILED: &str = "[flightdeck] FAILED: {{ run.workflow }} on {{ environment.name }}
Run {{ run.id }} ({{ run.title }}) started by {{ run.operator }} failed after {{ run.duration }}.
{{ run.message }}
{{ deploy.summary }}
Parameters: {{ run.params }}
See it with: flightdeck runs {{ run.id }}";

const ROLLED_BACK: &str = "[flightdeck] ROLLED BACK: {{ run.workflow }} on {{ environment.name }}
Run {{ run.id }} ({{ run.title }}) started by {{ run.operator }} failed and was rolled back after {{ run.duration }}.
{{ run.message }}
{{ deploy.summary }}
Parameters: {{ run.params }}";

const FINISHED: &str = "[flightdeck] {{ run.workflow }} on {{ environment.name }} succeeded
Run {{ run.id }} ({{ run.title }}) started by {{ run.operator }} succeeded in {{ run.duration }}.
{{ deploy.summary }}
Parameters: {{ run.params }}";

const INCIDENT_OPENED: &str = "[flightdeck] INCIDENT {{ incident.severity }} {{ incident.id }}: {{ incident.title }}
Incident {{ incident.id }} ({{ incident.severity }}) opened on {{ incident.service }} in {{ environment.name }} at {{ incident.started }}.
Commander: {{ incident.commander }}
Follow it with: {{ incident.command }}
Join it with: {{ incident.join_command }}";

const INCIDENT_RESOLVED: &str = "[flightdeck] resolved: incident {{ incident.id }}
Incident {{ incident.id }} ({{ incident.title }}, {{ incident.severity }}) on {{ incident.service }} was resolved at {{ incident.resolved }}.
Commander: {{ incident.commander }}
See it with: {{ incident.command }}";

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

/// Renders `template` for `event` with `fields`: plain keys are `run.*`, dotted keys
/// (`params.version`, `steps.build.outputs.digest`, `deploy.version`, `incident.title`, ...) are
/// the variables of the same name; `environment.name` / `environment.production` come from the
/// `environment` / `production` fields. A variable the event lacks renders empty rather than
/// failing the message.
pub fn render(
    template: &str,
    event: EventName,
    fields: &BTreeMap<String, String>,
) -> Result<Message, String> {
    let mut text = String::with_capacity(template.len());
    for piece in Template::new(template).parse().map_err(|e| format!("template: {e}"))? {
        match piece {
            Piece::Text(t) => text.push_str(&t),
            Piece::Var(v) => text.push_str(&lookup(&v.segments, fields)),
        }
    }
    let (subject, body) = text.split_once('\n').unwrap_or((text.as_str(), ""));
    Ok(Message {
        event,
        subject: subject.trim().to_string(),
        text: body.trim_matches('\n').to_string(),
        fields: fields.clone(),
    })
}

fn lookup(segments: &[String], fields: &BTreeMap<String, String>) -> String {
    let segs: Vec<&str> = segments.iter().map(String::as_str).collect();
    let get = |k: &str| fields.get(k).cloned().unwrap_or_default();
    match segs.as_slice() {
        ["run", key] => get(key),
        ["environment", "name"] => get("environment"),
        ["environment", "production"] => (get("production") == "true").to_string(),
        ["env", var] => std::env::var(var).unwrap_or_default(),
        _ => get(&segs.join(".")),
    }
}

/// Checks that a template parses and names only variables `event` has (see [`vars`]); the error
/// names the line and the variable.
pub fn check_template(text: &str, event: EventName) -> Result<(), vars::TemplateProblem> {
    vars::check(text, event)
}

/// The project's template files in `dir` that name variables their event never has, as
/// diagnostics naming the file and line.
pub fn check_dir(dir: &Path) -> Vec<crate::diag::Diagnostic> {
    let mut out = Vec::new();
    for event in EVENTS {
        let path = dir.join(format!("{}.txt", event.as_str()));
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => {
                out.push(crate::diag::Diagnostic::new(&path, 0, 0, format!("cannot read template: {e}")));
                continue;
            }
        };
        if let Err(p) = vars::check(&text, event) {
            out.push(
                crate::diag::Diagnostic::new(
                    &path,
                    p.line,
                    0,
                    format!("template for {event}: {}", p.message),
                )
                .with_help("see the variable table per event in README, section Notifications"),
            );
        }
    }
    out
}

/// Every event that has a template file.
pub const EVENTS: [EventName; 8] = [
    EventName::ApprovalWaiting,
    EventName::Failed,
    EventName::RolledBack,
    EventName::Finished,
    EventName::IncidentOpened,
    EventName::IncidentResolved,
    EventName::Message,
    EventName::Test,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_default_template_passes_its_own_event_check() {
        for e in EVENTS {
            assert_eq!(check_template(default_template(e), e), Ok(()), "{e}");
        }
    }

    #[test]
    fn dotted_fields_render_as_their_variables_and_missing_ones_empty() {
        let fields = BTreeMap::from([
            ("id".to_string(), "r1".to_string()),
            ("environment".to_string(), "production".to_string()),
            ("production".to_string(), "true".to_string()),
            ("params.version".to_string(), "1.4.2".to_string()),
            ("steps.build.outputs.digest".to_string(), "sha256:ab".to_string()),
        ]);
        let t = "{{ run.id }} {{ environment.name }} {{ environment.production }}\n\
                 v={{ params.version }} d={{ steps.build.outputs.digest }} p=[{{ deploy.previous_version }}]";
        let m = render(t, EventName::Finished, &fields).unwrap();
        assert_eq!(m.subject, "r1 production true");
        assert_eq!(m.text, "v=1.4.2 d=sha256:ab p=[]");
    }
}
