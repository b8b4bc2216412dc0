//! Key handling: overlays first (quit confirmation, help, command line, text inputs), then the
//! screen's intents from the keymap.

use crate::app::input::TextInput;
use crate::app::launch::LaunchForm;
use crate::app::screens::move_row;
use crate::app::screens::run::run_text_key;
use crate::app::{App, Screen};
use crate::keymap::{Intent, KeyScope, intent};
use crate::msg::{Effect, Key, KeyCode};
use flightdeck_core::engine::event::FailureAction;
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
        if self.help {
            self.help = false;
            return Vec::new();
        }
        if let Some(effects) = self.confirm_key(key) {
            return effects;
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

    /// The y/n questions the console asks (quit, start another run, cancel this run): `y` says
    /// yes, `?` shows help over the question, any other key says no and does nothing else.
    fn confirm_key(&mut self, key: Key) -> Option<Vec<Effect>> {
        let asked = self.relaunch.is_some() || self.confirm_quit || self.dialog.as_deref() == Some("cancel");
        if !asked {
            return None;
        }
        if key.code == KeyCode::Char('?') && !key.ctrl && !key.alt {
            self.help = true;
            return Some(Vec::new());
        }
        let yes = key.code == KeyCode::Char('y') && !key.ctrl && !key.alt;
        if let Some(q) = self.relaunch.take() {
            return Some(if yes { vec![q.launch] } else { Vec::new() });
        }
        if self.confirm_quit {
            self.confirm_quit = false;
            return Some(if yes || key.code == KeyCode::Char('Y') { vec![Effect::Quit] } else { Vec::new() });
        }
        let Some(Screen::Run(rs)) = self.screens.last_mut() else { return Some(Vec::new()) };
        rs.confirm_cancel = false;
        Some(if yes { vec![Effect::Cancel { run: rs.run.clone() }] } else { Vec::new() })
    }

    /// Keys typed into the focused text input of the screen, if it has one.
    fn text_input_key(&mut self, key: Key) -> Option<Vec<Effect>> {
        if let Some(effects) = self.runs.text_key(key) {
            return Some(effects);
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
            Screen::Run(rs) if self.dialog.as_deref().is_some_and(|d| d.starts_with("secret:")) => {
                let view = self.views.get(&rs.run)?;
                crate::app::secret_prompt::secret_key(rs, view, key)
            }
            Screen::Run(rs) => {
                let view = self.views.get(&rs.run)?;
                let dialog_shown = self.dialog.as_deref().is_some_and(|d| d.starts_with("gate:"));
                run_text_key(rs, view, key, dialog_shown)
            }
            Screen::Load => self.load_text_key(key),
            Screen::Assessment => self.assessment.text_key(key),
            Screen::Incident => self.incident_text_key(key),
            _ => None,
        }
    }

    fn contexts(&self) -> Vec<KeyScope> {
        match self.screen() {
            Screen::Home | Screen::Persona(_) | Screen::Release => vec![KeyScope::List],
            Screen::Dora => vec![KeyScope::Dora],
            Screen::Load if self.load.from_run.is_some() => vec![KeyScope::LoadStep],
            Screen::Load => vec![KeyScope::Load],
            Screen::Runs => vec![KeyScope::Runs],
            Screen::Health => vec![KeyScope::Health],
            Screen::Audit | Screen::Launch(_) | Screen::Secrets | Screen::Images | Screen::Backups => vec![],
            Screen::Profile => vec![KeyScope::Profile],
            Screen::Cost => vec![KeyScope::Cost],
            Screen::Run(rs) => match self.dialog.as_deref() {
                Some("cancel") => vec![KeyScope::Gate],
                Some(d) if d.starts_with("failure:") => vec![KeyScope::FailureMenu, KeyScope::Run],
                Some(d) if d.starts_with("gate:") || d.starts_with("rerun:") || d.starts_with("secret:") => {
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
                self.audit.intent(intent);
                Vec::new()
            }
            Screen::Notifications => self.notifications.intent(intent),
            Screen::Run(_) => self.run_intent(intent),
            Screen::Dora => self.dora.intent(&self.init.services, intent),
            Screen::Health => self.health.intent(&self.init.environments, intent),
            Screen::Load => self.load_intent(intent),
            Screen::Backups => {
                self.backups.backups_intent(intent);
                Vec::new()
            }
            Screen::Profile => {
                self.profile.intent(intent);
                Vec::new()
            }
            Screen::Secrets => {
                self.secrets.intent(intent);
                Vec::new()
            }
            Screen::Images => {
                self.images.intent(intent);
                Vec::new()
            }
            Screen::Release => {
                if matches!(intent, Intent::Select | Intent::Launch) {
                    self.launch_named("release");
                }
                Vec::new()
            }
            Screen::Launch(_) => Vec::new(),
            Screen::Cost => self.cost.intent(intent),
            Screen::Assessment => self.assessment.intent(intent).unwrap_or_else(|notice| {
                self.notice = Some(notice);
                Vec::new()
            }),
            Screen::Incident => self.incident_intent(intent),
        }
    }

    fn home_intent(&mut self, intent: Intent) -> Vec<Effect> {
        match intent {
            Intent::Persona(n) => self.screens.push(Screen::Persona(Persona::MENU[usize::from(n).min(2)])),
            Intent::Select | Intent::Launch => {
                self.open_launch(Persona::MENU[self.home.col]);
                return Vec::new();
            }
            _ => {}
        }
        let counts: Vec<usize> = Persona::MENU.iter().map(|p| self.workflows_of(*p).len()).collect();
        self.home.intent(intent, |col| counts.get(col).copied().unwrap_or(0));
        Vec::new()
    }

    fn persona_intent(&mut self, persona: Persona, intent: Intent) -> Vec<Effect> {
        if matches!(intent, Intent::Select | Intent::Launch) {
            self.open_launch(persona);
        } else if let Intent::Persona(n) = intent {
            self.screens.pop();
            self.screens.push(Screen::Persona(Persona::MENU[usize::from(n).min(2)]));
            self.home.row = 0;
        } else {
            self.home.row = move_row(self.home.row, self.workflows_of(persona).len(), intent);
        }
        Vec::new()
    }

    /// What the screen returned to must reload: it may have changed meanwhile.
    fn reload(&self) -> Vec<Effect> {
        match self.screen() {
            Screen::Home | Screen::Runs => vec![Effect::LoadRuns],
            Screen::Release => vec![Effect::LoadRelease],
            Screen::Dora => vec![self.dora.effect()],
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
            self.health.detail = false;
            self.screens.push(Screen::Health);
        }
    }

    /// `:health [ENV]`: opens Health, watching `env` when given.
    pub(super) fn open_health_env(&mut self, env: Option<&str>) -> Vec<Effect> {
        self.open_health();
        match env {
            None => Vec::new(),
            Some(e) if self.init.environments.iter().any(|(n, _)| n == e) => self.health.watch(e.to_string()),
            Some(e) => {
                let names: Vec<&str> = self.init.environments.iter().map(|(n, _)| n.as_str()).collect();
                self.notice = Some(format!("no environment {e:?}: {}", names.join(", ")));
                Vec::new()
            }
        }
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
        self.dora.effect()
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
        let Some(wf) = self.workflows_of(persona).get(self.home.row).map(|w| (*w).clone()) else { return };
        let form = LaunchForm::new(&wf, &self.init.environments, &self.init.default_env)
            .with_env_vars(self.init.env_vars.clone());
        self.screens.push(Screen::Launch(Box::new(form)));
    }

    /// The runs shown on the runs screen, filtered.
    pub fn filtered_runs(&self) -> Vec<&flightdeck_core::store::records::RunRecord> {
        self.runs.filtered(&self.recent)
    }

    fn runs_intent(&mut self, intent: Intent) -> Vec<Effect> {
        self.runs.intent(&self.recent, intent).unwrap_or_else(|notice| {
            self.notice = Some(notice);
            Vec::new()
        })
    }
}

/// The failure action to the left or right of `a` in the menu.
pub(super) fn cycle_action(a: FailureAction, forward: bool) -> FailureAction {
    const ORDER: [FailureAction; 4] =
        [FailureAction::Retry, FailureAction::Skip, FailureAction::Rollback, FailureAction::Abort];
    let i = ORDER.iter().position(|x| *x == a).unwrap_or(0);
    ORDER[if forward { (i + 1) % 4 } else { (i + 3) % 4 }]
}
