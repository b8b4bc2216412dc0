//! `flightdeck load URL --tui`: the console's Load screen drawn live over a headless load test, as
//! oha does. It reads the engine's snapshots from the watch channel five times a second and never
//! touches the workers, so `scripts/bench-load.sh` can measure the cost of watching.

use std::io::IsTerminal;
use std::time::Duration;

use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::app::load::LoadPhase;
use crate::app::{App, Init, Screen};
use crate::msg::Msg;
use crate::theme::{ColorDepth, Theme};
use flightdeck_core::load::Snapshot;

/// Draws `snapshots` until `done` is cancelled; restores the terminal afterwards. `q`, `x`, `esc` or
/// ctrl-c (raw mode swallows SIGINT) cancel the test through `stop`.
pub async fn watch_load(
    mut snapshots: watch::Receiver<Snapshot>,
    url: String,
    stop: CancellationToken,
    done: CancellationToken,
) -> std::io::Result<()> {
    if !std::io::stdout().is_terminal() {
        return Ok(());
    }
    let mut terminal = ratatui::try_init()?;
    let size = terminal.size().map_or((80, 24), |s| (s.width, s.height));
    let mut app = App::new(init(url), size);
    app.push(Screen::Load);
    app.load.phase = LoadPhase::Running;
    let depth = ColorDepth::detect(
        None,
        std::env::var("COLORTERM").ok().as_deref(),
        std::env::var("TERM").ok().as_deref(),
    );
    let theme = Theme::default_theme().degraded(depth);
    let mut frame = tokio::time::interval(Duration::from_millis(200));
    let mut keys = crossterm::event::EventStream::new();
    let result = loop {
        tokio::select! {
            _ = frame.tick() => {}
            Some(Ok(ev)) = futures::StreamExt::next(&mut keys) => {
                if is_stop_key(&ev) {
                    stop.cancel();
                }
                continue;
            }
            () = done.cancelled() => break Ok(()),
        }
        let snapshot = Box::new(snapshots.borrow_and_update().clone());
        let _ = app.update(Msg::LoadProgress { snapshot });
        let _ = app.update(Msg::Tick { now: flightdeck_core::time::now() });
        if let Err(e) = terminal.draw(|f| crate::view::view(&app, &theme, f)) {
            break Err(e);
        }
    };
    ratatui::restore();
    result
}

fn init(url: String) -> Init {
    Init {
        project: "load".into(),
        branch: String::new(),
        operator: flightdeck_core::identity::Operator::current().name,
        environments: Vec::new(),
        default_env: String::new(),
        workflows: Vec::new(),
        runs: Vec::new(),
        now: flightdeck_core::time::now(),
        theme: "default".into(),
        themes: Vec::new(),
        services: Vec::new(),
        dora_days: 90,
        load_url: Some(url),
        env_vars: crate::app::launch::EnvVars::new(),
    }
}

fn is_stop_key(ev: &crossterm::event::Event) -> bool {
    use crossterm::event::{Event, KeyCode, KeyModifiers};
    match ev {
        Event::Key(k) => {
            matches!(k.code, KeyCode::Char('q' | 'x') | KeyCode::Esc)
                || (k.code == KeyCode::Char('c') && k.modifiers.contains(KeyModifiers::CONTROL))
        }
        _ => false,
    }
}
