//! The DORA screen's state: the dashboard once computed and the operator's choices (window,
//! service, selected deployment, drill-down).

use super::move_row;
use crate::keymap::Intent;
use crate::msg::{Effect, Msg};

/// The DORA screen's choices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DoraView {
    /// Window length in days (7, 30, 90, 180).
    pub days: i64,
    /// One service, or all.
    pub service: Option<String>,
    /// Selected deployment row.
    pub row: usize,
    /// Showing the selected deployment's commits.
    pub expanded: bool,
}

impl Default for DoraView {
    fn default() -> Self {
        DoraView { days: 90, service: None, row: 0, expanded: false }
    }
}

/// The DORA screen.
#[derive(Debug, Clone, Default)]
pub struct DoraState {
    /// The dashboard, once computed.
    pub dashboard: Option<Result<Box<flightdeck_core::dora::Dashboard>, String>>,
    /// The choices.
    pub view: DoraView,
}

impl DoraState {
    /// A dashboard arrived; the services it names join `services`, the cycle of `s` (with the
    /// configured ones).
    pub fn loaded(&mut self, msg: Msg, services: &mut Vec<String>) {
        let Msg::DoraLoaded { dashboard } = msg else { return };
        if let Ok(d) = &dashboard {
            for r in &d.deployments {
                if !services.contains(&r.deployment.service) {
                    services.push(r.deployment.service.clone());
                }
            }
            services.sort();
        }
        self.dashboard = Some(dashboard);
    }

    /// The effect that (re)computes the dashboard for the current choices.
    pub fn effect(&self) -> Effect {
        Effect::LoadDora { service: self.view.service.clone(), environment: None, days: self.view.days }
    }

    /// The screen's keys; `services` are the ones `s` cycles through.
    pub fn intent(&mut self, services: &[String], intent: Intent) -> Vec<Effect> {
        let rows = match &self.dashboard {
            Some(Ok(d)) => d.deployments.len(),
            _ => 0,
        };
        let v = &mut self.view;
        match intent {
            Intent::CycleWindow => {
                v.days = match v.days {
                    d if d < 7 => 7,
                    d if d < 30 => 30,
                    d if d < 90 => 90,
                    d if d < 180 => 180,
                    _ => 7,
                };
                return vec![self.effect()];
            }
            Intent::CycleService => {
                // Every configured service and every one seen, then all again.
                v.service = match &v.service {
                    None => services.first().cloned(),
                    Some(cur) => services.iter().skip_while(|s| *s != cur).nth(1).cloned(),
                };
                return vec![self.effect()];
            }
            Intent::Select => v.expanded = !v.expanded,
            _ => v.row = move_row(v.row, rows, intent),
        }
        Vec::new()
    }
}
