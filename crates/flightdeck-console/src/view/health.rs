//! The Health screen: one row per monitor (state, latency sparkline, uptime, p50/p95, certificate
//! days, last failure reason); `enter` opens the detail: each condition ✓/✗ with the value seen, the
//! last responses and a latency chart. Also the health summary the header and Home show.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::App;
use crate::theme::{Role, Theme};
use crate::view::dora::sparkline;
use crate::view::widgets::{clock, ellipsize, panel, row_style, span, wrap_text};
use flightdeck_core::health::{MonitorState, MonitorView, Snapshot};

/// Glyph and role of a monitor state.
pub fn state_mark(s: MonitorState) -> (&'static str, Role) {
    match s {
        MonitorState::Up => ("✓", Role::Ok),
        MonitorState::Down => ("✗", Role::Fail),
        MonitorState::Pending => ("…", Role::Pending),
        MonitorState::Maintenance => ("⚒", Role::Muted),
        MonitorState::Disabled => ("⊘", Role::Fail),
    }
}

/// The summary spans for the header and Home: `✓ 3 up`, `✗ 1 down ✓ 2`, `… 1 pending`.
pub fn summary<'a>(snapshot: &Snapshot, theme: &Theme) -> Vec<Span<'a>> {
    let s = snapshot.summary();
    if snapshot.monitors.is_empty() {
        return vec![span("no monitors", theme, Role::Muted)];
    }
    let mut out = Vec::new();
    if s.down > 0 {
        out.push(span(format!("✗ {} down ", s.down), theme, Role::Fail));
    }
    if s.up > 0 || s.down == 0 && s.pending == 0 {
        out.push(span(format!("✓ {}", s.up), theme, if s.down > 0 { Role::Muted } else { Role::Ok }));
        out.push(span(if s.down > 0 { " " } else { " up " }, theme, Role::Muted));
    }
    if s.pending > 0 {
        out.push(span(format!("…{} ", s.pending), theme, Role::Pending));
    }
    if s.maintenance > 0 {
        out.push(span(format!("⚒{}", s.maintenance), theme, Role::Muted));
    }
    if s.disabled > 0 {
        out.push(span(format!(" ⊘{} off", s.disabled), theme, Role::Fail));
    }
    out
}

/// Draws the Health screen.
pub fn health(app: &App, theme: &Theme, frame: &mut Frame, area: Rect) {
    let Some(snap) = app.health.snapshot.as_deref() else {
        let text = format!(" starting the monitors of {}…", app.health.env);
        let p = Paragraph::new(span(text, theme, Role::Muted));
        return frame
            .render_widget(p.block(panel(&format!("Health — {}", app.health.env), theme, true)), area);
    };
    let detail = app.health.detail && !snap.monitors.is_empty();
    let [list, detail_area] =
        Layout::vertical([Constraint::Min(4), Constraint::Length(if detail { area.height / 2 } else { 0 })])
            .areas(area);
    let width = usize::from(list.width.saturating_sub(2));
    let spark_w = if width >= 120 { 30 } else { 12 };
    let mut lines = vec![Line::from(span(
        format!(
            "   {:<14}{:<8}{:<spark_w$} {:>7} {:>8} {:>7} {:>7} {:>6}  why",
            "monitor", "state", "latency", "last", "uptime", "p50", "p95", "cert"
        ),
        theme,
        Role::Muted,
    ))];
    for (i, m) in snap.monitors.iter().enumerate() {
        lines.push(monitor_line(m, i == app.health.row, spark_w, width, theme));
    }
    lines.extend(super::alerts::alert_lines(&app.health.alerts, width, theme));
    let mut title = format!(
        "Health — {} — {} monitor(s), updated {}",
        app.health.env,
        snap.monitors.len(),
        clock(snap.at)
    );
    // The keys' reminder gives way first on a narrow terminal (the footer lists them too).
    if title.chars().count() + 33 <= usize::from(list.width.saturating_sub(4)) {
        title.push_str(" (enter: detail, e: environment)");
    }
    frame.render_widget(Paragraph::new(lines).block(panel(&title, theme, !detail)), list);
    if detail && let Some(m) = snap.monitors.get(app.health.row) {
        monitor_detail(m, theme, frame, detail_area);
    }
}

fn ms(v: Option<u64>) -> String {
    v.map_or_else(|| "-".into(), |v| format!("{v}ms"))
}

