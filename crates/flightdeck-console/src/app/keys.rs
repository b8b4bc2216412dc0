//! Key handling: overlays first (quit confirmation, help, command line, text inputs), then the
//! screen's intents from the keymap.

use crate::app::input::TextInput;
use crate::app::launch::LaunchForm;
use crate::app::{App, RunScreen, Screen};
use crate::keymap::{Intent, KeyScope, intent};
use crate::msg::{Effect, Key, KeyCode};
use flightdeck_core::engine::event::{Decision, FailureAction, GateForm};
use flightdeck_core::workflow::model::Persona;

impl App {
    /// True when the terminal is below the console's minimum size (only the notice shows).
    pub fn too_small(&self) -> bool {
        let (w, h) = crate::view::MIN_SIZE;
        self.size.0 < w || self.size.1 < h
    }

    /// True while the run screen's search or filter input takes the keys.
    fn typing_search(&self) -> bool {
        matches!(self.screen(), Screen::Run(rs) if rs.search_input.is_some() || rs.filter_input.is_some())
    }

    pub(super) fn key(&mut self, key: Key) -> Vec<Effect> {
        self.notice = None;
        if self.too_small() {
            // Nothing on screen but the notice: only quitting works, and only with no run to stop.
            let quit = key.code == KeyCode::Char('q') || key == Key::ctrl('c');
            return if quit && !self.run_active() { vec![Effect::Quit] } else { Vec::new() };
        }
        if let Some(q) = self.relaunch.take() {
            return if key.code == KeyCode::Char('y') { vec![q.launch] } else { Vec::new() };
        }
        if self.confirm_quit {
            self.confirm_quit = false;
            return if matches!(key.code, KeyCode::Char('y' | 'Y')) {
                vec![Effect::Quit]
            } else {
                Vec::new()
            };
        }
        if self.help {
            self.help = false;
            return Vec::new();
        }
        if self.cmdline.is_some() {
            return self.cmdline_key(key);
        }
        if let Some(left) = self.grace_left_ms().filter(|_| !self.typing_search()) {
            self.notice = Some(format!("the dialog just opened: keys are ignored for {left} ms more"));
            return Vec::new();
        }
        if let Some(effects) = self.text_input_key(key) {
            return effects;
        }
        let ctxs = self.contexts();
        let Some(intent) = intent(&ctxs, key) else { return Vec::new() };
        self.intent(intent)
    }

    /// Keys typed into the focused text input of the screen, if it has one.
    fn text_input_key(&mut self, key: Key) -> Option<Vec<Effect>> {
        if let Some(input) = self.filter_input.as_mut() {
            match key.code {
                KeyCode::Enter | KeyCode::Esc => {
                    self.runs_filter = if key.code == KeyCode::Esc { String::new() } else { input.value() };
                    self.filter_input = None;
                    self.runs_row = 0;
                }
                _ => {
                    input.key(key);
                }
            }
            return Some(Vec::new());
        }
        match self.screens.last_mut()? {
            Screen::Launch(form) => {
                if key.code == KeyCode::Esc {
                    self.screens.pop();
                    return Some(Vec::new());
                }
                let effects: Vec<Effect> = form.key(key).into_iter().collect();
                Some(effects.into_iter().flat_map(|e| self.launch_or_ask(e)).collect())
            }
            Screen::Run(rs) => {
                let view = self.views.get(&rs.run)?;
                let dialog_shown = self.dialog.as_deref().is_some_and(|d| d.starts_with("gate:"));
                run_text_key(rs, view, key, dialog_shown)
            }
            Screen::Load => self.load_text_key(key),
            Screen::Assessment => self.assessment_text_key(key),
            Screen::Incident => self.incident_text_key(key),
            _ => None,
        }
    }

