//! The rules of incident requests as a pure function: from the incident as stored, its events and
//! a request at an instant, the one event to append and the incident row after it, or why not.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{EventKind, IncidentChange, IncidentError, IncidentEvent, responders, role, severity};
use crate::store::records::IncidentRecord;
use crate::time::Micros;

/// What a client asks of an incident (sent to the runner; the runner adds who and when).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum IncidentAction {
    /// Declare a new incident; the declarer is on it.
    Open {
        /// Id (default `inc-` and the start time).
        id: Option<String>,
        /// One-line summary.
        title: String,
        /// Service affected.
        service: String,
        /// Environment affected.
        environment: String,
        /// `sev1`–`sev4`.
        severity: String,
        /// The deployment that caused it, if known.
        caused_by: Option<String>,
        /// When the impairment began (default: detection).
        started: Option<Micros>,
        /// When it was noticed (default: now).
        detected: Option<Micros>,
        /// The declarer takes the commander role.
        commander: bool,
    },
    /// Join (or change role).
    Join {
        /// `commander`, `responder` or `scribe`.
        role: String,
    },
    /// Leave.
    Leave,
    /// Add a note.
    Note {
        /// The note.
        text: String,
    },
    /// Change the severity.
    Severity {
        /// `sev1`–`sev4`.
        level: String,
    },
    /// Users stopped being hurt.
    Mitigated,
    /// Close it.
    Resolve {
        /// When it was mitigated, if not recorded yet (default: the resolution).
        mitigated: Option<Micros>,
    },
    /// Link a run.
    LinkRun {
        /// The run id.
        run: String,
    },
}

/// What the rules need to know besides the request.
#[derive(Debug, Clone, Copy)]
pub struct Known<'a> {
    /// The incident as stored, if any.
    pub current: Option<&'a IncidentRecord>,
    /// Its events, oldest first.
    pub events: &'a [IncidentEvent],
    /// Ids of incidents still open (for the message about an unknown id).
    pub open: &'a [String],
    /// Ids of the ledger's deployments.
    pub deployments: &'a HashSet<String>,
    /// The requester's uid.
    pub uid: u32,
}

/// Applies `action` on incident `id` at `at`, or says why it is refused (nothing is written then).
pub fn plan_change(
    known: Known<'_>,
    id: &str,
    at: Micros,
    action: IncidentAction,
) -> Result<IncidentChange, IncidentError> {
    if let IncidentAction::Open { .. } = action {
        return open(known, at, action);
    }
    let Some(cur) = known.current else {
        return Err(IncidentError::Unknown { id: id.to_string(), open: known.open.to_vec() });
    };
    let inc = cur.clone();
    let resolved = |what: &str| {
        cur.resolved_at.map_or(Ok(()), |r| {
            Err(IncidentError::Resolved { id: cur.id.clone(), at: r.to_rfc3339(), what: what.to_string() })
        })
    };
    let change = |kind, text: String, data| IncidentChange {
        incident: inc.clone(),
        kind,
        text,
        data,
        at,
        late: cur.resolved_at.is_some(),
    };
    match action {
        IncidentAction::Open { .. } => Err(IncidentError::Invalid("unreachable".into())),
        IncidentAction::Join { role: r } => {
            resolved("joining")?;
            join(known, cur, &r, at)
        }
        IncidentAction::Leave => {
            resolved("leaving")?;
            if !responders(known.events).iter().any(|r| r.uid == known.uid) {
                return Err(IncidentError::Invalid(format!("you are not on incident {}", cur.id)));
            }
            Ok(change(EventKind::Left, String::new(), json!({})))
        }
        IncidentAction::Note { text } => {
            let text = text.trim().to_string();
            if text.is_empty() {
                return Err(IncidentError::Invalid("a note needs text".into()));
            }
            Ok(change(EventKind::Note, text, json!({})))
        }
        IncidentAction::Severity { level } => change_severity(cur, &level, at),
        IncidentAction::Mitigated => mitigated(cur, at),
        IncidentAction::Resolve { mitigated } => resolve(cur, at, mitigated),
        IncidentAction::LinkRun { run } => {
            resolved("linking a run")?;
            Ok(change(EventKind::LinkedRun, run, json!({})))
        }
    }
}

fn order(id: &str, first: (&str, Micros), then: (&str, Micros)) -> Result<(), IncidentError> {
    if then.1 < first.1 {
        return Err(IncidentError::Order {
            id: id.to_string(),
            msg: format!(
                "{} {} is after {} {}: {} cannot come first",
                first.0,
                first.1.to_rfc3339(),
                then.0,
                then.1.to_rfc3339(),
                then.0
            ),
        });
    }
    Ok(())
}

