//! Carrying out the console's effects: starting and resuming runs, sending decisions, cancelling,
//! loading runs and the audit log, sandbox switches, theme and mouse. Each returns the messages
//! that report its result.

use std::time::Duration;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::engine::{self, RunSpec};
use crate::identity::Operator;
use crate::store::RunFilter;
use crate::tui::app::App;
use crate::tui::msg::{Effect, Msg};
use crate::tui::runtime::{Console, Live};
use crate::tui::theme::Theme;
use crate::workflow::plan::{self, Mode, PlanRequest, RunOptions};

impl Console {
    fn load_audit(&self) -> Vec<Msg> {
        match (self.store.audit_log(1000), self.store.verify_audit()) {
            (Ok(entries), Ok(verdict)) => vec![Msg::AuditLoaded { entries, verdict }],
            (Err(e), _) | (_, Err(e)) => notice(format!("cannot read the audit log: {e}")),
        }
    }

    pub(super) async fn effect(&mut self, effect: Effect, app: &mut App) -> Vec<Msg> {
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
            Effect::Decide { run, decision } => self.decide(&run, decision).await,
            Effect::Cancel { run } => {
                if let Some(l) = self.live.get(&run) {
                    l.cancel.cancel();
                }
                Vec::new()
            }
            Effect::LoadRuns => match self.store.runs(&RunFilter { limit: 200, ..RunFilter::default() }) {
                Ok(runs) => vec![Msg::RunsLoaded { runs }],
                Err(e) => notice(format!("cannot read runs: {e}")),
            },
            Effect::OpenRun { run } => self.open_run(&run, app),
            Effect::LoadAudit => self.load_audit(),
            e @ (Effect::LoadNotifications
            | Effect::LoadNotificationAttempts { .. }
            | Effect::ResendNotification { .. }) => self.notify_effect(e).await,
            Effect::LoadRelease => {
                let cfg = self.ctx.config.release.clone();
                let dir = self.ctx.paths.project_dir.clone();
                let plan = tokio::task::spawn_blocking(move || {
                    crate::release::plan::view(&dir, &cfg, crate::time::now())
                })
                .await
                .map_err(|e| e.to_string())
                .and_then(|r| r.map(Box::new).map_err(|e| e.to_string()));
                vec![Msg::ReleaseLoaded { plan }]
            }
            Effect::LoadDora { service, environment, days } => {
                let (store, config, dir) =
                    (self.store.clone(), self.ctx.config.clone(), self.ctx.paths.project_dir.clone());
                vec![load_dora(store, config, dir, service, environment, days).await]
            }
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
            Effect::SetMouse { on } => set_mouse(on),
            Effect::Quit => Vec::new(),
        }
    }

    async fn decide(&self, run: &str, decision: crate::engine::Decision) -> Vec<Msg> {
        let sent = match self.live.get(run) {
            Some(l) => l.decisions.send(decision).await.is_ok(),
            None => false,
        };
        if sent {
            Vec::new()
        } else {
            notice(format!("run {run} is not driven by this console: use `flightdeck approve {run}`"))
        }
    }

    async fn launch(
        &mut self,
        workflow: &str,
        environment: &str,
        params: &std::collections::BTreeMap<String, String>,
        dry_run: bool,
    ) -> Result<String, String> {
        let wf = self.catalog.workflow(workflow)?;
        let env = self.ctx.config.environment(environment)?;
        let mode = if dry_run { Mode::DryRun } else { Mode::Interactive };
        let options =
            RunOptions { mode, yes: false, interactive: true, wait_approvals: true, emergency_reason: None };
        let req = PlanRequest {
            workflow: wf,
            environment: env,
            params,
            options,
            project_dir: self.ctx.paths.project_dir.clone(),
            data_dir: self.ctx.paths.data_dir.clone(),
        };
        let plan = plan::build(req, &self.catalog).map_err(|e| e.to_string())?;
        let spec = engine::prepare_run(plan, &self.store, Operator::current(), Ctx::flightdeck_bin())
            .await
            .map_err(|e| e.to_string())?;
        Ok(self.spawn(spec))
    }

    async fn resume(&mut self, run: &str) -> Result<String, String> {
        let options = RunOptions { interactive: true, wait_approvals: true, ..RunOptions::default() };
        let (spec, _) =
            engine::prepare_resume(&self.store, run, Operator::current(), Ctx::flightdeck_bin(), options)
                .await
                .map_err(|e| e.to_string())?;
        Ok(self.spawn(spec))
    }

    /// Starts the engine for a prepared run; its events come back as `Msg::Engine`.
    fn spawn(&mut self, spec: RunSpec) -> String {
        let run = spec.run_id.clone();
        let (etx, mut erx) = mpsc::channel(1024);
        let (dtx, drx) = mpsc::channel(16);
        let cancel = CancellationToken::new();
        let tx = self.tx.clone();
        tokio::spawn(async move {
            while let Some(e) = erx.recv().await {
                if tx.send(Msg::Engine(e)).await.is_err() {
                    break;
                }
            }
        });
        let tx = self.tx.clone();
        let token = cancel.clone();
        let done = tokio::spawn(async move {
            if let Err(e) = engine::run(spec, etx, drx, token).await {
                let _ = tx
                    .send(Msg::Notice {
                        text: format!("the run stopped: {e}; `flightdeck resume` continues it"),
                    })
                    .await;
            }
        });
        self.live.insert(run.clone(), Live { decisions: dtx, cancel, done });
        run
    }

    fn open_run(&mut self, run: &str, app: &mut App) -> Vec<Msg> {
        if app.views.get(run).is_some_and(|v| v.live) {
            app.push(crate::tui::app::Screen::Run(Box::new(crate::tui::app::RunScreen::for_run(run))));
            return Vec::new();
        }
        let loaded =
            self.store.run(run).and_then(|r| Ok((r, self.store.steps(run)?, self.store.journal(run)?)));
        match loaded {
            Ok((Some(record), steps, events)) => vec![Msg::RunOpened { run: record, steps, events }],
            Ok((None, _, _)) => notice(format!("no run {run}")),
            Err(e) => notice(format!("cannot read run {run}: {e}")),
        }
    }

    async fn sandbox(&self, action: &str, environment: &str) -> Vec<Msg> {
        use crate::sandbox::client::{LoopbackUrl, post};
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

use crate::project::Project as Ctx;

fn notice(text: String) -> Vec<Msg> {
    vec![Msg::Notice { text }]
}

fn set_mouse(on: bool) -> Vec<Msg> {
    let r = if on {
        crossterm::execute!(std::io::stdout(), crossterm::event::EnableMouseCapture)
    } else {
        crossterm::execute!(std::io::stdout(), crossterm::event::DisableMouseCapture)
    };
    notice(match r {
        Ok(()) => format!("mouse capture {}", if on { "on (shift+drag selects text)" } else { "off" }),
        Err(e) => format!("mouse: {e}"),
    })
}

/// Computes the DORA dashboard off the async threads.
pub(super) async fn load_dora(
    store: crate::store::Store,
    config: crate::config::Config,
    dir: std::path::PathBuf,
    service: Option<String>,
    environment: Option<String>,
    days: i64,
) -> Msg {
    let result = tokio::task::spawn_blocking(move || {
        let now = crate::time::now();
        let tz =
            crate::dora::window::time_zone(config.dora.time_zone.as_deref()).map_err(|e| e.to_string())?;
        let window = crate::dora::Window::last_days(now, days, tz).map_err(|e| e.to_string())?;
        let query = crate::dora::DashboardQuery { service, environment, window };
        crate::dora::compute_dashboard(&store, &config, &dir, &query, now)
            .map(Box::new)
            .map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| e.to_string())
    .and_then(|r| r);
    Msg::DoraLoaded { dashboard: result }
}
