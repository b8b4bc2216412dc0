//! Phoenix's Load screen: the setup form; then, from the latest snapshot, progress with ETA,
//! requests/s over time, latency percentiles over time, the latency histogram, status codes and
//! error classes, and each threshold's verdict; once finished, the verdict and the comparison with
//! a baseline when one was asked for.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Sparkline};

use crate::app::App;
use crate::app::load::{LoadPhase, LoadView};
use crate::msg::Effect;
use crate::theme::{Role, Theme};
use crate::view::dora::sparkline;
use crate::view::widgets::{ellipsize, panel, span};
use flightdeck_core::load::baseline::Comparison;
use flightdeck_core::load::stats::Bucket;
use flightdeck_core::load::{Ended, Snapshot};

/// Draws the Load screen.
pub fn load(app: &App, theme: &Theme, frame: &mut Frame, area: Rect) {
    let v = &app.load;
    let snapshot = match (v.phase, &v.report) {
        (LoadPhase::Setup, _) => return super::load_setup::setup(app, theme, frame, area),
        (LoadPhase::Finished, Some(r)) => Some(&r.stats),
        _ => v.snapshot.as_deref(),
    };
    let Some(s) = snapshot else {
        let text = span(" starting the load test… (x cancels)", theme, Role::Muted);
        return frame.render_widget(Paragraph::new(text).block(panel("Load", theme, true)), area);
    };
    let [status, progress, main] =
        Layout::vertical([Constraint::Length(1), Constraint::Length(1), Constraint::Min(8)]).areas(area);
    status_line(v, theme, frame, status);
    progress_line(s, theme, frame, progress);
    let [left, right] = Layout::horizontal([Constraint::Percentage(50); 2]).areas(main);
    let verdict_h = u16::try_from(s.verdicts.len()).unwrap_or(6).clamp(1, 6) + 2;
    let [rps, latency, verdicts] =
        Layout::vertical([Constraint::Min(5), Constraint::Length(7), Constraint::Length(verdict_h)])
            .areas(left);
    rps_chart(s, theme, frame, rps);
    latency_table(s, theme, frame, latency);
    verdict_panel(s, theme, frame, verdicts);
    let comparison = v.report.as_ref().and_then(|r| r.comparison.as_ref());
    let cmp_h = comparison.map_or(0, |c| u16::try_from(c.deltas.len()).unwrap_or(8).min(8) + 4);
    let codes_h = u16::try_from(s.status.len() + s.error_classes.len()).unwrap_or(6).clamp(1, 6) + 2;
    let [cmp, hist, codes] =
        Layout::vertical([Constraint::Length(cmp_h), Constraint::Min(4), Constraint::Length(codes_h)])
            .areas(right);
    if let Some(c) = comparison {
        comparison_panel(c, theme, frame, cmp);
    }
    histogram(&s.histogram, theme, frame, hist);
    codes_panel(s, theme, frame, codes);
}

/// Repeats each value so that a short series fills `width` columns (a long one is left as is).
fn stretch<T: Clone>(values: &[T], width: usize) -> Vec<T> {
    let times = (width / values.len().max(1)).max(1);
    values.iter().flat_map(|v| std::iter::repeat_n(v.clone(), times)).collect()
}

/// A `load` step's live figures for the run view: the short form beside the step, the long one
/// above its log. `1234 req/s · 12/30s` / `1234 req/s (mean 1200) · p50 1.40ms · p99 9.80ms ·
/// err 0.02% · 12s/30s`.
pub fn step_figures(s: &Snapshot, long: bool, long_mean: bool) -> String {
    let rate =
        if s.finished { format!("{:.0} req/s mean", s.rps_mean) } else { format!("{:.0} req/s", s.rps_now) };
    let total = s.planned_duration_s.map_or_else(String::new, |d| format!("/{d:.0}"));
    if !long {
        return format!("{rate} · {:.0}{total}s", s.elapsed_s);
    }
    // The running mean only where it fits: 80 columns keep every other figure.
    let mean = if s.finished || !long_mean { String::new() } else { format!(" (mean {:.0})", s.rps_mean) };
    format!(
        "{rate}{mean} · p50 {} · p99 {} · err {:.2}% · {:.0}s{total}s{}",
        ms(s.latency.p50),
        ms(s.latency.p99),
        s.error_rate * 100.0,
        s.elapsed_s,
        if s.finished { " · done" } else { "" },
    )
}

