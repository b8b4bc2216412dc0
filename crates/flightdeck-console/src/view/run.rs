//! The run screen: steps with state, attempt and duration on top; the selected step's log below,
//! full width (follow, wrap, search, scroll; `z` hides the steps). The log spans whole terminal
//! rows so that the runtime can scroll it with a terminal scroll region (see `runtime::scroll`);
//! the approval dialog and the failure menu go over it.

use std::fmt::Write as _;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Borders, Paragraph, Wrap};

use crate::app::run_view::RunView;
use crate::app::{App, RunScreen};
use crate::theme::{Role, Theme};
use crate::view::dialog;
use crate::view::widgets::{ellipsize, panel, row_style, run_mark, span, step_mark};
use flightdeck_core::engine::event::Stream;
use flightdeck_core::time::human_duration;

/// Rows of the steps panel (borders included) for `steps` steps in a body of `height` rows: every
/// step up to a third of the body, none when the log is zoomed.
fn steps_height(steps: usize, height: u16, zoom: bool) -> u16 {
    if zoom {
        return 0;
    }
    let cap = usize::from((height.saturating_sub(1) / 3).max(3));
    u16::try_from(steps.clamp(1, cap) + 2).unwrap_or(5)
}

fn split(body: Rect, steps: usize, info: u16, zoom: bool) -> (Rect, Rect, Rect) {
    let [info, main] = Layout::vertical([Constraint::Length(info), Constraint::Min(3)]).areas(body);
    let h = steps_height(steps, body.height, zoom);
    let [steps, log] = Layout::vertical([Constraint::Length(h), Constraint::Min(3)]).areas(main);
    (info, steps, log)
}

/// The inside of the log panel for a body area and a run (`None` while it loads), zoomed or not
/// (the panel has only a top border).
pub fn log_area(body: Rect, view: Option<&RunView>, zoom: bool) -> Rect {
    let steps = view.map_or(0, |v| v.steps.len());
    let info = view.map_or(1, |v| info_height(v, body.width));
    let (_, _, log) = split(body, steps, info, zoom);
    Rect::new(log.x, log.y + 1, log.width, log.height.saturating_sub(1))
}

/// Draws a run.
pub fn run(app: &App, rs: &RunScreen, theme: &Theme, frame: &mut Frame, area: Rect) {
    let Some(view) = app.views.get(&rs.run) else {
        frame.render_widget(Paragraph::new(span("loading…", theme, Role::Muted)), area);
        return;
    };
    let (info, steps, log) = split(area, view.steps.len(), info_height(view, area.width), rs.zoom);
    info_line(app, view, theme, frame, info);
    let selected = selected_step(view, rs);
    if steps.height > 0 {
        let rows = usize::from(steps.height.saturating_sub(2));
        let lines = step_lines(app, view, selected, theme, usize::from(steps.width));
        let skip = (selected + 1).saturating_sub(rows);
        let title = format!("Steps {}/{}", selected + 1, view.steps.len());
        frame.render_widget(
            Paragraph::new(lines.into_iter().skip(skip).collect::<Vec<_>>())
                .block(panel(&title, theme, false)),
            steps,
        );
    }
    log_panel(app, view, rs, selected, theme, frame, log);
    dialog::run_dialogs(app, view, rs, theme, frame, area);
}

/// The step whose log is shown: the busy one when following, else the one selected.
pub fn selected_step(view: &RunView, rs: &RunScreen) -> usize {
    if rs.follow { view.current_step() } else { rs.selected.min(view.steps.len().saturating_sub(1)) }
}

/// Most rows an ended run's reason takes below the status line (over 450 characters at 80
/// columns); a longer one ends in `…` (`flightdeck runs --json` has it whole).
const MOST_REASON_ROWS: usize = 6;

/// The status line's state: glyph, colour and words.
fn state_of(view: &RunView) -> (&'static str, Role, String) {
    match &view.finished {
        Some((st, code, _)) => {
            let (g, r) = run_mark(*st);
            (g, r, format!("{} (exit {code})", st.as_str()))
        }
        None if view.gate.is_some() => ("⏸", Role::Warn, "waiting for approval".to_string()),
        None if view.secret_prompt.is_some() => ("⏸", Role::Warn, "waiting for a secret value".to_string()),
        None if view.rolling_back => ("↺", Role::Warn, "rolling back".to_string()),
        None if view.live => ("▶", Role::Running, "running".to_string()),
        None => ("·", Role::Muted, "stored".to_string()),
    }
}

/// The status line's leading words: state and workflow.
fn head_parts(view: &RunView) -> [(String, Role); 2] {
    let (glyph, role, state) = state_of(view);
    [(format!(" {glyph} {state}"), role), (format!("  {} ", view.workflow), Role::Title)]
}

