//! Overlays over any screen: the quit and "start another run?" confirmations and the help screen
//! (the run screen's own dialogs are in `dialog`).

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Clear, Paragraph};

use crate::app::{App, Screen};
use crate::keymap::hints;
use crate::theme::{Role, Theme};
use crate::view::chrome::footer_ctx;
use crate::view::widgets::{panel, span};

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
            "It goes on in the runner: `flightdeck attach RUN` or the runs list shows it again.",
            (" quit   ", "any other key", " stay"),
            theme,
        );
        dialog(frame, body, "Quit?", lines, theme, 60);
    }
    if let Some(q) = &app.relaunch {
        let workflow = match &q.launch {
            crate::msg::Effect::Launch { workflow, .. } => workflow.clone(),
            _ => String::new(),
        };
        let mut lines = vec![Line::from(span(
            format!("{workflow} already has {} run(s) going:", q.others.len()),
            theme,
            Role::Warn,
        ))];
        for (id, state) in q.others.iter().take(5) {
            lines.push(Line::from(vec![
                span(format!("  {id}  "), theme, Role::Text),
                span(state.clone(), theme, Role::Muted),
            ]));
        }
        lines.push(Line::from(span("A second run does the same work again.", theme, Role::Text)));
        lines.push(Line::from(vec![
            span("y", theme, Role::Key),
            span(" start another   ", theme, Role::Muted),
            span("any other key", theme, Role::Key),
            span(" don't", theme, Role::Muted),
        ]));
        dialog(frame, body, "Start another run?", lines, theme, 72);
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
        Screen::Secrets => "Secrets",
        Screen::Images => "Images",
        Screen::Incident => "Incident",
        Screen::Backups => "Backups",
        Screen::Cost => "Cost",
        Screen::Load => "Load",
        Screen::Assessment => "Assessment",
        Screen::Profile => "Profile",
    };
    let mut lines = vec![Line::from(span(format!("Keys on {screen}"), theme, Role::Title))];
    for (k, label) in hints(footer_ctx(app)) {
        lines.push(Line::from(vec![
            span(format!("  {k:<10}"), theme, Role::Key),
            span(*label, theme, Role::Text),
        ]));
    }
    if matches!(app.screen(), Screen::Assessment) {
        lines.push(Line::from(span("Formula", theme, Role::Title)));
        for l in super::assessment::wrap(flightdeck_core::assess::FORMULA, 70) {
            lines.push(Line::from(span(format!("  {l}"), theme, Role::Text)));
        }
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
        ("r a S", "runs · audit · secrets"),
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
