//! The run screen's dialogs: the approval dialog (the full text being approved, scrollable; the
//! engine's tally and refusals; the countdown to the approval timeout; a highlighted option; the
//! grace period shown while keys are ignored), the failure menu and the re-run confirmation.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use crate::app::dialog::{RERUN_OPTIONS, gate_options};
use crate::app::run_view::RunView;
use crate::app::{App, RunScreen};
use crate::theme::{Role, Theme};
use crate::view::widgets::{clock, panel, span, wrap_text};
use flightdeck_core::engine::event::{FailureAction, GateForm, GateInfo};
use flightdeck_core::time::human_duration;

/// Widest a dialog gets.
const MAX_WIDTH: u16 = 78;

/// A dialog in two parts: text that scrolls, and a fixed bottom (tally, options, keys).
pub(super) struct Dialog<'a> {
    pub(super) title: String,
    pub(super) body: Vec<Line<'a>>,
    pub(super) bottom: Vec<Line<'a>>,
}

/// Draws the dialog of the run on screen, if one shows.
pub fn run_dialogs(app: &App, view: &RunView, rs: &RunScreen, theme: &Theme, frame: &mut Frame, area: Rect) {
    let Some(id) = app.dialog.as_deref() else { return };
    let inner = usize::from(area.width.min(MAX_WIDTH).saturating_sub(4));
    let d = if id == "cancel" {
        cancel_dialog(view, theme, inner)
    } else if let Some(menu) = view.failure.as_ref().filter(|_| id.starts_with("failure:")) {
        failure_dialog(app, menu, theme, inner)
    } else if let Some((step, alive)) = view.rerun.as_ref().filter(|_| id.starts_with("rerun:")) {
        rerun_dialog(app, rs, step, *alive, theme, inner)
    } else if let Some(p) = view.secret_prompt.as_ref().filter(|_| id.starts_with("secret:")) {
        crate::view::secret_dialog::secret_dialog(app, rs, p, theme, inner)
    } else if let Some(gate) = view.gate.as_ref().filter(|_| id.starts_with("gate:")) {
        gate_dialog(app, view, rs, gate, theme, inner)
    } else {
        return;
    };
    draw(d, rs.dialog_scroll, theme, frame, area);
}

fn draw(d: Dialog, scroll: usize, theme: &Theme, frame: &mut Frame, area: Rect) {
    let width = area.width.min(MAX_WIDTH);
    let want = d.body.len() + d.bottom.len() + 2;
    let height = u16::try_from(want).unwrap_or(u16::MAX).min(area.height);
    let x = area.x + (area.width - width) / 2;
    let y = area.y + (area.height - height) / 2;
    let rect = Rect::new(x, y, width, height);
    frame.render_widget(Clear, rect);
    let block = panel(&d.title, theme, true);
    let inside = block.inner(rect);
    frame.render_widget(block, rect);
    let inside = Rect::new(inside.x + 1, inside.y, inside.width.saturating_sub(2), inside.height);
    let bottom_h = u16::try_from(d.bottom.len()).unwrap_or(u16::MAX).min(inside.height);
    let [top, bottom] = Layout::vertical([Constraint::Min(0), Constraint::Length(bottom_h)]).areas(inside);
    let mut room = usize::from(top.height);
    let overflow = d.body.len() > room;
    if overflow {
        // One row says there is more, and where: the text being approved is never silently cut.
        room = room.saturating_sub(1);
    }
    let max_scroll = d.body.len().saturating_sub(room);
    let scroll = scroll.min(max_scroll);
    let mut body: Vec<Line> = d.body.into_iter().skip(scroll).take(room).collect();
    if overflow {
        let below = max_scroll - scroll;
        body.push(Line::from(span(
            format!("↑↓ scroll: {scroll} line(s) above, {below} below"),
            theme,
            Role::Key,
        )));
    }
    frame.render_widget(Paragraph::new(body), top);
    frame.render_widget(Paragraph::new(d.bottom), bottom);
}

