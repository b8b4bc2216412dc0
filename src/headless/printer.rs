//! Prints engine events for people (one line per happening, output indented under its step) or
//! as JSON lines (`--json`: one event per line on stdout, nothing else there).

use std::collections::HashMap;

use crate::engine::Summary;
use crate::engine::event::{Event, EventKind, GateForm, RunStatus, StepStatus, Stream};
use crate::time::human_duration;

/// Prints events as they arrive.
#[derive(Debug)]
pub struct Printer {
    json: bool,
    labels: HashMap<String, String>,
}

impl Printer {
    /// A printer for text or JSON.
    pub fn new(json: bool) -> Printer {
        Printer { json, labels: HashMap::new() }
    }

    /// One event.
    pub fn event(&mut self, e: &Event) {
        if self.json {
            match serde_json::to_string(e) {
                Ok(line) => crate::outln!("{line}"),
                Err(err) => tracing::warn!(error = %err, "cannot print an event as JSON"),
            }
            return;
        }
        if let EventKind::RunStarted { workflow, environment, mode, operator, .. } = &e.kind {
            let life = if e.life > 1 { format!(", resumed (life {})", e.life) } else { String::new() };
            crate::outln!(
                "▶ {workflow} → {environment}  run {}  operator {operator}  mode {mode}{life}",
                e.run
            );
        }
        if let Some(line) = self.text(&e.kind) {
            crate::outln!("{line}");
        }
    }

    fn label<'a>(&'a self, id: &'a str) -> &'a str {
        self.labels.get(id).map_or(id, String::as_str)
    }

    fn text(&mut self, kind: &EventKind) -> Option<String> {
        Some(match kind {
            EventKind::RunStarted { steps, .. } => {
                self.labels = steps.iter().map(|s| (s.id.clone(), s.label.clone())).collect();
                let done = steps.iter().filter(|s| s.status.is_done()).count();
                if done == 0 {
                    return None;
                }
                format!("  ({done} step(s) already done in an earlier life are not run again)")
            }
            EventKind::StepStarted { step, attempt, detail } => {
                let again = if *attempt > 1 { format!(" (attempt {attempt})") } else { String::new() };
                let mut lines = detail.lines().map(str::trim).filter(|l| !l.is_empty() && *l != "set -e");
                let first = lines.next().unwrap_or_default();
                let more = if lines.next().is_some() { " …" } else { "" };
                format!("● {}{again}: {first}{more}", self.label(step))
            }
            EventKind::StepLog { stream, line, .. } => match stream {
                Stream::Stderr => format!("  ┆ {line}"),
                Stream::Stdout => format!("  │ {line}"),
                Stream::System => format!("  ! {line}"),
            },
            EventKind::StepRetrying { step, attempt, delay_ms, error } => format!(
                "↻ {} attempt {attempt} failed ({error}); retrying in {}",
                self.label(step),
                human_duration(i64::try_from(*delay_ms).unwrap_or(i64::MAX))
            ),
            EventKind::StepFinished { step, status, duration_ms, message, .. } => {
                finished_line(self.label(step), *status, *duration_ms, message.as_deref())
            }
            EventKind::GateWaiting { info } => gate_line(info),
            EventKind::GateAnswered { gate, approval, remaining } => {
                let what = if approval.approved { "approved" } else { "rejected" };
                format!("  {gate} {what} by {} ({remaining} more needed)", approval.name)
            }
            EventKind::GatePhraseMismatch { gate, operator } => {
                format!("  {gate}: the phrase typed by {operator} does not match; still waiting")
            }
            EventKind::GateBypassed { gate, reason } => format!("  {gate} passed without asking: {reason}"),
            EventKind::FailureMenu { step, error, .. } => format!("✗ {} failed: {error}", self.label(step)),
            EventKind::RerunNeeded { step, still_running } => {
                let state =
                    if *still_running { "its process group is still alive" } else { "its process is gone" };
                format!("? {} was running when the previous process died; {state}", self.label(step))
            }
            EventKind::RollbackStarted { steps } => {
                if steps.is_empty() {
                    "↺ rollback: no completed step has a rollback command".to_string()
                } else {
                    format!("↺ rolling back: {}", steps.join(" → "))
                }
            }
            EventKind::RunFinished { .. } | EventKind::StepProgress { .. } => return None,
        })
    }

    /// The last line: how it ended and the exit code.
    pub fn summary(&self, s: &Summary) {
        if self.json {
            return;
        }
        let mark = if s.status == RunStatus::Succeeded { "■" } else { "✗" };
        let why = s.message.as_deref().map(|m| format!(": {m}")).unwrap_or_default();
        crate::outln!("{mark} run {} {}{why} (exit {})", s.run, s.status.as_str(), s.exit_code);
    }
}

fn finished_line(label: &str, status: StepStatus, ms: i64, message: Option<&str>) -> String {
    let why = message.map(|m| format!("  {m}")).unwrap_or_default();
    let mark = match status {
        StepStatus::Succeeded => "✓",
        StepStatus::Skipped => "–",
        StepStatus::RolledBack => "↺",
        StepStatus::Cancelled => "■",
        _ => "✗",
    };
    format!("{mark} {label} {} ({}){why}", status.as_str(), human_duration(ms))
}

fn gate_line(info: &crate::engine::event::GateInfo) -> String {
    let facts: Vec<String> = info.facts.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let form = match &info.form {
        GateForm::YesNo { .. } => "yes/no".to_string(),
        GateForm::Phrase { phrase } => format!("type \"{phrase}\""),
        GateForm::Choice { choices, .. } => format!("choose {}", choices.join(" | ")),
    };
    format!(
        "⏸ gate {}: {}  [{}]  needs {} approval(s), {} so far; {form}",
        info.gate,
        info.message,
        facts.join(" "),
        info.required,
        info.approvals.len()
    )
}
