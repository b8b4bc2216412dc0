//! The postmortem of an incident as one data structure, written as Markdown or JSON with the same
//! content: summary, impact, severity, responders, MTTR against targets, the timeline, linked runs
//! and approvals, and the sections people fill in afterwards.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use super::mttr::Phase;
use super::timeline::{Entry, Parts};
use super::{Responder, responders};
use crate::store::records::IncidentRecord;
use crate::time::Micros;

/// A linked run as the postmortem lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkedRun {
    /// Run id.
    pub id: String,
    /// Workflow.
    pub workflow: String,
    /// Operator.
    pub operator: String,
    /// Final or current state.
    pub status: String,
    /// Started.
    pub started: String,
    /// Finished, if it has.
    pub finished: Option<String>,
}

/// An approval given on a linked run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Approval {
    /// Run id.
    pub run: String,
    /// Gate.
    pub gate: String,
    /// Who.
    pub by: String,
    /// `approve`, `reject`, ...
    pub decision: String,
    /// When.
    pub at: String,
}

/// One timeline row with its instant as text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Row {
    /// RFC 3339, UTC.
    pub at: String,
    /// Source name.
    pub source: String,
    /// What happened.
    pub text: String,
}

/// The postmortem.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Postmortem {
    /// Incident id.
    pub id: String,
    /// Its title.
    pub summary: String,
    /// Service and environment affected, and the causing deployment.
    pub impact: String,
    /// Severity now.
    pub severity: String,
    /// `open` or `resolved`.
    pub status: String,
    /// Started, RFC 3339.
    pub started: String,
    /// Resolved, RFC 3339.
    pub resolved: Option<String>,
    /// People on it at the end.
    pub responders: Vec<Responder>,
    /// The MTTR breakdown.
    pub mttr: Vec<Phase>,
    /// The merged timeline.
    pub timeline: Vec<Row>,
    /// Linked runs.
    pub linked_runs: Vec<LinkedRun>,
    /// Approvals on linked runs.
    pub approvals: Vec<Approval>,
    /// Left for people: root cause.
    pub root_cause: String,
    /// Left for people: what went well.
    pub went_well: Vec<String>,
    /// Left for people: what went badly.
    pub went_badly: Vec<String>,
    /// Left for people: action items (owner, due date).
    pub action_items: Vec<ActionItem>,
}

/// An action item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionItem {
    /// What.
    pub item: String,
    /// Who.
    pub owner: String,
    /// By when.
    pub due: String,
}

/// Builds the postmortem of `inc` from its timeline parts, merged entries and MTTR.
pub fn postmortem(inc: &IncidentRecord, parts: &Parts, timeline: &[Entry], mttr: Vec<Phase>) -> Postmortem {
    let cause = inc.caused_by.as_deref().map_or_else(String::new, |c| format!(", caused by deployment {c}"));
    let linked_runs = parts
        .runs
        .iter()
        .filter(|(_, linked)| *linked)
        .map(|(r, _)| LinkedRun {
            id: r.id.clone(),
            workflow: r.workflow.clone(),
            operator: r.operator.clone(),
            status: r.status.as_str().to_string(),
            started: r.started_at.to_rfc3339(),
            finished: r.finished_at.map(Micros::to_rfc3339),
        })
        .collect::<Vec<_>>();
    let approvals = parts
        .approvals
        .iter()
        .filter(|a| linked_runs.iter().any(|r| r.id == a.run))
        .map(|a| Approval {
            run: a.run.clone(),
            gate: a.gate.clone(),
            by: a.name.clone(),
            decision: a.decision.clone(),
            at: a.at.to_rfc3339(),
        })
        .collect();
    Postmortem {
        id: inc.id.clone(),
        summary: inc.title.clone(),
        impact: format!("{} in {}{cause}", inc.service, inc.environment),
        severity: inc.severity.clone(),
        status: if inc.resolved_at.is_some() { "resolved" } else { "open" }.to_string(),
        started: inc.started_at.to_rfc3339(),
        resolved: inc.resolved_at.map(Micros::to_rfc3339),
        responders: responders(&parts.events),
        mttr,
        timeline: timeline
            .iter()
            .map(|e| Row {
                at: e.at.to_rfc3339(),
                source: e.source.as_str().to_string(),
                text: e.text.clone(),
            })
            .collect(),
        linked_runs,
        approvals,
        root_cause: String::new(),
        went_well: Vec::new(),
        went_badly: Vec::new(),
        action_items: Vec::new(),
    }
}

