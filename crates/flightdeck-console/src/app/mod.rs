//! The console's state and its `update(msg) -> effects`: no I/O, no awaiting, no clock reads.
//! What the console shows is a function of this state (see `tui::view`).

use std::collections::BTreeMap;

use crate::msg::{Effect, Msg};
use flightdeck_core::store::records::RunRecord;
use flightdeck_core::time::Micros;
use flightdeck_core::workflow::model::{Persona, Workflow};

pub mod assessment;
mod command;
pub mod cost;
pub mod dialog;
pub mod incident;
pub mod input;
mod keys;
pub mod launch;
pub mod load;
pub mod notifications;
pub mod profile;
mod run_data;
mod run_keys;
pub mod run_view;
pub mod runs_watch;
pub mod screens;
pub mod secret_input;
pub mod secret_prompt;
mod update;

pub use command::COMMANDS;
use input::TextInput;
use launch::LaunchForm;
use load::LoadView;
use run_view::RunView;
pub use screens::dora::DoraView;
pub use screens::run::RunScreen;

/// What the console is told at start.
#[derive(Debug, Clone, PartialEq)]
pub struct Init {
    /// Project name.
    pub project: String,
    /// `branch@sha` of the project's repository (empty if none).
    pub branch: String,
    /// Operator login name.
    pub operator: String,
    /// Environments: name and whether production.
    pub environments: Vec<(String, bool)>,
    /// The default environment.
    pub default_env: String,
    /// Every workflow.
    pub workflows: Vec<Workflow>,
    /// Recent runs.
    pub runs: Vec<RunRecord>,
    /// Now.
    pub now: Micros,
    /// Theme name.
    pub theme: String,
    /// Names of the themes that can be chosen.
    pub themes: Vec<String>,
    /// The default environment's `url` var (the Load screen's default target).
    pub load_url: Option<String>,
    /// Services configured under `[services.NAME]` (the DORA screen's `s` cycles them).
    pub services: Vec<String>,
    /// The DORA window from `[dora] window`, in days.
    pub dora_days: i64,
    /// Each environment's `environment.*` template variables (the launch form shows defaults
    /// that name them resolved).
    pub env_vars: launch::EnvVars,
}

/// A screen on the stack.
#[derive(Debug, Clone, PartialEq)]
pub enum Screen {
    /// The three personas and recent runs.
    Home,
    /// One persona's workflows.
    Persona(Persona),
    /// A launch form.
    Launch(Box<LaunchForm>),
    /// A run.
    Run(Box<RunScreen>),
    /// Run history.
    Runs,
    /// The audit log.
    Audit,
    /// Notification deliveries.
    Notifications,
    /// Rita's release screen.
    Release,
    /// The DORA dashboard.
    Dora,
    /// Live health of the monitors.
    Health,
    /// Phoenix's load test.
    Load,
    /// Diana's secrets: versions and rotation dates, never values.
    Secrets,
    /// Diana's pushed container images: tags, digest, scan result.
    Images,
    /// The readiness assessment: sections, scores, items.
    Assessment,
    /// Diana's database backups: age, size, verified.
    Backups,
    /// Diana's cloud cost: breakdown, month-over-month bars, anomalies.
    Cost,
    /// Phoenix's flame view of a run's CPU profile.
    Profile,
    /// An incident's timeline.
    Incident,
}

/// A window of log lines the runtime read from a step's log file for the current view.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LogWindow {
    /// Run id.
    pub run: String,
    /// Step id.
    pub step: String,
    /// Index of the first line in `lines`.
    pub first: usize,
    /// The lines.
    pub lines: Vec<String>,
    /// Lines in the whole file.
    pub total: usize,
}

/// The console state.
#[derive(Debug, Clone)]
pub struct App {
    /// Start-up facts.
    pub init: Init,
    /// The screen stack (Home at the bottom).
    pub screens: Vec<Screen>,
    /// Home / persona menus: selected column and row.
    pub home: screens::home::HomeState,
    /// Runs screen: selected row and filter.
    pub runs: screens::lists::RunsState,
    /// Audit screen: entries, verdict and scroll.
    pub audit: screens::lists::AuditState,
    /// Secrets screen: each secret's status (no values), once loaded, and the selected row.
    pub secrets: screens::lists::SecretsState,
    /// Incident screen: the timeline, its filter and the note being typed.
    pub incident_screen: incident::IncidentScreen,
    /// Images screen: the pushed images, newest first, once loaded, and the selected row.
    pub images: screens::lists::ImagesState,
    /// Assessment screen: the report, the section drilled into, the selection and the note.
    pub assessment: assessment::AssessmentState,
    /// The Backups screen's rows (newest first), when they were read, and the selected row.
    pub backups: screens::lists::BackupsState,
    /// The Cost screen's report (or why there is none), its breakdown and selected anomaly.
    pub cost: cost::CostState,
    /// Notifications screen: deliveries, the selected one and its attempts when opened.
    pub notifications: notifications::NotificationsState,
    /// Runs known to the console.
    pub views: BTreeMap<String, RunView>,
    /// Recent runs from the store.
    pub recent: Vec<RunRecord>,
    /// Seconds since the runs were last asked of the runner, and whether a followed run changed
    /// since (then they are asked at the next tick).
    pub runs_watch: (u32, bool),
    /// The `:` command line while typing.
    pub cmdline: Option<TextInput>,
    /// Completion candidates for the command line.
    pub completions: Vec<String>,
    /// Help overlay shown.
    pub help: bool,
    /// Asking whether to quit with a run active.
    pub confirm_quit: bool,
    /// Status-line message.
    pub notice: Option<String>,
    /// Terminal size.
    pub size: (u16, u16),
    /// The clock.
    pub now: Micros,
    /// The open incident the header's banner shows.
    pub incident: Option<Box<flightdeck_core::incident::OpenIncident>>,
    /// Theme name.
    pub theme: String,
    /// The Health screen: the watched environment, its latest snapshot, the alerts.
    pub health: screens::health::HealthState,
    /// The DORA screen: the dashboard once computed and the choices.
    pub dora: screens::dora::DoraState,
    /// The release plan, once loaded.
    pub release: Option<Result<Box<flightdeck_core::release::ReleasePlan>, String>>,
    /// Log lines prepared by the runtime for the run screen.
    pub log_window: Option<LogWindow>,
    /// The Load screen's form, snapshot and report.
    pub load: LoadView,
    /// The flame view (`:profile RUN`).
    pub profile: profile::ProfileView,
    /// The dialog on screen when the last message was applied (see `dialog`).
    pub dialog: Option<String>,
    /// When that dialog appeared.
    pub dialog_since: Micros,
    /// "This workflow already has a run going: start another?"
    pub relaunch: Option<dialog::RelaunchQuestion>,
}

