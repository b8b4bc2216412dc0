//! Diana's Cost screen (`:cost [YYYY-MM]`): the month's cost by service, environment or `tag:KEY`
//! (`b` cycles them) with a month-over-month bar per line (this month `█`, growth beyond last month
//! in the warn colour `▓`, last month's extra `░` when it was higher), totals per currency, and the
//! anomalous days with the rule's threshold, a selected one highlighted (`j`/`k` scroll the list).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use crate::app::App;
use crate::theme::{Role, Theme};
use crate::view::widgets::{ellipsize, notice_panel, panel, span};
use flightdeck_core::cost::{Decimal, GroupLine, Report};

/// Draws the Cost screen.
pub fn cost(app: &App, theme: &Theme, frame: &mut Frame, area: Rect) {
    let report = match &app.cost.report {
        None => return message(" reading the cost report…", Role::Muted, theme, frame, area),
        Some(Err(e)) => return message(&format!(" {e}"), Role::Warn, theme, frame, area),
        Some(Ok(r)) => r,
    };
    // The anomaly list takes what the breakdown leaves, at least a third of the screen.
    let wanted = u16::try_from(report.anomalies.len()).unwrap_or(u16::MAX).saturating_add(2);
    let breakdown_rows = report.groups.len() + report.totals.len() + 3;
    let spare = area.height.saturating_sub(u16::try_from(breakdown_rows).unwrap_or(u16::MAX));
    let low = wanted.min(spare.max(area.height / 3)).max(3);
    let [top, bottom] = Layout::vertical([Constraint::Min(4), Constraint::Length(low)]).areas(area);
    breakdown(report, theme, frame, top);
    anomalies(report, app.cost.view.row, theme, frame, bottom);
}

fn message(text: &str, role: Role, theme: &Theme, frame: &mut Frame, area: Rect) {
    let block = panel("Cost", theme, true);
    frame.render_widget(Paragraph::new(span(text.to_string(), theme, role)).block(block), area);
}

fn money(d: Decimal) -> String {
    format!("{:.2}", d.round_dp(2))
}

fn breakdown(r: &Report, theme: &Theme, frame: &mut Frame, area: Rect) {
    let days =
        if r.complete { "complete".to_string() } else { format!("days 1-{} of {}", r.days, r.days_in_month) };
    let title =
        format!("Cost {} by {} ({days}) vs {} days 1-{}", r.month, r.by, r.previous_month, r.previous_days);
    let block = panel(&title, theme, true);
    if r.days == 0 {
        let text = format!(" no cost imported for {}: flightdeck cost import FILE", r.month);
        notice_panel(frame, area, block, text, theme);
        return;
    }
    let name_w: usize = if area.width >= 120 { 24 } else { 14 };
    let bar_w = usize::from(area.width).saturating_sub(name_w + 35).max(4);
    let head = format!(
        " {:<name_w$} {:<3} {:>11} {:>8}  {}",
        ellipsize(&r.by.to_uppercase(), name_w),
        "CUR",
        "TOTAL",
        "vs prev",
        "this month vs last"
    );
    let mut lines = vec![Line::from(span(head, theme, Role::Muted))];
    let height = usize::from(area.height.saturating_sub(3));
    let rows = r.groups.len().min(height.saturating_sub(r.totals.len()));
    for l in r.groups.iter().take(rows) {
        let max = r.groups.iter().filter(|g| g.currency == l.currency).map(|g| g.total.max(g.previous)).max();
        lines.push(row(l, &l.group, name_w, bar_w, max.unwrap_or_default(), theme));
    }
    for t in &r.totals {
        lines.push(row(t, "TOTAL", name_w, 0, Decimal::ZERO, theme));
    }
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

fn row<'a>(l: &GroupLine, name: &str, name_w: usize, bar_w: usize, max: Decimal, theme: &Theme) -> Line<'a> {
    let (pct, role) = match l.change_pct {
        None => ("new".to_string(), Role::Muted),
        Some(p) if p.abs() >= Decimal::from(1000) => {
            (format!("{}999%", if p > Decimal::ZERO { ">+" } else { "<-" }), Role::Warn)
        }
        Some(p) if p > Decimal::from(10) => (format!("{p:+.1}%"), Role::Warn),
        Some(p) if p < Decimal::from(-10) => (format!("{p:+.1}%"), Role::Ok),
        Some(p) => (format!("{p:+.1}%"), Role::Text),
    };
    let text = format!(
        " {:<name_w$} {:<3} {:>11} ",
        ellipsize(name, name_w),
        ellipsize(&l.currency, 3),
        money(l.total)
    );
    let mut spans = vec![span(text, theme, Role::Text), span(format!("{pct:>8}  "), theme, role)];
    if bar_w > 0 && max > Decimal::ZERO {
        let cells = |v: Decimal| -> usize {
            let scaled = (v.max(Decimal::ZERO) * Decimal::from(bar_w) / max).round();
            usize::try_from(scaled.mantissa() / 10i128.pow(scaled.scale())).unwrap_or(0).min(bar_w)
        };
        let (now, before) = (cells(l.total), cells(l.previous));
        spans.push(span("█".repeat(now.min(before)), theme, Role::Accent));
        if now > before {
            spans.push(span("▓".repeat(now - before), theme, Role::Warn));
        } else {
            spans.push(span("░".repeat(before - now), theme, Role::Muted));
        }
    }
    Line::from(spans)
}

fn anomalies(r: &Report, selected: usize, theme: &Theme, frame: &mut Frame, area: Rect) {
    let height = usize::from(area.height.saturating_sub(2)).max(1);
    let n = r.anomalies.len();
    let at = if n > height { format!(", #{} selected", selected + 1) } else { String::new() };
    let title = format!("Anomalies: {n}{at} (median + 3×MAD of 14 days, above {})", r.min_amount);
    let block = panel(&title, theme, false);
    if r.anomalies.is_empty() {
        let text = " none: no day above its threshold";
        frame.render_widget(Paragraph::new(span(text, theme, Role::Ok)).block(block), area);
        return;
    }
    let first = selected.saturating_sub(height - 1);
    let width = usize::from(area.width.saturating_sub(2));
    let lines: Vec<Line<'_>> = r
        .anomalies
        .iter()
        .enumerate()
        .skip(first)
        .take(height)
        .map(|(i, a)| {
            let who = ellipsize(&format!("{}/{}", a.service, a.environment), 26);
            let text = format!(
                " {}  {who:<26} {} {:>10}  threshold {}",
                a.day,
                ellipsize(&a.currency, 3),
                money(a.amount),
                money(a.threshold)
            );
            let role = if i == selected { Role::Selection } else { Role::Fail };
            Line::from(span(ellipsize(&text, width), theme, role))
        })
        .collect();
    frame.render_widget(Paragraph::new(lines).block(block), area);
}
