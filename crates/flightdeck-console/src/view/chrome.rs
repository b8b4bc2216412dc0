//! Header and footer. The header names the project, the environment (production unmistakable in
//! every theme: its own role, upper case and arrow marks, so it reads without colour too),
//! branch@sha, the operator and the clock; while an incident is open, a banner line under it. The
//! footer shows the keys that work here.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::run_view::RunView;
use crate::app::{App, Screen};
use crate::keymap::{KeyScope, hints};
use crate::theme::{Role, Theme};
use crate::view::widgets::{clock, span};
use flightdeck_core::engine::event::RunStatus;

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
    let tail = fitting_tail(app, theme, &env, width(&spans) + right.chars().count(), area.width);
    // branch@sha is the first thing to give way on a narrow terminal.
    let room =
        usize::from(area.width).saturating_sub(width(&spans) + width(&tail) + right.chars().count() + 1);
    if !app.init.branch.is_empty() && app.init.branch.chars().count() + 3 <= room {
        spans.push(sep());
        spans.push(span(app.init.branch.clone(), theme, Role::Muted));
    }
    spans.extend(tail);
    let clock_w = u16::try_from(right.chars().count()).unwrap_or(0).min(area.width);
    let pad = usize::from(area.width).saturating_sub(width(&spans) + usize::from(clock_w));
    spans.push(Span::raw(" ".repeat(pad)));
    // The left part gives way at its end; the clock always shows, at the right edge.
    let left = Rect::new(area.x, area.y, area.width.saturating_sub(clock_w + 1), 1);
    frame.render_widget(Paragraph::new(Line::from(spans)), left);
    let gap = Rect::new(left.x + left.width, area.y, area.width - left.width - clock_w, 1);
    frame.render_widget(Paragraph::new(" "), gap);
    // The clock ticks every second: in the terminal's own colours it costs no colour escape codes.
    frame.render_widget(Paragraph::new(right), Rect::new(area.x + area.width - clock_w, area.y, clock_w, 1));
}

/// The header's right part that fits beside `used` columns. What gives way on a narrow terminal,
/// in order: branch@sha (see `header`), the health summary's environment name when it is the one on
/// screen, the operator; waiting gates and the health summary always show.
fn fitting_tail<'a>(app: &App, theme: &Theme, env: &str, used: usize, width: u16) -> Vec<Span<'a>> {
    let choices = if app.health.env == env {
        [(true, true), (true, false), (false, false)]
    } else {
        [(true, true), (false, true), (false, true)]
    };
    let mut tail = Vec::new();
    for (operator, health_env) in choices {
        tail = header_tail(app, theme, operator, health_env);
        if used + tail.iter().map(Span::width).sum::<usize>() < usize::from(width) {
            break;
        }
    }
    tail
}

/// The header's right part: operator, waiting gates, the health summary (with its environment).
fn header_tail<'a>(app: &App, theme: &Theme, operator: bool, health_env: bool) -> Vec<Span<'a>> {
    let sep = || span(" │ ", theme, Role::Border);
    let mut tail = Vec::new();
    if operator {
        tail.extend([sep(), span(app.init.operator.clone(), theme, Role::Text)]);
    }
    let waiting = app.waiting_runs();
    if waiting > 0 {
        tail.extend([sep(), span(format!("⏸ {waiting} waiting"), theme, Role::Warn)]);
    }
    if let Some(h) = app.health.snapshot.as_deref().filter(|h| !h.monitors.is_empty()) {
        tail.push(sep());
        // The summary names its environment: it need not be the one on screen.
        if health_env {
            tail.push(span(format!("{} ", app.health.env), theme, Role::Muted));
        }
        tail.extend(crate::view::health::summary(h, theme));
    }
    tail
}

