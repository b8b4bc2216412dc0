//! Carrying out the console's effects: starting and resuming runs, sending decisions and cancelling
//! (all through the runner), loading runs, the audit log, the release plan and DORA in the
//! background, sandbox switches and theme. Each returns the messages that report its result.
//! that report its result.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::readers::{base64, load_cost, load_dora, load_profile, load_secrets, release_error};
use crate::app::App;
use crate::msg::{Effect, Msg};
use crate::runtime::{Console, Live, attach};
use crate::theme::Theme;
use flightdeck_core::runner::protocol::{Request, Response, StartOptions};

impl Console {
    #[allow(clippy::too_many_lines)] // a dispatch table: one arm per effect
    pub(super) async fn effect(&mut self, effect: Effect, app: &mut App) -> Vec<Msg> {
        // A client-only console reads its screens through the runner.
        if let Some(msgs) = self.remote_effect(&effect) {
            return msgs;
        }
        match effect {
            Effect::Launch { workflow, environment, params, dry_run } => {
                match self.launch(&workflow, &environment, &params, dry_run).await {
                    Ok(run) => vec![Msg::RunLaunched { run }],
                    Err(message) => vec![Msg::LaunchFailed { message }],
                }
            }
            Effect::Resume { run } => match self.resume(&run).await {
                Ok(run) => vec![Msg::RunLaunched { run }],
                Err(message) => vec![Msg::Notice { text: message }],
            },
            Effect::Decide { run, decision } => self.decide(&run, decision),
            Effect::Cancel { run } => self.cancel(&run).await,
            e @ (Effect::LoadNotifications
            | Effect::LoadNotificationAttempts { .. }
            | Effect::ResendNotification { .. }) => self.notify_effect(e).await,
            Effect::LoadIncident => match self.store.as_ref().map(flightdeck_core::incident::open_incident) {
                Some(Ok(open)) => vec![Msg::IncidentLoaded { open: open.map(Box::new) }],
                // Polled every second: a store this console cannot read (a shared bastion's runner
                // owns it) shows no banner rather than a notice a second.
                _ => Vec::new(),
            },
            Effect::LoadSecrets => vec![load_secrets(&self.ctx.config, &self.ctx.paths.project_dir).await],
            Effect::LoadIncidentTimeline { id } => self.load_incident_timeline(id),
            Effect::Incident { incident, action } => self.incident_change(incident, action).await,
            e @ (Effect::LoadImages | Effect::LoadBackups | Effect::LoadProfile { .. }) => {
                match self.local_store() {
                    Ok(store) => self.store_read(e, store),
                    Err(text) => vec![Msg::Notice { text }],
                }
            }
            e @ (Effect::LoadAssessment | Effect::SetAssessmentItem { .. }) => {
                vec![self.assessment_effect(e).await]
            }
            Effect::WatchRuns => {
                let active = app.recent.iter().any(|r| {
                    use flightdeck_core::engine::event::RunStatus;
                    matches!(r.status, RunStatus::Running | RunStatus::Waiting)
                });
                let last_look = if active { self.store.clone() } else { None };
                attach::watch_runs(self.ctx.connect("console"), self.tx.clone(), last_look);
                Vec::new()
            }
            e @ (Effect::LoadRuns
            | Effect::OpenRun { .. }
            | Effect::LoadAudit
            | Effect::LoadRelease
            | Effect::LoadCost { .. }
            | Effect::LoadDora { .. }) => self.read_in_background(e, app),
            Effect::Sandbox { action, environment } => self.sandbox(&action, &environment).await,
            Effect::SetTheme { name } => {
                match Theme::load(&name, Some(&self.ctx.paths.project_dir.join("themes"))) {
                    Ok(t) => {
                        self.theme = t.degraded(self.depth);
                        app.theme.clone_from(&name);
                        notice(format!("theme {name}"))
                    }
                    Err(e) => notice(e.to_string()),
                }
            }
            Effect::StartLoad { .. } | Effect::CancelLoad => self.load_effect(&effect),
            Effect::WatchHealth { environment } => {
                self.health_cancel.cancel();
                self.health_cancel = CancellationToken::new();
                self.start_health(&environment, Duration::ZERO);
                Vec::new()
            }
            Effect::Copy { text } => {
                use std::io::Write as _;
                let mut out = std::io::stdout();
                let _ = write!(out, "\x1b]52;c;{}\x07", base64(text.as_bytes()));
                let _ = out.flush();
                Vec::new()
            }
            Effect::Quit => Vec::new(),
        }
    }