/// `p` with every value `redactor` knows replaced by its mask, in every field (notes, run and step
/// messages, titles, names), so the Markdown and the JSON written from it agree.
pub fn redacted(
    p: &Postmortem,
    redactor: &crate::secrets::redact::Redactor,
) -> Result<Postmortem, serde_json::Error> {
    fn walk(v: serde_json::Value, r: &crate::secrets::redact::Redactor) -> serde_json::Value {
        use serde_json::Value;
        match v {
            Value::String(s) => Value::String(r.redact(&s)),
            Value::Array(a) => Value::Array(a.into_iter().map(|x| walk(x, r)).collect()),
            Value::Object(m) => Value::Object(m.into_iter().map(|(k, x)| (k, walk(x, r))).collect()),
            other => other,
        }
    }
    if redactor.is_empty() {
        return Ok(p.clone());
    }
    serde_json::from_value(walk(serde_json::to_value(p)?, redactor))
}

/// A table cell: one line, pipes escaped.
pub fn cell(s: &str) -> String {
    crate::sanitize::one_line(s).replace('|', "\\|")
}

/// The postmortem as Markdown.
pub fn markdown(p: &Postmortem) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# Postmortem: {} — {}\n", p.id, cell(&p.summary));
    let _ = writeln!(s, "- **Summary:** {}", cell(&p.summary));
    let _ = writeln!(s, "- **Impact:** {}", cell(&p.impact));
    let _ = writeln!(s, "- **Severity:** {}", p.severity);
    let _ = writeln!(s, "- **Status:** {}", p.status);
    let _ = writeln!(s, "- **Started:** {}", p.started);
    let _ = writeln!(s, "- **Resolved:** {}\n", p.resolved.as_deref().unwrap_or("-"));
    s.push_str("## Responders\n\n| name | role | joined |\n| --- | --- | --- |\n");
    for r in &p.responders {
        let _ = writeln!(s, "| {} | {} | {} |", cell(&r.name), r.role, r.joined.to_rfc3339());
    }
    s.push_str("\n## Time to recover\n\n| phase | took | target | verdict |\n| --- | --- | --- | --- |\n");
    for m in &p.mttr {
        let _ = writeln!(s, "| {} | {} | {} | {} |", m.name, m.shown(), m.target_shown(), m.verdict);
    }
    s.push_str("\n## Timeline\n\n| time (UTC) | source | what |\n| --- | --- | --- |\n");
    for r in &p.timeline {
        let _ = writeln!(s, "| {} | {} | {} |", r.at, r.source, cell(&r.text));
    }
    s.push_str("\n## Linked runs\n\n| run | workflow | operator | status | started | finished |\n");
    s.push_str("| --- | --- | --- | --- | --- | --- |\n");
    for r in &p.linked_runs {
        let fin = r.finished.as_deref().unwrap_or("-");
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {fin} |",
            r.id,
            cell(&r.workflow),
            cell(&r.operator),
            r.status,
            r.started
        );
    }
    s.push_str("\n## Approvals\n\n| run | gate | by | decision | at |\n| --- | --- | --- | --- | --- |\n");
    for a in &p.approvals {
        let _ =
            writeln!(s, "| {} | {} | {} | {} | {} |", a.run, cell(&a.gate), cell(&a.by), a.decision, a.at);
    }
    s.push_str(
        "\n## Root cause\n\n_To be written._\n\n## What went well\n\n- \n\n## What went badly\n\n- \n",
    );
    s.push_str("\n## Action items\n\n| item | owner | due |\n| --- | --- | --- |\n|  |  |  |\n");
    s
}
