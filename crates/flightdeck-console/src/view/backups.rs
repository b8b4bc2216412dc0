//! Diana's Backups screen (`:backups`): the recorded database backups, newest first, with their age,
//! size, schema version and whether their last verification (a restore into a scratch copy with
//! row counts and checksums compared) passed: ✓ passed, ✗ failed (or the copy failed), - not
//! verified, … still being taken by the runner. A row that is not a complete backup says so in
//! its schema column (`taking`, `interrupted`: the runner stopped mid-copy, `failed`), the legend
//! under the list says what each means, and the selected row's error is shown when it has one.

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
    let notes = legend(rows, app.backups.row, theme, usize::from(area.width).saturating_sub(4));
    let height = usize::from(area.height.saturating_sub(3)).saturating_sub(notes.len());
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
    if !notes.is_empty() {
        let used = lines.len();
        lines.extend((used..=height).map(|_| Line::from("")));
        lines.extend(notes);
    }
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

/// What the states on screen mean, and why the selected row failed (when it did).
fn legend<'a>(rows: &[BackupRecord], selected: usize, theme: &Theme, width: usize) -> Vec<Line<'a>> {
    let has = |state: &str| rows.iter().any(|r| r.state == state);
    let mut notes = Vec::new();
    if has("taking") {
        notes.push((Role::Muted, "… taking: being copied; if its runner stopped, the next backup fails it"));
    }
    if has("interrupted") {
        notes.push((Role::Warn, "! interrupted: its runner stopped mid-copy; the next backup fails it"));
    }
    if has("failed") {
        notes.push((Role::Fail, "✗ failed: the copy did not complete; its file was removed"));
    }
    if rows.iter().any(|r| r.state == "done" && r.verify_ok == Some(false)) {
        notes.push((Role::Fail, "✗ on a done backup: its restore into a scratch copy did not match"));
    }
    let mut lines: Vec<Line<'a>> = notes
        .into_iter()
        .map(|(role, text)| Line::from(span(format!(" {}", ellipsize(text, width)), theme, role)))
        .collect();
    let why = rows.get(selected).and_then(|r| {
        let error = r.verify_result.as_ref()?.get("error")?.as_str()?;
        Some(format!(" backup {}: {}", r.id, flightdeck_core::sanitize::one_line(error)))
    });
    if let Some(why) = why {
        lines.push(Line::from(span(ellipsize(&why, width + 1), theme, Role::Text)));
    }
    lines
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
        // A runner is taking it (or, as the runner tells, died taking it).
        None if r.state == "taking" => ("…", Role::Muted),
        None if r.state == "interrupted" => ("!", Role::Warn),
        Some(true) => ("✓", Role::Ok),
        Some(false) => ("✗", Role::Fail),
        None => ("-", Role::Muted),
    };
    // Not a complete backup: its state stands where its schema version would (it has none).
    let schema = if r.state == "done" { r.backup.schema_version.clone() } else { r.state.clone() };
    let rest = rest.saturating_sub(schema.chars().count().saturating_sub(7));
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
            format!(" {schema:<7} {engine}{run}{}", ellipsize(&format!("{} {file}", b.database), rest)),
            row_style(theme, selected),
        ),
    ])
}
