//! Incident event records: what an incident event records, one stored event, and a change to
//! append. Defined here, beside the table they are stored in, so the store does not depend on the
//! `incident` module (which re-exports them and owns the rules that produce them).

use serde::{Deserialize, Serialize};

use crate::store::records::IncidentRecord;
use crate::time::Micros;

/// What an incident event records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// The incident was declared (the declarer is on it).
    Declared,
    /// The severity changed.
    Severity,
    /// Someone joined.
    Joined,
    /// Someone left.
    Left,
    /// Someone changed role.
    Role,
    /// A note.
    Note,
    /// A run was linked to the incident.
    LinkedRun,
    /// Users stopped being hurt.
    Mitigated,
    /// The incident was closed.
    Resolved,
}

impl EventKind {
    /// The name as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Declared => "declared",
            EventKind::Severity => "severity",
            EventKind::Joined => "joined",
            EventKind::Left => "left",
            EventKind::Role => "role",
            EventKind::Note => "note",
            EventKind::LinkedRun => "linked_run",
            EventKind::Mitigated => "mitigated",
            EventKind::Resolved => "resolved",
        }
    }

    /// The kind a stored name names.
    pub fn parse(s: &str) -> Option<EventKind> {
        [
            EventKind::Declared,
            EventKind::Severity,
            EventKind::Joined,
            EventKind::Left,
            EventKind::Role,
            EventKind::Note,
            EventKind::LinkedRun,
            EventKind::Mitigated,
            EventKind::Resolved,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// One stored incident event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncidentEvent {
    /// Row id (the order of arrival).
    pub id: i64,
    /// The incident.
    pub incident: String,
    /// When it happened.
    pub at: Micros,
    /// Who (the socket peer's uid).
    pub uid: u32,
    /// Their login name.
    pub actor: String,
    /// What.
    pub kind: EventKind,
    /// Its text (the note, the new severity, the role, the run id).
    pub text: String,
    /// Details.
    pub data: serde_json::Value,
    /// Recorded after the incident was resolved.
    pub late: bool,
}

/// The event to append and the incident row after it.
#[derive(Debug, Clone, PartialEq)]
pub struct IncidentChange {
    /// The incident after the change.
    pub incident: IncidentRecord,
    /// The event's kind.
    pub kind: EventKind,
    /// Its text.
    pub text: String,
    /// Its details.
    pub data: serde_json::Value,
    /// When.
    pub at: Micros,
    /// Recorded after the resolution.
    pub late: bool,
}