pub(super) fn wrapped<'a>(
    text: &str,
    width: usize,
    theme: &Theme,
    role: Role,
    indent: &str,
) -> Vec<Line<'a>> {
    let w = width.saturating_sub(indent.chars().count());
    wrap_text(text, w).into_iter().map(|l| Line::from(span(format!("{indent}{l}"), theme, role))).collect()
}

/// One row of options, the highlighted one marked by role and by `▶ ◀` (readable without colour).
fn options_line<'a>(options: &[String], selected: usize, theme: &Theme) -> Line<'a> {
    let mut spans = Vec::new();
    for (i, o) in options.iter().enumerate() {
        if i == selected {
            spans.push(span(format!("▶ {o} ◀"), theme, Role::Selection));
        } else {
            spans.push(span(format!("  {o}  "), theme, Role::Text));
        }
        spans.push(Span::raw(" "));
    }
    Line::from(spans)
}

/// The key line, or the grace period while keys are ignored.
pub(super) fn keys_line<'a>(app: &App, keys: &str, theme: &Theme) -> Line<'a> {
    match app.grace_left_ms() {
        Some(ms) => {
            Line::from(span(format!("⏳ just opened: keys are ignored for {ms} ms"), theme, Role::Warn))
        }
        None => Line::from(span(keys.to_string(), theme, Role::Muted)),
    }
}

fn gate_dialog<'a>(
    app: &App,
    view: &RunView,
    rs: &RunScreen,
    gate: &GateInfo,
    theme: &Theme,
    width: usize,
) -> Dialog<'a> {
    let mut body = wrapped(&gate.message, width, theme, Role::Title, "");
    body.push(Line::default());
    for (k, v) in &gate.facts {
        let role = if k == "environment" && app.is_production(v) { Role::EnvProduction } else { Role::Text };
        let value = wrap_text(v, width.saturating_sub(14));
        for (i, part) in value.into_iter().enumerate() {
            let key = if i == 0 { format!("  {k:<12}") } else { " ".repeat(14) };
            body.push(Line::from(vec![span(key, theme, Role::Muted), span(part, theme, role)]));
        }
    }
    let mut bottom = tally_lines(app, view, gate, theme, width);
    bottom.push(Line::default());
    if rs.answered.as_deref() == Some(gate.gate.as_str()) {
        bottom.extend(wrapped(
            "your answer is recorded; waiting for the others (flightdeck approve RUN)",
            width,
            theme,
            Role::Muted,
            "",
        ));
        bottom.push(keys_line(app, "esc hide · the run keeps waiting", theme));
    } else {
        bottom.extend(form_lines(app, rs, gate, theme));
    }
    let title = format!("Approval needed — {}", view.environment);
    Dialog { title, body, bottom }
}

/// The engine's tally: counted approvers, refusals with their reasons, the countdown.
fn tally_lines<'a>(app: &App, view: &RunView, gate: &GateInfo, theme: &Theme, width: usize) -> Vec<Line<'a>> {
    let t = &view.tally;
    let names = if t.counted.is_empty() { "none yet".to_string() } else { t.counted.join(", ") };
    let mut lines = vec![Line::from(vec![
        span(format!("approvals {}/{}", t.counted_n(), t.required), theme, Role::Warn),
        span(format!(" · {} needed · counted: {names}", t.remaining), theme, Role::Text),
    ])];
    for (name, why) in &t.refused {
        let why = if why.is_empty() { "not counted" } else { why.as_str() };
        lines.extend(wrapped(&format!("✗ {name}: {why}"), width, theme, Role::Fail, ""));
    }
    if !gate.self_approval {
        lines.push(Line::from(span("the operator who started the run may not approve", theme, Role::Muted)));
    }
    if let Some(deadline) = gate.deadline {
        let left = deadline.millis_since(app.now);
        let text = if left > 0 {
            format!("⏱ times out in {} (at {} UTC): then it rejects", human_duration(left), clock(deadline))
        } else {
            "⏱ timed out: the run rejects this gate".to_string()
        };
        lines.push(Line::from(span(text, theme, Role::Warn)));
    }
    lines
}

