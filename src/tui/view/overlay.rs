//! Overlays: the approval dialog, the failure menu, confirmations, and the help screen.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use crate::engine::event::{FailureAction, GateForm, GateInfo};
use crate::tui::app::run_view::RunView;
use crate::tui::app::{App, RunScreen, Screen};
use crate::tui::keymap::hints;
use crate::tui::theme::{Role, Theme};
use crate::tui::view::chrome::footer_ctx;
use crate::tui::view::widgets::{panel, span};

fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let [v] = Layout::vertical([Constraint::Length(height.min(area.height))]).flex(Flex::Center).areas(area);
    let [h] = Layout::horizontal([Constraint::Length(width.min(area.width))]).flex(Flex::Center).areas(v);
    h
}

fn dialog(frame: &mut Frame, area: Rect, title: &str, lines: Vec<Line>, theme: &Theme, width: u16) {
    let height = u16::try_from(lines.len() + 2).unwrap_or(u16::MAX);
    let rect = centered(area, width, height);
    frame.render_widget(Clear, rect);
    frame.render_widget(Paragraph::new(lines).block(panel(title, theme, true)), rect);
}

/// Global overlays: help, quit confirmation.
pub fn overlays(app: &App, theme: &Theme, frame: &mut Frame, body: Rect) {
    if app.help {
        help(app, theme, frame, body);
    }
    if app.confirm_quit {
        let lines = confirm_lines(
            "A run started here is still active.".into(),
            "Quitting stops it: its step gets SIGTERM; `flightdeck resume` continues later.",
            (" quit   ", "any other key", " stay"),
            theme,
        );
        dialog(frame, body, "Quit?", lines, theme, 60);
    }
}

/// A y/n confirmation: the question, what happens, and the keys (`y` label, other key, its label).
fn confirm_lines<'a>(
    question: String,
    consequence: &'a str,
    keys: (&'a str, &'a str, &'a str),
    theme: &Theme,
) -> Vec<Line<'a>> {
    let (yes, other, no) = keys;
    vec![
        Line::from(span(question, theme, Role::Warn)),
        Line::from(span(consequence, theme, Role::Text)),
        Line::from(vec![
            span("y", theme, Role::Key),
            span(yes, theme, Role::Muted),
            span(other, theme, Role::Key),
            span(no, theme, Role::Muted),
        ]),
    ]
}

/// Dialogs of the run screen, over its log.
pub fn run_dialogs(view: &RunView, rs: &RunScreen, theme: &Theme, frame: &mut Frame, area: Rect) {
    if rs.confirm_cancel {
        let lines = confirm_lines(
            format!("Cancel run {}?", view.id),
            "The running step's process group gets SIGTERM, then SIGKILL after 5 s.",
            (" cancel the run   ", "n", " keep it"),
            theme,
        );
        dialog(frame, area, "Cancel", lines, theme, 64);
    } else if let Some(menu) = &view.failure {
        dialog(frame, area, "Step failed — what now?", failure_lines(menu, theme), theme, 64);
    } else if let Some((step, alive)) = &view.rerun {
        let why = if *alive {
            "its old process is still running: y kills it and re-runs"
        } else {
            "it may have half-run: y runs it again"
        };
        let lines = vec![
            Line::from(span(format!("{step} was running when flightdeck died"), theme, Role::Warn)),
            Line::from(span(why, theme, Role::Text)),
            Line::from(span("y re-run   n stop here", theme, Role::Key)),
        ];
        dialog(frame, area, "Resume", lines, theme, 64);
    } else if let Some(gate) = &view.gate {
        let lines = gate_lines(view, rs, gate, theme);
        dialog(frame, area, "Approval needed", lines, theme, 70);
    }
}

fn failure_lines<'a>(menu: &crate::tui::app::run_view::FailureMenu, theme: &Theme) -> Vec<Line<'a>> {
    let options = [
        (FailureAction::Retry, "r", "retry"),
        (FailureAction::Skip, "s", "skip"),
        (FailureAction::Rollback, "b", "roll back"),
        (FailureAction::Abort, "a", "abort"),
    ];
    let mut opts = Vec::new();
    for (action, key, label) in options {
        let role = if action == menu.selected { Role::Selection } else { Role::Text };
        opts.push(span(format!(" {key} {label} "), theme, role));
        opts.push(Span::raw(" "));
    }
    vec![
        Line::from(span(format!("{} failed (attempt {})", menu.step, menu.attempt), theme, Role::Fail)),
        Line::from(span(menu.error.clone(), theme, Role::Text)),
        Line::default(),
        Line::from(opts),
    ]
}

