//! How each message changes the console's state: keys go to `keys`, engine events to the run's
//! view, and data the runtime computed in the background to the screen it belongs to.

use crate::app::input::TextInput;
use crate::app::run_view::RunView;
use crate::app::runs_watch::changes_runs_list;
use crate::app::{App, RunScreen, Screen};
use crate::msg::{Effect, Msg};
use flightdeck_core::engine::event::RunStatus;

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
            msg @ (Msg::HealthSnapshot { .. }
            | Msg::DoraLoaded { .. }
            | Msg::ReleaseLoaded { .. }
            | Msg::IncidentLoaded { .. }) => {
                self.update_loaded(msg);
                Vec::new()
            }
            other => self.update_data(other),
        }
    }

    /// Data the runtime computed in the background.
    fn update_loaded(&mut self, msg: Msg) {
        match msg {
            Msg::HealthSnapshot { snapshot } => self.health.snapshot = Some(snapshot),
            Msg::DoraLoaded { dashboard } => {
                // Services seen in any dashboard join the cycle of `s` (with the configured ones).
                if let Ok(d) = &dashboard {
                    for r in &d.deployments {
                        if !self.init.services.contains(&r.deployment.service) {
                            self.init.services.push(r.deployment.service.clone());
                        }
                    }
                    self.init.services.sort();
                }
                self.dora.dashboard = Some(dashboard);
            }
            Msg::ReleaseLoaded { plan } => self.release = Some(plan),
            Msg::IncidentLoaded { open } => self.incident = open,
            _ => {}
        }
    }

    #[allow(clippy::too_many_lines)] // a dispatch table: one arm per data message
    fn update_data(&mut self, msg: Msg) -> Vec<Effect> {
        match msg {
            Msg::RunLaunched { run } => {
                self.views.entry(run.clone()).or_insert_with(|| RunView::new(&run, true));
                if matches!(self.screen(), Screen::Launch(_)) {
                    self.screens.pop();
                }
                self.screens.push(Screen::Run(Box::new(RunScreen::new(&run))));
                vec![Effect::LoadRuns]
            }
            Msg::LaunchFailed { message } => {
                if let Some(Screen::Launch(form)) = self.screen_mut() {
                    form.preview = false;
                }
                self.notice = Some(message);
                Vec::new()
            }
            Msg::RunsLoaded { runs } => {
                self.recent = runs;
                Vec::new()
            }
            Msg::RunOpened { run, steps: _, events } => {
                let mut view = RunView::new(&run.id, false);
                for e in &events {
                    view.apply(e.at, &e.kind);
                }
                if view.finished.is_none() && run.status == RunStatus::Interrupted {
                    view.finished =
                        Some((RunStatus::Interrupted, 8, Some("the process died: R resumes it".into())));
                }
                self.views.insert(run.id.clone(), view);
                let mut screen = RunScreen::new(&run.id);
                screen.follow = false;
                self.screens.push(Screen::Run(Box::new(screen)));
                Vec::new()
            }
            Msg::AlertsLoaded { alerts } => {
                self.health.alerts = alerts;
                Vec::new()
            }
            Msg::AssessmentLoaded { report } => {
                self.assessment.report = Some(report);
                Vec::new()
            }
            Msg::BackupsLoaded { backups, now } => {
                self.backups.rows = Some((backups, now));
                Vec::new()
            }
            Msg::SecretsLoaded { secrets } => {
                self.secrets.rows = Some(secrets);
                Vec::new()
            }
            Msg::IncidentTimelineLoaded { timeline } => {
                self.incident_screen.timeline = Some(timeline.map(|t| *t));
                let n = self.incident_screen.shown().len();
                self.incident_screen.row = self.incident_screen.row.min(n.saturating_sub(1));
                Vec::new()
            }
            Msg::ImagesLoaded { rows } => {
                self.images.rows = Some(rows);
                Vec::new()
            }
            Msg::CostLoaded { report, tags } => {
                self.cost.loaded(report, tags);
                Vec::new()
            }
            Msg::ProfileLoaded { run, data } => {
                self.profile.loaded(&run, data);
                Vec::new()
            }
            Msg::AuditLoaded { entries, verdict } => {
                self.audit.entries = Some((entries, verdict));
                Vec::new()
            }
            m @ (Msg::NotificationsLoaded { .. } | Msg::NotificationAttempts { .. }) => {
                self.notifications.loaded(m);
                Vec::new()
            }
            Msg::LogSearched { run, line, total, rank, matches } => {
                if let Some(Screen::Run(rs)) = self.screens.last_mut() {
                    rs.match_info = (rank, matches);
                }
                self.searched(&run, line, total);
                Vec::new()
            }
            Msg::Notice { text } => {
                self.notice = Some(text);
                Vec::new()
            }
            m @ (Msg::LoadProgress { .. } | Msg::LoadFinished { .. }) => self.load_msg(m),
            Msg::Key(_)
            | Msg::Resize { .. }
            | Msg::Tick { .. }
            | Msg::Clock { .. }
            | Msg::Engine(_)
            | Msg::HealthSnapshot { .. }
            | Msg::DoraLoaded { .. }
            | Msg::ReleaseLoaded { .. }
            | Msg::IncidentLoaded { .. } => Vec::new(),
        }
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

    fn searched(&mut self, run: &str, line: Option<usize>, total: usize) {
        let steps = self.views.get(run).map_or(0, |v| v.steps.len());
        let Some(Screen::Run(rs)) = self.screens.last_mut() else { return };
        if rs.run != run {
            return;
        }
        rs.pending_search = None;
        match line {
            Some(l) => {
                rs.found = Some(l);
                rs.follow = false;
                // Show the match a few lines below the top of the log panel.
                let height = usize::from(crate::view::log_area(self.size, steps, rs.zoom).height);
                rs.scroll = total.saturating_sub(l + height.saturating_sub(3)).min(total);
            }
            None => self.notice = Some(format!("no match for {:?}", rs.query.clone().unwrap_or_default())),
        }
    }
}
