//! Diana's Secrets screen: each configured secret with its provider, current version, when it was
//! last rotated and when it is due by `rotate_every` (overdue in red, unreadable ones with their
//! error). Values are never shown: the rows hold none.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::App;
use crate::theme::{Role, Theme};
use crate::view::widgets::{ellipsize, notice_panel, panel, row_style, safe, span};
use flightdeck_core::secrets::SecretStatus;

/// Draws the Secrets screen.
pub fn secrets(app: &App, theme: &Theme, frame: &mut Frame, area: Rect) {
    let block = panel("Secrets (values are never shown)", theme, true);
    let Some(rows) = &app.secrets.rows else {
        notice_panel(frame, area, block, " reading the secrets…", theme);
        return;
    };
    if rows.is_empty() {
        let text = " no secrets: add [secret_providers.NAME] and [secrets.NAME] to flightdeck.toml";
        notice_panel(frame, area, block, text, theme);
        return;
    }
    let height = usize::from(area.height.saturating_sub(3));
    let first = app.secrets.row.saturating_sub(height.saturating_sub(1));
    let wide = area.width >= 100;
    let rest = usize::from(area.width).saturating_sub(if wide { 72 } else { 63 }).max(10);
    let kind = if wide { format!("{:<8} ", "KIND") } else { String::new() };
    let head = format!(
        " {:<18} {:<10} {kind}{:<10} {:<10} {:<6} {}",
        "SECRET", "PROVIDER", "VERSION", "ROTATED", "EVERY", "DUE"
    );
    let mut lines = vec![Line::from(span(head, theme, Role::Muted))];
    lines.extend(
        rows.iter()
            .enumerate()
            .skip(first)
            .take(height)
            .map(|(i, r)| row(r, i == app.secrets.row, wide, rest, theme)),
    );
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

fn row<'a>(r: &SecretStatus, selected: bool, wide: bool, rest: usize, theme: &Theme) -> Line<'a> {
    let day =
        |s: &Option<String>| s.as_deref().map_or_else(|| "-".to_string(), |t| t.chars().take(10).collect());
    let (due, role) = match (&r.error, r.overdue) {
        (Some(e), _) => (ellipsize(&format!("unreadable: {e}"), rest), Role::Fail),
        (None, true) => (format!("{} overdue", day(&r.due)), Role::Fail),
        (None, false) => (day(&r.due), Role::Ok),
    };
    let kind = if wide { format!("{:<8} ", r.kind) } else { String::new() };
    Line::from(vec![
        Span::styled(
            safe(format!(
                " {:<18} {:<10} {kind}{:<10} {:<10} {:<6} ",
                ellipsize(&r.name, 18),
                ellipsize(&r.provider, 10),
                ellipsize(r.version.as_deref().unwrap_or("-"), 10),
                day(&r.last_rotated),
                r.rotate_every.as_deref().unwrap_or("-"),
            )),
            row_style(theme, selected),
        ),
        span(due, theme, role),
    ])
}
