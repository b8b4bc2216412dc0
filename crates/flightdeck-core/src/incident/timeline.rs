//! The merged timeline of an incident: its own events, the runs linked to it and those running in
//! its environment meanwhile, their approvals, health transitions, notifications and audit entries,
//! in time order. [`gather`] reads the store; [`merge`] is the pure part.

use serde::{Deserialize, Serialize};

use super::{EventKind, IncidentEvent};
use crate::store::records::{IncidentRecord, RunRecord};
use crate::store::{Store, StoreError};
use crate::time::Micros;

/// Where a timeline entry comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// The incident's own events.
    Incident,
    /// A linked or concurrent run.
    Run,
    /// An approval at a run's gate.
    Approval,
    /// A health transition.
    Health,
    /// A notification.
    Notification,
    /// The audit log.
    Audit,
}

impl Source {
    /// Every source, in filter order.
    pub const ALL: [Source; 6] = [
        Source::Incident,
        Source::Run,
        Source::Approval,
        Source::Health,
        Source::Notification,
        Source::Audit,
    ];

    /// Its name.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Incident => "incident",
            Source::Run => "run",
            Source::Approval => "approval",
            Source::Health => "health",
            Source::Notification => "notify",
            Source::Audit => "audit",
        }
    }
}

/// One line of the timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// When.
    pub at: Micros,
    /// From where.
    pub source: Source,
    /// What happened, one line.
    pub text: String,
    /// The run it concerns, if any (the console opens it).
    pub run: Option<String>,
}

/// Everything the timeline is built from.
#[derive(Debug, Clone, Default)]
pub struct Parts {
    /// The incident's events.
    pub events: Vec<IncidentEvent>,
    /// Linked runs, then concurrent ones (with whether each is linked).
    pub runs: Vec<(RunRecord, bool)>,
    /// Approvals of those runs.
    pub approvals: Vec<crate::store::records::ApprovalRecord>,
    /// Health transitions in the window.
    pub health: Vec<crate::store::HealthTransitionRecord>,
    /// Notifications in the window.
    pub notifications: Vec<crate::store::notify::NotificationRecord>,
    /// Audit entries in the window (not the incident's own, which are its events).
    pub audit: Vec<crate::store::records::AuditRecord>,
    /// Failed steps of linked runs, with their last line of output (from the step's log file,
    /// which holds the process's raw output: exports redact it with the configured secrets).
    pub failures: Vec<StepFailure>,
}

/// A failed step of a linked run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepFailure {
    /// Run id.
    pub run: String,
    /// Step id.
    pub step: String,
    /// When it failed.
    pub at: Micros,
    /// Why.
    pub message: String,
    /// Its last line of output, if it printed any.
    pub last_line: Option<String>,
}

/// The failed steps in a run's journal, each with the last line of its log file.
fn step_failures(store: &Store, run: &str) -> Result<Vec<StepFailure>, StoreError> {
    use crate::engine::event::{EventKind as Ev, StepStatus};
    let mut out = Vec::new();
    for e in store.journal(run)? {
        if let Ev::StepFinished { step, status: StepStatus::Failed, message, .. } = e.kind {
            let log = store.log_dir(run).join(format!("{step}.log"));
            out.push(StepFailure {
                run: run.to_string(),
                last_line: last_line(&log),
                step,
                at: e.at,
                message: message.unwrap_or_else(|| "failed".into()),
            });
        }
    }
    Ok(out)
}

/// The last non-blank line of a (possibly large) log file: only its last 4 KiB are read.
fn last_line(path: &std::path::Path) -> Option<String> {
    use std::io::{Read, Seek, SeekFrom};
    let mut f = std::fs::File::open(path).ok()?;
    let len = f.metadata().ok()?.len();
    f.seek(SeekFrom::Start(len.saturating_sub(4096))).ok()?;
    let mut buf = Vec::new();
    f.read_to_end(&mut buf).ok()?;
    let text = String::from_utf8_lossy(&buf);
    text.lines().rev().map(str::trim).find(|l| !l.is_empty()).map(str::to_string)
}

/// The text of an incident event.
pub fn event_text(e: &IncidentEvent) -> String {
    let late = if e.late { " (late: after resolution)" } else { "" };
    let body = match e.kind {
        EventKind::Declared => format!("{} declared the incident: {}", e.actor, e.text),
        EventKind::Severity => format!("{} changed the severity to {}", e.actor, e.text),
        EventKind::Joined => format!("{} joined as {}", e.actor, e.text),
        EventKind::Left => format!("{} left", e.actor),
        EventKind::Role => format!("{} is now {}", e.actor, e.text),
        EventKind::Note => format!("note by {}: {}", e.actor, e.text),
        EventKind::LinkedRun => format!("{} linked run {}", e.actor, e.text),
        EventKind::Mitigated => format!("{} marked it mitigated", e.actor),
        EventKind::Resolved => format!("{} resolved it", e.actor),
    };
    format!("{body}{late}")
}