    fn contexts(&self) -> Vec<KeyScope> {
        match self.screen() {
            Screen::Home | Screen::Persona(_) | Screen::Release => vec![KeyScope::List],
            Screen::Dora => vec![KeyScope::Dora],
            Screen::Load => vec![KeyScope::Load],
            Screen::Runs => vec![KeyScope::Runs],
            Screen::Health => vec![KeyScope::Health],
            Screen::Audit | Screen::Launch(_) | Screen::Secrets | Screen::Images | Screen::Backups => vec![],
            Screen::Profile => vec![KeyScope::Profile],
            Screen::Cost => vec![KeyScope::Cost],
            Screen::Run(rs) => match self.dialog.as_deref() {
                Some("cancel") => vec![KeyScope::Gate],
                Some(d) if d.starts_with("failure:") => vec![KeyScope::FailureMenu, KeyScope::Run],
                Some(d) if d.starts_with("gate:") || d.starts_with("rerun:") => {
                    vec![KeyScope::Gate, KeyScope::Run]
                }
                _ if rs.hidden.is_some() => vec![KeyScope::HiddenDialog, KeyScope::Run],
                _ => vec![KeyScope::Run],
            },
            Screen::Notifications => vec![KeyScope::Notifications],
            Screen::Assessment => vec![KeyScope::Assessment],
            Screen::Incident => vec![KeyScope::Incident],
        }
    }

    fn intent(&mut self, intent: Intent) -> Vec<Effect> {
        match intent {
            Intent::Quit => {
                if self.run_active() {
                    self.confirm_quit = true;
                    return Vec::new();
                }
                return vec![Effect::Quit];
            }
            Intent::Back if self.assessment_back() => {}
            Intent::Back => {
                if *self.screen() == Screen::Profile && self.profile.intent(Intent::Back) {
                    return Vec::new();
                }
                if self.screens.len() > 1 {
                    self.screens.pop();
                }
                return self.reload();
            }
            Intent::Help => self.help = true,
            Intent::Command => self.cmdline = Some(TextInput::new("")),
            Intent::Runs => {
                self.screens.push(Screen::Runs);
                return vec![Effect::LoadRuns];
            }
            Intent::Audit => {
                self.screens.push(Screen::Audit);
                return vec![Effect::LoadAudit];
            }
            Intent::Release => return self.open_release(),
            Intent::Dora => return self.open_dora(),
            Intent::Health => self.open_health(),
            Intent::Load => return self.open_load(),
            Intent::Secrets => {
                self.screens.push(Screen::Secrets);
                return vec![Effect::LoadSecrets];
            }
            _ => return self.screen_intent(intent),
        }
        Vec::new()
    }

    fn screen_intent(&mut self, intent: Intent) -> Vec<Effect> {
        match self.screen().clone() {
            Screen::Home => self.home_intent(intent),
            Screen::Persona(p) => self.persona_intent(p, intent),
            Screen::Runs => self.runs_intent(intent),
            Screen::Audit => {
                let n = self.audit.as_ref().map_or(0, |(e, _)| e.len());
                self.audit_row = move_row(self.audit_row, n, intent);
                Vec::new()
            }
            Screen::Notifications => self.notifications_intent(intent),
            Screen::Run(_) => self.run_intent(intent),
            Screen::Dora => self.dora_intent(intent),
            Screen::Health => {
                let n = self.health.as_ref().map_or(0, |h| h.monitors.len());
                if intent == Intent::CycleEnv {
                    let envs = &self.init.environments;
                    let i = envs.iter().position(|(n, _)| *n == self.health_env).map_or(0, |i| i + 1);
                    let next = envs.get(i % envs.len().max(1)).map(|(n, _)| n.clone());
                    return next.map(|e| self.watch_health(e)).unwrap_or_default();
                }
                if intent == Intent::Select {
                    self.health_detail = !self.health_detail;
                } else {
                    self.health_row = move_row(self.health_row, n, intent);
                }
                Vec::new()
            }
            Screen::Load => self.load_intent(intent),
            Screen::Backups => {
                let n = self.backups.as_ref().map_or(0, |(rows, _)| rows.len());
                self.backups_row = move_row(self.backups_row, n, intent);
                Vec::new()
            }
            Screen::Profile => {
                self.profile.intent(intent);
                Vec::new()
            }
            Screen::Secrets => {
                let n = self.secrets.as_ref().map_or(0, Vec::len);
                self.secrets_row = move_row(self.secrets_row, n, intent);
                Vec::new()
            }
            Screen::Images => {
                let n = self.images.as_ref().map_or(0, Vec::len);
                self.images_row = move_row(self.images_row, n, intent);
                Vec::new()
            }
            Screen::Release => {
                if matches!(intent, Intent::Select | Intent::Launch) {
                    self.launch_named("release");
                }
                Vec::new()
            }
            Screen::Launch(_) => Vec::new(),
            Screen::Cost => self.cost_intent(intent),
            Screen::Assessment => self.assessment_intent(intent),
            Screen::Incident => self.incident_intent(intent),
        }
    }