    /// The screens' reads of the store itself (a client-only console reads them through the runner).
    fn store_read(&self, effect: Effect, store: flightdeck_core::store::Store) -> Vec<Msg> {
        match effect {
            Effect::LoadImages => match store.artifacts() {
                Ok(rows) => vec![Msg::ImagesLoaded { rows }],
                Err(e) => vec![Msg::Notice { text: format!("cannot read the pushed images: {e}") }],
            },
            Effect::LoadBackups => match store.backups(None) {
                Ok(backups) => vec![Msg::BackupsLoaded { backups, now: flightdeck_core::time::now() }],
                Err(e) => vec![Msg::Notice { text: format!("cannot read the backups: {e}") }],
            },
            Effect::LoadProfile { run } => self.in_background(move || load_profile(&store, &run)),
            _ => Vec::new(),
        }
    }

    /// Sends a decision through the runner; a refused one shows as a notice.
    fn decide(&self, run: &str, decision: flightdeck_core::engine::Decision) -> Vec<Msg> {
        let connect = self.ctx.connect("console");
        let (tx, run) = (self.tx.clone(), run.to_string());
        tokio::spawn(async move {
            let text = match attach::request(&connect, &Request::Decide { run, decision }).await {
                Ok(Response::Decided { reply }) if reply.counted => return,
                Ok(Response::Decided { reply }) => reply.message,
                Ok(Response::Error { message, .. }) | Err(message) => message,
                Ok(other) => format!("unexpected answer from the runner: {other:?}"),
            };
            let _ = tx.send(Msg::Notice { text }).await;
        });
        Vec::new()
    }

    /// Asks the runner to cancel a run (`x`): the only way the console stops one.
    async fn cancel(&self, run: &str) -> Vec<Msg> {
        match attach::request(&self.ctx.connect("console"), &Request::Cancel { run: run.to_string() }).await {
            Ok(Response::Done { message } | Response::Error { message, .. }) | Err(message) => {
                notice(message)
            }
            Ok(other) => notice(format!("unexpected answer from the runner: {other:?}")),
        }
    }

