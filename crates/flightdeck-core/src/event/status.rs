//! Where a run and a step stand ([`RunStatus`], [`StepStatus`]) and which stream a log line came
//! from ([`Stream`]): the states the store records and every screen shows.

use serde::{Deserialize, Serialize};

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