    fn home_intent(&mut self, intent: Intent) -> Vec<Effect> {
        match intent {
            Intent::Left => self.home_col = (self.home_col + 2) % 3,
            Intent::Right | Intent::NextPane => self.home_col = (self.home_col + 1) % 3,
            Intent::Persona(n) => self.screens.push(Screen::Persona(Persona::MENU[usize::from(n).min(2)])),
            Intent::Select | Intent::Launch => {
                let persona = Persona::MENU[self.home_col];
                self.open_launch(persona);
                return Vec::new();
            }
            _ => {}
        }
        let n = self.workflows_of(Persona::MENU[self.home_col]).len();
        if matches!(intent, Intent::Left | Intent::Right | Intent::NextPane) {
            self.row = self.row.min(n.saturating_sub(1));
        } else {
            self.row = move_row(self.row, n, intent);
        }
        Vec::new()
    }

    fn persona_intent(&mut self, persona: Persona, intent: Intent) -> Vec<Effect> {
        if matches!(intent, Intent::Select | Intent::Launch) {
            self.open_launch(persona);
        } else if let Intent::Persona(n) = intent {
            self.screens.pop();
            self.screens.push(Screen::Persona(Persona::MENU[usize::from(n).min(2)]));
            self.row = 0;
        } else {
            self.row = move_row(self.row, self.workflows_of(persona).len(), intent);
        }
        Vec::new()
    }

    /// What the screen returned to must reload: it may have changed meanwhile.
    fn reload(&self) -> Vec<Effect> {
        match self.screen() {
            Screen::Home | Screen::Runs => vec![Effect::LoadRuns],
            Screen::Release => vec![Effect::LoadRelease],
            Screen::Dora => vec![self.dora_effect()],
            Screen::Audit => vec![Effect::LoadAudit],
            _ => Vec::new(),
        }
    }

    /// Opens Rita's release screen and asks for the plan.
    pub(super) fn open_release(&mut self) -> Vec<Effect> {
        if !matches!(self.screen(), Screen::Release) {
            self.screens.push(Screen::Release);
        }
        vec![Effect::LoadRelease]
    }

    /// Opens the health screen (health runs in the background from the start).
    pub(super) fn open_health(&mut self) {
        if !matches!(self.screen(), Screen::Health) {
            self.health_detail = false;
            self.screens.push(Screen::Health);
        }
    }

    /// `:health [ENV]`: opens Health, watching `env` when given.
    pub(super) fn open_health_env(&mut self, env: Option<&str>) -> Vec<Effect> {
        self.open_health();
        match env {
            None => Vec::new(),
            Some(e) if self.init.environments.iter().any(|(n, _)| n == e) => self.watch_health(e.to_string()),
            Some(e) => {
                let names: Vec<&str> = self.init.environments.iter().map(|(n, _)| n.as_str()).collect();
                self.notice = Some(format!("no environment {e:?}: {}", names.join(", ")));
                Vec::new()
            }
        }
    }

