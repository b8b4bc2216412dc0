//! The Assessment screen's state changes: open it, move between sections, drill into a section's
//! items with `enter`, set the selected item's state (`p a f n u`) or type its note (`m`).

use crate::app::input::TextInput;
use crate::app::keys::move_row;
use crate::app::{App, Screen};
use crate::keymap::Intent;
use crate::msg::{Effect, Key, KeyCode};
use flightdeck_core::assess::{ItemResult, Report, State};

impl App {
    /// `:assess`: opens the screen and computes the assessment.
    pub(super) fn open_assessment(&mut self) -> Vec<Effect> {
        if !matches!(self.screen(), Screen::Assessment) {
            self.screens.push(Screen::Assessment);
        }
        self.assess_section = None;
        self.assess_row = 0;
        vec![Effect::LoadAssessment]
    }

    fn report(&self) -> Option<&Report> {
        self.assessment.as_ref().and_then(|r| r.as_ref().ok()).map(AsRef::as_ref)
    }

    /// The items of the section drilled into.
    pub fn assess_items(&self) -> Vec<&ItemResult> {
        let (Some(r), Some(s)) = (self.report(), self.assess_section) else { return Vec::new() };
        let Some(section) = r.sections.get(s) else { return Vec::new() };
        r.items.iter().filter(|i| i.section == section.id).collect()
    }

    fn selected_item(&self) -> Option<&ItemResult> {
        self.assess_items().get(self.assess_row).copied()
    }

    /// `esc` inside a section goes back to the sections; true when it did.
    pub(super) fn assessment_back(&mut self) -> bool {
        if matches!(self.screen(), Screen::Assessment) && self.assess_section.is_some() {
            self.assess_row = self.assess_section.take().unwrap_or(0);
            return true;
        }
        false
    }

    pub(super) fn assessment_intent(&mut self, intent: Intent) -> Vec<Effect> {
        let Some(r) = self.report() else { return Vec::new() };
        let sections = r.sections.len();
        match (intent, self.assess_section) {
            (Intent::Select, None) if sections > 0 => {
                self.assess_section = Some(self.assess_row.min(sections - 1));
                self.assess_row = 0;
            }
            (Intent::SetState(n), Some(_)) => {
                let state = State::ALL.get(usize::from(n)).copied().unwrap_or(State::Unknown);
                if let Some(i) = self.selected_item() {
                    return vec![Effect::SetAssessmentItem {
                        item: i.id.clone(),
                        state: state.as_str().into(),
                        note: i.note.clone(),
                    }];
                }
            }
            (Intent::Note, Some(_)) => {
                let note = self.selected_item().map(|i| i.note.clone().unwrap_or_default());
                self.assess_note = note.map(|n| TextInput::new(&n));
            }
            (Intent::SetState(_) | Intent::Note, None) => {
                self.notice = Some("enter opens the section: states are set on its items".into());
            }
            (_, None) => self.assess_row = move_row(self.assess_row, sections, intent),
            (_, Some(_)) => self.assess_row = move_row(self.assess_row, self.assess_items().len(), intent),
        }
        Vec::new()
    }

    /// Keys typed into the note: `enter` saves it with the item's current state, `esc` drops it.
    pub(super) fn assessment_text_key(&mut self, key: Key) -> Option<Vec<Effect>> {
        let input = self.assess_note.as_mut()?;
        match key.code {
            KeyCode::Esc => self.assess_note = None,
            KeyCode::Enter => {
                let note = input.value();
                self.assess_note = None;
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
