//! How Runs and Home's recent runs stay live: they ask the runner (`ListRuns`, only a runner that
//! is already there; none is started to look) at the tick after a followed run changed state, every
//! [`ACTIVE_EVERY`] seconds while a run is active and every [`IDLE_EVERY`] seconds otherwise (runs
//! of other processes and operators). Entering the screen reads the store once, as before.

use crate::app::{App, Screen};
use crate::msg::Effect;
use flightdeck_core::engine::event::{EventKind, RunStatus};

/// Seconds between asks while a listed run is running or waiting.
pub const ACTIVE_EVERY: u32 = 2;

/// Seconds between asks when nothing listed is active.
pub const IDLE_EVERY: u32 = 10;

/// Whether an event of a followed run changes what the runs list shows.
pub fn changes_runs_list(kind: &EventKind) -> bool {
    matches!(
        kind,
        EventKind::RunStarted { .. }
            | EventKind::StepStarted { .. }
            | EventKind::StepFinished { .. }
            | EventKind::GateWaiting { .. }
            | EventKind::GateAnswered { .. }
            | EventKind::RunFinished { .. }
    )
}

impl App {
    /// On a one-second tick: ask the runner for the runs when Runs or Home shows them and they
    /// may have changed.
    pub(super) fn watch_runs_tick(&mut self) -> Option<Effect> {
        if !matches!(self.screen(), Screen::Home | Screen::Runs) {
            return None;
        }
        let active = self.recent.iter().any(|r| matches!(r.status, RunStatus::Running | RunStatus::Waiting));
        let every = if active { ACTIVE_EVERY } else { IDLE_EVERY };
        let (age, stale) = &mut self.runs_watch;
        *age += 1;
        if *stale || *age >= every {
            self.runs_watch = (0, false);
            return Some(Effect::WatchRuns);
        }
        None
    }
}
