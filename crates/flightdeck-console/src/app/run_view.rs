//! A run as the console sees it, folded from engine events (live) or from the journal (stored).

use std::collections::{BTreeMap, VecDeque};

use flightdeck_core::engine::event::{
    Approval, EventKind, FailureAction, GateInfo, RunStatus, StepStatus, Stream,
};
use flightdeck_core::time::Micros;

/// Log lines kept in memory per step (older ones are read from the log file by offset).
pub const TAIL: usize = 2000;

/// One step of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct StepView {
    /// Full id.
    pub id: String,
    /// Label.
    pub label: String,
    /// Kind (`run`, `approve`, ...).
    pub kind: String,
    /// State.
    pub status: StepStatus,
    /// Attempt.
    pub attempt: u32,
    /// Start of the latest attempt.
    pub started: Option<Micros>,
    /// End.
    pub finished: Option<Micros>,
    /// Why it failed or was skipped.
    pub message: Option<String>,
    /// What it runs.
    pub detail: String,
}

/// A log line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    /// Which stream.
    pub stream: Stream,
    /// The text.
    pub text: String,
}

/// The failure menu after a step failed.
#[derive(Debug, Clone, PartialEq)]
pub struct FailureMenu {
    /// The step.
    pub step: String,
    /// The attempt.
    pub attempt: u32,
    /// Why it failed.
    pub error: String,
    /// The highlighted option.
    pub selected: FailureAction,
}

/// A run's state.
#[derive(Debug, Clone, PartialEq)]
pub struct RunView {
    /// Run id.
    pub id: String,
    /// Workflow.
    pub workflow: String,
    /// Environment.
    pub environment: String,
    /// Mode.
    pub mode: String,
    /// Who started it.
    pub operator: String,
    /// Steps.
    pub steps: Vec<StepView>,
    /// Recent log lines per step.
    pub logs: BTreeMap<String, VecDeque<LogLine>>,
    /// Lines ever seen per step (for the line counter).
    pub line_counts: BTreeMap<String, usize>,
    /// The gate waiting now.
    pub gate: Option<GateInfo>,
    /// The engine's tally at the gate waiting now.
    pub tally: GateTally,
    /// The failure menu, when a step failed and the run waits for a choice.
    pub failure: Option<FailureMenu>,
    /// A step to confirm before re-running (resume).
    pub rerun: Option<(String, bool)>,
    /// How it ended.
    pub finished: Option<(RunStatus, i32, Option<String>)>,
    /// Started here and still driven by this console.
    pub live: bool,
    /// When the run started.
    pub started: Option<Micros>,
    /// Rolling back now.
    pub rolling_back: bool,
    /// A step's live stage line from its progress (a rollout's stage and traffic split), by step.
    pub progress: BTreeMap<String, String>,
    /// A `load` step's latest figures (its `StepProgress`, at most two a second), by step.
    pub load: BTreeMap<String, Box<flightdeck_core::load::Snapshot>>,
    /// The secret prompt open now (a value typed into a masked dialog), see `app::secret_prompt`.
    pub secret_prompt: Option<crate::app::secret_prompt::SecretPrompt>,
}

impl RunView {
    /// An empty view of run `id`.
    pub fn new(id: &str, live: bool) -> RunView {
        RunView {
            id: id.to_string(),
            workflow: String::new(),
            environment: String::new(),
            mode: String::new(),
            operator: String::new(),
            steps: Vec::new(),
            logs: BTreeMap::new(),
            line_counts: BTreeMap::new(),
            gate: None,
            tally: GateTally::default(),
            failure: None,
            rerun: None,
            finished: None,
            live,
            started: None,
            rolling_back: false,
            progress: BTreeMap::new(),
            load: BTreeMap::new(),
            secret_prompt: None,
        }
    }

    /// True while the run can still change.
    pub fn active(&self) -> bool {
        self.live && self.finished.is_none()
    }

    fn step_mut(&mut self, id: &str) -> Option<&mut StepView> {
        self.steps.iter_mut().find(|s| s.id == id)
    }

