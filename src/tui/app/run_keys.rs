//! Intents on the run screen: steps and log navigation, search, the approval dialog, the failure
//! menu, re-run confirmation and cancellation.

use crate::engine::event::{Decision, FailureAction, GateForm};
use crate::tui::app::keys::{cycle_action, move_row};
use crate::tui::app::{App, Screen};
use crate::tui::keymap::Intent;
use crate::tui::msg::Effect;

impl App {
    pub(super) fn run_intent(&mut self, intent: Intent) -> Vec<Effect> {
        let Some(Screen::Run(rs)) = self.screens.last_mut() else { return Vec::new() };
        let Some(view) = self.views.get_mut(&rs.run) else { return Vec::new() };
        let run = rs.run.clone();
        if rs.confirm_cancel {
            rs.confirm_cancel = false;
            return if intent == Intent::Approve { vec![Effect::Cancel { run }] } else { Vec::new() };
        }
        if let Some(effects) = failure_intent(view, &run, intent).or_else(|| rerun_intent(view, &run, intent))
        {
            return effects;
        }
        if let Some(gate) = view.gate.clone()
            && let Some(effects) = gate_intent(rs, &gate, intent)
        {
            return effects;
        }
        let steps = view.steps.len();
        let active = view.active();
        let interrupted = !view.live
            && view.finished.as_ref().is_some_and(|f| f.0 == crate::engine::event::RunStatus::Interrupted);
        match intent {
            Intent::Up | Intent::Down | Intent::Top | Intent::Bottom => {
                rs.selected = move_row(rs.selected, steps, intent);
                rs.follow = false;
                rs.scroll = 0;
            }
            Intent::PageUp => {
                rs.follow = false;
                rs.scroll = rs.scroll.saturating_add(10);
            }
            Intent::PageDown => rs.scroll = rs.scroll.saturating_sub(10),
            Intent::Follow => {
                rs.follow = !rs.follow;
                rs.scroll = 0;
            }
            Intent::Wrap => rs.wrap = !rs.wrap,
            Intent::Search => rs.search_input = Some(crate::tui::app::input::TextInput::new("")),
            Intent::SearchNext | Intent::SearchPrev => {
                if let Some(q) = rs.query.clone() {
                    rs.pending_search = Some((q, intent == Intent::SearchNext));
                    rs.follow = false;
                }
            }
            Intent::Cancel if active => rs.confirm_cancel = true,
            Intent::Resume if interrupted => return vec![Effect::Resume { run }],
            _ => {}
        }
        Vec::new()
    }
}

/// Yes/no and choice gates (phrase gates take typed text, see `keys::run_text_key`).
fn gate_intent(
    rs: &mut crate::tui::app::RunScreen,
    gate: &crate::engine::event::GateInfo,
    intent: Intent,
) -> Option<Vec<Effect>> {
    if rs.answered.as_deref() == Some(gate.gate.as_str()) {
        return None;
    }
    let decision = match (&gate.form, intent) {
        (_, Intent::Reject) => Decision::Reject { gate: gate.gate.clone(), comment: None },
        (GateForm::YesNo { .. }, Intent::Approve | Intent::Select) => {
            Decision::Approve { gate: gate.gate.clone(), comment: None }
        }
        (GateForm::Choice { choices, .. }, Intent::Left | Intent::Right) => {
            let n = choices.len().max(1);
            rs.choice = if intent == Intent::Right { (rs.choice + 1) % n } else { (rs.choice + n - 1) % n };
            return Some(Vec::new());
        }
        (GateForm::Choice { choices, .. }, Intent::Approve | Intent::Select) => Decision::Choose {
            gate: gate.gate.clone(),
            option: choices.get(rs.choice).cloned().unwrap_or_default(),
        },
        _ => return None,
    };
    rs.answered = Some(gate.gate.clone());
    Some(vec![Effect::Decide { run: rs.run.clone(), decision }])
}

/// The failure menu: an action key, or arrows and enter.
fn failure_intent(
    view: &mut crate::tui::app::run_view::RunView,
    run: &str,
    intent: Intent,
) -> Option<Vec<Effect>> {
    let menu = view.failure.as_mut()?;
    let action = match intent {
        Intent::Retry => FailureAction::Retry,
        Intent::Skip => FailureAction::Skip,
        Intent::Rollback => FailureAction::Rollback,
        Intent::Abort => FailureAction::Abort,
        Intent::Select => menu.selected,
        Intent::Left | Intent::Right => {
            menu.selected = cycle_action(menu.selected, intent == Intent::Right);
            return Some(Vec::new());
        }
        _ => return None,
    };
    let decision = Decision::OnFailure { step: menu.step.clone(), attempt: menu.attempt, action };
    view.failure = None;
    Some(vec![Effect::Decide { run: run.to_string(), decision }])
}

/// Re-run confirmation after a resume: y re-runs, n stops the run.
fn rerun_intent(
    view: &mut crate::tui::app::run_view::RunView,
    run: &str,
    intent: Intent,
) -> Option<Vec<Effect>> {
    let (step, _) = view.rerun.clone()?;
    let effect = match intent {
        Intent::Approve | Intent::Select => {
            Effect::Decide { run: run.to_string(), decision: Decision::ConfirmRerun { step } }
        }
        Intent::Reject => Effect::Cancel { run: run.to_string() },
        _ => return None,
    };
    view.rerun = None;
    Some(vec![effect])
}
