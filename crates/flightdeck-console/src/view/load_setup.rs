//! The Load screen's setup form: target, model and profile fields with their errors, and what
//! the models mean.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

use crate::app::App;
use crate::app::launch::FieldValue;
use crate::app::load::LoadView;
use crate::theme::{Role, Theme};
use crate::view::chrome::env_badge;
use crate::view::widgets::{panel, span};

/// Draws the setup form.
pub fn setup(app: &App, theme: &Theme, frame: &mut Frame, area: Rect) {
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(area);
    let v = &app.load;
    let mut lines = field_lines(v, theme);
    if let Some(e) = &v.error {
        lines.push(Line::default());
        lines.push(Line::from(span(format!(" ✗ {e}"), theme, Role::Fail)));
    }
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).block(panel("Load test — setup", theme, true)),
        left,
    );
    let env = &app.init.default_env;
    let mut about = vec![
        Line::from(vec![span("environment ", theme, Role::Muted), env_badge(app, env, theme)]),
        Line::default(),
        Line::from(span("Closed model: N connections, each sends when answered.", theme, Role::Text)),
        Line::from(span("Open model: a rate; latency counts from the intended send.", theme, Role::Text)),
        Line::default(),
        Line::from(span("enter checks the form and starts; x cancels a running test.", theme, Role::Muted)),
    ];
    if app.init.environments.iter().any(|(n, p)| n == env && *p) {
        about.push(Line::from(span("production: only loopback targets run here", theme, Role::Warn)));
    }
    frame.render_widget(
        Paragraph::new(about).wrap(Wrap { trim: false }).block(panel("About", theme, false)),
        right,
    );
}

fn field_lines<'a>(v: &LoadView, theme: &Theme) -> Vec<Line<'a>> {
    let mut lines = Vec::new();
    for (i, f) in v.fields.iter().enumerate() {
        let focused = i == v.focus;
        let role = if focused { Role::Selection } else { Role::Text };
        let mark = if focused { "▸" } else { " " };
        let req = if f.required { "*" } else { " " };
        let label = span(
            format!("{mark}{req}{:<14} ", f.label),
            theme,
            if focused { Role::Accent } else { Role::Text },
        );
        let value = match &f.value {
            FieldValue::Choice { .. } => format!("‹ {} ›", f.text()),
            _ => format!("[{}{}]", f.text(), if focused { "█" } else { "" }),
        };
        lines.push(Line::from(vec![label, span(value, theme, role)]));
        if let Some(e) = &f.error {
            lines.push(Line::from(span(format!("   ✗ {e}"), theme, Role::Fail)));
        } else if focused && let Some(h) = &f.help {
            lines.push(Line::from(span(format!("     {h}"), theme, Role::Muted)));
        }
    }
    lines
}