    /// Folds one event into the view.
    pub fn apply(&mut self, at: Micros, kind: &EventKind) {
        match kind {
            EventKind::RunStarted { workflow, environment, mode, operator, steps } => {
                self.workflow.clone_from(workflow);
                self.environment.clone_from(environment);
                self.mode.clone_from(mode);
                self.operator.clone_from(operator);
                self.started.get_or_insert(at);
                // A later life (a resume, a restarted runner) keeps what the view knows of the
                // steps it did not change: a finished step keeps its timing and message.
                let old = std::mem::take(&mut self.steps);
                self.steps = steps
                    .iter()
                    .map(|s| match old.iter().find(|o| o.id == s.id && o.status == s.status) {
                        Some(o) => o.clone(),
                        None => StepView {
                            id: s.id.clone(),
                            label: s.label.clone(),
                            kind: s.kind.clone(),
                            status: s.status,
                            attempt: old.iter().find(|o| o.id == s.id).map_or(0, |o| o.attempt),
                            started: None,
                            finished: None,
                            message: None,
                            detail: String::new(),
                        },
                    })
                    .collect();
            }
            EventKind::StepStarted { step, attempt, detail } => {
                if let Some(s) = self.step_mut(step) {
                    s.status = StepStatus::Running;
                    s.attempt = *attempt;
                    s.started = Some(at);
                    s.finished = None;
                    s.detail.clone_from(detail);
                }
            }
            EventKind::StepLog { step, stream, line } => self.push_log(step, *stream, line),
            EventKind::StepFinished { step, attempt, status, message, outputs, .. } => {
                if let Some(l) = self.load.get_mut(step) {
                    load_finished(l, outputs);
                }
                if let Some(s) = self.step_mut(step) {
                    s.status = *status;
                    s.attempt = *attempt;
                    s.finished = Some(at);
                    s.message.clone_from(message);
                }
                if self.gate.as_ref().is_some_and(|g| &g.step == step) {
                    self.gate = None;
                }
                if self.failure.as_ref().is_some_and(|f| &f.step == step) {
                    self.failure = None;
                }
                if self.secret_prompt.as_ref().is_some_and(|p| &p.step == step) {
                    self.secret_prompt = None;
                }
            }
            other => self.apply_rest(at, other),
        }
    }

    fn apply_rest(&mut self, _at: Micros, kind: &EventKind) {
        match kind {
            EventKind::StepRetrying { step, attempt, error, .. } => {
                self.push_log(step, Stream::System, &format!("attempt {attempt} failed: {error}; retrying"));
            }
            EventKind::GateWaiting { info } => {
                self.tally = GateTally::opened(info);
                if let Some(s) = self.step_mut(&info.step) {
                    s.status = StepStatus::Waiting;
                }
                self.gate = Some(info.clone());
            }
            EventKind::GateAnswered { approval, remaining, .. } => self.tally.answered(approval, *remaining),
            EventKind::GatePhraseMismatch { gate, operator } => {
                let step = gate.split('#').next().unwrap_or_default().to_string();
                self.tally.refused.push((operator.clone(), "the typed phrase does not match".into()));
                self.push_log(&step, Stream::System, &format!("{operator}: the phrase does not match"));
            }
            EventKind::GateBypassed { gate, reason } => {
                let step = gate.split('#').next().unwrap_or_default().to_string();
                self.push_log(&step, Stream::System, &format!("passed without asking: {reason}"));
            }
            EventKind::FailureMenu { step, attempt, error, default } => {
                self.failure = Some(FailureMenu {
                    step: step.clone(),
                    attempt: *attempt,
                    error: error.clone(),
                    selected: *default,
                });
            }
            EventKind::RerunNeeded { step, still_running } => {
                self.rerun = Some((step.clone(), *still_running));
            }
            EventKind::StepProgress { step, data } => {
                if crate::app::secret_prompt::apply(&mut self.secret_prompt, step, data) {
                    if let Some(s) = self.step_mut(step) {
                        s.status = if data.get(flightdeck_core::runner::prompt::OPEN).is_some() {
                            StepStatus::Waiting
                        } else {
                            StepStatus::Running
                        };
                    }
                } else if let Some(snapshot) = load_snapshot(data) {
                    self.load.insert(step.clone(), snapshot);
                } else if let Some(text) = stage_text(data) {
                    self.progress.insert(step.clone(), text);
                }
            }
            EventKind::RollbackStarted { .. } => {
                self.rolling_back = true;
                self.failure = None;
            }
            EventKind::RunFinished { status, exit_code, message } => {
                self.finished = Some((*status, *exit_code, message.clone()));
                self.gate = None;
                self.failure = None;
                self.rerun = None;
                self.secret_prompt = None;
            }
            _ => {}
        }
    }

    fn push_log(&mut self, step: &str, stream: Stream, line: &str) {
        if stream == Stream::System && self.gate.as_ref().is_some_and(|g| g.step == step) {
            self.tally.reason(line);
        }
        let tail = self.logs.entry(step.to_string()).or_default();
        if tail.len() == TAIL {
            tail.pop_front();
        }
        tail.push_back(LogLine { stream, text: line.to_string() });
        *self.line_counts.entry(step.to_string()).or_default() += 1;
    }