fn open(known: Known<'_>, at: Micros, action: IncidentAction) -> Result<IncidentChange, IncidentError> {
    let IncidentAction::Open {
        id,
        title,
        service,
        environment,
        severity: sev,
        caused_by,
        started,
        detected,
        commander,
    } = action
    else {
        return Err(IncidentError::Invalid("not an open request".into()));
    };
    let sev = severity(&sev)?;
    let detected = detected.unwrap_or(at);
    let started = started.unwrap_or(detected);
    let id = id.unwrap_or_else(|| format!("inc-{}", started.0 / 1_000_000));
    if known.current.is_some() {
        return Err(IncidentError::Invalid(format!("incident {id} exists already; pick another --id")));
    }
    if title.trim().is_empty() || service.trim().is_empty() {
        return Err(IncidentError::Invalid("an incident needs a title and a --service".into()));
    }
    order(&id, ("started", started), ("detected", detected))?;
    order(&id, ("started", started), ("declared", at))?;
    if let Some(c) = caused_by.as_deref().filter(|c| !known.deployments.contains(*c)) {
        return Err(IncidentError::Invalid(format!(
            "caused_by {c:?}: no such deployment in the ledger (`flightdeck ledger list` lists them)"
        )));
    }
    let role = if commander { "commander" } else { "responder" };
    let data = json!({ "role": role, "severity": sev, "service": service, "environment": environment,
        "caused_by": caused_by, "started": started, "detected": detected });
    let incident = IncidentRecord {
        id,
        service,
        environment,
        severity: sev,
        title: title.clone(),
        started_at: started,
        detected_at: Some(detected),
        mitigated_at: None,
        resolved_at: None,
        caused_by,
    };
    Ok(IncidentChange { incident, kind: EventKind::Declared, text: title, data, at, late: false })
}

fn join(
    known: Known<'_>,
    cur: &IncidentRecord,
    r: &str,
    at: Micros,
) -> Result<IncidentChange, IncidentError> {
    let r = role(r)?;
    let on = responders(known.events).into_iter().find(|x| x.uid == known.uid);
    let kind = match on {
        Some(x) if x.role == r => {
            return Err(IncidentError::Invalid(format!("you are already on incident {} as {r}", cur.id)));
        }
        Some(_) => EventKind::Role,
        None => EventKind::Joined,
    };
    let data = json!({ "role": r });
    Ok(IncidentChange { incident: cur.clone(), kind, text: r, data, at, late: false })
}

fn mitigated(cur: &IncidentRecord, at: Micros) -> Result<IncidentChange, IncidentError> {
    if let Some(r) = cur.resolved_at {
        return Err(IncidentError::Resolved {
            id: cur.id.clone(),
            at: r.to_rfc3339(),
            what: "marking it mitigated".into(),
        });
    }
    if let Some(m) = cur.mitigated_at {
        return Err(IncidentError::Invalid(format!(
            "incident {} was mitigated at {} already",
            cur.id,
            m.to_rfc3339()
        )));
    }
    order(&cur.id, ("started", cur.started_at), ("mitigated", at))?;
    let mut inc = cur.clone();
    inc.mitigated_at = Some(at);
    Ok(IncidentChange {
        incident: inc,
        kind: EventKind::Mitigated,
        text: String::new(),
        data: json!({}),
        at,
        late: false,
    })
}

fn resolve(
    cur: &IncidentRecord,
    at: Micros,
    mitigated: Option<Micros>,
) -> Result<IncidentChange, IncidentError> {
    if let Some(r) = cur.resolved_at {
        return Err(IncidentError::Resolved {
            id: cur.id.clone(),
            at: r.to_rfc3339(),
            what: "resolving".into(),
        });
    }
    order(&cur.id, ("started", cur.started_at), ("resolved", at))?;
    let m = cur.mitigated_at.or(mitigated).unwrap_or(at);
    order(&cur.id, ("started", cur.started_at), ("mitigated", m))?;
    order(&cur.id, ("mitigated", m), ("resolved", at))?;
    let mut inc = cur.clone();
    inc.resolved_at = Some(at);
    inc.mitigated_at = Some(m);
    let data = json!({ "mitigated": m });
    Ok(IncidentChange {
        incident: inc,
        kind: EventKind::Resolved,
        text: String::new(),
        data,
        at,
        late: false,
    })
}

fn change_severity(cur: &IncidentRecord, level: &str, at: Micros) -> Result<IncidentChange, IncidentError> {
    let level = severity(level)?;
    if let Some(r) = cur.resolved_at {
        return Err(IncidentError::Resolved {
            id: cur.id.clone(),
            at: r.to_rfc3339(),
            what: "changing the severity".into(),
        });
    }
    if level == cur.severity {
        return Err(IncidentError::Invalid(format!("incident {} is already {level}", cur.id)));
    }
    let mut inc = cur.clone();
    inc.severity.clone_from(&level);
    let data = json!({ "from": cur.severity });
    Ok(IncidentChange { incident: inc, kind: EventKind::Severity, text: level, data, at, late: false })
}