fn monitor_line<'a>(
    m: &MonitorView,
    selected: bool,
    spark_w: usize,
    width: usize,
    theme: &Theme,
) -> Line<'a> {
    let (glyph, role) = state_mark(m.state);
    #[allow(clippy::cast_precision_loss)]
    let history: Vec<Option<f64>> = m.latency_history.iter().map(|v| Some(*v as f64)).collect();
    let uptime = m.uptime_pct.map_or_else(|| "-".into(), |u| format!("{u:.1}%"));
    let cert = m.cert_days_left.map_or_else(|| "-".into(), |d| format!("{d}d"));
    let why =
        m.last_failure.as_ref().map_or_else(String::new, |f| format!("{}: {}", f.reason.as_str(), f.message));
    let state = match m.state {
        MonitorState::Maintenance => "MAINT",
        MonitorState::Disabled => "OFF",
        other => other.as_str(),
    };
    let fixed = format!("{:<14}{:<8}", ellipsize(&m.name, 13), state);
    let nums = format!(
        " {:>7} {:>8} {:>7} {:>7} {:>6}  ",
        ms(m.last_latency_ms),
        uptime,
        ms(m.p50_ms),
        ms(m.p95_ms),
        cert
    );
    let used = 3 + fixed.chars().count() + spark_w + nums.chars().count();
    Line::from(vec![
        span(format!(" {glyph} "), theme, role),
        Span::styled(crate::view::widgets::safe(fixed), row_style(theme, selected)),
        span(format!("{:<spark_w$}", sparkline(&history, spark_w)), theme, Role::Running),
        span(nums, theme, Role::Text),
        span(ellipsize(&why, width.saturating_sub(used)), theme, Role::Fail),
    ])
}

/// One condition and the value seen: on one line when it fits, else the condition wraps (never
/// cut: its threshold is the point) and the value follows on its own line.
fn condition_lines<'a>(
    c: &flightdeck_core::condition::ConditionResult,
    w: usize,
    theme: &Theme,
) -> Vec<Line<'a>> {
    let (mark, role) = if c.passed { ("✓", Role::Ok) } else { ("✗", Role::Fail) };
    let got = format!("  got {}", ellipsize(&c.actual, w.saturating_sub(8).max(8)));
    if c.condition.chars().count() + got.chars().count() + 2 <= w {
        return vec![Line::from(vec![
            span(format!("{mark} "), theme, role),
            span(c.condition.clone(), theme, Role::Text),
            span(got, theme, Role::Muted),
        ])];
    }
    let mut out: Vec<Line<'a>> = wrap_text(&c.condition, w.saturating_sub(2))
        .into_iter()
        .enumerate()
        .map(|(i, part)| {
            let lead = if i == 0 { span(format!("{mark} "), theme, role) } else { span("  ", theme, role) };
            Line::from(vec![lead, span(part, theme, Role::Text)])
        })
        .collect();
    out.push(Line::from(span(got, theme, Role::Muted)));
    out
}

fn monitor_detail(m: &MonitorView, theme: &Theme, frame: &mut Frame, area: Rect) {
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(area);
    let w = usize::from(left.width.saturating_sub(4));
    let mut lines = vec![Line::from(vec![
        span(format!("{} ", m.kind), theme, Role::Muted),
        span(ellipsize(&m.target, w), theme, Role::Text),
    ])];
    for c in &m.conditions {
        lines.extend(condition_lines(c, w, theme));
    }
    if m.truncated {
        lines.push(Line::from(span("body truncated at max_body", theme, Role::Warn)));
    }
    #[allow(clippy::cast_precision_loss)]
    let history: Vec<Option<f64>> = m.latency_history.iter().map(|v| Some(*v as f64)).collect();
    lines.push(Line::from(span(sparkline(&history, w), theme, Role::Running)));
    frame.render_widget(
        Paragraph::new(lines).block(panel(&format!("{} — conditions", m.name), theme, true)),
        left,
    );
    let recent: Vec<Line> = m
        .recent
        .iter()
        .rev()
        .map(|r| {
            let (mark, role) = if r.success { ("✓", Role::Ok) } else { ("✗", Role::Fail) };
            let status = r.status.map_or_else(|| "---".into(), |s| s.to_string());
            let why = r.reason.map_or("", flightdeck_core::health::Reason::as_str);
            Line::from(vec![
                span(format!("{mark} {} ", clock(r.at)), theme, role),
                span(format!("{status} {:>6}ms {why}", r.latency_ms), theme, Role::Text),
            ])
        })
        .collect();
    frame.render_widget(Paragraph::new(recent).block(panel("Last responses", theme, false)), right);
}