/// `12.3ms`, `1.25s`.
fn ms(v: f64) -> String {
    if v >= 1000.0 {
        format!("{:.2}s", v / 1000.0)
    } else if v >= 10.0 {
        format!("{v:.1}ms")
    } else {
        format!("{v:.2}ms")
    }
}

fn status_line(v: &LoadView, theme: &Theme, frame: &mut Frame, area: Rect) {
    let (mark, role, what) = match (&v.phase, &v.report) {
        (LoadPhase::Finished, Some(r)) => {
            let ended = match &r.ended {
                Ended::Completed => "completed".to_string(),
                Ended::Cancelled => "cancelled".to_string(),
                Ended::Aborted(e) => format!("aborted: {e} failed"),
            };
            // A cancelled test judged nothing: it never says PASS.
            if matches!(r.ended, Ended::Cancelled) {
                ("■ CANCELLED", Role::Warn, "no verdict: the test did not run to its end".to_string())
            } else if r.passed() {
                ("✓ PASS", Role::Ok, ended)
            } else {
                ("✗ FAIL", Role::Fail, ended)
            }
        }
        _ => ("▶ running", Role::Running, "x cancels".to_string()),
    };
    if let Some((run, step)) = &v.from_run {
        return from_run_line(v, run, step, theme, frame, area);
    }
    let target = match &v.started {
        Some(Effect::StartLoad { url, connections, rate, profile, .. }) => {
            let model = rate.map_or_else(|| format!("{connections} conns"), |r| format!("{r} req/s open"));
            let profile = profile.as_deref().map_or_else(String::new, |p| format!(" · {p}"));
            format!("GET {url} · {model}{profile}")
        }
        _ => String::new(),
    };
    let w = usize::from(area.width).saturating_sub(what.len() + 14);
    let line = Line::from(vec![
        span(format!(" {mark} "), theme, role),
        span(ellipsize(&target, w), theme, Role::Title),
        span(format!("  {what}"), theme, Role::Muted),
    ]);
    frame.render_widget(Paragraph::new(line), area);
}

/// The status of a workflow's `load` step shown here: which run and step, and its verdicts so far.
fn from_run_line(v: &LoadView, run: &str, step: &str, theme: &Theme, frame: &mut Frame, area: Rect) {
    let passed = v.snapshot.as_ref().is_none_or(|s| s.verdicts.iter().all(|x| x.passed));
    let (mark, role, what) = match (v.phase, passed) {
        (LoadPhase::Running, _) => ("▶ running", Role::Running, "cancel: in its run"),
        (_, true) => ("✓ done", Role::Ok, "enter: the form"),
        (_, false) => ("✗ FAIL", Role::Fail, "enter: the form"),
    };
    let target = format!("step {step} of run {run}");
    // The run id whole at 80 columns: the shorter form when the long one does not fit.
    let target = if target.chars().count() + what.len() + 14 > usize::from(area.width) {
        format!("{run} › {step}")
    } else {
        target
    };
    let w = usize::from(area.width).saturating_sub(what.len() + 14);
    let line = Line::from(vec![
        span(format!(" {mark} "), theme, role),
        span(ellipsize(&target, w), theme, Role::Title),
        span(format!("  {what}"), theme, Role::Muted),
    ]);
    frame.render_widget(Paragraph::new(line), area);
}

