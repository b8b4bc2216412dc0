//! Drawing: `view(&App, &Theme, &mut Frame)` only draws. Header and footer on every screen, the
//! screen's body between them, overlays on top; below 80x24 a "terminal too small" notice.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

use crate::app::{App, Screen};
use crate::theme::{Role, Theme};

mod alerts;
mod assessment;
mod audit;
mod backups;
mod chrome;
mod cost;
mod dialog;
mod dora;
pub mod health;
mod home;
mod images;
mod incident;
mod launch;
mod load;
mod load_setup;
mod notifications;
mod overlay;
mod profile;
mod release;
mod run;
mod runs;
mod secret_dialog;
mod secrets;
pub mod widgets;

pub use run::selected_step;

/// The smallest terminal the console draws in.
pub const MIN_SIZE: (u16, u16) = (80, 24);

/// Draws the whole console.
pub fn view(app: &App, theme: &Theme, frame: &mut Frame) {
    let area = frame.area();
    if area.width < MIN_SIZE.0 || area.height < MIN_SIZE.1 {
        too_small(theme, frame, area);
        return;
    }
    let banner = u16::from(app.incident.is_some());
    let [header, banner_area, body, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(banner),
        Constraint::Min(1),
        Constraint::Length(1),
    ])
    .areas(area);
    chrome::header(app, theme, frame, header);
    chrome::banner(app, theme, frame, banner_area);
    match app.screen() {
        Screen::Home => home::home(app, theme, frame, body),
        Screen::Persona(p) => home::persona(app, *p, theme, frame, body),
        Screen::Launch(form) => launch::launch(app, form, theme, frame, body),
        Screen::Run(rs) => run::run(app, rs, theme, frame, body),
        Screen::Runs => runs::runs(app, theme, frame, body),
        Screen::Audit => audit::audit(app, theme, frame, body),
        Screen::Notifications => notifications::notifications(app, theme, frame, body),
        Screen::Release => release::release(app, theme, frame, body),
        Screen::Dora => dora::dora(app, theme, frame, body),
        Screen::Health => health::health(app, theme, frame, body),
        Screen::Secrets => secrets::secrets(app, theme, frame, body),
        Screen::Images => images::images(app, theme, frame, body),
        Screen::Incident => incident::incident(app, theme, frame, body),
        Screen::Backups => backups::backups(app, theme, frame, body),
        Screen::Cost => cost::cost(app, theme, frame, body),
        Screen::Load => load::load(app, theme, frame, body),
        Screen::Assessment => assessment::assessment(app, theme, frame, body),
        Screen::Profile => profile::profile(app, theme, frame, body),
    }
    chrome::footer(app, theme, frame, footer);
    overlay::overlays(app, theme, frame, body);
}

/// The log area of the run screen for a terminal of `size`, a run (`None` while it loads: its
/// steps and an ended run's long reason take rows), zoomed or not (shared with the runtime, which
/// reads that many lines from the log file before drawing, and scrolls exactly these rows with a
/// terminal scroll region).
pub fn log_area(size: (u16, u16), view: Option<&crate::app::run_view::RunView>, zoom: bool) -> Rect {
    run::log_area(Rect::new(0, 1, size.0, size.1.saturating_sub(2)), view, zoom)
}

fn too_small(theme: &Theme, frame: &mut Frame, area: Rect) {
    let text = vec![
        Line::styled("terminal too small", theme.style(Role::Warn)),
        Line::styled(
            format!(
                "flightdeck needs {}x{}; this one is {}x{}",
                MIN_SIZE.0, MIN_SIZE.1, area.width, area.height
            ),
            theme.style(Role::Text),
        ),
        Line::styled("enlarge the window (q quits)", theme.style(Role::Muted)),
    ];
    frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), area);
}
