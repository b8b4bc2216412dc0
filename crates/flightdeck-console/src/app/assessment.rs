//! The Assessment screen's state changes: open it, move between sections, drill into a section's
//! items with `enter`, set the selected item's state (`p a f n u`) or type its note (`m`).

use crate::app::input::TextInput;
use crate::app::screens::move_row;
use crate::app::{App, Screen};
use crate::keymap::Intent;
use crate::msg::{Effect, Key, KeyCode, Msg};
use flightdeck_core::assess::{ItemResult, Report, State};

/// The Assessment screen.
#[derive(Debug, Clone, Default)]
pub struct AssessmentState {
    /// The report, or why it could not be computed.
    pub report: Option<Result<Box<Report>, String>>,
    /// The section drilled into.
    pub section: Option<usize>,
    /// Selected row (section, or item inside the section).
    pub row: usize,
    /// The note being typed for the selected item.
    pub note: Option<TextInput>,
}

impl AssessmentState {
    /// The report (or why there is none) arrived.
    pub fn loaded(&mut self, msg: Msg) {
        if let Msg::AssessmentLoaded { report } = msg {
            self.report = Some(report);
        }
    }

    fn report(&self) -> Option<&Report> {
        self.report.as_ref().and_then(|r| r.as_ref().ok()).map(AsRef::as_ref)
    }

    /// The items of the section drilled into.
    pub fn items(&self) -> Vec<&ItemResult> {
        let (Some(r), Some(s)) = (self.report(), self.section) else { return Vec::new() };
        let Some(section) = r.sections.get(s) else { return Vec::new() };
        r.items.iter().filter(|i| i.section == section.id).collect()
    }

    fn selected_item(&self) -> Option<&ItemResult> {
        self.items().get(self.row).copied()
    }

    /// The screen's keys; `Err` carries a notice for the operator.
    pub fn intent(&mut self, intent: Intent) -> Result<Vec<Effect>, String> {
        let Some(r) = self.report() else { return Ok(Vec::new()) };
        let sections = r.sections.len();
        match (intent, self.section) {
            (Intent::Select, None) if sections > 0 => {
                self.section = Some(self.row.min(sections - 1));
                self.row = 0;
            }
            (Intent::SetState(n), Some(_)) => {
                let state = State::ALL.get(usize::from(n)).copied().unwrap_or(State::Unknown);
                if let Some(i) = self.selected_item() {
                    return Ok(vec![Effect::SetAssessmentItem {
                        item: i.id.clone(),
                        state: state.as_str().into(),
                        note: i.note.clone(),
                    }]);
                }
            }
            (Intent::Note, Some(_)) => {
                let note = self.selected_item().map(|i| i.note.clone().unwrap_or_default());
                self.note = note.map(|n| TextInput::new(&n));
            }
            (Intent::SetState(_) | Intent::Note, None) => {
                return Err("enter opens the section: states are set on its items".into());
            }
            (_, None) => self.row = move_row(self.row, sections, intent),
            (_, Some(_)) => self.row = move_row(self.row, self.items().len(), intent),
        }
        Ok(Vec::new())
    }

    /// Keys typed into the note: `enter` saves it with the item's current state, `esc` drops it.
    pub fn text_key(&mut self, key: Key) -> Option<Vec<Effect>> {
        let input = self.note.as_mut()?;
        match key.code {
            KeyCode::Esc => self.note = None,
            KeyCode::Enter => {
                let note = input.value();
                self.note = None;
                let item = self.selected_item()?;
                return Some(vec![Effect::SetAssessmentItem {
                    item: item.id.clone(),
                    state: item.state.as_str().into(),
                    note: (!note.trim().is_empty()).then_some(note),
                }]);
            }
            _ => {
                input.key(key);
            }
        }
        Some(Vec::new())
    }
}

impl App {
    /// `:assess`: opens the screen and computes the assessment.
    pub(super) fn open_assessment(&mut self) -> Vec<Effect> {
        if !matches!(self.screen(), Screen::Assessment) {
            self.screens.push(Screen::Assessment);
        }
        self.assessment.section = None;
        self.assessment.row = 0;
        vec![Effect::LoadAssessment]
    }

    /// The items of the section drilled into.
    pub fn assess_items(&self) -> Vec<&ItemResult> {
        self.assessment.items()
    }

    /// `esc` inside a section goes back to the sections; true when it did.
    pub(super) fn assessment_back(&mut self) -> bool {
        if matches!(self.screen(), Screen::Assessment) && self.assessment.section.is_some() {
            self.assessment.row = self.assessment.section.take().unwrap_or(0);
            return true;
        }
        false
    }
}
