//! Engine events and operator decisions: the data that flows between an engine and whoever watches it.
//!
//! Both are plain serde enums so they can be journaled, asserted in tests, printed as JSON lines and,
//! later, sent over a socket to a second terminal. An event is sent only after its state is committed.
//! This file holds the events; the states they carry are in `status`, the decisions in `decision`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::time::Micros;

mod decision;
mod status;

pub use decision::{Approval, Decision, FailureAction, GateForm, GateInfo, SecretText};
pub use status::{RunStatus, StepStatus, Stream};

/// An event with its envelope: run id, process life, sequence number and time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// The run.
    pub run: String,
    /// 1 for the first process, 2 after the first resume, ...
    pub life: u32,
    /// Sequence within the life, from 1.
    pub seq: u64,
    /// When it happened.
    pub at: Micros,
    /// What happened.
    #[serde(flatten)]
    pub kind: EventKind,
}

/// A step as announced at the start of a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepInfo {
    /// Full id (`migrate.backup` for a task's step).
    pub id: String,
    /// Display label.
    pub label: String,
    /// The action kind (`run`, `approve`, ...).
    pub kind: String,
    /// The `uses` step it belongs to, for a task's step.
    pub group: Option<String>,
    /// The state it starts in (done steps of a resumed run are not pending).
    pub status: StepStatus,
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum EventKind {
    /// The run began (or resumed, when `life > 1`).
    RunStarted {
        /// Workflow name.
        workflow: String,
        /// Environment name.
        environment: String,
        /// `interactive`, `automated`, `dry_run` or `emergency`.
        mode: String,
        /// Who started it.
        operator: String,
        /// The steps and their starting states.
        steps: Vec<StepInfo>,
    },
    /// A step began an attempt.
    StepStarted {
        /// Step id.
        step: String,
        /// 1-based attempt.
        attempt: u32,
        /// The rendered command or description.
        detail: String,
    },
    /// A line of output.
    StepLog {
        /// Step id.
        step: String,
        /// Which stream.
        stream: Stream,
        /// The text, without the newline, secrets redacted.
        line: String,
    },
    /// Kind-specific progress (a check's probe, a load test's snapshot).
    StepProgress {
        /// Step id.
        step: String,
        /// The kind's data.
        data: serde_json::Value,
    },
    /// An attempt failed and will be retried.
    StepRetrying {
        /// Step id.
        step: String,
        /// The attempt that failed.
        attempt: u32,
        /// Delay before the next one.
        delay_ms: u64,
        /// Why it failed.
        error: String,
    },
    /// A step ended.
    StepFinished {
        /// Step id.
        step: String,
        /// Final attempt.
        attempt: u32,
        /// Its new state.
        status: StepStatus,
        /// Exit code of its process, if it ran one.
        exit_code: Option<i32>,
        /// Wall time of the last attempt.
        duration_ms: i64,
        /// Outputs written to `$FLIGHTDECK_OUTPUT`.
        outputs: BTreeMap<String, String>,
        /// Why it failed or was skipped.
        message: Option<String>,
    },
    /// A gate waits for people.
    GateWaiting {
        /// What to decide.
        info: GateInfo,
    },
    /// Someone answered a gate (the gate may still wait for more approvals).
    GateAnswered {
        /// `STEP#ATTEMPT`.
        gate: String,
        /// The answer.
        approval: Approval,
        /// Approvals still needed.
        remaining: u32,
    },
    /// A typed phrase did not match; the gate keeps waiting.
    GatePhraseMismatch {
        /// `STEP#ATTEMPT`.
        gate: String,
        /// Who typed it.
        operator: String,
    },
    /// A gate was passed without a prompt (automated or emergency mode), audited with the reason.
    GateBypassed {
        /// `STEP#ATTEMPT`.
        gate: String,
        /// Why.
        reason: String,
    },
    /// A step failed and the operator must choose what next.
    FailureMenu {
        /// Step id.
        step: String,
        /// The attempt that failed.
        attempt: u32,
        /// Why it failed.
        error: String,
        /// The step's `on_fail`, preselected.
        default: FailureAction,
    },
    /// A step was running when the previous process died; running it again needs confirmation.
    RerunNeeded {
        /// Step id.
        step: String,
        /// Whether its recorded process group is still alive.
        still_running: bool,
    },
    /// Rollback begins: these steps' rollbacks run, in this order.
    RollbackStarted {
        /// Step ids, newest first.
        steps: Vec<String>,
    },
    /// The run ended (or the process is about to leave it interrupted).
    RunFinished {
        /// Final state.
        status: RunStatus,
        /// The process exit code this maps to.
        exit_code: i32,
        /// Why, when not succeeded.
        message: Option<String>,
    },
}

impl EventKind {
    /// True for events written to the journal (output lines go to the log files instead; a
    /// system line sent through `emit`, such as which secret version a step read, is kept).
    pub fn is_journaled(&self) -> bool {
        match self {
            EventKind::StepLog { stream, .. } => *stream == Stream::System,
            EventKind::StepProgress { .. } => false,
            _ => true,
        }
    }
}