impl App {
    /// The console at start: Home.
    pub fn new(init: Init, size: (u16, u16)) -> App {
        let load = LoadView::new(init.load_url.as_deref());
        let dora = screens::dora::DoraState {
            dashboard: None,
            view: DoraView { days: init.dora_days, ..DoraView::default() },
        };
        App {
            recent: init.runs.clone(),
            runs_watch: (0, false),
            health: screens::health::HealthState::new(&init.default_env),
            now: init.now,
            incident: None,
            theme: init.theme.clone(),
            init,
            screens: vec![Screen::Home],
            home: screens::home::HomeState::default(),
            runs: screens::lists::RunsState::default(),
            audit: screens::lists::AuditState::default(),
            secrets: screens::lists::SecretsState::default(),
            incident_screen: incident::IncidentScreen::default(),
            images: screens::lists::ImagesState::default(),
            assessment: assessment::AssessmentState::default(),
            backups: screens::lists::BackupsState::default(),
            cost: cost::CostState::default(),
            notifications: notifications::NotificationsState::default(),
            views: BTreeMap::new(),
            cmdline: None,
            completions: Vec::new(),
            help: false,
            confirm_quit: false,
            notice: None,
            size,
            log_window: None,
            release: None,
            dora,
            load,
            profile: profile::ProfileView::default(),
            dialog: None,
            dialog_since: Micros(0),
            relaunch: None,
        }
    }

    /// The screen on top.
    pub fn screen(&self) -> &Screen {
        self.screens.last().unwrap_or(&Screen::Home)
    }

    fn screen_mut(&mut self) -> Option<&mut Screen> {
        self.screens.last_mut()
    }

    /// Workflows on a persona's menu, in menu order (kind, then name).
    pub fn workflows_of(&self, persona: Persona) -> Vec<&Workflow> {
        let mut list: Vec<&Workflow> = self.init.workflows.iter().filter(|w| w.persona == persona).collect();
        list.sort_by_key(|w| (w.kind.menu_rank(), w.name.clone()));
        list
    }

    /// True if a run started here is still going.
    pub fn run_active(&self) -> bool {
        self.views.values().any(RunView::active)
    }

    /// The latest stored run of a workflow.
    pub fn last_run_of(&self, workflow: &str) -> Option<&RunRecord> {
        self.recent.iter().find(|r| r.workflow == workflow)
    }

    /// Applies a message; returns what the runtime must do.
    pub fn update(&mut self, msg: Msg) -> Vec<Effect> {
        let effects = self.apply(msg);
        self.track_dialog();
        effects
    }

    /// Whether a new health snapshot changes what this screen shows (else no redraw is needed:
    /// over SSH every frame costs bytes, even an empty one).
    pub fn health_change_visible(&self, new: &flightdeck_core::health::Snapshot) -> bool {
        let Some(old) = self.health.snapshot.as_deref() else { return true };
        let brief =
            |s: &flightdeck_core::health::Snapshot| -> Vec<(String, flightdeck_core::health::MonitorState)> {
                s.monitors.iter().take(4).map(|m| (m.name.clone(), m.state)).collect()
            };
        match self.screen() {
            Screen::Health => true,
            Screen::Home => old.summary() != new.summary() || brief(old) != brief(new),
            _ => old.summary() != new.summary(),
        }
    }

    /// Opens a screen on top of the stack.
    pub fn push(&mut self, screen: Screen) {
        self.screens.push(screen);
    }
}

#[cfg(test)]
mod dialog_tests;
#[cfg(test)]
mod fit_tests;
#[cfg(test)]
mod footer_tests;
#[cfg(test)]
mod gaps_tests;
#[cfg(test)]
mod launch_tests;
#[cfg(test)]
mod lives_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod untrusted_tests;
