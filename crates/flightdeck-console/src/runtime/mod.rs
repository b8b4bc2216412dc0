//! The console's runtime: owns the terminal, the engines and all I/O. It selects over terminal
//! events, engine events and a one-second clock, feeds them to `App::update`, carries out the
//! effects, and draws once when something changed, at most every [`FRAME`], inside a synchronized
//! update. The terminal is restored on quit, on error and on panic (ratatui's panic hook).

use std::collections::HashMap;
use std::io::IsTerminal;
use std::time::Duration;

use crossterm::event::EventStream;
use futures::StreamExt;
use ratatui::DefaultTerminal;
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::app::App;
use crate::logindex::LogIndex;
use crate::msg::{Effect, Msg};
use crate::theme::{ColorDepth, Theme};
use flightdeck_core::error::{Error, exit};
use flightdeck_core::project::Project;
use flightdeck_core::store::Store;
use flightdeck_core::workflow::catalog::Catalog;

mod alerts;
mod assessment;
mod attach;
mod effects;
mod history;
mod incident;
mod init;
mod keys;
mod load;
mod notify;
mod prepare;
mod readers;
mod remote;
mod scroll;

pub use init::git_head;

/// The shortest time between two frames.
pub const FRAME: Duration = Duration::from_millis(50);

/// The shortest time between two frames that only add log lines.
pub const LOG_FRAME: Duration = Duration::from_millis(250);

/// How the console was asked to look.
#[derive(Debug, Clone, Default)]
pub struct ConsoleOptions {
    /// `--theme`.
    pub theme: Option<String>,
    /// `--color`.
    pub color: Option<String>,
}

/// A run this console follows in the runner.
struct Live {
    done: tokio::task::JoinHandle<()>,
}

/// Everything the runtime holds besides the app state.
pub struct Console {
    ctx: Project,
    catalog: Catalog,
    /// The store; `None` in client-only mode, where every screen reads through the runner.
    store: Option<Store>,
    theme: Theme,
    depth: ColorDepth,
    live: HashMap<String, Live>,
    indexes: HashMap<(String, String), LogIndex>,
    tx: mpsc::Sender<Msg>,
    health_cancel: tokio_util::sync::CancellationToken,
    /// The load test this console started: its cancel token and task.
    load: Option<(tokio_util::sync::CancellationToken, tokio::task::JoinHandle<()>)>,
    /// The log pane's scroll-region state.
    scroll: scroll::LogScroll,
    /// Set when this console cannot read the store (a shared bastion: the store belongs to the
    /// runner's user and operators reach it only through the socket): why. Runs, history and every
    /// screen's data then come from the runner; this console opens no store at all, its monitors'
    /// transitions are shown but not stored, and its load tests are not saved.
    client_only: Option<String>,
}

/// The store, or in client-only mode none and the reason.
fn open_store(ctx: &Project) -> Result<(Option<Store>, Option<String>), Error> {
    let e = match ctx.store() {
        Ok(store) => return Ok((Some(store), None)),
        Err(e) => e,
    };
    let socket = ctx.paths.data_dir.join(flightdeck_core::runner::SOCKET_FILE);
    match socket.try_exists() {
        Ok(true) => {}
        Ok(false) => return Err(e),
        // A data directory this user may not even search: the runner's, and this user is not let in.
        Err(_) => {
            let refused = flightdeck_core::runner::client::ClientError::NotAllowed { path: socket };
            return Err(Error::Precondition(refused.to_string()));
        }
    }
    let owner = ctx.runner_owns_store().unwrap_or_else(|| "the runner's user".into());
    let why = format!(
        "client-only console: the store belongs to {owner}; every screen reads through {}; \
         resending a notification and setting an assessment item need {owner}, and this console's \
         monitor transitions and load tests are not stored",
        socket.display()
    );
    Ok((None, Some(why)))
}

