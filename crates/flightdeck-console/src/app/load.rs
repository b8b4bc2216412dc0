//! The Load screen's state: the setup form (URL, connections, duration, rate, profile, thresholds,
//! baseline), then the latest snapshot of the running test, then the final report. Checking the
//! form is pure (URL, numbers, thresholds and the whole plan are parsed, nothing is sent).

use crate::app::input::TextInput;
use crate::app::launch::{Field, FieldValue};
use crate::app::run_view::RunView;
use crate::app::{App, RunScreen, Screen};
use crate::keymap::Intent;
use crate::msg::{Effect, Key, KeyCode};
use flightdeck_core::load::{LoadError, LoadSpec, Report, Snapshot, Target, Threshold};

/// The target when the default environment has no `url` var.
pub const DEFAULT_URL: &str = "http://127.0.0.1:7878/";

/// The profile choices ("none" = steady load, no stages).
pub const PROFILES: [&str; 6] = ["none", "baseline", "peak", "stress", "spike", "soak"];

/// Where the Load screen is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoadPhase {
    /// Filling in the form.
    Setup,
    /// A test is running (snapshots arrive).
    Running,
    /// The test ended; the report is shown.
    Finished,
}

/// The Load screen's state.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadView {
    /// The form fields: url, connections, duration, rate, profile, thresholds, baseline.
    pub fields: Vec<Field>,
    /// The focused field.
    pub focus: usize,
    /// A problem with the whole plan (beside the field errors).
    pub error: Option<String>,
    /// Setup, running or finished.
    pub phase: LoadPhase,
    /// The latest snapshot while running.
    pub snapshot: Option<Box<Snapshot>>,
    /// The final report.
    pub report: Option<Box<Report>>,
    /// The effect that started the current test.
    pub started: Option<Effect>,
    /// Showing a workflow's `load` step (run, step) instead of a test of its own.
    pub from_run: Option<(String, String)>,
    /// The workflow step the operator left for the form (not shown again).
    dismissed: Option<(String, String)>,
}

fn text_field(name: &str, label: &str, value: &str, help: &str, required: bool) -> Field {
    Field {
        name: name.into(),
        label: label.into(),
        value: FieldValue::Text(Box::new(TextInput::new(value))),
        error: None,
        help: Some(help.into()),
        required,
    }
}

impl LoadView {
    /// `LoadProgress` (kept while the test runs) and `LoadFinished` (the report, or back to the
    /// form with the reason); returns the notice for the operator.
    pub fn loaded(&mut self, msg: crate::msg::Msg) -> Option<String> {
        match msg {
            crate::msg::Msg::LoadProgress { snapshot } => {
                if self.phase == LoadPhase::Running {
                    self.snapshot = Some(snapshot);
                }
                None
            }
            crate::msg::Msg::LoadFinished { report: Ok(r) } => {
                let verdict = if r.passed() { "passed" } else { "FAILED" };
                self.report = Some(r);
                self.phase = LoadPhase::Finished;
                Some(format!("load test {verdict}"))
            }
            crate::msg::Msg::LoadFinished { report: Err(e) } => {
                self.error = Some(e.clone());
                self.phase = LoadPhase::Setup;
                Some(e)
            }
            _ => None,
        }
    }

    /// A fresh form aimed at `url` (or [`DEFAULT_URL`]).
    pub fn new(url: Option<&str>) -> LoadView {
        let profile = Field {
            name: "profile".into(),
            label: "Profile".into(),
            value: FieldValue::Choice {
                options: PROFILES.iter().map(|p| (*p).to_string()).collect(),
                selected: 0,
            },
            error: None,
            help: Some("←→ choose; stages ramp the load (none = steady)".into()),
            required: false,
        };
        let fields = vec![
            text_field("url", "URL", url.unwrap_or(DEFAULT_URL), "http://HOST[:PORT]/PATH", true),
            text_field("connections", "Connections", "50", "keep-alive connections", true),
            text_field("duration", "Duration", "30s", "e.g. 10s, 2m", true),
            text_field("rate", "Rate (req/s)", "", "empty = closed model (as fast as answers come)", false),
            profile,
            text_field(
                "thresholds",
                "Thresholds",
                "",
                "comma-separated: p95 < 500ms, error_rate < 1%",
                false,
            ),
            text_field("baseline", "Baseline", "", "compare with this saved baseline", false),
        ];
        LoadView {
            fields,
            focus: 0,
            error: None,
            phase: LoadPhase::Setup,
            snapshot: None,
            report: None,
            started: None,
            from_run: None,
            dismissed: None,
        }
    }

