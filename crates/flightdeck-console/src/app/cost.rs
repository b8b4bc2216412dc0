//! The Cost screen's state (`:cost [YYYY-MM]`): which breakdown is shown (`b` cycles service →
//! environment → `tag:KEY` for every tag key the imports carry, the CLI's `--by`), and the selected
//! anomaly (`j`/`k`, PgUp/PgDn, `g`/`G` scroll the anomaly list). A new breakdown is read afresh by
//! the runtime; the month stays the one on screen.

use super::App;
use super::screens::move_row;
use crate::keymap::Intent;
use crate::msg::{Effect, Msg};

/// The Cost screen's choices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CostView {
    /// The month asked for (`None`: the latest imported).
    pub month: Option<String>,
    /// The breakdown: `service`, `environment` or `tag:KEY`.
    pub by: String,
    /// The tag keys the imports carry (read with the report).
    pub tags: Vec<String>,
    /// Selected anomaly.
    pub row: usize,
}

impl Default for CostView {
    fn default() -> CostView {
        CostView { month: None, by: "service".into(), tags: Vec::new(), row: 0 }
    }
}

impl CostView {
    /// Every breakdown in cycling order.
    pub fn breakdowns(&self) -> Vec<String> {
        let fixed = ["service".to_string(), "environment".to_string()];
        fixed.into_iter().chain(self.tags.iter().map(|k| format!("tag:{k}"))).collect()
    }

    /// The breakdown after the current one (wrapping to `service`).
    pub fn next_by(&self) -> String {
        let all = self.breakdowns();
        let at = all.iter().position(|b| *b == self.by).map_or(0, |i| (i + 1) % all.len());
        all.get(at).cloned().unwrap_or_else(|| "service".into())
    }
}

/// The Cost screen.
#[derive(Debug, Clone, Default)]
pub struct CostState {
    /// The report (or why there is none), once read.
    pub report: Option<Result<Box<flightdeck_core::cost::Report>, String>>,
    /// The breakdown and selected anomaly.
    pub view: CostView,
}

impl CostState {
    fn effect(&self) -> Effect {
        Effect::LoadCost { month: self.view.month.clone(), by: self.view.by.clone() }
    }

    /// The screen's keys.
    pub fn intent(&mut self, intent: Intent) -> Vec<Effect> {
        if intent == Intent::CycleBy {
            self.view.by = self.view.next_by();
            self.view.row = 0;
            if let Some(Ok(r)) = &self.report {
                self.view.month = Some(r.month.to_string());
            }
            return vec![self.effect()];
        }
        let n = match &self.report {
            Some(Ok(r)) => r.anomalies.len(),
            _ => 0,
        };
        self.view.row = move_row(self.view.row, n, intent);
        Vec::new()
    }

    /// A report (and the tag keys) arrived.
    pub fn loaded(&mut self, msg: Msg) {
        let Msg::CostLoaded { report, tags } = msg else { return };
        let n = report.as_ref().map_or(0, |r| r.anomalies.len());
        self.view.row = self.view.row.min(n.saturating_sub(1));
        self.view.tags = tags;
        self.report = Some(report);
    }
}

impl App {
    /// `:cost [YYYY-MM]`: the Cost screen, read afresh by service.
    pub(super) fn open_cost(&mut self, month: Option<&str>) -> Vec<Effect> {
        self.screens.push(super::Screen::Cost);
        self.cost = CostState {
            report: None,
            view: CostView { month: month.map(str::to_string), ..CostView::default() },
        };
        vec![self.cost.effect()]
    }
}
