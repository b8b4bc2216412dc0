//! Header and footer. The header names the project, the environment (production unmistakable in
//! every theme: its own role, upper case and arrow marks, so it reads without colour too),
//! branch@sha, the operator and the clock. The footer shows the keys that work here.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::tui::app::{App, Screen};
use crate::tui::keymap::{Ctx, hints};
use crate::tui::theme::{Role, Theme};
use crate::tui::view::widgets::{clock, span};

/// The environment the header shows: the run's or the launch form's, else the default.
fn environment(app: &App) -> String {
    match app.screen() {
        Screen::Run(rs) => {
            app.views.get(&rs.run).map_or_else(|| app.init.default_env.clone(), |v| v.environment.clone())
        }
        Screen::Launch(form) => form.environment(),
        _ => app.init.default_env.clone(),
    }
}

/// The badge for an environment.
pub fn env_badge<'a>(app: &App, env: &str, theme: &Theme) -> Span<'a> {
    let production = app.init.environments.iter().any(|(n, p)| n == env && *p);
    if production {
        span(format!(" ▲ {} ▲ ", env.to_uppercase()), theme, Role::EnvProduction)
    } else {
        span(format!(" {env} "), theme, Role::EnvOther)
    }
}

/// The top line.
pub fn header(app: &App, theme: &Theme, frame: &mut Frame, area: Rect) {
    let env = environment(app);
    let sep = || span(" │ ", theme, Role::Border);
    let mut tail = vec![sep(), span(app.init.operator.clone(), theme, Role::Text)];
    if let Some(h) = app.health.as_deref().filter(|h| !h.monitors.is_empty()) {
        tail.push(sep());
        tail.extend(crate::tui::view::health::summary(h, theme));
    }
    let mut spans = vec![
        span(" flightdeck", theme, Role::Accent),
        sep(),
        span(app.init.project.clone(), theme, Role::Title),
    ];
    if !env.is_empty() {
        spans.push(sep());
        spans.push(env_badge(app, &env, theme));
    }
    let right = format!("{} UTC ", clock(app.now));
    let width = |v: &[Span]| v.iter().map(Span::width).sum::<usize>();
    // branch@sha is the first thing to give way on a narrow terminal.
    let room =
        usize::from(area.width).saturating_sub(width(&spans) + width(&tail) + right.chars().count() + 1);
    if !app.init.branch.is_empty() && app.init.branch.chars().count() + 3 <= room {
        spans.push(sep());
        spans.push(span(app.init.branch.clone(), theme, Role::Muted));
    }
    spans.extend(tail);
    let pad = usize::from(area.width).saturating_sub(width(&spans) + right.chars().count());
    spans.push(Span::raw(" ".repeat(pad)));
    // The clock ticks every second: in the terminal's own colours it costs no colour escape codes.
    spans.push(Span::raw(right));
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The context whose keys the footer lists.
pub fn footer_ctx(app: &App) -> Ctx {
    match app.screen() {
        Screen::Home | Screen::Persona(_) => Ctx::List,
        Screen::Runs => Ctx::Runs,
        Screen::Dora => Ctx::Dora,
        Screen::Load => Ctx::Load,
        Screen::Notifications => Ctx::Notifications,
        Screen::Run(rs) => match app.views.get(&rs.run) {
            Some(v) if v.failure.is_some() => Ctx::FailureMenu,
            Some(v) if v.gate.is_some() => Ctx::Gate,
            _ => Ctx::Run,
        },
        Screen::Launch(_) | Screen::Audit | Screen::Release | Screen::Health => Ctx::Global,
    }
}

/// The bottom line: the command line, a notice, or the keys that work here.
pub fn footer(app: &App, theme: &Theme, frame: &mut Frame, area: Rect) {
    if let Some(input) = &app.cmdline {
        let mut spans = vec![
            span(":", theme, Role::Accent),
            span(input.value(), theme, Role::Text),
            span("█", theme, Role::Accent),
        ];
        if !app.completions.is_empty() {
            spans.push(span(format!("   {}", app.completions.join("  ")), theme, Role::Muted));
        }
        frame.render_widget(Paragraph::new(Line::from(spans)), area);
        return;
    }
    if let Some(n) = &app.notice {
        frame.render_widget(Paragraph::new(Line::from(span(format!(" {n}"), theme, Role::Warn))), area);
        return;
    }
    let extra: &[(&str, &str)] = match app.screen() {
        Screen::Launch(f) if f.preview => &[("enter", "start the run"), ("any key", "edit"), ("esc", "back")],
        Screen::Launch(_) => {
            &[("tab/↑↓", "field"), ("←→/space", "change"), ("enter", "preview"), ("esc", "back")]
        }
        Screen::Release => &[("enter", "launch the release workflow"), ("esc", "back"), ("?", "help")],
        Screen::Load if app.load.phase == crate::tui::app::load::LoadPhase::Setup => {
            &[("tab/↑↓", "field"), ("←→", "profile"), ("enter", "start the test"), ("esc", "back")]
        }
        Screen::Run(rs)
            if app
                .views
                .get(&rs.run)
                .and_then(|v| v.gate.as_ref())
                .is_some_and(|g| matches!(g.form, crate::engine::event::GateForm::Phrase { .. })) =>
        {
            &[("type", "the phrase"), ("enter", "submit"), ("ctrl-r", "reject"), ("esc", "back")]
        }
        _ => hints(footer_ctx(app)),
    };
    let mut spans = vec![Span::raw(" ")];
    for (k, label) in extra {
        spans.push(span(*k, theme, Role::Key));
        spans.push(span(format!(" {label}  "), theme, Role::Muted));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