    /// Starts watching `env`'s monitors (the old snapshot goes: it was another environment's).
    fn watch_health(&mut self, env: String) -> Vec<Effect> {
        if env == self.health_env {
            return Vec::new();
        }
        self.health = None;
        self.health_row = 0;
        self.health_env.clone_from(&env);
        vec![Effect::WatchHealth { environment: env }]
    }

    /// Opens the DORA screen and asks for the dashboard.
    pub(super) fn open_dora(&mut self) -> Vec<Effect> {
        if !matches!(self.screen(), Screen::Dora) {
            self.screens.push(Screen::Dora);
        }
        vec![self.dora_effect()]
    }

    /// The effect that (re)computes the dashboard for the current choices.
    pub fn dora_effect(&self) -> Effect {
        Effect::LoadDora {
            service: self.dora_view.service.clone(),
            environment: None,
            days: self.dora_view.days,
        }
    }

    fn dora_intent(&mut self, intent: Intent) -> Vec<Effect> {
        let rows = match &self.dora {
            Some(Ok(d)) => d.deployments.len(),
            _ => 0,
        };
        let v = &mut self.dora_view;
        match intent {
            Intent::CycleWindow => {
                v.days = match v.days {
                    d if d < 7 => 7,
                    d if d < 30 => 30,
                    d if d < 90 => 90,
                    d if d < 180 => 180,
                    _ => 7,
                };
                return vec![self.dora_effect()];
            }
            Intent::CycleService => {
                // Every configured service and every one seen, then all again.
                let services = &self.init.services;
                let next = match &v.service {
                    None => services.first().cloned(),
                    Some(cur) => services.iter().skip_while(|s| *s != cur).nth(1).cloned(),
                };
                v.service = next;
                return vec![self.dora_effect()];
            }
            Intent::Select => v.expanded = !v.expanded,
            _ => v.row = move_row(v.row, rows, intent),
        }
        Vec::new()
    }

    /// Opens the launch form of the workflow called `name`, if it exists.
    pub(super) fn launch_named(&mut self, name: &str) {
        let Some(wf) = self.init.workflows.iter().find(|w| w.name == name).cloned() else {
            self.notice = Some(format!("no workflow {name:?} in the catalogue"));
            return;
        };
        let form = LaunchForm::new(&wf, &self.init.environments, &self.init.default_env)
            .with_env_vars(self.init.env_vars.clone());
        self.screens.push(Screen::Launch(Box::new(form)));
    }

    fn open_launch(&mut self, persona: Persona) {
        let Some(wf) = self.workflows_of(persona).get(self.row).map(|w| (*w).clone()) else { return };
        let form = LaunchForm::new(&wf, &self.init.environments, &self.init.default_env)
            .with_env_vars(self.init.env_vars.clone());
        self.screens.push(Screen::Launch(Box::new(form)));
    }

    /// The runs shown on the runs screen, filtered.
    pub fn filtered_runs(&self) -> Vec<&flightdeck_core::store::records::RunRecord> {
        let q = self.runs_filter.to_lowercase();
        self.recent
            .iter()
            .filter(|r| {
                q.is_empty()
                    || [
                        r.id.as_str(),
                        r.workflow.as_str(),
                        r.environment.as_str(),
                        r.status.as_str(),
                        r.operator.as_str(),
                    ]
                    .iter()
                    .any(|f| f.to_lowercase().contains(&q))
            })
            .collect()
    }