    /// A field's text.
    pub fn text(&self, name: &str) -> String {
        self.fields.iter().find(|f| f.name == name).map(Field::text).unwrap_or_default().trim().to_string()
    }

    fn set_error(&mut self, name: &str, error: String) {
        if let Some(f) = self.fields.iter_mut().find(|f| f.name == name) {
            f.error = Some(error);
        }
    }

    /// A key on the setup form; returns the start effect when Enter finds the form valid.
    pub fn key(&mut self, key: Key, environment: &str) -> Option<Effect> {
        let n = self.fields.len().max(1);
        match key.code {
            KeyCode::Tab | KeyCode::Down => self.focus = (self.focus + 1) % n,
            KeyCode::BackTab | KeyCode::Up => self.focus = (self.focus + n - 1) % n,
            KeyCode::Enter => return self.start(environment),
            _ => self.edit(key),
        }
        None
    }

    fn edit(&mut self, key: Key) {
        if let Some(field) = self.fields.get_mut(self.focus) {
            field.edit(key);
        }
        self.error = None;
    }

    /// Checks every field (errors beside them) and the whole plan; the start effect when all is well.
    pub fn start(&mut self, environment: &str) -> Option<Effect> {
        self.fields.iter_mut().for_each(|f| f.error = None);
        self.error = None;
        let url = self.text("url");
        if let Err(e) = Target::parse(&url) {
            let reason = match e {
                LoadError::BadUrl { reason, .. } => reason,
                other => other.to_string(),
            };
            self.set_error("url", reason);
        }
        let connections = self.text("connections").parse::<usize>().ok().filter(|c| *c > 0);
        if connections.is_none() {
            self.set_error("connections", "a whole number above 0".into());
        }
        let duration = self.text("duration");
        if flightdeck_core::time::parse_duration(&duration).is_none_or(|ms| ms == 0) {
            self.set_error("duration", "write e.g. 10s, 2m".into());
        }
        let rate_text = self.text("rate");
        let rate = rate_text.parse::<u64>().ok().filter(|r| *r > 0);
        if !rate_text.is_empty() && rate.is_none() {
            self.set_error("rate", "whole requests/s above 0, or empty".into());
        }
        let thresholds = split_thresholds(&self.text("thresholds"));
        if let Some(e) = thresholds.iter().find_map(|t| Threshold::parse(t).err()) {
            self.set_error("thresholds", e.to_string());
        }
        if let Some(i) = self.fields.iter().position(|f| f.error.is_some()) {
            self.focus = i;
            return None;
        }
        let profile = Some(self.text("profile")).filter(|p| p != "none");
        let baseline = Some(self.text("baseline")).filter(|b| !b.is_empty());
        let effect = Effect::StartLoad {
            url,
            connections: connections.unwrap_or(1),
            duration,
            rate,
            profile,
            thresholds,
            baseline,
            environment: environment.to_string(),
        };
        if let Err(e) = spec_of(&effect).map(|s| s.plan()).transpose() {
            self.error = Some(e.to_string());
            return None;
        }
        Some(effect)
    }
}

fn split_thresholds(text: &str) -> Vec<String> {
    text.split([',', ';']).map(str::trim).filter(|t| !t.is_empty()).map(String::from).collect()
}

/// The load spec a [`Effect::StartLoad`] asks for (the runtime builds the plan from it).
pub fn spec_of(effect: &Effect) -> Option<LoadSpec> {
    let Effect::StartLoad { url, connections, duration, rate, profile, thresholds, baseline, .. } = effect
    else {
        return None;
    };
    #[allow(clippy::cast_precision_loss)]
    let rate = rate.map(|r| r as f64);
    Some(LoadSpec {
        url: url.clone(),
        connections: Some(*connections),
        duration: Some(duration.clone()),
        rate,
        profile: profile.clone(),
        thresholds: thresholds.clone(),
        baseline: baseline.clone(),
        ..LoadSpec::default()
    })
}