fn gate_lines<'a>(view: &RunView, rs: &RunScreen, gate: &GateInfo, theme: &Theme) -> Vec<Line<'a>> {
    let mut lines = vec![Line::from(span(gate.message.clone(), theme, Role::Title)), Line::default()];
    for (k, v) in &gate.facts {
        let role = if k == "environment" && v.contains("prod") { Role::EnvProduction } else { Role::Text };
        lines.push(Line::from(vec![
            span(format!("  {k:<12}"), theme, Role::Muted),
            span(v.clone(), theme, role),
        ]));
    }
    let names: Vec<String> = view.answers.iter().filter(|a| a.approved).map(|a| a.name.clone()).collect();
    let so_far = if names.is_empty() { "none yet".to_string() } else { names.join(", ") };
    let remaining = gate.required.saturating_sub(u32::try_from(names.len()).unwrap_or(0));
    lines.push(Line::from(span(
        format!("  approvals {}/{} · {remaining} needed · {so_far}", names.len(), gate.required),
        theme,
        Role::Warn,
    )));
    if !gate.self_approval {
        lines.push(Line::from(span(
            "  the operator who started the run may not approve",
            theme,
            Role::Muted,
        )));
    }
    lines.push(Line::default());
    if rs.answered.as_deref() == Some(gate.gate.as_str()) {
        lines.push(Line::from(span(
            "your answer is recorded; waiting for the others (flightdeck approve RUN)",
            theme,
            Role::Muted,
        )));
        return lines;
    }
    lines.extend(gate_form_lines(rs, gate, theme));
    lines
}

fn gate_form_lines<'a>(rs: &RunScreen, gate: &GateInfo, theme: &Theme) -> Vec<Line<'a>> {
    let mut lines = Vec::new();
    match &gate.form {
        GateForm::YesNo { .. } => lines.push(Line::from(vec![
            span("y", theme, Role::Key),
            span(" approve   ", theme, Role::Muted),
            span("n", theme, Role::Key),
            span(" reject", theme, Role::Muted),
        ])),
        GateForm::Phrase { phrase } => {
            lines.push(Line::from(vec![
                span("type exactly: ", theme, Role::Muted),
                span(phrase.clone(), theme, Role::Warn),
            ]));
            let typed = rs.phrase.value();
            let role = if &typed == phrase { Role::Ok } else { Role::Text };
            lines.push(Line::from(vec![
                span("> ", theme, Role::Accent),
                span(typed, theme, role),
                span("█", theme, Role::Accent),
            ]));
            if rs.phrase_mismatch {
                lines.push(Line::from(span(
                    "does not match: type it exactly (case matters)",
                    theme,
                    Role::Fail,
                )));
            } else {
                lines.push(Line::from(span("enter submits · ctrl-r rejects · esc back", theme, Role::Muted)));
            }
        }
        GateForm::Choice { choices, .. } => {
            let mut spans = Vec::new();
            for (i, c) in choices.iter().enumerate() {
                spans.push(span(
                    format!(" {c} "),
                    theme,
                    if i == rs.choice { Role::Selection } else { Role::Text },
                ));
                spans.push(Span::raw(" "));
            }
            lines.push(Line::from(spans));
            lines.push(Line::from(span("←→ choose, enter confirm, n reject", theme, Role::Muted)));
        }
    }
    lines
}

fn help(app: &App, theme: &Theme, frame: &mut Frame, body: Rect) {
    let screen = match app.screen() {
        Screen::Home => "Home",
        Screen::Persona(_) => "Persona",
        Screen::Launch(_) => "Launch",
        Screen::Run(_) => "Run",
        Screen::Runs => "Runs",
        Screen::Audit => "Audit",
        Screen::Notifications => "Notifications",
        Screen::Release => "Release",
        Screen::Dora => "DORA",
        Screen::Health => "Health",
        Screen::Load => "Load",
    };
    let mut lines = vec![Line::from(span(format!("Keys on {screen}"), theme, Role::Title))];
    for (k, label) in hints(footer_ctx(app)) {
        lines.push(Line::from(vec![
            span(format!("  {k:<10}"), theme, Role::Key),
            span(*label, theme, Role::Text),
        ]));
    }
    lines.push(Line::default());
    lines.push(Line::from(span("Everywhere", theme, Role::Title)));
    for (k, label) in [
        (
            ":",
            "command line: home runs audit notifications run WF --env E k=v theme NAME persona NAME break fix quit",
        ),
        ("esc", "back"),
        ("H L d v", "health · load test · DORA · release"),
        ("r a", "runs · audit"),
        ("m", "mouse capture on/off"),
        ("q", "quit (asks if a run is active)"),
    ] {
        lines.push(Line::from(vec![
            span(format!("  {k:<10}"), theme, Role::Key),
            span(label, theme, Role::Text),
        ]));
    }
    lines.push(Line::from(span("any key closes this help", theme, Role::Muted)));
    dialog(frame, body, "Help", lines, theme, 76);
}