fn form_lines<'a>(app: &App, rs: &RunScreen, gate: &GateInfo, theme: &Theme) -> Vec<Line<'a>> {
    match &gate.form {
        GateForm::Phrase { phrase } => {
            let typed = rs.phrase.value();
            let role = if &typed == phrase { Role::Ok } else { Role::Text };
            let mut lines = vec![
                Line::from(vec![
                    span("type exactly: ", theme, Role::Muted),
                    span(phrase.clone(), theme, Role::Warn),
                ]),
                Line::from(vec![
                    span("> ", theme, Role::Accent),
                    span(typed, theme, role),
                    span("█", theme, Role::Accent),
                ]),
            ];
            if rs.phrase_mismatch {
                lines.push(Line::from(span(
                    "does not match: type it exactly (case matters)",
                    theme,
                    Role::Fail,
                )));
            } else {
                lines.push(keys_line(app, "enter submits · ctrl-r rejects · esc hide", theme));
            }
            lines
        }
        GateForm::YesNo { .. } | GateForm::Choice { .. } => vec![
            options_line(&gate_options(&gate.form), rs.choice, theme),
            keys_line(app, "←→ choose · enter confirm · y approve · ctrl-r reject · esc hide", theme),
        ],
    }
}

fn failure_dialog<'a>(
    app: &App,
    menu: &crate::app::run_view::FailureMenu,
    theme: &Theme,
    width: usize,
) -> Dialog<'a> {
    let options = [
        (FailureAction::Retry, "retry"),
        (FailureAction::Skip, "skip"),
        (FailureAction::Rollback, "roll back"),
        (FailureAction::Abort, "abort"),
    ];
    let labels: Vec<String> = options.iter().map(|(_, l)| (*l).to_string()).collect();
    let selected = options.iter().position(|(a, _)| *a == menu.selected).unwrap_or(0);
    let mut body =
        vec![Line::from(span(format!("{} failed (attempt {})", menu.step, menu.attempt), theme, Role::Fail))];
    body.extend(wrapped(&menu.error, width, theme, Role::Text, ""));
    let bottom = vec![
        Line::default(),
        options_line(&labels, selected, theme),
        keys_line(app, "←→ choose · enter confirm · esc hide (the run waits)", theme),
    ];
    Dialog { title: "Step failed — what now?".into(), body, bottom }
}

fn rerun_dialog<'a>(
    app: &App,
    rs: &RunScreen,
    step: &str,
    alive: bool,
    theme: &Theme,
    width: usize,
) -> Dialog<'a> {
    let why = if alive {
        "its old process is still running: re-running kills it first"
    } else {
        "it may have half-run: re-running runs it again from the start"
    };
    let mut body = wrapped(&format!("{step} was running when flightdeck died"), width, theme, Role::Warn, "");
    body.extend(wrapped(why, width, theme, Role::Text, ""));
    let labels: Vec<String> = RERUN_OPTIONS.iter().map(|s| (*s).to_string()).collect();
    let bottom = vec![
        Line::default(),
        options_line(&labels, rs.choice, theme),
        keys_line(app, "←→ choose · enter confirm · y re-run · esc hide", theme),
    ];
    Dialog { title: "Resume".into(), body, bottom }
}

fn cancel_dialog<'a>(view: &RunView, theme: &Theme, width: usize) -> Dialog<'a> {
    let mut body = wrapped(&format!("Cancel run {}?", view.id), width, theme, Role::Warn, "");
    body.extend(wrapped(
        "The running step's process group gets SIGTERM, then SIGKILL after 5 s.",
        width,
        theme,
        Role::Text,
        "",
    ));
    let bottom = vec![Line::from(vec![
        span("y", theme, Role::Key),
        span(" cancel the run   ", theme, Role::Muted),
        span("any other key", theme, Role::Key),
        span(" keep it", theme, Role::Muted),
    ])];
    Dialog { title: "Cancel".into(), body, bottom }
}