impl App {
    /// Opens the Load screen (the form keeps what was typed last time).
    pub(super) fn open_load(&mut self) -> Vec<Effect> {
        if !matches!(self.screen(), Screen::Load) {
            self.screens.push(Screen::Load);
        }
        Vec::new()
    }

    /// Keys typed into the setup form.
    pub(super) fn load_text_key(&mut self, key: Key) -> Option<Vec<Effect>> {
        if self.load.phase != LoadPhase::Setup {
            return None;
        }
        if key.code == KeyCode::Esc {
            self.screens.pop();
            return Some(Vec::new());
        }
        let env = self.init.default_env.clone();
        let Some(effect) = self.load.key(key, &env) else { return Some(Vec::new()) };
        self.load.phase = LoadPhase::Running;
        self.load.snapshot = None;
        self.load.report = None;
        self.load.started = Some(effect.clone());
        Some(vec![effect])
    }

    /// A workflow's `load` step reported figures: the Load screen shows them live, unless it runs
    /// a test of its own or the operator went back to the form from this step.
    pub(super) fn load_step_progress(&mut self, run: &str, step: &str, snapshot: &Snapshot) {
        let key = (run.to_string(), step.to_string());
        let own_running = self.load.phase == LoadPhase::Running && self.load.from_run.is_none();
        if own_running || self.load.dismissed.as_ref() == Some(&key) {
            return;
        }
        self.load.phase = if snapshot.finished { LoadPhase::Finished } else { LoadPhase::Running };
        self.load.snapshot = Some(Box::new(snapshot.clone()));
        self.load.report = None;
        self.load.started = None;
        self.load.from_run = Some(key);
    }

    /// The Load screen follows a workflow's `load` step from its events.
    pub(super) fn follow_load_step(&mut self, event: &flightdeck_core::engine::event::Event) {
        use flightdeck_core::engine::event::EventKind;
        match &event.kind {
            EventKind::StepProgress { step, .. } => {
                let snapshot = self.views.get(&event.run).and_then(|v| v.load.get(step)).cloned();
                if let Some(s) = snapshot {
                    self.load_step_progress(&event.run, step, &s);
                }
            }
            EventKind::StepFinished { step, .. } => self.load_step_finished(&event.run, step),
            _ => {}
        }
    }

    /// The step shown from a workflow ended (its last figures stay).
    pub(super) fn load_step_finished(&mut self, run: &str, step: &str) {
        if self.load.from_run.as_ref().is_some_and(|(r, s)| r == run && s == step) {
            self.load.phase = LoadPhase::Finished;
            // The run view's copy has the step's own totals.
            if let Some(l) = self.views.get(run).and_then(|v| v.load.get(step)) {
                self.load.snapshot = Some(l.clone());
            }
        }
    }

    /// Intents while a test runs or after it ended.
    pub(super) fn load_intent(&mut self, intent: Intent) -> Vec<Effect> {
        if let Some((run, _)) = &self.load.from_run {
            match intent {
                // Cancelling belongs to the run: `x` opens it, asking "cancel this run?".
                Intent::Cancel if self.views.get(run).is_some_and(RunView::active) => {
                    let mut rs = RunScreen::for_run(run);
                    rs.confirm_cancel = true;
                    self.screens.push(Screen::Run(Box::new(rs)));
                }
                Intent::Cancel => self.notice = Some(format!("run {run} has ended: nothing to cancel")),
                Intent::Select => {
                    self.load.dismissed = self.load.from_run.take();
                    self.load.snapshot = None;
                    self.load.phase = LoadPhase::Setup;
                }
                _ => {}
            }
            return Vec::new();
        }
        match (self.load.phase, intent) {
            (LoadPhase::Running, Intent::Cancel) => {
                self.notice = Some("cancelling the load test…".into());
                vec![Effect::CancelLoad]
            }
            (LoadPhase::Finished, Intent::Select) => {
                self.load.phase = LoadPhase::Setup;
                Vec::new()
            }
            _ => Vec::new(),
        }
    }
}
