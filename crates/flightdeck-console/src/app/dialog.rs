//! Dialogs that cannot be answered by accident: which dialog is on screen, the grace period during
//! which a dialog the engine just opened ignores keys, `esc` hiding a dialog while the run keeps
//! waiting, the highlighted option (production starts on reject), and "this workflow already has a
//! run going: start another?". Time comes from messages (`Msg::Clock`, `Msg::Tick`), never a clock.

use crate::app::run_view::RunView;
use crate::app::{App, Screen};
use crate::msg::Effect;
use flightdeck_core::engine::event::GateForm;
use flightdeck_core::time::Micros;

/// How long a dialog the engine opened ignores keys (milliseconds).
pub const GRACE_MS: i64 = 600;

/// The options of a yes/no or choice gate, in order; the last one is always "reject".
pub fn gate_options(form: &GateForm) -> Vec<String> {
    let mut out = match form {
        GateForm::YesNo { .. } => vec!["approve".to_string()],
        GateForm::Choice { choices, .. } => choices.clone(),
        GateForm::Phrase { .. } => Vec::new(),
    };
    out.push("reject".into());
    out
}

/// The options of the re-run confirmation.
pub const RERUN_OPTIONS: [&str; 2] = ["re-run the step", "stop the run"];

/// A launch waiting for "start another?" to be answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelaunchQuestion {
    /// The launch to carry out on `y`.
    pub launch: Effect,
    /// The runs of the same workflow still going: (id, "waiting at a gate" / "running").
    pub others: Vec<(String, String)>,
}

impl App {
    /// The dialog on screen, as an id that changes whenever a different dialog shows
    /// (`gate:STEP#ATTEMPT`, `failure:STEP#ATTEMPT`, `rerun:STEP`, `cancel`, `quit`, `relaunch`).
    pub fn shown_dialog(&self) -> Option<String> {
        if self.confirm_quit {
            return Some("quit".into());
        }
        if self.relaunch.is_some() {
            return Some("relaunch".into());
        }
        let Screen::Run(rs) = self.screen() else { return None };
        if rs.confirm_cancel {
            return Some("cancel".into());
        }
        let id = run_dialog_id(self.views.get(&rs.run)?)?;
        (rs.hidden.as_deref() != Some(id.as_str())).then_some(id)
    }

    /// Notes a newly shown dialog: when it appeared (for the grace period) and its first highlight.
    pub(super) fn track_dialog(&mut self) {
        // A hidden dialog that closed (answered on another console, the run ended) leaves nothing
        // hidden: the footer must not offer to show it again.
        if let Some(Screen::Run(rs)) = self.screens.last_mut()
            && rs.hidden.is_some()
            && rs.hidden != self.views.get(&rs.run).and_then(run_dialog_id)
        {
            rs.hidden = None;
        }
        let id = self.shown_dialog();
        if id == self.dialog {
            return;
        }
        self.dialog_since = self.now;
        self.dialog.clone_from(&id);
        let production = self.screen_env_production();
        let Some(Screen::Run(rs)) = self.screens.last_mut() else { return };
        rs.dialog_scroll = 0;
        let Some(view) = self.views.get(&rs.run) else { return };
        rs.choice = match (&id, &view.gate) {
            (Some(d), Some(g)) if d.starts_with("gate:") => first_highlight(&g.form, production),
            _ => 0,
        };
    }

    /// Milliseconds left of the grace period of the dialog on screen (engine-opened dialogs only).
    pub fn grace_left_ms(&self) -> Option<i64> {
        let id = self.dialog.as_deref()?;
        if !["gate:", "failure:", "rerun:", "secret:"].iter().any(|p| id.starts_with(p)) {
            return None;
        }
        let left = GRACE_MS - (self.now.0 - self.dialog_since.0) / 1000;
        (left > 0).then_some(left)
    }

    /// When the runtime should wake to redraw the end of a grace period.
    pub fn wake_at(&self) -> Option<Micros> {
        self.grace_left_ms().map(|_| Micros(self.dialog_since.0 + GRACE_MS * 1000))
    }

    /// True if the environment of the run on screen is a production one.
    pub fn screen_env_production(&self) -> bool {
        let env = match self.screen() {
            Screen::Run(rs) => self.views.get(&rs.run).map(|v| v.environment.clone()).unwrap_or_default(),
            _ => return false,
        };
        self.is_production(&env)
    }

    /// True if `env` is a production environment.
    pub fn is_production(&self, env: &str) -> bool {
        self.init.environments.iter().any(|(n, p)| n == env && *p)
    }

    /// Runs of `workflow` still going, live here or seen in the store.
    pub fn going_runs_of(&self, workflow: &str) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = self
            .views
            .values()
            .filter(|v| v.workflow == workflow && v.active())
            .map(|v| (v.id.clone(), if v.gate.is_some() { "waiting at a gate" } else { "running" }.into()))
            .collect();
        for r in self.recent.iter().filter(|r| r.workflow == workflow) {
            let state = match r.status {
                flightdeck_core::engine::event::RunStatus::Waiting => "waiting at a gate",
                flightdeck_core::engine::event::RunStatus::Running => "running",
                _ => continue,
            };
            if !out.iter().any(|(id, _)| id == &r.id) {
                out.push((r.id.clone(), state.into()));
            }
        }
        out
    }

    /// A launch asked for: straight through, or a question first if the workflow has a run going.
    pub(super) fn launch_or_ask(&mut self, effect: Effect) -> Vec<Effect> {
        let Effect::Launch { workflow, .. } = &effect else { return vec![effect] };
        let others = self.going_runs_of(workflow);
        if others.is_empty() {
            return vec![effect];
        }
        self.relaunch = Some(RelaunchQuestion { launch: effect, others });
        Vec::new()
    }

    /// Runs waiting at a gate: live here, or waiting in the store.
    pub fn waiting_runs(&self) -> usize {
        let live = self.views.values().filter(|v| v.gate.is_some() && v.finished.is_none());
        let mut ids: Vec<&str> = live.map(|v| v.id.as_str()).collect();
        for r in &self.recent {
            let known = self.views.get(&r.id);
            let finished_here = known.is_some_and(|v| v.finished.is_some() || v.gate.is_none());
            if r.status == flightdeck_core::engine::event::RunStatus::Waiting
                && !finished_here
                && !ids.contains(&r.id.as_str())
            {
                ids.push(&r.id);
            }
        }
        ids.len()
    }
}

/// The id of the dialog a run asks for, hidden or not.
pub fn run_dialog_id(view: &RunView) -> Option<String> {
    if let Some(f) = &view.failure {
        Some(format!("failure:{}#{}", f.step, f.attempt))
    } else if let Some((step, _)) = &view.rerun {
        Some(format!("rerun:{step}"))
    } else if let Some(p) = &view.secret_prompt {
        Some(p.dialog_id())
    } else {
        view.gate.as_ref().map(|g| format!("gate:{}", g.gate))
    }
}

/// The option highlighted when a gate opens: reject in production (and for a yes/no gate whose
/// default is no), else the default choice.
fn first_highlight(form: &GateForm, production: bool) -> usize {
    let options = gate_options(form);
    let reject = options.len() - 1;
    if production {
        return reject;
    }
    match form {
        GateForm::YesNo { default_yes } => {
            if *default_yes {
                0
            } else {
                reject
            }
        }
        GateForm::Choice { choices, default } => {
            default.as_ref().and_then(|d| choices.iter().position(|c| c == d)).unwrap_or(0)
        }
        GateForm::Phrase { .. } => 0,
    }
}
