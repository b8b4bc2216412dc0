//! The DORA screen: five metric cards (value, survey band, dated 2024 cluster, trend against the
//! previous window, weekly sparkline), weekly deployments, and the deployments of the window with
//! the commits each shipped and their lead times.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::app::App;
use crate::theme::{Role, Theme};
use crate::view::widgets::{ellipsize, panel, row_style, short_time, span};
use flightdeck_core::dora::cards::{Card, TrendDirection};
use flightdeck_core::dora::{Dashboard, DeploymentRow};
use flightdeck_core::time::human_duration;

/// Draws the DORA screen.
pub fn dora(app: &App, theme: &Theme, frame: &mut Frame, area: Rect) {
    let d = match &app.dora.dashboard {
        None => {
            return frame.render_widget(
                Paragraph::new(span(" computing the metrics…", theme, Role::Muted))
                    .block(panel("DORA", theme, true)),
                area,
            );
        }
        Some(Err(e)) => {
            return frame.render_widget(
                Paragraph::new(span(format!(" {e}"), theme, Role::Fail))
                    .wrap(Wrap { trim: false })
                    .block(panel("DORA", theme, true)),
                area,
            );
        }
        Some(Ok(d)) => d,
    };
    let weekly_h = if area.height >= 40 { 5 } else { 0 };
    let [info, cards, weekly, table] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(7),
        Constraint::Length(weekly_h),
        Constraint::Min(4),
    ])
    .areas(area);
    info_line(d, theme, frame, info);
    let cols = Layout::horizontal([Constraint::Ratio(1, 5); 5]).split(cards);
    for (i, card) in d.metrics.iter().take(5).enumerate() {
        draw_card(card, theme, frame, cols[i]);
    }
    if weekly_h > 0 {
        weekly_line(d, theme, frame, weekly);
    }
    deployments(app, d, theme, frame, table);
}

fn info_line(d: &Dashboard, theme: &Theme, frame: &mut Frame, area: Rect) {
    let service = d.service.clone().unwrap_or_else(|| "every service".into());
    let env = d.environment.clone().unwrap_or_else(|| "production".into());
    let mut spans = vec![
        span(format!(" {service}"), theme, Role::Title),
        span(
            format!(" · {env} · last {:.0} days ({}) ", d.window.days, d.window.time_zone),
            theme,
            Role::Muted,
        ),
        span(format!("{} deployment(s)", d.current.deployments), theme, Role::Text),
    ];
    if !d.unresolved.is_empty() {
        spans.push(span(
            format!("  ! {} failed deployment(s) not restored", d.unresolved.len()),
            theme,
            Role::Fail,
        ));
    }
    if let Some(n) = d.notes.first() {
        spans.push(span(format!("  {n}"), theme, Role::Warn));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The card's title in `room` columns: the short form when the long one does not fit (a title is
/// never cut: at 80 columns five cards share the width).
fn short_title(card: &Card, room: usize) -> String {
    let (long, short) = match card.key.name() {
        "deployment_frequency" => ("Deploy frequency", "Deploys"),
        "change_lead_time" => ("Lead time", "Lead time"),
        "change_fail_rate" => ("Change fail rate", "Fail rate"),
        "recovery_time" => ("Recovery time", "Recovery"),
        "rework_rate" => ("Rework rate", "Rework"),
        _ => return ellipsize(&card.title, room),
    };
    if long.chars().count() <= room { long.into() } else { ellipsize(short, room) }
}

fn draw_card(card: &Card, theme: &Theme, frame: &mut Frame, area: Rect) {
    let w = usize::from(area.width.saturating_sub(2));
    let (arrow, role) = match card.trend.direction {
        TrendDirection::Better => ("▲ better", Role::Ok),
        TrendDirection::Worse => ("▼ worse", Role::Fail),
        TrendDirection::Same => ("= same", Role::Muted),
        TrendDirection::Unknown => ("· no trend", Role::Muted),
    };
    let band = card.band.as_ref().map_or_else(|| "no survey band".to_string(), |b| b.label.clone());
    let cluster = card.cluster.as_ref().map_or_else(String::new, |c| format!("{} ({})", c.label, c.year));
    let lines = vec![
        Line::from(span(ellipsize(&card.display, w), theme, Role::Accent)),
        Line::from(span(ellipsize(&band, w), theme, Role::Text)),
        Line::from(span(ellipsize(&cluster, w), theme, Role::Muted)),
        Line::from(span(ellipsize(arrow, w), theme, role)),
        Line::from(span(sparkline(&card.series, w), theme, Role::Running)),
    ];
    frame.render_widget(
        Paragraph::new(lines).block(panel(&short_title(card, w.saturating_sub(2)), theme, false)),
        area,
    );
}

/// A text sparkline of the last `width` values (n/a weeks drawn as a space).
pub fn sparkline(values: &[Option<f64>], width: usize) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let tail = &values[values.len().saturating_sub(width)..];
    let max = tail.iter().flatten().copied().fold(0.0_f64, f64::max);
    tail.iter()
        .map(|v| match v {
            None => ' ',
            Some(_) if max <= 0.0 => BARS[0],
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            Some(x) => BARS[((x / max) * 7.0).round().clamp(0.0, 7.0) as usize],
        })
        .collect()
}

fn weekly_line(d: &Dashboard, theme: &Theme, frame: &mut Frame, area: Rect) {
    let w = usize::from(area.width.saturating_sub(2));
    let counts: Vec<Option<f64>> = d
        .weeks
        .iter()
        .map(|wk| {
            #[allow(clippy::cast_precision_loss)]
            let n = wk.deployments as f64;
            Some(n)
        })
        .collect();
    let first = d.weeks.first().map(|w| w.label.clone()).unwrap_or_default();
    let last = d.weeks.last().map(|w| w.label.clone()).unwrap_or_default();
    let lines = vec![
        Line::from(span(sparkline(&counts, w), theme, Role::Running)),
        Line::from(span(
            format!("{first}{}{last}", " ".repeat(w.saturating_sub(first.len() + last.len()))),
            theme,
            Role::Muted,
        )),
    ];
    frame.render_widget(Paragraph::new(lines).block(panel("Deployments per ISO week", theme, false)), area);
}

fn deployments(app: &App, d: &Dashboard, theme: &Theme, frame: &mut Frame, area: Rect) {
    let expanded = app.dora.view.expanded && !d.deployments.is_empty();
    let [list, detail] = Layout::horizontal([
        Constraint::Min(40),
        Constraint::Length(if expanded { area.width / 2 } else { 0 }),
    ])
    .areas(area);
    let height = usize::from(list.height.saturating_sub(2));
    let first = app.dora.view.row.saturating_sub(height.saturating_sub(1));
    let mut lines: Vec<Line> = d
        .deployments
        .iter()
        .enumerate()
        .skip(first)
        .take(height)
        .map(|(i, r)| row_line(r, i == app.dora.view.row, theme))
        .collect();
    if lines.is_empty() {
        lines.push(Line::from(span(
            " no production deployments in this window: frequency 0, the rest n/a",
            theme,
            Role::Muted,
        )));
    }
    frame
        .render_widget(Paragraph::new(lines).block(panel("Deployments (enter: commits)", theme, true)), list);
    if expanded && let Some(r) = d.deployments.get(app.dora.view.row) {
        commits(r, theme, frame, detail);
    }
}

fn row_line<'a>(r: &DeploymentRow, selected: bool, theme: &Theme) -> Line<'a> {
    let dep = &r.deployment;
    let (mark, role) = if !r.failure_reasons.is_empty() {
        ("✗", Role::Fail)
    } else if r.unplanned {
        ("↺", Role::Warn)
    } else {
        ("✓", Role::Ok)
    };
    let what = dep
        .version
        .clone()
        .or_else(|| dep.sha.as_ref().map(|s| s.chars().take(7).collect()))
        .unwrap_or_default();
    let lead = median_lead(r).map_or_else(|| "-".into(), |s| human_duration(s * 1000));
    let base = if r.baseline { " baseline" } else { "" };
    Line::from(vec![
        span(format!(" {mark} "), theme, role),
        Span::styled(
            crate::view::widgets::safe(format!(
                "{} {:<16} {:<12} {:<9} {:>3} commit(s) lead {lead}{base}",
                short_time(dep.finished_at),
                ellipsize(&dep.service, 16),
                ellipsize(&what, 12),
                dep.kind,
                r.commits.len()
            )),
            row_style(theme, selected),
        ),
    ])
}

/// DESIGN §6's median: the middle value, or the mean of the two middle values.
fn median_lead(r: &DeploymentRow) -> Option<i64> {
    let mut v: Vec<i64> = r.commits.iter().filter(|c| c.counted).filter_map(|c| c.lead_time_secs).collect();
    v.sort_unstable();
    let n = v.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(v[n / 2]),
        _ => Some(i64::midpoint(v[n / 2 - 1], v[n / 2])),
    }
}

