//! One live run inside the runner: its decision channel, its cancel token, and the hub that keeps
//! the events of this runner's lives of the run and relays them to every attached client.
//!
//! Events are appended and fanned out under one lock, so a client that subscribes gets the backlog
//! after its cursor and then every later event, with no gap and no duplicate. A client that cannot
//! keep up is dropped (its stream ends without `Ended`) and reattaches from its cursor.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::engine::{Event, EventKind, RunStatus, Stamped, Summary};
use crate::runner::protocol::{Cursor, Response};

/// How many events a hub keeps before it forgets old log lines (journaled events are kept).
const KEEP: usize = 200_000;

/// How many undelivered messages a subscriber may have before it is dropped.
pub const SUBSCRIBER_QUEUE: usize = 8192;

/// A run this runner executes now.
#[derive(Debug)]
pub struct LiveRun {
    /// Run id.
    pub id: String,
    /// The run's life in this runner.
    pub life: u32,
    /// Decisions to the engine.
    pub decisions: mpsc::Sender<Stamped>,
    /// Stops the run.
    pub cancel: CancellationToken,
    hub: Mutex<Hub>,
}

#[derive(Debug, Default)]
struct Hub {
    events: Vec<Event>,
    subscribers: Vec<mpsc::Sender<Response>>,
    open_gate: Option<String>,
    /// The secret prompt open now (`STEP#ATTEMPT/SECRET`), see `runner::prompt`.
    open_prompt: Option<String>,
    /// The failure menu open now (`STEP#ATTEMPT`).
    open_failure: Option<String>,
    rerun_needed: Vec<String>,
    ended: Option<Summary>,
}

/// What a subscriber gets: the events after its cursor, and the live rest unless the run ended.
#[derive(Debug)]
pub struct Subscription {
    /// Events already held, oldest first.
    pub backlog: Vec<Event>,
    /// Later events and the final `Ended`; `None` when the run already ended.
    pub live: Option<mpsc::Receiver<Response>>,
    /// The summary, when the run already ended.
    pub ended: Option<Summary>,
}

impl LiveRun {
    /// A live run with an empty hub; `rerun_needed` lists the steps whose re-run waits for a
    /// confirmation (known before the engine asks, so a request racing its question sees them).
    pub fn new(
        id: String,
        life: u32,
        decisions: mpsc::Sender<Stamped>,
        cancel: CancellationToken,
        rerun_needed: Vec<String>,
    ) -> Arc<LiveRun> {
        let hub = Hub { rerun_needed, ..Hub::default() };
        Arc::new(LiveRun { id, life, decisions, cancel, hub: Mutex::new(hub) })
    }

    fn hub(&self) -> MutexGuard<'_, Hub> {
        self.hub.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Appends an event and sends it to every subscriber.
    pub fn publish(&self, event: Event) {
        let mut hub = self.hub();
        track(&mut hub, &event.kind);
        let msg = Response::Event { event: event.clone() };
        hub.subscribers.retain(|s| s.try_send(msg.clone()).is_ok());
        hub.events.push(event);
        if hub.events.len() > KEEP {
            let cut = hub.events.len() - KEEP / 2;
            let mut kept: Vec<Event> = hub.events.drain(..cut).filter(|e| e.kind.is_journaled()).collect();
            kept.append(&mut hub.events);
            hub.events = kept;
        }
    }

    /// Marks the run ended and tells every subscriber.
    pub fn finish(&self, summary: Option<Summary>, status: RunStatus) {
        let mut hub = self.hub();
        // The engine's own exit code wins (a failed secrets check leaves the run interrupted, exit 8).
        let exit_code = summary.as_ref().map_or(status.exit_code(), |s| s.exit_code);
        let msg = Response::Ended { summary: summary.clone(), status, exit_code };
        for s in hub.subscribers.drain(..) {
            let _ = s.try_send(msg.clone());
        }
        hub.ended = summary.or(Some(Summary {
            run: self.id.clone(),
            status,
            exit_code: status.exit_code(),
            message: None,
            steps: Vec::new(),
        }));
        hub.open_gate = None;
        hub.open_prompt = None;
        hub.open_failure = None;
    }

    /// The backlog after `from` and, unless the run ended, a stream of what follows.
    pub fn subscribe(&self, from: Option<Cursor>) -> Subscription {
        let mut hub = self.hub();
        let backlog: Vec<Event> =
            hub.events.iter().filter(|e| from.is_none_or(|c| Cursor::of(e) > c)).cloned().collect();
        if let Some(s) = &hub.ended {
            return Subscription { backlog, live: None, ended: Some(s.clone()) };
        }
        let (tx, rx) = mpsc::channel(SUBSCRIBER_QUEUE);
        hub.subscribers.push(tx);
        Subscription { backlog, live: Some(rx), ended: None }
    }

    /// The gate open now (`STEP#ATTEMPT`), if any.
    pub fn open_gate(&self) -> Option<String> {
        self.hub().open_gate.clone()
    }

    /// The secret prompt open now (`STEP#ATTEMPT/SECRET`), if any.
    pub fn open_prompt(&self) -> Option<String> {
        self.hub().open_prompt.clone()
    }

    /// The failure menu open now (`STEP#ATTEMPT`), if any.
    pub fn open_failure(&self) -> Option<String> {
        self.hub().open_failure.clone()
    }

    /// Steps that wait for a confirmation to run again.
    pub fn rerun_needed(&self) -> Vec<String> {
        self.hub().rerun_needed.clone()
    }

    /// True once the engine returned.
    pub fn has_ended(&self) -> bool {
        self.hub().ended.is_some()
    }

    /// How many clients are attached.
    pub fn subscribers(&self) -> usize {
        let mut hub = self.hub();
        hub.subscribers.retain(|s| !s.is_closed());
        hub.subscribers.len()
    }
}

/// Follows which gate is open and which re-runs wait, from the events.
fn track(hub: &mut Hub, kind: &EventKind) {
    match kind {
        EventKind::GateWaiting { info } => hub.open_gate = Some(info.gate.clone()),
        EventKind::FailureMenu { step, attempt, .. } => hub.open_failure = Some(format!("{step}#{attempt}")),
        EventKind::StepRetrying { .. } | EventKind::RollbackStarted { .. } => hub.open_failure = None,
        EventKind::RerunNeeded { step, .. } if !hub.rerun_needed.contains(step) => {
            hub.rerun_needed.push(step.clone());
        }
        EventKind::StepProgress { data, .. } => {
            if let Some(open) = crate::runner::prompt::change(data) {
                hub.open_prompt = open;
            }
        }
        EventKind::StepStarted { step, .. } | EventKind::StepFinished { step, .. } => {
            if matches!(kind, EventKind::StepStarted { .. }) {
                hub.open_failure = None;
            }
            if hub.open_prompt.as_deref().is_some_and(|p| p.split('#').next() == Some(step.as_str())) {
                hub.open_prompt = None;
            }
            if hub.open_gate.as_deref().is_some_and(|g| g.split('#').next() == Some(step.as_str())) {
                hub.open_gate = None;
            }
            hub.rerun_needed.retain(|s| s != step);
        }
        EventKind::RunFinished { .. } => {
            hub.open_gate = None;
            hub.open_prompt = None;
            hub.open_failure = None;
            hub.rerun_needed.clear();
        }
        _ => {}
    }
}