/// Opens the console; returns the exit code.
pub async fn run(ctx: &Project, opts: ConsoleOptions) -> Result<i32, Error> {
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        return Err(Error::Invalid(
            "the console needs a terminal; for scripts use the subcommands (flightdeck --help)".into(),
        ));
    }
    ctx.shutdown.handle();
    let catalog = ctx.catalog()?;
    let (store, client_only) = open_store(ctx)?;
    let (theme, depth) = init::theme(ctx, &opts)?;
    let (tx, rx) = mpsc::channel(4096);
    let mut console = Console {
        ctx: ctx.clone(),
        catalog,
        store,
        theme,
        depth,
        live: HashMap::new(),
        indexes: HashMap::new(),
        tx,
        health_cancel: tokio_util::sync::CancellationToken::new(),
        load: None,
        scroll: scroll::LogScroll::default(),
        client_only,
    };
    let mut terminal = ratatui::try_init().map_err(|e| Error::io("cannot set up the terminal", e))?;
    let size = terminal.size().map_or((80, 24), |s| (s.width, s.height));
    let app = App::new(init::init(&console, console.theme.name.clone()), size);
    let days = app.dora.view.days;
    // The Home summary fills in once the metrics are computed, after the first frame.
    let (tx, store, config, dir) =
        (console.tx.clone(), console.store.clone(), ctx.config.clone(), ctx.paths.project_dir.clone());
    // Draw at once, fill in later: the metrics and the monitors start after the first frame.
    let settle = Duration::from_millis(150);
    if let Some(why) = console.client_only.clone() {
        // Runs, the audit log and DORA come from the runner; say once what is not stored.
        console.runs_from_runner();
        console.dora_from_runner(None, None, days);
        console.alerts_from_runner();
        let _ = console.tx.try_send(Msg::Notice { text: why });
    } else if let Some(store) = store {
        tokio::spawn(async move {
            tokio::time::sleep(settle).await;
            let _ = tx.send(readers::load_dora(store, config, dir, None, None, days).await).await;
        });
    }
    let env = ctx.config.default_env().to_string();
    console.start_health(&env, settle);
    console.listen_alerts().await;
    let result = console.event_loop(&mut terminal, app, rx).await;
    let _ = crossterm::execute!(std::io::stdout(), crossterm::event::DisableMouseCapture);
    ratatui::restore();
    result.map(|()| exit::OK)
}

impl Console {
    async fn event_loop(
        &mut self,
        terminal: &mut DefaultTerminal,
        mut app: App,
        mut rx: mpsc::Receiver<Msg>,
    ) -> Result<(), Error> {
        let mut term_events = EventStream::new();
        // The first tick comes a second after the first frame, so start-up draws once.
        let mut clock =
            tokio::time::interval_at(Instant::now() + Duration::from_secs(1), Duration::from_secs(1));
        let mut only_clock = false;
        let mut only_log = false;
        let mut dirty = true;
        // SIGTERM/SIGHUP (the SSH link went away) end the console as `q` does.
        let stop = self.ctx.shutdown.clone();
        let mut last_draw = Instant::now().checked_sub(FRAME).unwrap_or_else(Instant::now);
        loop {
            // Log lines alone draw at most every LOG_FRAME: two lines per frame cost less than two
            // frames over SSH; a key still draws within FRAME.
            let frame = if only_log { LOG_FRAME } else { FRAME };
            if dirty && last_draw.elapsed() >= frame {
                // A clock tick or a scrolled log changes a few cells: skip the synchronized-update
                // wrapper (16 bytes).
                self.draw(terminal, &mut app, !only_clock && !only_log)?;
                only_clock = false;
                only_log = false;
                dirty = false;
                last_draw = Instant::now();
            }
            let mut wait =
                if dirty { frame.saturating_sub(last_draw.elapsed()) } else { Duration::from_secs(3600) };
            // A dialog's grace period ends: wake to redraw it without the "keys ignored" line.
            let wake = app.wake_at().map(|at| {
                Duration::from_millis(
                    u64::try_from(at.millis_since(flightdeck_core::time::now())).unwrap_or(0),
                )
            });
            if let Some(w) = wake {
                wait = wait.min(w);
            }
            let msgs = tokio::select! {
                ev = term_events.next() => match ev {
                    Some(Ok(ev)) => keys::convert(&ev).into_iter().collect(),
                    Some(Err(e)) => return Err(Error::io("reading the terminal", e)),
                    None => return Ok(()),
                },
                Some(first) = rx.recv() => drain(first, &mut rx),
                _ = clock.tick() => vec![Msg::Tick { now: flightdeck_core::time::now() }],
                () = tokio::time::sleep(wait) => match wake {
                    Some(w) if w <= wait => vec![Msg::Tick { now: flightdeck_core::time::now() }],
                    _ => Vec::new(),
                },
                _ = stop.wait() => {
                    self.shutdown();
                    return Ok(());
                }
            };
            // Dialogs measure their grace period with the time messages arrive (update reads no clock).
            let _ = app.update(Msg::Clock { now: flightdeck_core::time::now() });
            if !msgs.is_empty() {
                only_clock = (!dirty || only_clock) && msgs.iter().all(|m| matches!(m, Msg::Tick { .. }));
                only_log = (!dirty || only_log) && msgs.iter().all(is_log_or_clock);
            }
            for msg in msgs {
                match self.apply(&mut app, msg).await {
                    Some(changed) => dirty |= changed,
                    None => return Ok(()),
                }
            }
        }
    }

