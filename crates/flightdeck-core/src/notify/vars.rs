//! The variables a message template may name, per event, and the load-time check of a template
//! against them. Every event sees `run.*`, `environment.name`, `environment.production` and
//! `env.*`; run events (`approval_waiting`, `failed`, `rolled_back`, `finished`) also see
//! `params.NAME`, `steps.ID.outputs.KEY` and `deploy.*`; `approval_waiting` sees `approval.*`; the
//! incident events see `incident.*`. A template naming a variable its event never has is refused,
//! naming the line, the variable and the events that do have it.

use std::fmt;

use crate::notify::EventName;
use crate::workflow::template::{Template, VarPath};

/// Keys of `deploy.*` (empty when the run records no deployment).
pub const DEPLOY_KEYS: &[&str] = &[
    "service",
    "version",
    "digest",
    "sha",
    "kind",
    "previous_version",
    "previous_digest",
    "previous_run",
    "summary",
];

/// Keys of `approval.*`.
pub const APPROVAL_KEYS: &[&str] =
    &["gate", "step", "message", "required", "approvals", "eligible", "command", "deadline"];

/// Keys of `incident.*`.
pub const INCIDENT_KEYS: &[&str] = &[
    "id",
    "title",
    "severity",
    "service",
    "environment",
    "started",
    "resolved",
    "commander",
    "command",
    "join_command",
    "caused_by",
];

/// The events that run from a workflow run's journal.
const RUN_EVENTS: &[EventName] =
    &[EventName::ApprovalWaiting, EventName::Failed, EventName::RolledBack, EventName::Finished];
const INCIDENT_EVENTS: &[EventName] = &[EventName::IncidentOpened, EventName::IncidentResolved];

/// A template that names a variable it may not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateProblem {
    /// 1-based line in the template file (0 when the template does not parse).
    pub line: u32,
    /// What is wrong, naming the variable and the event.
    pub message: String,
}

impl fmt::Display for TemplateProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            f.write_str(&self.message)
        } else {
            write!(f, "line {}: {}", self.line, self.message)
        }
    }
}

/// Checks that `text` parses and names only variables `event` has.
pub fn check(text: &str, event: EventName) -> Result<(), TemplateProblem> {
    let vars = Template::new(text).vars().map_err(|e| TemplateProblem { line: 0, message: e.to_string() })?;
    for var in vars {
        if let Err(message) = allowed(&var, event) {
            let line = u32::try_from(text[..var.offset.min(text.len())].matches('\n').count() + 1)
                .unwrap_or(u32::MAX);
            return Err(TemplateProblem { line, message });
        }
    }
    Ok(())
}

fn allowed(var: &VarPath, event: EventName) -> Result<(), String> {
    let segs: Vec<&str> = var.segments.iter().map(String::as_str).collect();
    let (events, shape_ok, shape): (&[EventName], bool, String) = match segs.as_slice() {
        ["run" | "env", _] | ["environment", "name" | "production"] => return Ok(()),
        ["params", _] | ["steps", _, "outputs", _] => (RUN_EVENTS, true, String::new()),
        ["steps", ..] => (RUN_EVENTS, false, "steps.ID.outputs.KEY".into()),
        ["deploy", rest @ ..] => (RUN_EVENTS, keyed(rest, DEPLOY_KEYS), one_of("deploy", DEPLOY_KEYS)),
        ["approval", rest @ ..] => {
            (&[EventName::ApprovalWaiting], keyed(rest, APPROVAL_KEYS), one_of("approval", APPROVAL_KEYS))
        }
        ["incident", rest @ ..] => {
            (INCIDENT_EVENTS, keyed(rest, INCIDENT_KEYS), one_of("incident", INCIDENT_KEYS))
        }
        _ => {
            return Err(format!(
                "{{{{ {var} }}}}: notification templates see run.*, environment.name, \
                 environment.production, env.*, params.*, steps.ID.outputs.*, deploy.*, approval.* \
                 and incident.* only"
            ));
        }
    };
    if !shape_ok {
        return Err(format!("{{{{ {var} }}}}: write {shape}"));
    }
    if events.contains(&event) {
        return Ok(());
    }
    let names: Vec<&str> = events.iter().map(|e| e.as_str()).collect();
    Err(format!(
        "{{{{ {var} }}}}: event {event} never has {}.* (only {} do)",
        segs.first().copied().unwrap_or_default(),
        names.join(", ")
    ))
}

fn keyed(rest: &[&str], keys: &[&str]) -> bool {
    matches!(rest, [k] if keys.contains(k))
}

fn one_of(root: &str, keys: &[&str]) -> String {
    let all: Vec<String> = keys.iter().map(|k| format!("{root}.{k}")).collect();
    format!("one of {}", all.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn incident_variables_on_a_run_event_are_refused_with_line_and_event() {
        let e = check("subject\nbody {{ run.id }}\n{{ incident.title }}", EventName::Failed).unwrap_err();
        assert_eq!(e.line, 3);
        assert!(e.message.contains("incident.title") && e.message.contains("event failed"), "{e}");
        assert!(check("{{ incident.title }} {{ incident.commander }}", EventName::IncidentOpened).is_ok());
    }

    #[test]
    fn run_event_variables_are_allowed_and_shapes_checked() {
        let t = "{{ params.version }} {{ steps.build.outputs.digest }} {{ deploy.previous_version }}";
        assert!(check(t, EventName::Finished).is_ok());
        assert!(check(t, EventName::IncidentOpened).is_err());
        assert!(check("{{ approval.command }}", EventName::ApprovalWaiting).is_ok());
        assert!(check("{{ approval.command }}", EventName::Finished).is_err());
        let e = check("{{ deploy.colour }}", EventName::Finished).unwrap_err();
        assert!(e.message.contains("deploy.version"), "{e}");
        assert!(check("{{ steps.build.digest }}", EventName::Finished).is_err());
        assert!(check("{{ secrets.token }}", EventName::Finished).is_err());
    }
}
