//! Incident mode: the append-only event stream of an incident (declared, joined, notes, severity,
//! mitigated, resolved, linked runs), the pure rules that turn a request into events ([`plan`]),
//! the MTTR breakdown against per-severity targets ([`mttr`]), the merged timeline ([`timeline`]),
//! the postmortem export ([`export`]) and the redacted postmortem the commands print ([`report`]).
//!
//! Writes are runner requests: the runner stamps each event with the socket peer's identity and
//! appends it with its audit entry in one transaction. Reads go to the store directly.

pub mod export;
pub mod mttr;
pub mod plan;
pub mod report;
pub mod timeline;

#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};

use crate::time::Micros;

pub use crate::store::incident_records::{EventKind, IncidentChange, IncidentEvent};
pub use plan::{IncidentAction, plan_change};

/// The severities, most severe first.
pub const SEVERITIES: [&str; 4] = ["sev1", "sev2", "sev3", "sev4"];

/// The severity an incident gets when none is given.
pub const DEFAULT_SEVERITY: &str = "sev2";

/// A request the incident rules refuse (exit 2: nothing was written).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum IncidentError {
    /// No incident with that id.
    #[error("no incident {id:?}; open incidents: {}", if open.is_empty() { "none".to_string() } else { open.join(", ") })]
    Unknown {
        /// The id given.
        id: String,
        /// The incidents still open.
        open: Vec<String>,
    },
    /// A severity outside sev1–sev4.
    #[error("severity {0:?} is not one of sev1, sev2, sev3, sev4 (sev1 is the most severe)")]
    BadSeverity(String),
    /// A role that is not known.
    #[error("role {0:?} is not one of commander, responder, scribe")]
    BadRole(String),
    /// The incident is resolved and the change needs an open one.
    #[error("incident {id} was resolved at {at}; {what} needs an open incident (open a new one)")]
    Resolved {
        /// The incident.
        id: String,
        /// When it was resolved.
        at: String,
        /// What was asked.
        what: String,
    },
    /// Times out of order.
    #[error("incident {id}: {msg}")]
    Order {
        /// The incident.
        id: String,
        /// What is wrong.
        msg: String,
    },
    /// Anything else wrong with the request.
    #[error("{0}")]
    Invalid(String),
}

/// Checks a severity name (`sev1`–`sev4`, any case) and returns it in lower case.
pub fn severity(text: &str) -> Result<String, IncidentError> {
    let s = text.trim().to_ascii_lowercase();
    if SEVERITIES.contains(&s.as_str()) { Ok(s) } else { Err(IncidentError::BadSeverity(text.to_string())) }
}

/// The roles of people on an incident.
pub const ROLES: [&str; 3] = ["commander", "responder", "scribe"];

/// Checks a role name.
pub fn role(text: &str) -> Result<String, IncidentError> {
    let r = text.trim().to_ascii_lowercase();
    if ROLES.contains(&r.as_str()) { Ok(r) } else { Err(IncidentError::BadRole(text.to_string())) }
}

/// One person on an incident and their current role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Responder {
    /// Login name.
    pub name: String,
    /// uid.
    pub uid: u32,
    /// Current role.
    pub role: String,
    /// When they joined.
    pub joined: Micros,
}

/// The people on an incident now (joined and not left), in order of joining.
pub fn responders(events: &[IncidentEvent]) -> Vec<Responder> {
    let mut out: Vec<Responder> = Vec::new();
    for e in events {
        let role = e.data.get("role").and_then(serde_json::Value::as_str).unwrap_or("responder");
        match e.kind {
            EventKind::Declared | EventKind::Joined | EventKind::Role => {
                if let Some(r) = out.iter_mut().find(|r| r.uid == e.uid) {
                    r.role = role.to_string();
                } else {
                    out.push(Responder {
                        name: e.actor.clone(),
                        uid: e.uid,
                        role: role.to_string(),
                        joined: e.at,
                    });
                }
            }
            EventKind::Left => out.retain(|r| r.uid != e.uid),
            _ => {}
        }
    }
    out
}

/// The incident commander now, if any.
pub fn commander(events: &[IncidentEvent]) -> Option<Responder> {
    responders(events).into_iter().rev().find(|r| r.role == "commander")
}

/// The banner text of an open incident at `now`: `SEV1 inc-… 00:42:17 · commander diana · 3 on it`.
pub fn banner(inc: &crate::store::records::IncidentRecord, events: &[IncidentEvent], now: Micros) -> String {
    let (head, clock, tail) = banner_parts(inc, events, now);
    format!("{head} {clock} {tail}")
}

/// The banner in three parts: `SEV1 inc-…`, the running clock `00:42:17` (the only part that
/// changes every second) and `· commander diana · 3 on it`.
pub fn banner_parts(
    inc: &crate::store::records::IncidentRecord,
    events: &[IncidentEvent],
    now: Micros,
) -> (String, String, String) {
    let secs = (now.0 - inc.started_at.0).max(0) / 1_000_000;
    let clock = format!("{:02}:{:02}:{:02}", secs / 3600, (secs / 60) % 60, secs % 60);
    let who =
        commander(events).map_or_else(|| "no commander".to_string(), |c| format!("commander {}", c.name));
    let n = responders(events).len();
    (format!("{} {}", inc.severity.to_ascii_uppercase(), inc.id), clock, format!("· {who} · {n} on it"))
}

/// The open incident the console's banner shows, with its events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpenIncident {
    /// The incident.
    pub record: crate::store::records::IncidentRecord,
    /// Its events, oldest first.
    pub events: Vec<IncidentEvent>,
}

/// The open incident to show: the most severe, then the most recently started; `None` when all
/// are resolved.
pub fn open_incident(store: &crate::store::Store) -> Result<Option<OpenIncident>, crate::store::StoreError> {
    let pick = store
        .incidents()?
        .into_iter()
        .filter(|i| i.resolved_at.is_none())
        .min_by_key(|i| (i.severity.clone(), std::cmp::Reverse(i.started_at)));
    let Some(record) = pick else { return Ok(None) };
    let events = store.incident_events(&record.id)?;
    Ok(Some(OpenIncident { record, events }))
}
