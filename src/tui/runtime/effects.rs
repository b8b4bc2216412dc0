//! Carrying out the console's effects: starting and resuming runs, sending decisions, cancelling,
//! loading runs and the audit log, sandbox switches and theme. Each returns the messages
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
            e @ (Effect::LoadRuns
            | Effect::OpenRun { .. }
            | Effect::LoadAudit
            | Effect::LoadRelease
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

    /// Reading the store, the repository or computing DORA runs in the background and reports
    /// back as a message: keys and drawing never wait for it.
    fn read_in_background(&mut self, effect: Effect, app: &mut App) -> Vec<Msg> {
        match effect {
            Effect::LoadRuns => {
                let store = self.store.clone();
                self.in_background(move || {
                    match store.runs(&RunFilter { limit: 200, ..RunFilter::default() }) {
                        Ok(runs) => Msg::RunsLoaded { runs },
                        Err(e) => Msg::Notice { text: format!("cannot read runs: {e}") },
                    }
                })
            }
            Effect::OpenRun { run } => self.open_run(&run, app),
            Effect::LoadAudit => {
                let store = self.store.clone();
                self.in_background(move || match (store.audit_log(1000), store.verify_audit()) {
                    (Ok(entries), Ok(verdict)) => Msg::AuditLoaded { entries, verdict },
                    (Err(e), _) | (_, Err(e)) => {
                        Msg::Notice { text: format!("cannot read the audit log: {e}") }
                    }
                })
            }
            Effect::LoadRelease => {
                let cfg = self.ctx.config.release.clone();
                let dir = self.ctx.paths.project_dir.clone();
                self.in_background(move || {
                    let plan = crate::release::plan::view(&dir, &cfg, crate::time::now())
                        .map(Box::new)
                        .map_err(|e| release_error(&dir, &e.to_string()));
                    Msg::ReleaseLoaded { plan }
                })
            }
            Effect::LoadDora { service, environment, days } => {
                let (store, config, dir) =
                    (self.store.clone(), self.ctx.config.clone(), self.ctx.paths.project_dir.clone());
                let tx = self.tx.clone();
                tokio::spawn(async move {
                    let _ = tx.send(load_dora(store, config, dir, service, environment, days).await).await;
                });
                Vec::new()
            }
            _ => Vec::new(),
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
        let (store, run) = (self.store.clone(), run.to_string());
        self.in_background(move || {
            let loaded = store.run(&run).and_then(|r| Ok((r, store.steps(&run)?, store.journal(&run)?)));
            match loaded {
                Ok((Some(record), steps, events)) => Msg::RunOpened { run: record, steps, events },
                Ok((None, _, _)) => Msg::Notice { text: format!("no run {run}") },
                Err(e) => Msg::Notice { text: format!("cannot read run {run}: {e}") },
            }
        })
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

use crate::headless::Ctx;

/// The release screen's error: a project that is not a git repository is said so, with what to do.
fn release_error(dir: &std::path::Path, err: &str) -> String {
    if !dir.join(".git").exists()
        && (err.contains("repository") || err.contains("libgit2") || err.contains("git"))
    {
        return format!(
            "{} is not a git repository: releases are cut from git history and tags (run `git init`, commit, then come back)",
            dir.display()
        );
    }
    err.to_string()
}

/// Standard base64 (RFC 4648, with padding), for OSC 52.
fn base64(data: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [chunk[0], chunk.get(1).copied().unwrap_or(0), chunk.get(2).copied().unwrap_or(0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ABC[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn notice(text: String) -> Vec<Msg> {
    vec![Msg::Notice { text }]
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

#[cfg(test)]
mod tests {
    #[test]
    fn base64_matches_rfc_4648() {
        assert_eq!(super::base64(b""), "");
        assert_eq!(super::base64(b"f"), "Zg==");
        assert_eq!(super::base64(b"fo"), "Zm8=");
        assert_eq!(super::base64(b"foo"), "Zm9v");
        assert_eq!(super::base64(b"foobar"), "Zm9vYmFy");
    }
}