    fn runs_intent(&mut self, intent: Intent) -> Vec<Effect> {
        let runs = self.filtered_runs();
        let selected = runs.get(self.runs_row).map(|r| (r.id.clone(), r.status));
        match intent {
            Intent::Search => self.filter_input = Some(TextInput::new(&self.runs_filter)),
            Intent::Select => {
                if let Some((id, _)) = selected {
                    return vec![Effect::OpenRun { run: id }];
                }
            }
            Intent::Resume => {
                if let Some((id, flightdeck_core::engine::event::RunStatus::Interrupted)) = selected {
                    return vec![Effect::Resume { run: id }];
                }
                self.notice = Some("only an interrupted run can be resumed".into());
            }
            _ => self.runs_row = move_row(self.runs_row, runs.len(), intent),
        }
        Vec::new()
    }
}

/// Moves a selection within `n` rows.
pub(super) fn move_row(row: usize, n: usize, intent: Intent) -> usize {
    let last = n.saturating_sub(1);
    match intent {
        Intent::Up => row.saturating_sub(1),
        Intent::Down => (row + 1).min(last),
        Intent::PageUp => row.saturating_sub(10),
        Intent::PageDown => (row + 10).min(last),
        Intent::Top => 0,
        Intent::Bottom => last,
        _ => row.min(last),
    }
}

/// Text typed on the run screen: the search input and the phrase of a phrase gate (when its dialog
/// is on screen).
fn run_text_key(
    rs: &mut RunScreen,
    view: &crate::app::run_view::RunView,
    key: Key,
    dialog_shown: bool,
) -> Option<Vec<Effect>> {
    if let Some(input) = rs.filter_input.as_mut() {
        // The filter applies as you type; enter keeps it, esc clears it.
        match key.code {
            KeyCode::Enter => rs.filter_input = None,
            KeyCode::Esc => {
                rs.filter_input = None;
                rs.filter = None;
            }
            _ => {
                input.key(key);
                let v = input.value();
                rs.filter = (!v.is_empty()).then_some(v);
                rs.scroll = 0;
            }
        }
        return Some(Vec::new());
    }
    if let Some(input) = rs.search_input.as_mut() {
        match key.code {
            KeyCode::Enter => {
                let q = input.value();
                rs.search_input = None;
                if !q.is_empty() {
                    rs.query = Some(q.clone());
                    rs.pending_search = Some((q, false));
                    rs.follow = false;
                }
            }
            KeyCode::Esc => rs.search_input = None,
            _ => {
                input.key(key);
            }
        }
        return Some(Vec::new());
    }
    let gate = view.gate.as_ref().filter(|_| dialog_shown)?;
    let GateForm::Phrase { phrase } = &gate.form else { return None };
    if rs.answered.as_deref() == Some(gate.gate.as_str()) || key.code == KeyCode::Esc {
        return None;
    }
    if key.ctrl && key.code == KeyCode::Char('r') {
        rs.answered = Some(gate.gate.clone());
        let decision = Decision::Reject { gate: gate.gate.clone(), comment: None };
        return Some(vec![Effect::Decide { run: rs.run.clone(), decision }]);
    }
    if key.code == KeyCode::Enter {
        let text = rs.phrase.value();
        if &text != phrase {
            // Nothing is sent until the phrase matches exactly; the dialog says so.
            rs.phrase_mismatch = !text.is_empty();
            return Some(Vec::new());
        }
        rs.answered = Some(gate.gate.clone());
        rs.phrase = TextInput::new("");
        let decision = Decision::Phrase { gate: gate.gate.clone(), text };
        return Some(vec![Effect::Decide { run: rs.run.clone(), decision }]);
    }
    rs.phrase_mismatch = false;
    rs.phrase.key(key).then(Vec::new)
}

/// The failure action to the left or right of `a` in the menu.
pub(super) fn cycle_action(a: FailureAction, forward: bool) -> FailureAction {
    const ORDER: [FailureAction; 4] =
        [FailureAction::Retry, FailureAction::Skip, FailureAction::Rollback, FailureAction::Abort];
    let i = ORDER.iter().position(|x| *x == a).unwrap_or(0);
    ORDER[if forward { (i + 1) % 4 } else { (i + 3) % 4 }]
}