/// The incident banner under the header while an incident is open, on every screen:
/// `SEV1 inc-… 00:42:17 · commander diana · 3 on it`, in the banner role (reversed in `mono`).
/// Its running clock is drawn in the terminal's own colours, like the header's clock: the
/// per-second change then costs no colour escape codes (DESIGN §9's idle budget).
pub fn banner(app: &App, theme: &Theme, frame: &mut Frame, area: Rect) {
    let Some(open) = app.incident.as_deref() else { return };
    if area.height == 0 {
        return;
    }
    let (head, clock, tail) = flightdeck_core::incident::banner_parts(&open.record, &open.events, app.now);
    let clean = |s: &str| flightdeck_core::sanitize::one_line(s).into_owned();
    let mut spans = vec![
        span(format!(" ⚠ {} ", clean(&head)), theme, Role::Banner),
        Span::raw(clock),
        span(format!(" {} ", clean(&tail)), theme, Role::Banner),
    ];
    let used: usize = spans.iter().map(Span::width).sum();
    spans.push(span(" ".repeat(usize::from(area.width).saturating_sub(used)), theme, Role::Banner));
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The context whose keys the footer lists.
pub fn footer_ctx(app: &App) -> KeyScope {
    match app.screen() {
        Screen::Home | Screen::Persona(_) => KeyScope::List,
        Screen::Runs => KeyScope::Runs,
        Screen::Dora => KeyScope::Dora,
        Screen::Load if app.load.from_run.is_some() => KeyScope::LoadStep,
        Screen::Load => KeyScope::Load,
        Screen::Notifications => KeyScope::Notifications,
        Screen::Run(rs) => match app.dialog.as_deref() {
            Some(d) if d.starts_with("failure:") => KeyScope::FailureMenu,
            Some(d) if d.starts_with("gate:") || d.starts_with("rerun:") => KeyScope::Gate,
            _ if rs.hidden.is_some() => KeyScope::HiddenDialog,
            _ => KeyScope::Run,
        },
        Screen::Health => KeyScope::Health,
        Screen::Assessment => KeyScope::Assessment,
        Screen::Incident => KeyScope::Incident,
        Screen::Cost => KeyScope::Cost,
        Screen::Profile => KeyScope::Profile,
        Screen::Launch(_)
        | Screen::Audit
        | Screen::Release
        | Screen::Secrets
        | Screen::Images
        | Screen::Backups => KeyScope::Global,
    }
}

/// What is being typed at the bottom: the command line, the log filter or the log search.
fn input_line<'a>(app: &App, theme: &Theme) -> Option<Line<'a>> {
    let typed = |lead: &'static str, value: String, help: String| {
        Line::from(vec![
            span(lead, theme, Role::Accent),
            span(value, theme, Role::Text),
            span("█", theme, Role::Accent),
            span(help, theme, Role::Muted),
        ])
    };
    if let Some(input) = &app.cmdline {
        let help = if app.completions.is_empty() {
            String::new()
        } else {
            format!("   {}", app.completions.join("  "))
        };
        return Some(typed(":", input.value(), help));
    }
    let Screen::Run(rs) = app.screen() else { return None };
    if let Some(input) = &rs.filter_input {
        return Some(typed(
            "&",
            input.value(),
            "   only lines containing it · enter keep · esc clear".into(),
        ));
    }
    // What you type, as you type it.
    let input = rs.search_input.as_ref()?;
    Some(typed("/", input.value(), "   enter search · n/N next/previous · esc cancel".into()))
}

/// The bottom line: the command line, a notice, or the keys that work here.
pub fn footer(app: &App, theme: &Theme, frame: &mut Frame, area: Rect) {
    if let Some(line) = input_line(app, theme) {
        frame.render_widget(Paragraph::new(line), area);
        return;
    }
    if let Some(n) = &app.notice {
        frame.render_widget(Paragraph::new(Line::from(span(format!(" {n}"), theme, Role::Warn))), area);
        return;
    }
    let (extra, help) = dialog_hints(app).unwrap_or_else(|| (screen_hints(app), true));
    let spans = hint_spans(extra, help, usize::from(area.width), theme);
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The keys of the screen on top (no dialog showing).
fn screen_hints(app: &App) -> &'static [(&'static str, &'static str)] {
    match app.screen() {
        Screen::Launch(f) if f.preview => &[("enter", "start the run"), ("any key", "edit"), ("esc", "back")],
        Screen::Launch(_) => {
            &[("tab/↑↓", "field"), ("←→/space", "change"), ("enter", "preview"), ("esc", "back")]
        }
        Screen::Release => &[("enter", "launch the release workflow"), ("esc", "back"), ("?", "help")],
        // A persona's own screen: `tab` does nothing here; `1 2 3` switch persona.
        Screen::Persona(_) => &[("↑↓", "select"), ("enter", "launch"), ("1 2 3", "persona"), ("esc", "back")],
        // Following a run's load step whose run has ended: there is nothing left to cancel.
        Screen::Load
            if app.load.from_run.as_ref().is_some_and(|(run, _)| {
                !app.views.get(run).is_some_and(crate::app::run_view::RunView::active)
            }) =>
        {
            &[("enter", "new test"), ("esc", "back"), ("?", "help")]
        }
        Screen::Load if app.load.phase == crate::app::load::LoadPhase::Setup => {
            &[("tab/↑↓", "field"), ("←→", "profile"), ("enter", "start the test"), ("esc", "back")]
        }
        // A running test can be cancelled, not replaced; a finished one has nothing to cancel.
        Screen::Load
            if app.load.from_run.is_none() && app.load.phase == crate::app::load::LoadPhase::Running =>
        {
            &[("x", "cancel the test"), ("esc", "back")]
        }
        Screen::Load if app.load.from_run.is_none() => &[("enter", "new test"), ("esc", "back")],
        // An ended run has nothing to cancel; an interrupted one can be resumed.
        Screen::Run(rs)
            if footer_ctx(app) == KeyScope::Run && !app.views.get(&rs.run).is_some_and(RunView::active) =>
        {
            let interrupted = app.views.get(&rs.run).is_some_and(|v| {
                !v.live && v.finished.as_ref().is_some_and(|f| f.0 == RunStatus::Interrupted)
            });
            if interrupted {
                &[
                    ("↑↓", "step"),
                    ("R", "resume"),
                    ("esc", "back"),
                    ("/", "search"),
                    ("z", "full log"),
                    ("&", "filter"),
                ]
            } else {
                &[
                    ("↑↓", "step"),
                    ("esc", "back"),
                    ("/", "search"),
                    ("w", "wrap"),
                    ("z", "full log"),
                    ("&", "filter"),
                    ("c", "copy line"),
                    ("PgUp/Dn", "scroll"),
                ]
            }
        }
        _ => hints(footer_ctx(app)),
    }
}