/// [`head_parts`] as spans.
fn head(view: &RunView, theme: &Theme) -> Vec<Span<'static>> {
    head_parts(view).into_iter().map(|(text, role)| span(text, theme, role)).collect()
}

/// The rows of an ended run's reason when it does not fit on the status line of `width` columns
/// (none when it fits or there is none): word-wrapped, indented one column.
fn reason_rows(view: &RunView, width: u16) -> Vec<String> {
    let Some(message) = view.finished.as_ref().and_then(|f| f.2.as_deref()) else { return Vec::new() };
    let message = crate::view::widgets::safe(message);
    let used: usize = head_parts(view)
        .iter()
        .map(|(text, _)| Span::raw(crate::view::widgets::safe(text.as_str())).width())
        .sum();
    if used + 1 + Span::raw(message.as_ref()).width() <= usize::from(width) {
        return Vec::new();
    }
    let wrap = usize::from(width).saturating_sub(1).max(1);
    let mut rows = crate::view::widgets::wrap_text(&message.replace('\n', " "), wrap);
    if rows.len() > MOST_REASON_ROWS {
        rows.truncate(MOST_REASON_ROWS);
        if let Some(last) = rows.last_mut() {
            *last = ellipsize(&format!("{last} …"), wrap);
        }
    }
    rows
}

/// Rows of the status line: one, plus the rows of a reason too long for it.
fn info_height(view: &RunView, width: u16) -> u16 {
    u16::try_from(1 + reason_rows(view, width).len()).unwrap_or(1)
}

fn info_line(app: &App, view: &RunView, theme: &Theme, frame: &mut Frame, area: Rect) {
    // An ended run's time since its start would keep ticking: the Runs list has its duration.
    let elapsed = view
        .started
        .filter(|_| view.finished.is_none())
        .map(|s| human_duration(app.now.millis_since(s) / 1000 * 1000))
        .unwrap_or_default();
    let mut spans = head(view, theme);
    let below = reason_rows(view, area.width);
    // Why a run ended comes before its id, mode and operator (the header and Runs show those);
    // one too long for this line gets rows of its own below it.
    let message = view.finished.as_ref().and_then(|f| f.2.clone());
    if let Some(message) = message.filter(|_| below.is_empty()) {
        spans.push(span(format!(" {message}"), theme, Role::Warn));
    } else {
        // The run id always shows whole; the mode, then the operator, give way.
        let room = usize::from(area.width).saturating_sub(spans.iter().map(Span::width).sum());
        let full = format!(" run {}  mode {}  by {}  {elapsed}", view.id, view.mode, view.operator);
        let short = format!(" run {}  by {}  {elapsed}", view.id, view.operator);
        let rest = [full, short]
            .into_iter()
            .find(|t| t.chars().count() <= room)
            .unwrap_or_else(|| format!(" run {}  {elapsed}", view.id));
        spans.push(span(rest, theme, Role::Muted));
    }
    let mut lines = vec![Line::from(spans)];
    lines.extend(below.into_iter().map(|r| Line::from(span(format!(" {r}"), theme, Role::Warn))));
    frame.render_widget(Paragraph::new(lines), area);
}

fn step_lines<'a>(app: &App, view: &RunView, selected: usize, theme: &Theme, width: usize) -> Vec<Line<'a>> {
    let width = width.saturating_sub(4);
    view.steps
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let (glyph, role) = step_mark(s.status);
            let took = match (s.started, s.finished) {
                (Some(a), Some(b)) => human_duration(b.millis_since(a)),
                // Whole seconds while running: a tenth-second counter would redraw every frame.
                (Some(a), None) => human_duration(app.now.millis_since(a) / 1000 * 1000),
                _ => String::new(),
            };
            let retry = if s.attempt > 1 { format!("×{}", s.attempt) } else { String::new() };
            let label_w = width.saturating_sub(3 + took.len() + retry.len());
            let stage = view
                .load
                .get(&s.id)
                .map(|l| super::load::step_figures(l, false, false))
                .or_else(|| view.progress.get(&s.id).cloned());
            let text = match stage {
                Some(stage) => format!("{} [{stage}]", s.label),
                None => s.label.clone(),
            };
            let label = format!("{:<label_w$}", ellipsize(&text, label_w));
            Line::from(vec![
                span(format!("{glyph} "), theme, role),
                Span::styled(crate::view::widgets::safe(label), row_style(theme, i == selected)),
                span(format!("{retry} {took}"), theme, Role::Muted),
            ])
        })
        .collect()
}

