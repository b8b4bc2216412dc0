//! Engine events and operator decisions: the data that flows between an engine and whoever watches it.
//!
//! Both are plain serde enums so they can be journaled, asserted in tests, printed as JSON lines and,
//! later, sent over a socket to a second terminal. An event is sent only after its state is committed.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::time::Micros;

/// The state of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    /// Executing now.
    Running,
    /// Waiting for an approval.
    Waiting,
    /// Every step finished or was skipped.
    Succeeded,
    /// A step failed (and any rollback ran).
    Failed,
    /// Rolled back after a failure; the rollbacks all succeeded.
    RolledBack,
    /// An approval was rejected, missing or timed out.
    Rejected,
    /// Stopped by the operator.
    Cancelled,
    /// Its process died; `flightdeck resume` continues it.
    Interrupted,
}

impl RunStatus {
    /// The word stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Running => "running",
            RunStatus::Waiting => "waiting",
            RunStatus::Succeeded => "succeeded",
            RunStatus::Failed => "failed",
            RunStatus::RolledBack => "rolled_back",
            RunStatus::Rejected => "rejected",
            RunStatus::Cancelled => "cancelled",
            RunStatus::Interrupted => "interrupted",
        }
    }

    /// Parses the stored word.
    pub fn parse(s: &str) -> Option<RunStatus> {
        [
            RunStatus::Running,
            RunStatus::Waiting,
            RunStatus::Succeeded,
            RunStatus::Failed,
            RunStatus::RolledBack,
            RunStatus::Rejected,
            RunStatus::Cancelled,
            RunStatus::Interrupted,
        ]
        .into_iter()
        .find(|st| st.as_str() == s)
    }

    /// True once the run can change no more (interrupted runs can be resumed, so they are not final).
    pub fn is_final(self) -> bool {
        !matches!(self, RunStatus::Running | RunStatus::Waiting | RunStatus::Interrupted)
    }

    /// The process exit code for a run that ended in this state (DESIGN §10).
    pub fn exit_code(self) -> i32 {
        match self {
            RunStatus::Succeeded => 0,
            RunStatus::Failed | RunStatus::RolledBack => 3,
            RunStatus::Rejected => 4,
            RunStatus::Cancelled => 5,
            RunStatus::Running | RunStatus::Waiting | RunStatus::Interrupted => 1,
        }
    }
}

/// The state of one step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    /// Not started.
    Pending,
    /// Executing now (its pid is recorded).
    Running,
    /// Waiting at an approval gate.
    Waiting,
    /// Finished with success.
    Succeeded,
    /// Failed after its attempts.
    Failed,
    /// Skipped (`when` false, operator skip, dry run).
    Skipped,
    /// Its rollback command ran successfully.
    RolledBack,
    /// Its rollback command failed.
    RollbackFailed,
    /// Stopped by cancellation.
    Cancelled,
}

impl StepStatus {
    /// The word stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            StepStatus::Pending => "pending",
            StepStatus::Running => "running",
            StepStatus::Waiting => "waiting",
            StepStatus::Succeeded => "succeeded",
            StepStatus::Failed => "failed",
            StepStatus::Skipped => "skipped",
            StepStatus::RolledBack => "rolled_back",
            StepStatus::RollbackFailed => "rollback_failed",
            StepStatus::Cancelled => "cancelled",
        }
    }

    /// Parses the stored word.
    pub fn parse(s: &str) -> Option<StepStatus> {
        [
            StepStatus::Pending,
            StepStatus::Running,
            StepStatus::Waiting,
            StepStatus::Succeeded,
            StepStatus::Failed,
            StepStatus::Skipped,
            StepStatus::RolledBack,
            StepStatus::RollbackFailed,
            StepStatus::Cancelled,
        ]
        .into_iter()
        .find(|st| st.as_str() == s)
    }

    /// True if a resumed run must not execute the step again.
    pub fn is_done(self) -> bool {
        matches!(self, StepStatus::Succeeded | StepStatus::Skipped)
    }
}

/// Which output stream a log line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Stream {
    /// Standard output.
    Stdout,
    /// Standard error.
    Stderr,
    /// A line written by flightdeck itself about the step.
    System,
}

