//! Intents on the run screen: steps and log navigation, search, the approval dialog, the failure
//! menu, re-run confirmation and cancellation.

use crate::app::dialog::{RERUN_OPTIONS, gate_options};
use crate::app::keys::cycle_action;
use crate::app::screens::move_row;
use crate::app::{App, Screen};
use crate::keymap::Intent;
use crate::msg::Effect;
use flightdeck_core::engine::event::{Decision, GateForm};

impl App {
    pub(super) fn run_intent(&mut self, intent: Intent) -> Vec<Effect> {
        let dialog = self.dialog.clone();
        let Some(Screen::Run(rs)) = self.screens.last_mut() else { return Vec::new() };
        let Some(view) = self.views.get_mut(&rs.run) else { return Vec::new() };
        let run = rs.run.clone();
        if rs.confirm_cancel {
            rs.confirm_cancel = false;
            return if intent == Intent::Approve { vec![Effect::Cancel { run }] } else { Vec::new() };
        }
        match intent {
            Intent::HideDialog => {
                rs.hidden.clone_from(&dialog);
                return Vec::new();
            }
            Intent::ShowDialog => {
                rs.hidden = None;
                return Vec::new();
            }
            _ => {}
        }
        if let Some(d) = dialog.as_deref() {
            let effects = if d.starts_with("failure:") {
                failure_intent(view, &run, intent)
            } else if d.starts_with("rerun:") {
                rerun_intent(view, rs, &run, intent)
            } else if let Some(gate) = view.gate.clone().filter(|_| d.starts_with("gate:")) {
                gate_intent(rs, &gate, intent)
            } else {
                None
            };
            if let Some(effects) = effects {
                return effects;
            }
        }
        if intent == Intent::Copy {
            return self.copy_line();
        }
        let Some(Screen::Run(rs)) = self.screens.last_mut() else { return Vec::new() };
        let Some(view) = self.views.get(&rs.run) else { return Vec::new() };
        log_intent(rs, view, intent)
    }

    /// The line to copy: the search match when it is on screen, else the newest line shown.
    fn copy_line(&mut self) -> Vec<Effect> {
        let Some(Screen::Run(rs)) = self.screens.last() else { return Vec::new() };
        let from_window = self.log_window.as_ref().and_then(|w| match rs.found {
            Some(f) if f >= w.first => w.lines.get(f - w.first).cloned(),
            _ => w.lines.last().cloned(),
        });
        let line = from_window.or_else(|| {
            let view = self.views.get(&rs.run)?;
            let step = view.steps.get(crate::view::selected_step(view, rs))?;
            view.logs.get(&step.id)?.back().map(|l| l.text.clone())
        });
        let Some(text) = line else {
            self.notice = Some("no line to copy".into());
            return Vec::new();
        };
        self.notice = Some(format!("copied {} character(s) to the clipboard (OSC 52)", text.chars().count()));
        vec![Effect::Copy { text }]
    }
}

/// Steps, log navigation, search, cancel and resume.
fn log_intent(
    rs: &mut crate::app::RunScreen,
    view: &crate::app::run_view::RunView,
    intent: Intent,
) -> Vec<Effect> {
    let run = rs.run.clone();
    let steps = view.steps.len();
    let active = view.active();
    let interrupted = !view.live
        && view
            .finished
            .as_ref()
            .is_some_and(|f| f.0 == flightdeck_core::engine::event::RunStatus::Interrupted);
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
        Intent::Zoom => rs.zoom = !rs.zoom,
        Intent::Search => rs.search_input = Some(crate::app::input::TextInput::new("")),
        Intent::Filter => {
            rs.filter_input = Some(crate::app::input::TextInput::new(rs.filter.as_deref().unwrap_or("")));
        }
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

/// Yes/no and choice gates (phrase gates take typed text, see `screens::run::run_text_key`): `y` approves
/// (a choice gate: the highlighted option), `ctrl-r` rejects, `enter` confirms the highlighted
/// option, arrows move the highlight or scroll the text. Nothing else answers.
fn gate_intent(
    rs: &mut crate::app::RunScreen,
    gate: &flightdeck_core::engine::event::GateInfo,
    intent: Intent,
) -> Option<Vec<Effect>> {
    match intent {
        Intent::Up => rs.dialog_scroll = rs.dialog_scroll.saturating_sub(1),
        Intent::Down => rs.dialog_scroll = rs.dialog_scroll.saturating_add(1),
        Intent::PageUp => rs.dialog_scroll = rs.dialog_scroll.saturating_sub(10),
        Intent::PageDown => rs.dialog_scroll = rs.dialog_scroll.saturating_add(10),
        _ => {}
    }
    if matches!(intent, Intent::Up | Intent::Down | Intent::PageUp | Intent::PageDown) {
        return Some(Vec::new());
    }
    if rs.answered.as_deref() == Some(gate.gate.as_str()) {
        return None;
    }
    let options = gate_options(&gate.form);
    let n = options.len();
    let reject = Decision::Reject { gate: gate.gate.clone(), comment: None };
    let pick = |i: usize| match (&gate.form, options.get(i)) {
        (_, Some(_)) if i + 1 == n => Some(reject.clone()),
        (GateForm::YesNo { .. }, Some(_)) => {
            Some(Decision::Approve { gate: gate.gate.clone(), comment: None })
        }
        (GateForm::Choice { .. }, Some(o)) => {
            Some(Decision::Choose { gate: gate.gate.clone(), option: o.clone() })
        }
        (GateForm::Phrase { .. }, Some(_)) | (_, None) => None,
    };
    let decision = match intent {
        Intent::Reject => reject.clone(),
        Intent::Left | Intent::Right => {
            rs.choice = if intent == Intent::Right { (rs.choice + 1) % n } else { (rs.choice + n - 1) % n };
            return Some(Vec::new());
        }
        Intent::Select => pick(rs.choice)?,
        // `y` approves a yes/no gate; at a choice gate it takes the highlighted option, not reject.
        Intent::Approve if matches!(gate.form, GateForm::YesNo { .. }) => pick(0)?,
        Intent::Approve if rs.choice + 1 < n => pick(rs.choice)?,
        _ => return None,
    };
    rs.answered = Some(gate.gate.clone());
    Some(vec![Effect::Decide { run: rs.run.clone(), decision }])
}

/// The failure menu: arrows move the highlight, enter confirms it.
fn failure_intent(
    view: &mut crate::app::run_view::RunView,
    run: &str,
    intent: Intent,
) -> Option<Vec<Effect>> {
    let menu = view.failure.as_mut()?;
    let action = match intent {
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

/// Re-run confirmation after a resume: `y` re-runs; `enter` confirms the highlighted option.
fn rerun_intent(
    view: &mut crate::app::run_view::RunView,
    rs: &mut crate::app::RunScreen,
    run: &str,
    intent: Intent,
) -> Option<Vec<Effect>> {
    let (step, _) = view.rerun.clone()?;
    let rerun = Effect::Decide { run: run.to_string(), decision: Decision::ConfirmRerun { step } };
    let effect = match intent {
        Intent::Left | Intent::Right => {
            rs.choice = (rs.choice + 1) % RERUN_OPTIONS.len();
            return Some(Vec::new());
        }
        Intent::Approve => rerun,
        Intent::Select if rs.choice == 0 => rerun,
        Intent::Select | Intent::Reject => Effect::Cancel { run: run.to_string() },
        _ => return None,
    };
    view.rerun = None;
    Some(vec![effect])
}