    /// Applies one message and carries out its effects; returns whether the screen may have
    /// changed, or `None` to quit.
    async fn apply(&mut self, app: &mut App, msg: Msg) -> Option<bool> {
        // Unchanged data costs no frame (over SSH even an empty frame costs bytes).
        let quiet = match &msg {
            Msg::HealthSnapshot { snapshot } => !app.health_change_visible(snapshot),
            Msg::RunsLoaded { runs } => runs == &app.recent,
            Msg::IncidentLoaded { open } => open == &app.incident,
            Msg::IncidentTimelineLoaded { timeline } => {
                app.incident_screen.timeline.as_ref().map(|t| t.as_ref().map_err(String::as_str))
                    == Some(timeline.as_ref().map(AsRef::as_ref).map_err(String::as_str))
            }
            _ => false,
        };
        let mut effects = app.update(msg);
        while let Some(effect) = (!effects.is_empty()).then(|| effects.remove(0)) {
            if effect == Effect::Quit {
                self.shutdown();
                return None;
            }
            for reply in self.effect(effect, app).await {
                effects.extend(app.update(reply));
            }
        }
        Some(!quiet)
    }

    fn draw(
        &mut self,
        terminal: &mut DefaultTerminal,
        app: &mut App,
        synchronized: bool,
    ) -> Result<(), Error> {
        self.prepare(app);
        let theme = &self.theme;
        if synchronized {
            crossterm::queue!(std::io::stdout(), crossterm::terminal::BeginSynchronizedUpdate)
                .map_err(|e| Error::io("drawing", e))?;
        }
        self.scroll.draw(app, theme, terminal).map_err(|e| Error::io("drawing", e))?;
        if synchronized {
            crossterm::execute!(std::io::stdout(), crossterm::terminal::EndSynchronizedUpdate)
                .map_err(|e| Error::io("drawing", e))?;
        }
        Ok(())
    }

    /// Runs the default environment's monitors in the background for the whole session; their
    /// snapshots arrive as `Msg::HealthSnapshot`.
    fn start_health(&mut self, env: &str, delay: Duration) {
        // A client-only console's transitions are shown, not stored: only the runner's user writes
        // the runner's store (`flightdeck health` as that user, or its own console, stores them).
        let plan = match flightdeck_core::health::plan_for(&self.ctx.config, env, self.store.clone()) {
            Ok(p) => p,
            Err(e) => {
                let _ = self.tx.try_send(Msg::Notice { text: format!("health: {e}") });
                return;
            }
        };
        let cancel = self.health_cancel.clone();
        let tx = self.tx.clone();
        let store = self.store.clone();
        tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            let (mut snaps, mut events, _done) = flightdeck_core::health::spawn(plan, cancel);
            loop {
                tokio::select! {
                    changed = snaps.changed() => {
                        if changed.is_err() {
                            break;
                        }
                        let snapshot = Box::new(snaps.borrow_and_update().clone());
                        if tx.send(Msg::HealthSnapshot { snapshot }).await.is_err() {
                            break;
                        }
                        // Alerts `flightdeck alerts listen` stored, shown under the monitors (a
                        // client-only console reads them through the runner: `alerts_from_runner`).
                        if let Some(Ok(alerts)) = store.as_ref().map(|s| s.alerts(8)) {
                            let _ = tx.send(Msg::AlertsLoaded { alerts }).await;
                        }
                    }
                    // Transitions are already in the store; keep the channel drained.
                    Some(_) = events.recv() => {}
                }
            }
        });
    }

    /// The store, or (client-only mode, where every read goes through the runner first and this is
    /// only a fallback) a notice saying there is none.
    fn local_store(&self) -> Result<Store, String> {
        self.store.clone().ok_or_else(|| self.client_only.clone().unwrap_or_else(|| "no store".into()))
    }

    /// The directory of a run's step logs (`DATA_DIR/logs/RUN`, as the store names it).
    fn log_dir(&self, run: &str) -> std::path::PathBuf {
        self.ctx.paths.data_dir.join("logs").join(run)
    }

    /// Detaches from the runs this console follows (they go on in the runner) and stops its own
    /// background work.
    fn shutdown(&mut self) {
        self.health_cancel.cancel();
        if let Some((cancel, _)) = &self.load {
            cancel.cancel();
        }
        for (_, live) in self.live.drain() {
            live.done.abort();
        }
    }
}

/// A log line, a step's progress or the clock: what a streaming run view mostly receives.
fn is_log_or_clock(m: &Msg) -> bool {
    use flightdeck_core::engine::event::EventKind;
    match m {
        Msg::Tick { .. } | Msg::Clock { .. } => true,
        Msg::Engine(e) => matches!(e.kind, EventKind::StepLog { .. } | EventKind::StepProgress { .. }),
        _ => false,
    }
}

/// The first message and everything else already queued (bounded), so a burst draws once.
fn drain(first: Msg, rx: &mut mpsc::Receiver<Msg>) -> Vec<Msg> {
    let mut out = vec![first];
    while out.len() < 2048 {
        match rx.try_recv() {
            Ok(m) => out.push(m),
            Err(_) => break,
        }
    }
    out
}