fn commits(r: &DeploymentRow, theme: &Theme, frame: &mut Frame, area: Rect) {
    let w = usize::from(area.width.saturating_sub(4));
    let mut lines: Vec<Line> = r
        .failure_reasons
        .iter()
        .map(|f| Line::from(span(format!("failed: {f}"), theme, Role::Fail)))
        .collect();
    // Newest first; spans read as durations.
    let mut shipped: Vec<&flightdeck_core::dora::dashboard::CommitRow> = r.commits.iter().collect();
    shipped.sort_by_key(|c| std::cmp::Reverse(c.author_time));
    for c in shipped {
        let lead = c.lead_time_secs.map_or_else(
            || "baseline".into(),
            |s| {
                if c.counted {
                    human_duration(s * 1000)
                } else {
                    format!("{} dropped", human_duration(s.abs() * 1000))
                }
            },
        );
        lines.push(Line::from(vec![
            span(format!("{} ", &c.sha[..c.sha.len().min(7)]), theme, Role::Muted),
            span(format!("{lead:>8} "), theme, Role::Accent),
            span(ellipsize(&c.summary, w.saturating_sub(18)), theme, Role::Text),
        ]));
    }
    frame.render_widget(
        Paragraph::new(lines).block(panel(&format!("{} — shipped", r.deployment.id), theme, false)),
        area,
    );
}

#[cfg(test)]
mod tests {
    #[test]
    fn median_lead_is_the_mean_of_the_two_middle_values() {
        let crate::msg::Msg::DoraLoaded { dashboard: Ok(d) } = crate::fixtures::dora_dashboard(false) else {
            panic!("fixture dashboard")
        };
        let mut row =
            d.deployments.iter().find(|r| !r.commits.is_empty()).expect("a row with commits").clone();
        let one = row.commits[0].clone();
        row.commits = [10, 40, 20, 30]
            .into_iter()
            .map(|secs| flightdeck_core::dora::dashboard::CommitRow {
                counted: true,
                lead_time_secs: Some(secs),
                ..one.clone()
            })
            .collect();
        assert_eq!(super::median_lead(&row), Some(25), "even count: mean of 20 and 30");
        row.commits.truncate(3);
        assert_eq!(super::median_lead(&row), Some(20), "odd count: the middle of 10, 20, 40");
    }
}