#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, clippy::cast_precision_loss)]
fn progress_line(s: &Snapshot, theme: &Theme, frame: &mut Frame, area: Rect) {
    let wide = area.width >= 120;
    let bar_w: usize = if wide { 24 } else { 10 };
    let p = s.progress.clamp(0.0, 1.0);
    let filled = ((p * bar_w as f64).round() as usize).min(bar_w);
    let bar = format!("{}{}", "█".repeat(filled), "░".repeat(bar_w - filled));
    let eta = if s.finished || p >= 1.0 {
        "done".to_string()
    } else if let Some(d) = s.planned_duration_s {
        format!("ETA {:.0}s", (d - s.elapsed_s).max(0.0))
    } else if p > 0.0 {
        format!("ETA {:.0}s", s.elapsed_s * (1.0 - p) / p)
    } else {
        "ETA –".to_string()
    };
    let total = s.planned_duration_s.map_or_else(String::new, |d| format!("/{d:.0}s"));
    let err_role = if s.error_rate > 0.0 { Role::Fail } else { Role::Muted };
    let line = Line::from(vec![
        span(format!(" {bar} "), theme, Role::Running),
        span(format!("{:>3.0}% {:.1}s{total} {eta}  ", p * 100.0, s.elapsed_s), theme, Role::Text),
        // Finished, the headline is the mean rate (the last second's rate says little).
        span(
            if s.finished {
                format!("{:.0} req/s mean", s.rps_mean)
            } else {
                format!("{:.0} req/s", s.rps_now)
            },
            theme,
            Role::Accent,
        ),
        span(
            if s.finished {
                format!(" · {} requests · ", s.requests)
            } else if wide {
                format!(" (mean {:.0}) · {} requests · ", s.rps_mean, s.requests)
            } else {
                format!(" · {} req · ", s.requests)
            },
            theme,
            Role::Muted,
        ),
        span(format!("err {:.2}%", s.error_rate * 100.0), theme, err_role),
    ]);
    frame.render_widget(Paragraph::new(line), area);
}

#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
fn rps_chart(s: &Snapshot, theme: &Theme, frame: &mut Frame, area: Rect) {
    let width = usize::from(area.width.saturating_sub(2));
    let tail = &s.series[s.series.len().saturating_sub(width)..];
    let data: Vec<u64> = stretch(tail, width).iter().map(|p| p.rps.max(0.0).round() as u64).collect();
    let peak = data.iter().copied().max().unwrap_or(0);
    let title = format!("Requests/s · now {:.0} · peak {peak}", s.rps_now);
    frame.render_widget(
        Sparkline::default().data(&data).style(theme.style(Role::Running)).block(panel(&title, theme, false)),
        area,
    );
}

fn latency_table(s: &Snapshot, theme: &Theme, frame: &mut Frame, area: Rect) {
    let w = usize::from(area.width.saturating_sub(18));
    let l = &s.latency;
    let lines: Vec<Line> = ["p50", "p90", "p95", "p99", "max"]
        .iter()
        .map(|name| {
            let v = &l.get(name).unwrap_or(0.0);
            let get = |p: &flightdeck_core::load::stats::Percentiles| p.get(name).unwrap_or(0.0);
            let tail = &s.series[s.series.len().saturating_sub(w)..];
            let series: Vec<Option<f64>> = stretch(tail, w).iter().map(|pt| Some(get(&pt.latency))).collect();
            Line::from(vec![
                span(format!(" {name:<4}"), theme, Role::Muted),
                span(format!("{:>9} ", ms(*v)), theme, Role::Text),
                span(sparkline(&series, w), theme, Role::Accent),
            ])
        })
        .collect();
    frame.render_widget(Paragraph::new(lines).block(panel("Latency over time", theme, false)), area);
}

fn verdict_panel(s: &Snapshot, theme: &Theme, frame: &mut Frame, area: Rect) {
    let w = usize::from(area.width.saturating_sub(20));
    let mut lines: Vec<Line> = s
        .verdicts
        .iter()
        .map(|v| {
            let (mark, role) = if v.passed { ("✓", Role::Ok) } else { ("✗", Role::Fail) };
            Line::from(vec![
                span(format!(" {mark} "), theme, role),
                span(format!("{:<w$}", ellipsize(&v.expr, w)), theme, Role::Text),
                span(format!(" {:>12.3}", v.observed), theme, role),
            ])
        })
        .collect();
    if lines.is_empty() {
        lines.push(Line::from(span(" no thresholds", theme, Role::Muted)));
    }
    frame.render_widget(Paragraph::new(lines).block(panel("Thresholds", theme, false)), area);
}

