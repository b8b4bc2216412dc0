//! Notification deliveries, newest first: event, channel, state, attempts, next retry and last
//! error; `enter` shows the selected delivery's attempts below the list. Channel URLs are never
//! shown (the store does not keep them).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::App;
use crate::theme::{Role, Theme};
use crate::view::widgets::{ellipsize, panel, row_style, safe, short_time, span};
use flightdeck_core::store::notify::{AttemptRecord, NotificationRecord};

/// Draws the Notifications screen.
pub fn notifications(app: &App, theme: &Theme, frame: &mut Frame, area: Rect) {
    let Some(rows) = &app.notifications.rows else {
        frame.render_widget(
            Paragraph::new(span(" loading notifications…", theme, Role::Muted)).block(panel(
                "Notifications",
                theme,
                true,
            )),
            area,
        );
        return;
    };
    let (list, detail) = match &app.notifications.attempts {
        Some(a) => {
            let h = u16::try_from(a.1.len() + 2).unwrap_or(u16::MAX).clamp(3, area.height / 2);
            let [l, d] = Layout::vertical([Constraint::Min(3), Constraint::Length(h)]).areas(area);
            (l, Some((d, a)))
        }
        None => (area, None),
    };
    let height = usize::from(list.height.saturating_sub(2));
    let first = app.notifications.row.saturating_sub(height.saturating_sub(1));
    let width = usize::from(list.width.saturating_sub(2));
    let lines: Vec<Line> = if rows.is_empty() {
        vec![Line::from(span(
            " no notifications yet: routes in [notify] of flightdeck.toml send them",
            theme,
            Role::Muted,
        ))]
    } else {
        rows.iter()
            .enumerate()
            .skip(first)
            .take(height)
            .map(|(i, r)| row(r, i == app.notifications.row, width, theme))
            .collect()
    };
    frame
        .render_widget(Paragraph::new(lines).block(panel("Notifications (newest first)", theme, true)), list);
    if let Some((d, (id, attempts))) = detail {
        let lines: Vec<Line> =
            attempts.iter().map(|a| attempt(a, usize::from(d.width.saturating_sub(2)), theme)).collect();
        frame
            .render_widget(Paragraph::new(lines).block(panel(&format!("Attempts of #{id}"), theme, true)), d);
    }
}

fn row<'a>(r: &NotificationRecord, selected: bool, width: usize, theme: &Theme) -> Line<'a> {
    let (mark, role) = match r.state.as_str() {
        "delivered" => ("✓", Role::Ok),
        "failed" => ("✗", Role::Fail),
        _ => ("…", Role::Pending),
    };
    let what = match r.state.as_str() {
        "pending" => format!("next {}  {}", short_time(r.next_at), r.last_error.as_deref().unwrap_or("")),
        "failed" => r.last_error.clone().unwrap_or_default(),
        _ => r.subject.clone(),
    };
    let head = format!(" {:>4} {} ", r.id, short_time(r.created_at));
    let rest = width.saturating_sub(head.chars().count() + 2 + 17 + 11 + 4);
    Line::from(vec![
        span(head, theme, Role::Muted),
        span(format!("{mark} "), theme, role),
        span(format!("{:<17}", ellipsize(&r.event, 17)), theme, Role::Text),
        span(format!("{:<11}", ellipsize(&r.channel, 10)), theme, Role::Accent),
        span(format!("{:>2}× ", r.attempts), theme, Role::Muted),
        // A subject or a remote server's error is untrusted: control characters are made visible.
        Span::styled(ellipsize(&safe(what.as_str()), rest.max(8)), row_style(theme, selected)),
    ])
}

fn attempt<'a>(a: &AttemptRecord, width: usize, theme: &Theme) -> Line<'a> {
    let (text, role) = match (&a.reply, &a.error) {
        (Some(r), _) => (r.clone(), Role::Ok),
        (None, Some(e)) => (e.clone(), Role::Fail),
        (None, None) => (String::new(), Role::Muted),
    };
    Line::from(vec![
        span(format!(" {} {:>6} ms  ", short_time(a.at), a.duration_ms), theme, Role::Muted),
        span(ellipsize(&text, width.saturating_sub(22).max(8)), theme, role),
    ])
}
