//! The Incident screen (`:incident [ID]`): the incident's timeline merged from its own events,
//! linked and concurrent runs, approvals, health transitions, notifications and audit entries
//! (read by the runtime with `flightdeck_core::incident::timeline`). `s`/`tab` cycles the source
//! shown, `enter` opens the selected entry's run, `n` types a note and `j` joins as responder; both
//! go to the runner, which records who sent them from the socket peer.

use serde::{Deserialize, Serialize};

use super::App;
use super::input::TextInput;
use super::screens::move_row;
use crate::keymap::Intent;
use crate::msg::{Effect, Key, KeyCode, Msg};
use flightdeck_core::incident::IncidentAction;
use flightdeck_core::incident::timeline::{Entry, Source};

/// A loaded timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncidentTimeline {
    /// Incident id.
    pub id: String,
    /// `SEV1 title (service/environment)`, resolved or open.
    pub heading: String,
    /// The entries, oldest first.
    pub entries: Vec<Entry>,
}

/// The screen's state.
#[derive(Debug, Clone, Default)]
pub struct IncidentScreen {
    /// The incident asked for (`None`: the open one).
    pub wanted: Option<String>,
    /// The timeline, or why there is none; `None` while reading.
    pub timeline: Option<Result<IncidentTimeline, String>>,
    /// Selected row among the shown entries.
    pub row: usize,
    /// Only entries from this source (`None`: all).
    pub source: Option<Source>,
    /// The note being typed.
    pub note: Option<TextInput>,
}

impl IncidentScreen {
    /// The timeline (or why there is none) arrived; the selection stays within it.
    pub fn loaded(&mut self, msg: Msg) {
        if let Msg::IncidentTimelineLoaded { timeline } = msg {
            self.timeline = Some(timeline.map(|t| *t));
            self.row = self.row.min(self.shown().len().saturating_sub(1));
        }
    }

    /// The entries shown under the current source filter.
    pub fn shown(&self) -> Vec<&Entry> {
        match &self.timeline {
            Some(Ok(t)) => t.entries.iter().filter(|e| self.source.is_none_or(|s| e.source == s)).collect(),
            _ => Vec::new(),
        }
    }

    fn id(&self) -> Option<String> {
        match &self.timeline {
            Some(Ok(t)) => Some(t.id.clone()),
            _ => None,
        }
    }

    fn next_source(&mut self) {
        let all = Source::ALL;
        self.source = match self.source {
            None => Some(all[0]),
            Some(s) => all.iter().position(|x| *x == s).and_then(|i| all.get(i + 1)).copied(),
        };
        self.row = 0;
    }
}

impl App {
    /// `:incident [ID]`.
    pub(super) fn open_incident_screen(&mut self, id: Option<&str>) -> Vec<Effect> {
        self.incident_screen = IncidentScreen { wanted: id.map(str::to_string), ..IncidentScreen::default() };
        self.screens.push(super::Screen::Incident);
        vec![Effect::LoadIncidentTimeline { id: id.map(str::to_string) }]
    }

    pub(super) fn incident_intent(&mut self, intent: Intent) -> Vec<Effect> {
        let s = &mut self.incident_screen;
        match intent {
            Intent::NextPane | Intent::CycleSource => s.next_source(),
            Intent::Select => {
                if let Some(run) = s.shown().get(s.row).and_then(|e| e.run.clone()) {
                    return vec![Effect::OpenRun { run }];
                }
            }
            Intent::Note if s.id().is_some() => s.note = Some(TextInput::new("")),
            Intent::Join => {
                let Some(incident) = s.id() else { return Vec::new() };
                if let Some(role) = self.my_role(&incident) {
                    // Joining again would change the role (a commander would become a responder).
                    self.notice = Some(format!("you are on {incident} already, as {role}"));
                    return Vec::new();
                }
                let action = IncidentAction::Join { role: "responder".into() };
                return vec![Effect::Incident { incident, action }];
            }
            _ => {
                let n = s.shown().len();
                s.row = move_row(s.row, n, intent);
            }
        }
        Vec::new()
    }

    /// This console's operator's role on `incident` (known for the open incident of the banner).
    fn my_role(&self, incident: &str) -> Option<String> {
        let open = self.incident.as_ref().filter(|o| o.record.id == incident)?;
        let me = &self.init.operator;
        flightdeck_core::incident::responders(&open.events)
            .into_iter()
            .find(|r| &r.name == me)
            .map(|r| r.role)
    }

    /// Keys while a note is typed: enter sends it, esc drops it.
    pub(super) fn incident_text_key(&mut self, key: Key) -> Option<Vec<Effect>> {
        let input = self.incident_screen.note.as_mut()?;
        match key.code {
            KeyCode::Esc => self.incident_screen.note = None,
            KeyCode::Enter => {
                let text = input.value();
                self.incident_screen.note = None;
                let incident = self.incident_screen.id()?;
                if !text.trim().is_empty() {
                    return Some(vec![Effect::Incident { incident, action: IncidentAction::Note { text } }]);
                }
            }
            _ => {
                input.key(key);
            }
        }
        Some(Vec::new())
    }
}