/// Merges adjacent buckets so that at most `rows` remain.
fn merged(buckets: &[Bucket], rows: usize) -> Vec<Bucket> {
    let per = buckets.len().div_ceil(rows.max(1)).max(1);
    buckets
        .chunks(per)
        .filter_map(|c| {
            let (first, last) = (c.first()?, c.last()?);
            Some(Bucket { from_ms: first.from_ms, to_ms: last.to_ms, count: c.iter().map(|b| b.count).sum() })
        })
        .collect()
}

fn histogram(buckets: &[Bucket], theme: &Theme, frame: &mut Frame, area: Rect) {
    let rows = merged(buckets, usize::from(area.height.saturating_sub(2)));
    let most = rows.iter().map(|b| b.count).max().unwrap_or(0).max(1);
    let bar_w = u64::from(area.width.saturating_sub(24));
    let lines: Vec<Line> = rows
        .iter()
        .map(|b| {
            let len = usize::try_from(b.count * bar_w / most).unwrap_or(0);
            Line::from(vec![
                span(format!(" ≤{:>8} ", ms(b.to_ms)), theme, Role::Muted),
                span("■".repeat(len), theme, Role::Running),
                span(format!(" {}", b.count), theme, Role::Text),
            ])
        })
        .collect();
    frame.render_widget(Paragraph::new(lines).block(panel("Latency histogram", theme, false)), area);
}

fn codes_panel(s: &Snapshot, theme: &Theme, frame: &mut Frame, area: Rect) {
    let mut lines: Vec<Line> = s
        .status
        .iter()
        .map(|(code, n)| {
            let role = if *code >= 400 { Role::Fail } else { Role::Ok };
            Line::from(vec![span(format!(" [{code}] "), theme, role), span(n.to_string(), theme, Role::Text)])
        })
        .collect();
    for (class, n) in &s.error_classes {
        let name = serde_json::to_value(class).ok().and_then(|v| v.as_str().map(String::from));
        lines.push(Line::from(vec![
            span(format!(" ✗ {:<9}", name.unwrap_or_default()), theme, Role::Fail),
            span(n.to_string(), theme, Role::Text),
        ]));
    }
    if lines.is_empty() {
        lines.push(Line::from(span(" no responses yet", theme, Role::Muted)));
    }
    frame.render_widget(Paragraph::new(lines).block(panel("Status codes · errors", theme, false)), area);
}

/// A figure in at most 8 characters: whole numbers when large, more decimals when small.
fn num(v: f64) -> String {
    if v.abs() >= 100.0 {
        format!("{v:.0}")
    } else if v.abs() >= 1.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.4}")
    }
}

fn comparison_panel(c: &Comparison, theme: &Theme, frame: &mut Frame, area: Rect) {
    let wide = area.width >= 60;
    let mut lines = vec![Line::from(span(
        format!(" {:<10} {:>7} {:>7} {:>7}", "metric", "base", "this", "Δ"),
        theme,
        Role::Muted,
    ))];
    for d in &c.deltas {
        let (flag, role) = match (d.regressed, wide) {
            (true, true) => ("✗ regressed", Role::Fail),
            (true, false) => ("✗", Role::Fail),
            (false, _) => ("✓", Role::Ok),
        };
        lines.push(Line::from(vec![
            span(
                format!(" {:<10} {:>7} {:>7} ", ellipsize(&d.metric, 10), num(d.baseline), num(d.current)),
                theme,
                Role::Text,
            ),
            span(format!("{:>+6.1}% ", d.change_pct), theme, role),
            span(flag, theme, role),
        ]));
    }
    let title = format!("Baseline {:?} (±{}%)", c.baseline, c.tolerance_pct);
    frame.render_widget(Paragraph::new(lines).block(panel(&title, theme, c.regressed)), area);
}