    /// The step the run is busy with (or the last one that changed).
    pub fn current_step(&self) -> usize {
        self.steps
            .iter()
            .position(|s| matches!(s.status, StepStatus::Running | StepStatus::Waiting))
            .or_else(|| self.steps.iter().rposition(|s| s.status != StepStatus::Pending))
            .unwrap_or(0)
    }
}

/// A `load` step's progress: the load generator's snapshot (other kinds' data has no `rps_now`).
pub fn load_snapshot(data: &serde_json::Value) -> Option<Box<flightdeck_core::load::Snapshot>> {
    data.get("rps_now")?;
    serde_json::from_value(data.clone()).ok().map(Box::new)
}

/// A `load` step ended: its last figures say so, with the step's own totals (`rps` is the mean
/// over the whole test; progress arrives at most twice a second, so the last one may be early).
fn load_finished(l: &mut flightdeck_core::load::Snapshot, outputs: &BTreeMap<String, String>) {
    let figure = |k: &str| outputs.get(k).and_then(|v| v.parse::<f64>().ok());
    l.finished = true;
    if let Some(v) = figure("rps") {
        l.rps_mean = v;
    }
    if let Some(v) = figure("p50") {
        l.latency.p50 = v;
    }
    if let Some(v) = figure("p99") {
        l.latency.p99 = v;
    }
    if let Some(v) = figure("error_rate") {
        l.error_rate = v;
    }
}

/// A rollout's progress as one short line: `stage 2/4 · old 75% / new 25%`, or its abort.
fn stage_text(data: &serde_json::Value) -> Option<String> {
    if data["rollout"] == "aborted" {
        return Some("aborted · old weights back".into());
    }
    let split = data.get("split")?;
    let (old, new) = (split["old"].as_u64()?, split["new"].as_u64()?);
    let (stage, of) = (data["stage"].as_u64()?, data["of"].as_u64()?);
    Some(format!("stage {stage}/{of} · old {old}% / new {new}%"))
}

/// The tally at a gate as the engine counts it: who counted, who was refused and why, and how many
/// approvals are still missing (from `GateAnswered::remaining`, never counted here).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GateTally {
    /// Approvals required (at least 1).
    pub required: u32,
    /// Approvals still missing, as the engine said last.
    pub remaining: u32,
    /// Names whose approval counted.
    pub counted: Vec<String>,
    /// Answers recorded but not counted: (name, the engine's reason).
    pub refused: Vec<(String, String)>,
    /// Who rejected, if someone did.
    pub rejected_by: Option<String>,
}

impl GateTally {
    fn opened(info: &GateInfo) -> GateTally {
        let counted: Vec<String> =
            info.approvals.iter().filter(|a| a.approved).map(|a| a.name.clone()).collect();
        let required = info.required.max(1);
        let remaining = required.saturating_sub(u32::try_from(counted.len()).unwrap_or(u32::MAX));
        GateTally { required, remaining, counted, refused: Vec::new(), rejected_by: None }
    }

    fn answered(&mut self, approval: &Approval, remaining: u32) {
        if !approval.approved {
            self.rejected_by = Some(approval.name.clone());
        } else if remaining < self.remaining {
            self.counted.push(approval.name.clone());
        } else {
            // The engine logs the reason right after the answer (see `reason`).
            self.refused.push((approval.name.clone(), String::new()));
        }
        self.remaining = remaining;
    }

    /// A system line on the gate's step: `NAME: why` after an answer that did not count.
    fn reason(&mut self, line: &str) {
        for (name, why) in &mut self.refused {
            if why.is_empty()
                && let Some(rest) = line.strip_prefix(name.as_str()).and_then(|r| r.strip_prefix(": "))
            {
                rest.clone_into(why);
                return;
            }
        }
    }

    /// Approvals counted so far.
    pub fn counted_n(&self) -> u32 {
        self.required.saturating_sub(self.remaining)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_rollouts_stage_and_split_follow_its_progress() {
        let mut v = RunView::new("r1", true);
        let progress = |data| EventKind::StepProgress { step: "canary".into(), data };
        v.apply(Micros(1), &progress(json!({ "probe": 3 })));
        assert!(v.progress.is_empty(), "other kinds' progress is not a stage");
        v.apply(
            Micros(2),
            &progress(json!({ "stage": 2, "of": 4, "percent": 25, "split": { "old": 75, "new": 25 } })),
        );
        assert_eq!(v.progress["canary"], "stage 2/4 · old 75% / new 25%");
        v.apply(Micros(3), &progress(json!({ "rollout": "aborted", "weights": {} })));
        assert_eq!(v.progress["canary"], "aborted · old weights back");
    }
}
