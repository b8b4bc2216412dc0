//! The Incident screen: the merged timeline of one incident (time, source, text), filtered by
//! source, with the selected row's run openable and a note line while one is typed. Every text
//! shown comes from the store or other people and is sanitized.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::App;
use crate::theme::{Role, Theme};
use crate::view::widgets::{ellipsize, notice_panel, panel, row_style, short_time, span};
use flightdeck_core::incident::timeline::Source;
use flightdeck_core::sanitize::one_line;

/// Draws the Incident screen.
pub fn incident(app: &App, theme: &Theme, frame: &mut Frame, area: Rect) {
    let s = &app.incident_screen;
    let timeline = match &s.timeline {
        None => return message(" reading the incident…", "Incident", theme, frame, area),
        Some(Err(e)) => return message(&format!(" {}", one_line(e)), "Incident", theme, frame, area),
        Some(Ok(t)) => t,
    };
    let filter = s.source.map_or("all sources", Source::as_str);
    let title = format!("{} · {} ({filter})", timeline.id, one_line(&timeline.heading));
    let block = panel(&title, theme, true);
    let shown = s.shown();
    let width = usize::from(area.width.saturating_sub(2));
    let note_rows = usize::from(s.note.is_some());
    let height = usize::from(area.height.saturating_sub(2)).saturating_sub(note_rows).max(1);
    let first = s.row.saturating_sub(height.saturating_sub(1));
    let mut lines: Vec<Line> = Vec::new();
    if shown.is_empty() {
        lines.push(Line::from(span(" nothing from this source yet (s: next source)", theme, Role::Muted)));
    }
    for (i, e) in shown.iter().enumerate().skip(first).take(height) {
        let text = format!(
            " {}  {:<8} {}{}",
            short_time(e.at),
            e.source.as_str(),
            one_line(&e.text),
            if e.run.is_some() { "  ↵" } else { "" }
        );
        lines.push(Line::from(Span::styled(ellipsize(&text, width), row_style(theme, i == s.row))));
    }
    if let Some(input) = &s.note {
        let text = format!(" note: {}▏ (enter adds it, esc drops it)", input.value());
        lines.push(Line::from(span(ellipsize(&text, width), theme, Role::Key)));
    }
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

fn message(text: &str, title: &str, theme: &Theme, frame: &mut Frame, area: Rect) {
    let block = panel(title, theme, true);
    notice_panel(frame, area, block, text.to_string(), theme);
}
