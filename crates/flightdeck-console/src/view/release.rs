//! Rita's release screen: the current version, the next one with the reason and the commits that
//! drove it, the unreleased commits grouped as the changelog will show them, and its preview.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

use crate::app::App;
use crate::theme::{Role, Theme};
use crate::view::widgets::{ellipsize, panel, span};
use flightdeck_core::release::ReleasePlan;

/// Draws the release screen.
pub fn release(app: &App, theme: &Theme, frame: &mut Frame, area: Rect) {
    let plan = match &app.release {
        None => {
            let p = Paragraph::new(span(" computing the release plan…", theme, Role::Muted));
            return frame.render_widget(p.block(panel("Release", theme, true)), area);
        }
        Some(Err(e)) => {
            let lines = vec![
                Line::from(span(format!(" {e}"), theme, Role::Fail)),
                Line::from(span(
                    " the release screen reads the git repository of the project directory",
                    theme,
                    Role::Muted,
                )),
            ];
            return frame.render_widget(
                Paragraph::new(lines).wrap(Wrap { trim: false }).block(panel("Release", theme, true)),
                area,
            );
        }
        Some(Ok(plan)) => plan,
    };
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(area);
    let lines = summary_lines(plan, theme, usize::from(left.width.saturating_sub(4)));
    let hotfix = if plan.hotfix { " (hotfix)" } else { "" };
    let mut title = format!("Release{hotfix} — {} commit(s)", plan.commits.len());
    if title.chars().count() + 20 <= usize::from(left.width.saturating_sub(4)) {
        title.push_str(" since the last tag");
    }
    frame.render_widget(Paragraph::new(lines).block(panel(&title, theme, true)), left);
    let preview: Vec<Line> = plan
        .changelog
        .lines()
        .map(|l| {
            Line::from(span(l.to_string(), theme, if l.starts_with('#') { Role::Title } else { Role::Text }))
        })
        .collect();
    frame.render_widget(
        Paragraph::new(preview).wrap(Wrap { trim: false }).block(panel("Changelog preview", theme, false)),
        right,
    );
}

fn summary_lines<'a>(plan: &ReleasePlan, theme: &Theme, width: usize) -> Vec<Line<'a>> {
    let current = plan
        .current
        .as_ref()
        .map_or_else(|| "no release yet".to_string(), |c| format!("{} ({})", c.version, c.tag));
    let next = plan.next.as_ref().map_or_else(
        || "nothing to release".to_string(),
        |v| format!("{v} ({})", plan.next_tag.clone().unwrap_or_default()),
    );
    let mut lines = vec![
        Line::from(vec![span("current  ", theme, Role::Muted), span(current, theme, Role::Text)]),
        Line::from(vec![span("next     ", theme, Role::Muted), span(next, theme, Role::Ok)]),
        Line::from(span(ellipsize(&plan.reason, width), theme, Role::Text)),
        Line::default(),
    ];
    if !plan.drivers.is_empty() {
        lines.push(Line::from(span("decided by", theme, Role::Title)));
        for c in plan.drivers.iter().take(5) {
            lines.push(commit_line(&c.short, &c.summary, theme, width));
        }
        lines.push(Line::default());
    }
    for g in &plan.groups {
        let role = if g.title == "Breaking" { Role::Fail } else { Role::Title };
        lines.push(Line::from(span(format!("{} ({})", g.title, g.commits.len()), theme, role)));
        for c in &g.commits {
            let scope = c.scope.as_ref().map(|s| format!("{s}: ")).unwrap_or_default();
            lines.push(commit_line(&c.short, &format!("{scope}{}", c.description), theme, width));
        }
    }
    lines
}

fn commit_line<'a>(short: &str, text: &str, theme: &Theme, width: usize) -> Line<'a> {
    Line::from(vec![
        span(format!("  {short} "), theme, Role::Muted),
        span(ellipsize(text, width.saturating_sub(10)), theme, Role::Text),
    ])
}
