//! The async executor: `run(spec, events, decisions, cancel) -> Summary`.
//!
//! Steps run in order. Each state change is committed to the store before its event is sent; log
//! lines go to per-step log files. Gates count only the decisions that reach them on the engine's
//! channel, each stamped by the receiving side (the runner) with the identity the kernel gave it;
//! nothing another process writes into the store counts. The engine prints nothing and does not know
//! who listens: the runner is its one consumer and relays its events to every attached client.

use std::path::PathBuf;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::identity::Operator;
use crate::store::records::StepRecord;
use crate::store::{RunLock, Store, StoreError};
use crate::workflow::plan::Plan;

mod attempt;
mod context;
mod failure;
mod finish;
mod gate;
mod kind;
mod logfile;
pub mod markers;
mod process;
mod procfs;
mod recover;
mod rollback;
mod runner;
mod secrets;
mod shared;
mod start;

/// Events and decisions live in the neutral [`crate::event`] module (the store and notifications read
/// them without depending on the engine); re-exported so `engine::event::...` paths keep working.
pub use crate::event;
pub use crate::event::{Decision, Event, EventKind, RunStatus, StepStatus};
pub use context::{StepCx, StepOutcome};
pub use gate::ApproveSpec;
pub use kind::{ActionKind, BoxFuture, StepKind, StepKinds};
pub use start::{ResumeCheck, new_run_id, prepare_resume, prepare_run};

/// A decision as it reaches the engine: stamped by the side that received it with who made it (the
/// socket peer's uid for the runner), with an optional channel for what became of it.
#[derive(Debug)]
pub struct Stamped {
    /// The decision.
    pub decision: Decision,
    /// Who made it.
    pub by: Operator,
    /// Told whether the answer counted, and why not.
    pub reply: Option<tokio::sync::oneshot::Sender<Reply>>,
}

impl Stamped {
    /// A decision made by `by` with no one waiting for the verdict.
    pub fn new(decision: Decision, by: Operator) -> Stamped {
        Stamped { decision, by, reply: None }
    }

    /// Answers the sender (a sender that stopped listening is fine).
    pub fn answer(self, reply: Reply) {
        if let Some(tx) = self.reply {
            let _ = tx.send(reply);
        }
    }
}

/// What became of a decision: counted (or acted on), or refused with the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reply {
    /// True if it counted towards the gate (or was acted on).
    pub counted: bool,
    /// What happened, or why it did not count.
    pub message: String,
}

impl Reply {
    /// A counted answer.
    pub fn counted(message: impl Into<String>) -> Reply {
        Reply { counted: true, message: message.into() }
    }

    /// A refused answer.
    pub fn refused(message: impl Into<String>) -> Reply {
        Reply { counted: false, message: message.into() }
    }
}

/// Everything a run needs: its plan, its store, who operates it, and where it stands.
#[derive(Debug)]
pub struct RunSpec {
    /// Run id.
    pub run_id: String,
    /// Process life (1, or more after resumes).
    pub life: u32,
    /// The plan.
    pub plan: Arc<Plan>,
    /// The store.
    pub store: Store,
    /// The operator of this process (stamped on local decisions).
    pub operator: Operator,
    /// The lock that marks this run as live.
    pub lock: RunLock,
    /// Step states stored by earlier lives (empty for a new run).
    pub previous: Vec<StepRecord>,
    /// Path of the flightdeck binary, exported to steps as `$FLIGHTDECK`.
    pub flightdeck_bin: PathBuf,
    /// The step kinds the plan's actions name (`steps::KINDS`).
    pub kinds: StepKinds,
    /// Recovered by a runner on start, with the stored plan's options: a re-run that needs a
    /// confirmation waits for a `ConfirmRerun` decision (`flightdeck resume RUN --yes`, a terminal).
    pub await_confirmation: bool,
    /// Who passed `--yes` to this life when that was not the run's operator (a colleague's
    /// `resume --yes`): the one approval `--yes` supplies is theirs. `None`: the operator's.
    pub yes_by: Option<Operator>,
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Run id.
    pub run: String,
    /// Final state.
    pub status: RunStatus,
    /// Process exit code for this outcome.
    pub exit_code: i32,
    /// Why, when not succeeded.
    pub message: Option<String>,
    /// Each step's final state.
    pub steps: Vec<(String, StepStatus)>,
}

/// Errors that stop the engine itself (not a failing step).
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The store failed; the run is left interrupted and can be resumed.
    #[error("{0}")]
    Store(#[from] StoreError),
    /// Setting up a log file failed.
    #[error("cannot write step log {path}: {source}")]
    Log {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

/// Runs a plan to its end. See the module docs.
pub async fn run(
    spec: RunSpec,
    events: mpsc::Sender<Event>,
    decisions: mpsc::Receiver<Stamped>,
    cancel: CancellationToken,
) -> Result<Summary, EngineError> {
    runner::Runner::new(spec, events, decisions, cancel).run().await
}

/// Sleeps until `deadline`, or forever when there is none.
pub(crate) async fn sleep_until_opt(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}
