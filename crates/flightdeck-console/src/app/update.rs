//! How each message changes the console's state: keys go to `keys`, engine events to the run's
//! view, and data the runtime computed in the background to the screen it belongs to.

use crate::app::input::TextInput;
use crate::app::run_view::RunView;
use crate::app::runs_watch::changes_runs_list;
use crate::app::{App, Screen};
use crate::msg::{Effect, Msg};

impl App {
    pub(super) fn apply(&mut self, msg: Msg) -> Vec<Effect> {
        match msg {
            Msg::Key(key) => self.key(key),
            Msg::Resize { width, height } => {
                self.size = (width, height);
                Vec::new()
            }
            Msg::Tick { now } => {
                self.now = now;
                // The incident banner follows the store every second, on every screen.
                let mut out = vec![Effect::LoadIncident];
                out.extend(self.watch_runs_tick());
                // An open timeline follows the store too: a colleague's note shows within a second.
                if matches!(self.screen(), Screen::Incident) {
                    out.push(Effect::LoadIncidentTimeline { id: self.incident_screen.wanted.clone() });
                }
                out
            }
            Msg::Clock { now } => {
                self.now = now;
                Vec::new()
            }
            Msg::Engine(event) => {
                let ended =
                    matches!(event.kind, flightdeck_core::engine::event::EventKind::RunFinished { .. });
                if let flightdeck_core::engine::event::EventKind::GateWaiting { info } = &event.kind {
                    self.gate_opened(&event.run, info);
                }
                let view =
                    self.views.entry(event.run.clone()).or_insert_with(|| RunView::new(&event.run, true));
                view.apply(event.at, &event.kind);
                self.follow_load_step(&event);
                self.runs_watch.1 |= changes_runs_list(&event.kind);
                if ended { vec![Effect::LoadRuns] } else { Vec::new() }
            }
            other => self.update_data(other),
        }
    }

    /// Data the runtime computed in the background goes to the state that owns it.
    fn update_data(&mut self, msg: Msg) -> Vec<Effect> {
        match msg {
            m @ (Msg::RunLaunched { .. }
            | Msg::LaunchFailed { .. }
            | Msg::RunsLoaded { .. }
            | Msg::RunOpened { .. }
            | Msg::LogSearched { .. }) => return self.run_data(m),
            m @ (Msg::HealthSnapshot { .. } | Msg::AlertsLoaded { .. }) => self.health.loaded(m),
            m @ Msg::DoraLoaded { .. } => self.dora.loaded(m, &mut self.init.services),
            m @ Msg::AssessmentLoaded { .. } => self.assessment.loaded(m),
            m @ Msg::BackupsLoaded { .. } => self.backups.loaded(m),
            m @ Msg::SecretsLoaded { .. } => self.secrets.loaded(m),
            m @ Msg::IncidentTimelineLoaded { .. } => self.incident_screen.loaded(m),
            m @ Msg::ImagesLoaded { .. } => self.images.loaded(m),
            m @ Msg::CostLoaded { .. } => self.cost.loaded(m),
            Msg::ProfileLoaded { run, data } => self.profile.loaded(&run, data),
            m @ Msg::AuditLoaded { .. } => self.audit.loaded(m),
            m @ (Msg::NotificationsLoaded { .. } | Msg::NotificationAttempts { .. }) => {
                self.notifications.loaded(m);
            }
            m @ (Msg::LoadProgress { .. } | Msg::LoadFinished { .. }) => {
                if let Some(notice) = self.load.loaded(m) {
                    self.notice = Some(notice);
                }
            }
            // Shared by every screen: the release plan (Release, the header), the open incident
            // (the header's banner) and the status line.
            Msg::ReleaseLoaded { plan } => self.release = Some(plan),
            Msg::IncidentLoaded { open } => self.incident = open,
            Msg::Notice { text } => self.notice = Some(text),
            Msg::Key(_) | Msg::Resize { .. } | Msg::Tick { .. } | Msg::Clock { .. } | Msg::Engine(_) => {}
        }
        Vec::new()
    }

    /// A gate opened: the run screen clears the phrase input (the highlight is set when the
    /// dialog shows, see `dialog`).
    fn gate_opened(&mut self, run: &str, _info: &flightdeck_core::engine::event::GateInfo) {
        for screen in &mut self.screens {
            if let Screen::Run(rs) = screen
                && rs.run == run
            {
                rs.phrase = TextInput::new("");
                rs.phrase_mismatch = false;
            }
        }
    }
}
