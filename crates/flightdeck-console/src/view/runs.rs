//! Run history: newest first, filtered with `/`; enter opens a run read-only, R resumes an
//! interrupted one.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::App;
use crate::theme::{Role, Theme};
use crate::view::widgets::{ellipsize, panel, row_style, run_mark, short_time, span};
use flightdeck_core::time::human_duration;

/// Draws the runs screen.
pub fn runs(app: &App, theme: &Theme, frame: &mut Frame, area: Rect) {
    let runs = app.filtered_runs();
    let height = usize::from(area.height.saturating_sub(3));
    let first = app.runs.row.saturating_sub(height.saturating_sub(1));
    // Below 120 columns the run id (which holds the date, time and workflow) replaces the
    // workflow and start columns, so every id stays whole and tells the runs apart.
    let wide = area.width >= 120;
    // The id column fits the longest id shown (ids grow with the workflow's name).
    let room = usize::from(area.width).saturating_sub(3 + 2 + 43);
    let idw = runs.iter().map(|r| r.id.chars().count() + 1).max().unwrap_or(4).clamp(4, room.max(4));
    let header = if wide {
        format!(
            "   {:<14}{:<12}{:<13}{:<10}{:<13}{:>8}  {}",
            "workflow", "environment", "status", "operator", "started", "took", "run"
        )
    } else {
        format!("   {:<idw$}{:<12}{:<13}{:<10}{:>8}", "run", "environment", "status", "operator", "took")
    };
    let mut lines = vec![Line::from(span(header, theme, Role::Muted))];
    for (i, r) in runs.iter().enumerate().skip(first).take(height) {
        let (glyph, role) = run_mark(r.status);
        let took = r.finished_at.map_or_else(|| "…".into(), |f| human_duration(f.millis_since(r.started_at)));
        let text = if wide {
            format!(
                "{:<14}{:<12}{:<13}{:<10}{:<13}{took:>8}  {}",
                ellipsize(&r.workflow, 13),
                ellipsize(&r.environment, 11),
                r.status.as_str(),
                ellipsize(&r.operator, 9),
                short_time(r.started_at),
                r.id
            )
        } else {
            format!(
                "{:<idw$}{:<12}{:<13}{:<10}{took:>8}",
                ellipsize(&r.id, idw.saturating_sub(1)),
                ellipsize(&r.environment, 11),
                r.status.as_str(),
                ellipsize(&r.operator, 9),
            )
        };
        lines.push(Line::from(vec![
            span(format!(" {glyph} "), theme, role),
            Span::styled(crate::view::widgets::safe(text), row_style(theme, i == app.runs.row)),
        ]));
    }
    if runs.is_empty() {
        lines.push(Line::from(span("   no runs match", theme, Role::Muted)));
    }
    let filter = match &app.runs.filter_input {
        Some(input) => format!(" — filter: {}█", input.value()),
        None if !app.runs.filter.is_empty() => format!(" — filter: {}", app.runs.filter),
        None => String::new(),
    };
    let title = format!("Runs ({}){filter}", runs.len());
    frame.render_widget(Paragraph::new(lines).block(panel(&title, theme, true)), area);
}
