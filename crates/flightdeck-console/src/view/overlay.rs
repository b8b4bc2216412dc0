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
use crate::view::widgets::{panel, span, wrap_text};

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
    if app.confirm_quit {
        let lines = confirm_lines(
            "A run started here is still active.",
            "It goes on in the runner: `flightdeck attach RUN` or the runs list shows it again.",
            (" quit   ", "any other key", " stay"),
            usize::from(body.width.min(60)).saturating_sub(2),
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
    // Help asked for over a question shows on top of it; any key closes it, the question stays.
    if app.help {
        help(app, theme, frame, body);
    }
}

/// A y/n confirmation: the question, what happens (both wrapped to `width`, the box's inside),
/// and the keys (`y` label, other key, its label).
fn confirm_lines<'a>(
    question: &str,
    consequence: &str,
    keys: (&'a str, &'a str, &'a str),
    width: usize,
    theme: &Theme,
) -> Vec<Line<'a>> {
    let (yes, other, no) = keys;
    let mut lines: Vec<Line<'a>> =
        wrap_text(question, width).into_iter().map(|l| Line::from(span(l, theme, Role::Warn))).collect();
    lines.extend(wrap_text(consequence, width).into_iter().map(|l| Line::from(span(l, theme, Role::Text))));
    lines.push(Line::from(vec![
        span("y", theme, Role::Key),
        span(yes, theme, Role::Muted),
        span(other, theme, Role::Key),
        span(no, theme, Role::Muted),
    ]));
    lines
}

/// One row of the help box before wrapping.
enum HelpRow {
    Title(String),
    Key(&'static str, String),
    Text(String),
}

/// The rows wrapped to `width`: a key's label wraps under itself, beside the key column.
fn help_lines<'a>(rows: &[HelpRow], width: usize, theme: &Theme) -> Vec<Line<'a>> {
    let mut out = Vec::new();
    for row in rows {
        match row {
            HelpRow::Title(t) => out.push(Line::from(span(t.clone(), theme, Role::Title))),
            HelpRow::Text(t) => {
                for l in super::assessment::wrap(t, width.saturating_sub(2)) {
                    out.push(Line::from(span(format!("  {l}"), theme, Role::Text)));
                }
            }
            HelpRow::Key(k, label) => {
                for (n, l) in wrap_text(label, width.saturating_sub(12)).into_iter().enumerate() {
                    let key = if n == 0 { format!("  {k:<10}") } else { " ".repeat(12) };
                    out.push(Line::from(vec![span(key, theme, Role::Key), span(l, theme, Role::Text)]));
                }
            }
        }
    }
    out
}

fn screen_name(screen: &Screen) -> &'static str {
    match screen {
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
    }
}

/// The help box uses the width it has (up to 110 columns) and wraps its labels; when the screen's
/// keys and the global ones do not fit one above the other, they stand side by side.
fn help(app: &App, theme: &Theme, frame: &mut Frame, body: Rect) {
    let mut mine = vec![HelpRow::Title(format!("Keys on {}", screen_name(app.screen())))];
    mine.extend(hints(footer_ctx(app)).iter().map(|(k, l)| HelpRow::Key(k, (*l).to_string())));
    if matches!(app.screen(), Screen::Assessment) {
        mine.push(HelpRow::Title("Formula".into()));
        mine.push(HelpRow::Text(flightdeck_core::assess::FORMULA.into()));
    }
    let everywhere = vec![
        HelpRow::Title("Everywhere".into()),
        // Every command, from the table completion uses: help never lists one that fails.
        HelpRow::Key(
            ":",
            format!(
                "command line (tab completes): {}; e.g. run deploy --env staging version=1.2.0",
                crate::app::COMMANDS.join(" ")
            ),
        ),
        HelpRow::Key("esc", "back".into()),
        HelpRow::Key("H L d v", "health · load test · DORA · release".into()),
        HelpRow::Key("r a S", "runs · audit · secrets".into()),
        HelpRow::Key("q", "quit (asks if a run is active)".into()),
    ];
    let width = body.width.saturating_sub(4).min(110).max(body.width.min(40));
    let inner = usize::from(width.saturating_sub(2));
    let closes = Line::from(span("any key closes this help", theme, Role::Muted));
    let mut one = help_lines(&mine, inner, theme);
    one.push(Line::default());
    one.extend(help_lines(&everywhere, inner, theme));
    if one.len() + 3 <= usize::from(body.height) || inner < 60 {
        one.push(closes);
        dialog(frame, body, "Help", one, theme, width);
        return;
    }
    let half = (inner - 1) / 2;
    let (left, right) = (help_lines(&mine, half, theme), help_lines(&everywhere, half, theme));
    let rows = left.len().max(right.len());
    let height = u16::try_from(rows + 3).unwrap_or(u16::MAX);
    let rect = centered(body, width, height);
    frame.render_widget(Clear, rect);
    let block = panel("Help", theme, true);
    let inside = block.inner(rect);
    frame.render_widget(block, rect);
    let [cols, foot] = Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(inside);
    let [l, _, r] =
        Layout::horizontal([Constraint::Fill(1), Constraint::Length(1), Constraint::Fill(1)]).areas(cols);
    frame.render_widget(Paragraph::new(left), l);
    frame.render_widget(Paragraph::new(right), r);
    frame.render_widget(Paragraph::new(closes), foot);
}