    /// Reading the store, the repository or computing DORA runs in the background and reports
    /// back as a message: keys and drawing never wait for it.
    fn read_in_background(&mut self, effect: Effect, app: &mut App) -> Vec<Msg> {
        match effect {
            Effect::LoadRuns if self.client_only.is_some() => return self.runs_from_runner(),
            Effect::LoadAudit if self.client_only.is_some() => return self.audit_from_runner(),
            Effect::LoadDora { service, environment, days } if self.client_only.is_some() => {
                return self.dora_from_runner(service, environment, days);
            }
            Effect::OpenRun { run } => return self.open_run(&run, app),
            Effect::LoadRelease => return self.load_release(),
            _ => {}
        }
        let store = match self.local_store() {
            Ok(s) => s,
            Err(text) => return vec![Msg::Notice { text }],
        };
        match effect {
            Effect::LoadRuns => {
                // As the runner lists them (no plans), so an unchanged list draws nothing.
                self.in_background(move || match attach::stored_runs(&store) {
                    Ok(runs) => Msg::RunsLoaded { runs },
                    Err(e) => Msg::Notice { text: format!("cannot read runs: {e}") },
                })
            }
            Effect::LoadAudit => {
                self.in_background(move || match (store.audit_log(1000), store.verify_audit()) {
                    (Ok(entries), Ok(verdict)) => Msg::AuditLoaded { entries, verdict },
                    (Err(e), _) | (_, Err(e)) => {
                        Msg::Notice { text: format!("cannot read the audit log: {e}") }
                    }
                })
            }
            Effect::LoadCost { month, by } => {
                let cfg = self.ctx.config.cost.clone();
                self.in_background(move || Msg::CostLoaded {
                    report: load_cost(&store, &cfg, month.as_deref(), &by),
                    tags: store.cost_tag_keys().unwrap_or_default(),
                })
            }
            Effect::LoadDora { service, environment, days } => {
                let (config, dir) = (self.ctx.config.clone(), self.ctx.paths.project_dir.clone());
                let tx = self.tx.clone();
                tokio::spawn(async move {
                    let _ = tx.send(load_dora(store, config, dir, service, environment, days).await).await;
                });
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    /// The release plan of the project's repository, in the background.
    fn load_release(&self) -> Vec<Msg> {
        let cfg = self.ctx.config.release.clone();
        let dir = self.ctx.paths.project_dir.clone();
        self.in_background(move || {
            let plan = flightdeck_core::release::plan::view(&dir, &cfg, flightdeck_core::time::now())
                .map(Box::new)
                .map_err(|e| release_error(&dir, &e.to_string()));
            Msg::ReleaseLoaded { plan }
        })
    }

    /// Asks the runner to start a run; the runner builds the plan from its own project.
    async fn launch(
        &mut self,
        workflow: &str,
        environment: &str,
        params: &std::collections::BTreeMap<String, String>,
        dry_run: bool,
    ) -> Result<String, String> {
        let options =
            StartOptions { dry_run, interactive: true, wait_approvals: true, ..StartOptions::default() };
        let req = Request::Start {
            workflow: workflow.to_string(),
            env: Some(environment.to_string()),
            params: params.clone(),
            options,
        };
        let run = attach::started(attach::request(&self.ctx.connect("console"), &req).await)?;
        self.follow(&run);
        Ok(run)
    }

    async fn resume(&mut self, run: &str) -> Result<String, String> {
        let options = StartOptions { interactive: true, wait_approvals: true, ..StartOptions::default() };
        let req = Request::Resume { run: run.to_string(), options };
        let run = attach::started(attach::request(&self.ctx.connect("console"), &req).await)?;
        self.follow(&run);
        Ok(run)
    }

    /// Follows a run in the runner; its events come back as `Msg::Engine`.
    fn follow(&mut self, run: &str) {
        if self.live.get(run).is_some_and(|l| !l.done.is_finished()) {
            return;
        }
        let done = attach::follow(self.ctx.connect("console"), run.to_string(), self.tx.clone());
        self.live.insert(run.to_string(), Live { done });
    }

    fn open_run(&mut self, run: &str, app: &mut App) -> Vec<Msg> {
        if app.views.get(run).is_some_and(|v| v.live) {
            app.push(crate::app::Screen::Run(Box::new(crate::app::RunScreen::for_run(run))));
            return Vec::new();
        }
        // A run the runner executes now: attach, the same live view as the console that started it.
        // A client-only console attaches to every run: the runner replays a finished one's journal.
        let store = match &self.store {
            Some(store) if !store.is_live(run) => store.clone(),
            _ => {
                self.follow(run);
                return vec![Msg::RunLaunched { run: run.to_string() }];
            }
        };
        let run = run.to_string();
        self.in_background(move || {
            let loaded = store.run(&run).and_then(|r| Ok((r, store.steps(&run)?, store.journal(&run)?)));
            match loaded {
                Ok((Some(record), steps, events)) => {
                    let events = attach::with_logs(events, &steps);
                    Msg::RunOpened { run: record, steps, events }
                }
                Ok((None, _, _)) => Msg::Notice { text: format!("no run {run}") },
                Err(e) => Msg::Notice { text: format!("cannot read run {run}: {e}") },
            }
        })
    }

    /// Asks the runner for the runs (client-only mode); they arrive as `Msg::RunsLoaded`.
    pub(super) fn runs_from_runner(&self) -> Vec<Msg> {
        let (connect, tx) = (self.ctx.connect("console"), self.tx.clone());
        tokio::spawn(async move {
            let msg = match attach::request(&connect, &Request::ListRuns { limit: 200 }).await {
                Ok(Response::Runs { runs }) => Msg::RunsLoaded { runs },
                Ok(Response::Error { message, .. }) | Err(message) => {
                    Msg::Notice { text: format!("cannot list runs from the runner: {message}") }
                }
                Ok(other) => Msg::Notice { text: format!("unexpected answer from the runner: {other:?}") },
            };
            let _ = tx.send(msg).await;
        });
        Vec::new()
    }

    /// Runs blocking work off the event loop; its message arrives through the console's channel.
    fn in_background<F>(&self, work: F) -> Vec<Msg>
    where
        F: FnOnce() -> Msg + Send + 'static,
    {
        let tx = self.tx.clone();
        tokio::spawn(async move {
            if let Ok(msg) = tokio::task::spawn_blocking(work).await {
                let _ = tx.send(msg).await;
            }
        });
        Vec::new()
    }

    async fn sandbox(&self, action: &str, environment: &str) -> Vec<Msg> {
        use flightdeck_core::sandbox::client::{LoopbackUrl, post};
        let url = self
            .ctx
            .config
            .environment(environment)
            .ok()
            .and_then(|e| e.vars.get("url").and_then(|v| v.as_str().map(str::to_string)));
        let Some(url) = url else {
            return notice(format!("environment {environment} has no url for a sandbox"));
        };
        let target = match LoopbackUrl::parse(&url) {
            Ok(u) => u.join(&format!("/admin/{action}")),
            Err(e) => return notice(e.to_string()),
        };
        match post(&target, Duration::from_secs(2)).await {
            Ok(r) if r.status < 300 => notice(format!("sandbox {environment}: {action} done ({url})")),
            Ok(r) => notice(format!("sandbox {environment}: HTTP {}", r.status)),
            Err(e) => notice(format!("sandbox {environment} at {url}: {e} (deploy once to start it)")),
        }
    }
}

fn notice(text: String) -> Vec<Msg> {
    vec![Msg::Notice { text }]
}