fn log_panel(
    app: &App,
    view: &RunView,
    rs: &RunScreen,
    selected: usize,
    theme: &Theme,
    frame: &mut Frame,
    area: Rect,
) {
    let Some(step) = view.steps.get(selected) else {
        frame.render_widget(Paragraph::new("").block(panel("Log", theme, true)), area);
        return;
    };
    let height = usize::from(area.height.saturating_sub(2));
    let (first, lines, total) = visible_lines(app, view, rs, &step.id, height);
    let mut flags = String::new();
    if rs.follow {
        flags.push_str(" [follow]");
    }
    if rs.wrap {
        flags.push_str(" [wrap]");
    }
    if rs.zoom {
        flags.push_str(" [z: steps hidden]");
    }
    if let Some(f) = &rs.filter {
        let _ = write!(flags, " &{f}");
    }
    if let Some(q) = &rs.query {
        let (rank, matches) = rs.match_info;
        let _ = write!(flags, " /{q} {rank}/{matches} match(es)");
    }
    // While following, no line counter: it would rewrite the title with every line over SSH.
    // A load step's live figures head its log (they change at most twice a second).
    let wide = area.width >= 100;
    let figures = view
        .load
        .get(&step.id)
        .map_or_else(String::new, |l| format!(" · {}", super::load::step_figures(l, true, wide)));
    let mut title = if rs.follow && view.active() {
        format!("{}{figures}{flags}", step.label)
    } else {
        format!("{} — {} line(s){figures}{flags}", step.label, total)
    };
    // Too long for the width: the figures and flags matter more than the label (the step list has it).
    if !figures.is_empty() && title.chars().count() + 2 > usize::from(area.width) {
        title = format!("{}{flags}", figures.trim_start_matches(" · "));
    }
    let query = rs.query.as_deref().filter(|q| !q.is_empty());
    let text: Vec<Line> = lines
        .into_iter()
        .enumerate()
        .map(|(i, (stream, l))| log_line(l, stream, query, rs.found == Some(first + i), theme))
        .collect();
    // Only a top border: a new log row is then just its text (no border cells to write).
    let block = || panel(&title, theme, true).borders(Borders::TOP);
    let mut p = Paragraph::new(text).block(block());
    if rs.wrap {
        p = p.wrap(Wrap { trim: false });
    }
    if let Some(m) = step.message.as_ref().filter(|_| total == 0) {
        p = Paragraph::new(span(format!(" {m}"), theme, Role::Muted)).block(block());
    }
    frame.render_widget(p, area);
}

/// The lines to show: the runtime's window of the log file when it matches, else the in-memory tail.
fn visible_lines(
    app: &App,
    view: &RunView,
    rs: &RunScreen,
    step: &str,
    height: usize,
) -> (usize, Vec<(Stream, String)>, usize) {
    if let Some(w) = app.log_window.as_ref().filter(|w| w.run == view.id && w.step == step) {
        let lines = w.lines.iter().map(|l| (Stream::Stdout, l.clone())).collect();
        return (w.first, lines, w.total);
    }
    let Some(tail) = view.logs.get(step) else { return (0, Vec::new(), 0) };
    if let Some(f) = rs.filter.as_deref() {
        let kept: Vec<(Stream, String)> =
            tail.iter().filter(|l| l.text.contains(f)).map(|l| (l.stream, l.text.clone())).collect();
        let end = kept.len().saturating_sub(if rs.follow { 0 } else { rs.scroll });
        let start = end.saturating_sub(height);
        let total = kept.len();
        return (start, kept.into_iter().skip(start).take(end - start).collect(), total);
    }
    let total = tail.len();
    let end = total.saturating_sub(if rs.follow { 0 } else { rs.scroll });
    let start = end.saturating_sub(height);
    let counted = view.line_counts.get(step).copied().unwrap_or(total);
    let lines = tail.iter().skip(start).take(end - start).map(|l| (l.stream, l.text.clone())).collect();
    (start + counted - total, lines, counted)
}

fn log_line<'a>(text: String, stream: Stream, query: Option<&str>, found: bool, theme: &Theme) -> Line<'a> {
    let text = crate::view::widgets::safe(text).into_owned();
    let base = match (found, stream) {
        (true, _) => theme.style(Role::Selection),
        (_, Stream::Stderr) => theme.style(Role::Warn),
        (_, Stream::System) => theme.style(Role::Accent),
        // The terminal's own colours: a streamed line then costs no colour escape codes.
        (_, Stream::Stdout) => ratatui::style::Style::default(),
    };
    let Some(q) = query else { return Line::from(Span::styled(text, base)) };
    let mut spans = Vec::new();
    let mut rest = text.as_str();
    while let Some(pos) = rest.find(q) {
        spans.push(Span::styled(rest[..pos].to_string(), base));
        spans.push(Span::styled(q.to_string(), theme.style(Role::Selection)));
        rest = &rest[pos + q.len()..];
    }
    spans.push(Span::styled(rest.to_string(), base));
    Line::from(spans)
}