/// The form of an approval gate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "form", rename_all = "snake_case")]
pub enum GateForm {
    /// Yes or no; `default_yes` is what Enter means at a prompt.
    YesNo {
        /// What an empty answer means.
        default_yes: bool,
    },
    /// The operator must type `phrase` exactly.
    Phrase {
        /// The exact text.
        phrase: String,
    },
    /// The operator picks one of `choices`.
    Choice {
        /// The options.
        choices: Vec<String>,
        /// The preselected option.
        default: Option<String>,
    },
}

/// One approval (or rejection) recorded at a gate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Approval {
    /// The approver's uid.
    pub uid: u32,
    /// The approver's login name.
    pub name: String,
    /// True for approve, false for reject.
    pub approved: bool,
    /// The option chosen at a choice gate.
    pub choice: Option<String>,
    /// Free text.
    pub comment: Option<String>,
    /// When it was recorded.
    pub at: Micros,
}

/// Everything a person needs to decide at a gate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GateInfo {
    /// `STEP#ATTEMPT`.
    pub gate: String,
    /// The step id.
    pub step: String,
    /// The rendered message.
    pub message: String,
    /// The form of answer expected.
    pub form: GateForm,
    /// The action as data: service, version, environment, ... (for the dialog).
    pub facts: BTreeMap<String, String>,
    /// Distinct approvals required by the environment.
    pub required: u32,
    /// Approvals recorded so far.
    pub approvals: Vec<Approval>,
    /// When the gate gives up, if the environment sets a timeout.
    pub deadline: Option<Micros>,
    /// Whether the run's own operator may approve.
    pub self_approval: bool,
}

/// What the operator chose after a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureAction {
    /// Run the step again.
    Retry,
    /// Mark it skipped and go on.
    Skip,
    /// Run the rollbacks of completed steps, newest first.
    Rollback,
    /// Stop the run as failed.
    Abort,
}

/// A decision sent to an engine. The receiving side stamps who made it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum Decision {
    /// Approve a yes/no gate.
    Approve {
        /// `STEP#ATTEMPT`.
        gate: String,
        /// Optional comment.
        comment: Option<String>,
    },
    /// Reject a gate.
    Reject {
        /// `STEP#ATTEMPT`.
        gate: String,
        /// Optional comment.
        comment: Option<String>,
    },
    /// Answer a phrase gate.
    Phrase {
        /// `STEP#ATTEMPT`.
        gate: String,
        /// The typed text.
        text: String,
    },
    /// Answer a choice gate.
    Choose {
        /// `STEP#ATTEMPT`.
        gate: String,
        /// The chosen option.
        option: String,
    },
    /// Say what to do after a failure.
    OnFailure {
        /// The failed step.
        step: String,
        /// Its attempt number.
        attempt: u32,
        /// The action.
        action: FailureAction,
    },
    /// Allow a step that was running when the process died to run again.
    ConfirmRerun {
        /// The step.
        step: String,
    },
    /// The value typed at a secret prompt (`create = "prompt"`): it travels only over the runner
    /// socket to the engine, which writes it to the provider; it is never journaled, audited,
    /// logged or sent in an event (see [`Decision::for_record`]).
    SecretValue {
        /// The prompt answered (`STEP#ATTEMPT/SECRET`); empty for the one open now.
        prompt: String,
        /// The value (its `Debug` is `[hidden]`; wiped when dropped).
        value: SecretText,
    },
}

impl Decision {
    /// The decision as it may be recorded (audit, logs): a secret value is replaced by `[withheld]`.
    #[must_use]
    pub fn for_record(&self) -> Decision {
        match self {
            Decision::SecretValue { prompt, .. } => Decision::SecretValue {
                prompt: prompt.clone(),
                value: SecretText::new("[withheld]".to_string()),
            },
            other => other.clone(),
        }
    }
}

/// Text typed at a secret prompt: serialized as a plain string (it must cross the runner socket),
/// wiped from memory when dropped, and shown by `Debug` as `[hidden]`.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretText(zeroize::Zeroizing<String>);

impl SecretText {
    /// Wraps `text`.
    pub fn new(text: String) -> SecretText {
        SecretText(zeroize::Zeroizing::new(text))
    }

    /// The text.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for SecretText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[hidden]")
    }
}

impl Serialize for SecretText {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for SecretText {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(SecretText::new)
    }
}

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
