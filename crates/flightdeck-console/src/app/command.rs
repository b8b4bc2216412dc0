//! The `:` command line: `:home`, `:runs`, `:audit`, `:run WORKFLOW [--env NAME] [key=value...]`,
//! `:persona NAME`, `:load`, `:theme NAME`, `:break [ENV]`, `:fix [ENV]`, `:help`, `:quit`, with Tab
//! completion.

use std::collections::BTreeMap;

use crate::app::launch::{FieldValue, LaunchForm};
use crate::app::{App, Screen};
use crate::msg::{Effect, Key, KeyCode};
use flightdeck_core::workflow::model::Persona;

/// The commands, for completion and help.
pub const COMMANDS: &[&str] = &[
    "assess",
    "audit",
    "backups",
    "break",
    "cost",
    "dora",
    "fix",
    "health",
    "help",
    "home",
    "images",
    "incident",
    "load",
    "notifications",
    "persona",
    "profile",
    "quit",
    "release",
    "run",
    "runs",
    "secrets",
    "theme",
];

impl App {
    pub(super) fn cmdline_key(&mut self, key: Key) -> Vec<Effect> {
        let Some(input) = self.cmdline.as_mut() else { return Vec::new() };
        match key.code {
            KeyCode::Esc => {
                self.cmdline = None;
                self.completions.clear();
            }
            KeyCode::Enter => {
                let line = input.value();
                self.cmdline = None;
                self.completions.clear();
                return self.command(&line);
            }
            KeyCode::Tab => self.complete(),
            _ => {
                input.key(key);
                let line = input.value();
                self.completions = self.candidates(&line);
            }
        }
        Vec::new()
    }

    /// Candidates for the word being typed.
    pub fn candidates(&self, line: &str) -> Vec<String> {
        let words: Vec<&str> = line.split_whitespace().collect();
        let typing_first = words.len() <= 1 && !line.ends_with(' ');
        let prefix = if line.ends_with(' ') { "" } else { words.last().copied().unwrap_or("") };
        let pool: Vec<String> = if typing_first {
            COMMANDS.iter().map(|c| (*c).to_string()).collect()
        } else {
            match words.first().copied() {
                Some("run") if words.len() <= 2 => {
                    self.init.workflows.iter().map(|w| w.name.clone()).collect()
                }
                Some("run" | "break" | "fix") => {
                    self.init.environments.iter().map(|(n, _)| n.clone()).collect()
                }
                Some("persona") => Persona::MENU.iter().map(|p| p.key().to_string()).collect(),
                Some("theme") => self.init.themes.clone(),
                _ => Vec::new(),
            }
        };
        pool.into_iter().filter(|c| c.starts_with(prefix) && c != prefix).collect()
    }

    fn complete(&mut self) {
        let Some(input) = self.cmdline.as_ref() else { return };
        let line = input.value();
        let cands = self.candidates(&line);
        if let [only] = cands.as_slice() {
            let keep = if line.ends_with(' ') {
                line.clone()
            } else {
                line.rsplit_once(' ').map_or(String::new(), |(a, _)| format!("{a} "))
            };
            self.cmdline = Some(crate::app::input::TextInput::new(&format!("{keep}{only} ")));
            self.completions.clear();
        } else {
            self.completions = cands;
        }
    }

    /// Executes a command line.
    pub fn command(&mut self, line: &str) -> Vec<Effect> {
        // Shell-like words: `reason="INC-42 test"` stays one value.
        let Some(owned) = shlex::split(line) else {
            self.notice = Some(format!("unbalanced quotes in {line:?}: close the quote"));
            return Vec::new();
        };
        let words: Vec<&str> = owned.iter().map(String::as_str).collect();
        if let Some(effects) = self.open_listing(&words) {
            return effects;
        }
        match words.as_slice() {
            [] => Vec::new(),
            ["q" | "quit", ..] => {
                if self.run_active() {
                    self.confirm_quit = true;
                    return Vec::new();
                }
                vec![Effect::Quit]
            }
            ["home", ..] => {
                self.screens.truncate(1);
                Vec::new()
            }
            ["release", ..] => self.open_release(),
            ["dora", ..] => self.open_dora(),
            ["health", env @ ..] => self.open_health_env(env.first().copied()),
            ["load", ..] => self.open_load(),
            ["help", ..] => {
                self.help = true;
                Vec::new()
            }
            ["theme", name] => vec![Effect::SetTheme { name: (*name).to_string() }],
            ["persona", name] => self.open_persona(name),
            ["break" | "fix", rest @ ..] => {
                let environment =
                    rest.first().map_or_else(|| self.init.default_env.clone(), |e| (*e).to_string());
                vec![Effect::Sandbox { action: words[0].to_string(), environment }]
            }
            ["run", workflow, rest @ ..] => self.command_run(workflow, rest),
            _ => {
                self.notice = Some(format!("unknown command {line:?}: try {}", COMMANDS.join(", ")));
                Vec::new()
            }
        }
    }

