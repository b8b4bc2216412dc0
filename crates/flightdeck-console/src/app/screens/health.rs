//! The Health screen's state: the latest snapshot of the watched environment's monitors, the
//! newest alerts, the selected monitor and whether its detail shows.

use super::move_row;
use crate::keymap::Intent;
use crate::msg::{Effect, Msg};
use flightdeck_core::health::Snapshot;
use flightdeck_core::store::AlertRecord;

/// The Health screen (its snapshot also feeds the header and Home).
#[derive(Debug, Clone, Default)]
pub struct HealthState {
    /// The latest health snapshot.
    pub snapshot: Option<Box<Snapshot>>,
    /// The environment whose monitors Health watches.
    pub env: String,
    /// Selected monitor.
    pub row: usize,
    /// Showing the selected monitor's detail.
    pub detail: bool,
    /// The newest alerts received from Alertmanager.
    pub alerts: Vec<AlertRecord>,
}

impl HealthState {
    /// Watching `env` at start.
    pub fn new(env: &str) -> HealthState {
        HealthState { env: env.to_string(), ..HealthState::default() }
    }

    /// A snapshot of the watched environment or the newest alerts arrived.
    pub fn loaded(&mut self, msg: Msg) {
        match msg {
            Msg::HealthSnapshot { snapshot } => self.snapshot = Some(snapshot),
            Msg::AlertsLoaded { alerts } => self.alerts = alerts,
            _ => {}
        }
    }

    /// Starts watching `env`'s monitors (the old snapshot goes: it was another environment's).
    pub fn watch(&mut self, env: String) -> Vec<Effect> {
        if env == self.env {
            return Vec::new();
        }
        self.snapshot = None;
        self.row = 0;
        self.env.clone_from(&env);
        vec![Effect::WatchHealth { environment: env }]
    }

    /// The screen's keys; `environments` are the ones `e` cycles through.
    pub fn intent(&mut self, environments: &[(String, bool)], intent: Intent) -> Vec<Effect> {
        let n = self.snapshot.as_ref().map_or(0, |h| h.monitors.len());
        match intent {
            Intent::CycleEnv => {
                let i = environments.iter().position(|(n, _)| *n == self.env).map_or(0, |i| i + 1);
                let next = environments.get(i % environments.len().max(1)).map(|(n, _)| n.clone());
                return next.map(|e| self.watch(e)).unwrap_or_default();
            }
            Intent::Select => self.detail = !self.detail,
            _ => self.row = move_row(self.row, n, intent),
        }
        Vec::new()
    }
}