/// The keys of the dialog on screen, if one is: only they (and `? help`, except while a phrase is
/// typed, where `?` is text) work while it shows.
fn dialog_hints(app: &App) -> Option<(&'static [(&'static str, &'static str)], bool)> {
    let dialog = app.dialog.as_deref()?;
    let gate = match app.screen() {
        Screen::Run(rs) => app.views.get(&rs.run).and_then(|v| v.gate.as_ref()).map(|g| (rs, g)),
        _ => None,
    };
    let phrase = matches!(gate, Some((rs, g)) if rs.answered.as_deref() != Some(g.gate.as_str())
        && matches!(g.form, flightdeck_core::engine::event::GateForm::Phrase { .. }));
    let keys: &'static [(&'static str, &'static str)] = match dialog {
        "quit" => &[("y", "quit"), ("any other key", "stay")],
        "relaunch" => &[("y", "start another"), ("any other key", "don't")],
        "cancel" => &[("y", "cancel the run"), ("any other key", "keep it")],
        d if d.starts_with("failure:") => hints(KeyScope::FailureMenu),
        d if d.starts_with("rerun:") => &[
            ("←→", "choose"),
            ("enter", "confirm"),
            ("y", "re-run"),
            ("ctrl-r", "stop the run"),
            ("esc", "hide"),
        ],
        // Every key but enter and esc is typed into the value, `?` too.
        d if d.starts_with("secret:") => {
            &[("type", "the value (not shown)"), ("enter", "send"), ("esc", "hide")]
        }
        d if d.starts_with("gate:") => match gate {
            Some((rs, g)) if rs.answered.as_deref() == Some(g.gate.as_str()) => {
                &[("↑↓", "scroll"), ("esc", "hide (the run keeps waiting)")]
            }
            Some((_, g)) if matches!(g.form, flightdeck_core::engine::event::GateForm::Phrase { .. }) => {
                &[("type", "the phrase"), ("enter", "submit"), ("ctrl-r", "reject"), ("esc", "hide")]
            }
            _ => hints(KeyScope::Gate),
        },
        _ => return None,
    };
    Some((keys, !((phrase && dialog.starts_with("gate:")) || dialog.starts_with("secret:"))))
}

/// The key hints that fit in `width`, always ending with `? help` (hints give way from the end).
/// With `with_help` false (`?` means something else here) `? help` is left out.
fn hint_spans<'a>(hints: &[(&str, &str)], with_help: bool, width: usize, theme: &Theme) -> Vec<Span<'a>> {
    let help = ("?", "help");
    let mut items: Vec<(&str, &str)> = hints.iter().copied().filter(|h| *h != help).collect();
    let cost = |h: &(&str, &str)| h.0.chars().count() + h.1.chars().count() + 3;
    let budget = width.saturating_sub(1 + if with_help { cost(&help) } else { 0 });
    // The keys that work everywhere (`:` command, `q` quit) give way last, so 80 columns show them.
    let pinned = |h: &(&str, &str)| matches!(h.0, ":" | "q");
    while items.iter().map(cost).sum::<usize>() > budget && !items.is_empty() {
        match items.iter().rposition(|h| !pinned(h)) {
            Some(i) => items.remove(i),
            None => items.pop().unwrap_or(help),
        };
    }
    if with_help {
        items.push(help);
    }
    let mut spans = vec![Span::raw(" ")];
    for (k, label) in items {
        spans.push(span(k.to_string(), theme, Role::Key));
        spans.push(span(format!(" {label}  "), theme, Role::Muted));
    }
    spans
}
