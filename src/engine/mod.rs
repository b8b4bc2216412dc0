//! The async executor: `run(spec, events, decisions, cancel) -> Summary`.
//!
//! Steps run in order. Each state change is committed to the store before its event is sent; log
//! lines go to per-step log files. Gates wait for decisions from the local channel and for approvals
//! recorded in the store by `flightdeck approve` from other terminals. The engine prints nothing and
//! does not know who listens: the headless printer and the console are two consumers of its events.

use std::path::PathBuf;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::identity::Operator;
use crate::store::records::StepRecord;
use crate::store::{RunLock, Store, StoreError};
use crate::workflow::plan::Plan;

mod context;
pub mod event;
mod failure;
mod finish;
mod gate;
mod logfile;
mod process;
mod rollback;
mod runner;
mod secrets;
mod shared;
mod start;

pub use context::{StepCx, StepOutcome};
pub use event::{Decision, Event, EventKind, RunStatus, StepStatus};
pub use start::{ResumeCheck, new_run_id, prepare_resume, prepare_run};

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
    #[error("store: {0}")]
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
    decisions: mpsc::Receiver<Decision>,
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
