//! Diana's Backups screen (`:backups`): the recorded database backups, newest first, with their age,
//! size, schema version and whether their last verification (a restore into a scratch copy with
//! row counts and checksums compared) passed: ✓ passed, ✗ failed (or the copy failed), - not
//! verified, … still being taken by the runner.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::App;
use crate::theme::{Role, Theme};
use crate::view::widgets::{ellipsize, notice_panel, panel, row_style, span};
use flightdeck_core::dbtool::catalog::{age, size};
use flightdeck_core::store::BackupRecord;
use flightdeck_core::time::Micros;

/// Draws the Backups screen.
pub fn backups(app: &App, theme: &Theme, frame: &mut Frame, area: Rect) {
    let block = panel("Database backups", theme, true);
    let Some((rows, now)) = &app.backups.rows else {
        notice_panel(frame, area, block, " reading the backups…", theme);
        return;
    };
    if rows.is_empty() {
        let text = " no backups recorded: run the database-backup workflow or `flightdeck db backup`";
        notice_panel(frame, area, block, text, theme);
        return;
    }
    let height = usize::from(area.height.saturating_sub(3));
    let first = app.backups.row.saturating_sub(height.saturating_sub(1));
    let wide = area.width >= 100;
    let rest = usize::from(area.width).saturating_sub(if wide { 62 } else { 36 }).max(10);
    let engine = if wide { format!("{:<9}", "ENGINE") } else { String::new() };
    let file = if wide { format!("{:<16} ", "RUN") } else { String::new() };
    let head = format!(
        " {:<8} {:>9} {:<3} {:<7} {engine}{file}{}",
        "AGE", "SIZE", "OK", "SCHEMA", "DATABASE / FILE"
    );
    let mut lines = vec![Line::from(span(head, theme, Role::Muted))];
    lines.extend(
        rows.iter()
            .enumerate()
            .skip(first)
            .take(height)
            .map(|(i, r)| row(r, *now, i == app.backups.row, wide, rest, theme)),
    );
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

fn row<'a>(
    r: &BackupRecord,
    now: Micros,
    selected: bool,
    wide: bool,
    rest: usize,
    theme: &Theme,
) -> Line<'a> {
    let (mark, role) = match r.verify_ok {
        // A runner is taking it (or died taking it: the next backup marks it failed).
        None if r.state == "taking" => ("…", Role::Muted),
        Some(true) => ("✓", Role::Ok),
        Some(false) => ("✗", Role::Fail),
        None => ("-", Role::Muted),
    };
    let b = &r.backup;
    let engine = if wide { format!("{:<9}", b.engine) } else { String::new() };
    let run =
        if wide { format!("{:<16} ", ellipsize(b.run.as_deref().unwrap_or("-"), 16)) } else { String::new() };
    let file = b.path.rsplit('/').next().unwrap_or(&b.path);
    Line::from(vec![
        Span::styled(
            format!(" {:<8} {:>9} ", age(b.created_at, now), size(b.bytes)),
            row_style(theme, selected),
        ),
        span(format!("{mark:<3}"), theme, role),
        Span::styled(
            format!(
                " {:<7} {engine}{run}{}",
                b.schema_version,
                ellipsize(&format!("{} {file}", b.database), rest)
            ),
            row_style(theme, selected),
        ),
    ])
}
