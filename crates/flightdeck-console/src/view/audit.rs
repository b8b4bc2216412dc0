//! The audit log, newest first, with the result of verifying its hash chain.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::App;
use crate::theme::{Role, Theme};
use crate::view::widgets::{ellipsize, panel, row_style, short_time, span};

/// Draws the audit screen.
pub fn audit(app: &App, theme: &Theme, frame: &mut Frame, area: Rect) {
    let Some((entries, verdict)) = &app.audit.entries else {
        frame.render_widget(
            Paragraph::new(span(" loading the audit log…", theme, Role::Muted))
                .block(panel("Audit", theme, true)),
            area,
        );
        return;
    };
    let [status, list] = Layout::vertical([Constraint::Length(1), Constraint::Min(3)]).areas(area);
    let line = if verdict.ok() {
        span(format!(" ✓ chain intact: {} entries verified", verdict.checked), theme, Role::Ok)
    } else {
        span(format!(" ✗ chain BROKEN: {}", verdict.problems.join("; ")), theme, Role::Fail)
    };
    frame.render_widget(Paragraph::new(line), status);
    // What the run and detail column has: the row less its borders, seq, time, actor and action.
    let width = usize::from(list.width.saturating_sub(52));
    let height = usize::from(list.height.saturating_sub(2));
    let first = app.audit.row.saturating_sub(height.saturating_sub(1));
    let lines: Vec<Line> = entries
        .iter()
        .enumerate()
        .skip(first)
        .take(height)
        .map(|(i, e)| {
            let role = if e.action.contains("bypass") || e.action.contains("reject") {
                Role::Warn
            } else {
                Role::Text
            };
            Line::from(vec![
                span(format!("{:>5} {} ", e.seq, short_time(e.at)), theme, Role::Muted),
                span(format!("{:<10}", ellipsize(&e.actor, 10)), theme, Role::Text),
                span(format!("{:<22}", e.action), theme, role),
                Span::styled(
                    crate::view::widgets::safe(ellipsize(
                        &format!("{} {}", e.run.as_deref().unwrap_or("-"), e.detail),
                        width.max(10),
                    )),
                    row_style(theme, i == app.audit.row),
                ),
            ])
        })
        .collect();
    frame.render_widget(Paragraph::new(lines).block(panel("Audit log (newest first)", theme, true)), list);
}
