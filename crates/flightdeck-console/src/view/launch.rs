//! The launch screen: the parameter form with errors beside the fields, and the plan preview.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::app::App;
use crate::app::launch::{FieldValue, LaunchForm};
use crate::theme::{Role, Theme};
use crate::view::chrome::env_badge;
use crate::view::widgets::{ellipsize, panel, span, wrap_text};

/// Draws the launch form and, beside or instead of the help, the plan preview.
pub fn launch(app: &App, form: &LaunchForm, theme: &Theme, frame: &mut Frame, area: Rect) {
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(area);
    let title = format!("Launch {} — {}", form.workflow.name, form.workflow.title);
    frame.render_widget(
        Paragraph::new(field_lines(form, theme, usize::from(left.width.saturating_sub(2)))).block(panel(
            &title,
            theme,
            !form.preview,
        )),
        left,
    );
    let lines = if form.preview {
        let (w, h) =
            (usize::from(right.width.saturating_sub(4)), usize::from(right.height.saturating_sub(2)));
        preview_lines(app, form, theme, w, h)
    } else {
        help_lines(form, theme)
    };
    let title = if form.preview { "Plan — enter starts the run" } else { "About" };
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).block(panel(title, theme, form.preview)),
        right,
    );
}

/// The fields: a label column as wide as the longest label allows (long labels wrap under
/// themselves), the value beside the first line, and the focused field's help or an error wrapped
/// under it: nothing is cut at 80x24.
fn field_lines<'a>(form: &LaunchForm, theme: &Theme, width: usize) -> Vec<Line<'a>> {
    let longest = form.fields.iter().map(|f| f.label.chars().count()).max().unwrap_or(0);
    let label_w = longest.min((width / 2).saturating_sub(2).max(12));
    let mut lines = Vec::new();
    for (i, f) in form.fields.iter().enumerate() {
        let focused = i == form.focus && !form.preview;
        let req = if f.required { "*" } else { " " };
        let role = if focused { Role::Accent } else { Role::Text };
        let parts = wrap_text(&f.label, label_w);
        let first = parts.first().cloned().unwrap_or_default();
        let label = span(format!("{}{req}{first:<label_w$} ", if focused { "▸" } else { " " }), theme, role);
        lines.push(Line::from(vec![label, field_value(f, focused, theme)]));
        for more in parts.iter().skip(1) {
            lines.push(Line::from(span(format!("  {more}"), theme, role)));
        }
        let (note, note_role, indent) = match (&f.error, &f.help) {
            (Some(e), _) => (format!("✗ {e}"), Role::Fail, "   "),
            (None, Some(h)) if focused => (h.clone(), Role::Muted, "     "),
            _ => continue,
        };
        for l in wrap_text(&note, width.saturating_sub(indent.len())) {
            lines.push(Line::from(span(format!("{indent}{l}"), theme, note_role)));
        }
    }
    lines
}

fn field_value<'a>(f: &crate::app::launch::Field, focused: bool, theme: &Theme) -> Span<'a> {
    let role = if focused { Role::Selection } else { Role::Text };
    match &f.value {
        FieldValue::Text(t) => {
            let cursor = if focused { "█" } else { "" };
            span(format!("[{}{cursor}]", t.value()), theme, role)
        }
        FieldValue::Choice { options, selected } => {
            let v = options.get(*selected).cloned().unwrap_or_default();
            span(format!("‹ {v} ›"), theme, role)
        }
        FieldValue::Bool(b) => span(if *b { "[x] yes" } else { "[ ] no" }, theme, role),
    }
}

fn help_lines<'a>(form: &LaunchForm, theme: &Theme) -> Vec<Line<'a>> {
    let wf = &form.workflow;
    let mut lines = vec![Line::from(span(wf.summary.clone(), theme, Role::Text)), Line::default()];
    lines.push(Line::from(span(
        format!("{} steps; * marks required fields.", wf.steps.len()),
        theme,
        Role::Muted,
    )));
    lines.push(Line::from(span("enter checks the values and shows the plan.", theme, Role::Muted)));
    lines
}

/// The plan: the environment, the values, then each step. A step's description wraps under
/// itself when the whole plan still fits the panel; otherwise each keeps one line (cut with `…`),
/// so no step falls off the bottom.
fn preview_lines<'a>(
    app: &App,
    form: &LaunchForm,
    theme: &Theme,
    width: usize,
    height: usize,
) -> Vec<Line<'a>> {
    let env = form.environment();
    let mut lines =
        vec![Line::from(vec![span("environment ", theme, Role::Muted), env_badge(app, &env, theme)])];
    for f in form.fields.iter().filter(|f| !f.name.starts_with('@')) {
        lines.push(Line::from(vec![
            span(format!("  {} = ", f.name), theme, Role::Muted),
            span(f.text(), theme, Role::Text),
        ]));
    }
    if form.fields.iter().any(|f| f.name == "@dry_run" && f.value == FieldValue::Bool(true)) {
        lines.push(Line::from(span("  DRY RUN: nothing that changes anything runs", theme, Role::Warn)));
    }
    lines.push(Line::default());
    let wrapped = plan_steps(form, theme, width, true);
    if lines.len() + wrapped.len() <= height {
        lines.extend(wrapped);
    } else {
        lines.extend(plan_steps(form, theme, width, false));
    }
    lines
}

fn plan_steps<'a>(form: &LaunchForm, theme: &Theme, width: usize, wrap: bool) -> Vec<Line<'a>> {
    let mut lines = Vec::new();
    let room = width.saturating_sub(15);
    for (n, s) in form.workflow.steps.iter().enumerate() {
        let what = match &s.title {
            Some(t) => format!("{}: {t}", s.action.kind),
            None => flightdeck_core::steps::kind(&s.action.kind)
                .map_or_else(|| s.action.kind.clone(), |k| k.describe(&s.action.spec)),
        };
        let role = if s.action.kind == "approve" { Role::Warn } else { Role::Text };
        let first = what.lines().next().unwrap_or("");
        let parts = if wrap { wrap_text(first, room) } else { vec![ellipsize(first, room)] };
        for (i, part) in parts.into_iter().enumerate() {
            let head =
                if i == 0 { format!("{:>2}. {:<10} ", n + 1, ellipsize(&s.id, 10)) } else { " ".repeat(15) };
            lines.push(Line::from(vec![span(head, theme, Role::Accent), span(part, theme, role)]));
        }
        if let Some(w) = &s.when {
            lines.push(Line::from(span(format!("      when {}", w.source()), theme, Role::Muted)));
        }
        if s.rollback.is_some() {
            lines.push(Line::from(Span::styled("      ↺ has a rollback", theme.style(Role::Muted))));
        }
    }
    lines
}