/// Merges `parts` into one list in time order (ties keep source order, then arrival).
pub fn merge(parts: &Parts) -> Vec<Entry> {
    let mut out = Vec::new();
    let entry = |at, source, text: String, run: Option<&str>| Entry {
        at,
        source,
        text,
        run: run.map(str::to_string),
    };
    for e in &parts.events {
        let run = (e.kind == EventKind::LinkedRun).then_some(e.text.as_str());
        out.push(entry(e.at, Source::Incident, event_text(e), run));
    }
    for (r, linked) in &parts.runs {
        let how = if *linked { "linked" } else { "concurrent" };
        let text = format!("{how} run {} ({}) started by {}", r.id, r.workflow, r.operator);
        out.push(entry(r.started_at, Source::Run, text, Some(&r.id)));
        if let Some(f) = r.finished_at {
            let text = format!("{how} run {} ({}) {}", r.id, r.workflow, r.status.as_str());
            out.push(entry(f, Source::Run, text, Some(&r.id)));
        }
    }
    for f in &parts.failures {
        let tail = f.last_line.as_deref().map_or_else(String::new, |l| format!("; last output: {l}"));
        let text = format!("linked run {} step {} failed: {}{tail}", f.run, f.step, f.message);
        out.push(entry(f.at, Source::Run, text, Some(&f.run)));
    }
    for a in &parts.approvals {
        let text = format!("{} {} gate {} of run {}", a.name, a.decision, a.gate, a.run);
        out.push(entry(a.at, Source::Approval, text, Some(&a.run)));
    }
    for h in &parts.health {
        let text = format!("monitor {} ({}) {} -> {}", h.monitor, h.environment, h.from_state, h.to_state);
        out.push(entry(h.at, Source::Health, text, None));
    }
    for n in &parts.notifications {
        let text = format!("{} via {}: {} ({})", n.event, n.channel, n.subject, n.state);
        out.push(entry(n.created_at, Source::Notification, text, n.run.as_deref()));
    }
    for a in &parts.audit {
        out.push(entry(a.at, Source::Audit, format!("{} by {}", a.action, a.actor), a.run.as_deref()));
    }
    out.sort_by_key(|e| (e.at, e.source));
    out
}

/// The window of `inc`: from its start to its resolution (or `now`).
pub fn window(inc: &IncidentRecord, now: Micros) -> (Micros, Micros) {
    (inc.started_at, inc.resolved_at.unwrap_or(now).max(inc.started_at))
}

/// Reads everything the timeline of `inc` shows from the store.
pub fn gather(store: &Store, inc: &IncidentRecord, now: Micros) -> Result<Parts, StoreError> {
    let (from, to) = window(inc, now);
    let events = store.incident_events(&inc.id)?;
    let mut linked: Vec<String> = store.runs_linked_to("incident", &inc.id)?;
    for e in events.iter().filter(|e| e.kind == EventKind::LinkedRun) {
        if !linked.contains(&e.text) {
            linked.push(e.text.clone());
        }
    }
    let (mut runs, mut failures) = (Vec::new(), Vec::new());
    for id in &linked {
        if let Some(r) = store.run(id)? {
            if r.status == crate::engine::event::RunStatus::Failed {
                failures.extend(step_failures(store, id)?);
            }
            runs.push((r, true));
        }
    }
    let filter = crate::store::RunFilter { environment: Some(inc.environment.clone()), ..Default::default() };
    for r in store.runs(&filter)? {
        let overlaps = r.started_at <= to && r.finished_at.is_none_or(|f| f >= from);
        if overlaps && !linked.contains(&r.id) {
            runs.push((r, false));
        }
    }
    let mut approvals = Vec::new();
    for (r, _) in &runs {
        approvals.extend(store.approvals(&r.id, None)?);
    }
    let inside = |at: Micros| at >= from && at <= to;
    let health = store.health_transitions(Some(from), 0)?.into_iter().filter(|h| inside(h.at)).collect();
    let notifications = store.notifications(100_000)?.into_iter().filter(|n| inside(n.created_at)).collect();
    let audit = store
        .audit_log(0)?
        .into_iter()
        .filter(|a| inside(a.at) && !a.action.starts_with("incident."))
        .collect();
    Ok(Parts { events, runs, approvals, health, notifications, audit, failures })
}