    /// The screens that list something from the store: `:runs`, `:audit`, `:images`, ...
    fn open_listing(&mut self, words: &[&str]) -> Option<Vec<Effect>> {
        Some(match words {
            ["runs", ..] => {
                self.screens.push(Screen::Runs);
                vec![Effect::LoadRuns]
            }
            ["notifications" | "notify", ..] => {
                self.screens.push(Screen::Notifications);
                self.notifications.attempts = None;
                vec![Effect::LoadNotifications]
            }
            ["audit", ..] => {
                self.screens.push(Screen::Audit);
                vec![Effect::LoadAudit]
            }
            ["images", ..] => {
                self.screens.push(Screen::Images);
                vec![Effect::LoadImages]
            }
            ["assess" | "assessment", ..] => self.open_assessment(),
            ["backups", ..] => {
                self.screens.push(Screen::Backups);
                vec![Effect::LoadBackups]
            }
            ["secrets", ..] => {
                self.screens.push(Screen::Secrets);
                vec![Effect::LoadSecrets]
            }
            ["cost", rest @ ..] => self.open_cost(rest.first().copied()),
            ["incident", rest @ ..] => self.open_incident_screen(rest.first().copied()),
            ["profile", rest @ ..] => self.open_profile(rest),
            _ => return None,
        })
    }

    fn open_persona(&mut self, name: &str) -> Vec<Effect> {
        match Persona::MENU.iter().find(|p| p.key() == name) {
            Some(p) => {
                self.home.row = 0;
                self.screens.push(Screen::Persona(*p));
            }
            None => self.notice = Some(format!("no persona {name:?}: diana, rita or phoenix")),
        }
        Vec::new()
    }

    /// `:run WORKFLOW [--env NAME] [key=value...]` opens the launch form filled in, at the preview.
    fn command_run(&mut self, workflow: &str, rest: &[&str]) -> Vec<Effect> {
        let Some(wf) = self.init.workflows.iter().find(|w| w.name == workflow).cloned() else {
            let names: Vec<&str> = self.init.workflows.iter().map(|w| w.name.as_str()).collect();
            let hint = flightdeck_core::diag::nearest(workflow, &names)
                .map(|n| format!(" (did you mean {n:?}?)"))
                .unwrap_or_default();
            self.notice = Some(format!("no workflow {workflow:?}{hint}: see the lists on Home"));
            return Vec::new();
        };
        let mut env = self.init.default_env.clone();
        let mut values = BTreeMap::new();
        let mut it = rest.iter();
        while let Some(w) = it.next() {
            if *w == "--env" || *w == "-e" {
                env = it.next().map_or(env, |e| (*e).to_string());
            } else if let Some((k, v)) = w.split_once('=') {
                values.insert(k.to_string(), v.to_string());
            }
        }
        let mut form =
            LaunchForm::new(&wf, &self.init.environments, &env).with_env_vars(self.init.env_vars.clone());
        for field in &mut form.fields {
            let Some(v) = values.get(&field.name) else { continue };
            match &mut field.value {
                FieldValue::Text(t) => **t = crate::app::input::TextInput::new(v),
                FieldValue::Choice { options, selected } => {
                    *selected = options.iter().position(|o| o == v).unwrap_or(*selected);
                }
                FieldValue::Bool(b) => *b = matches!(v.as_str(), "true" | "yes" | "1" | "on"),
            }
        }
        form.preview = form.validate();
        self.screens.push(Screen::Launch(Box::new(form)));
        Vec::new()
    }
}
