//! Small shared pieces of the view: status marks (a glyph and a role, so meaning survives without
//! colour), panel blocks, and time formatting.

use ratatui::style::Style;
use ratatui::text::Span;
use ratatui::widgets::{Block, BorderType, Borders};

use crate::theme::{Role, Theme};
use flightdeck_core::engine::event::{RunStatus, StepStatus};
use flightdeck_core::time::Micros;

/// Glyph and role of a step state.
pub fn step_mark(s: StepStatus) -> (&'static str, Role) {
    match s {
        StepStatus::Pending => ("·", Role::Pending),
        StepStatus::Running => ("▶", Role::Running),
        StepStatus::Waiting => ("⏸", Role::Warn),
        StepStatus::Succeeded => ("✓", Role::Ok),
        StepStatus::Failed | StepStatus::RollbackFailed => ("✗", Role::Fail),
        StepStatus::Skipped => ("–", Role::Muted),
        StepStatus::RolledBack => ("↺", Role::Warn),
        StepStatus::Cancelled => ("■", Role::Fail),
    }
}

/// Glyph and role of a run state.
pub fn run_mark(s: RunStatus) -> (&'static str, Role) {
    match s {
        RunStatus::Running => ("▶", Role::Running),
        RunStatus::Waiting => ("⏸", Role::Warn),
        RunStatus::Succeeded => ("✓", Role::Ok),
        RunStatus::Failed => ("✗", Role::Fail),
        RunStatus::RolledBack => ("↺", Role::Warn),
        RunStatus::Rejected => ("⊘", Role::Fail),
        RunStatus::Cancelled => ("■", Role::Fail),
        RunStatus::Interrupted => ("!", Role::Warn),
    }
}

/// A styled span for a role; control characters in `text` are made visible (see `tui::sanitize`).
pub fn span<'a>(text: impl Into<std::borrow::Cow<'a, str>>, theme: &Theme, role: Role) -> Span<'a> {
    Span::styled(safe(text), theme.style(role))
}

/// `text` with control characters made visible, without copying text that has none.
pub fn safe<'a>(text: impl Into<std::borrow::Cow<'a, str>>) -> std::borrow::Cow<'a, str> {
    let text = text.into();
    match crate::sanitize::clean(&text) {
        std::borrow::Cow::Borrowed(_) => text,
        std::borrow::Cow::Owned(o) => std::borrow::Cow::Owned(o),
    }
}

/// A bordered panel with a title; the focused one is drawn in the accent role.
pub fn panel<'a>(title: &'a str, theme: &Theme, focused: bool) -> Block<'a> {
    let border = if focused { theme.style(Role::Accent) } else { theme.style(Role::Border) };
    Block::default().borders(Borders::ALL).border_type(BorderType::Rounded).border_style(border).title(
        Span::styled(
            format!(" {title} "),
            if focused { theme.style(Role::Accent) } else { theme.style(Role::Title) },
        ),
    )
}

/// A panel holding one muted line: what a screen shows while it reads, or when it has nothing.
pub fn notice_panel<'a>(
    frame: &mut ratatui::Frame,
    area: ratatui::layout::Rect,
    block: Block<'a>,
    text: impl Into<std::borrow::Cow<'a, str>>,
    theme: &Theme,
) {
    // A notice wraps rather than being cut at the panel's edge.
    let para = ratatui::widgets::Paragraph::new(span(text, theme, Role::Muted))
        .wrap(ratatui::widgets::Wrap { trim: false })
        .block(block);
    frame.render_widget(para, area);
}

/// `HH:MM:SS` of an instant (UTC).
pub fn clock(t: Micros) -> String {
    t.to_timestamp().map_or_else(String::new, |ts| ts.strftime("%H:%M:%S").to_string())
}

/// `MM-DD HH:MM` of an instant (UTC).
pub fn short_time(t: Micros) -> String {
    t.to_timestamp().map_or_else(String::new, |ts| ts.strftime("%m-%d %H:%M").to_string())
}

/// Style for the selected row (or the plain text style).
pub fn row_style(theme: &Theme, selected: bool) -> Style {
    if selected { theme.style(Role::Selection) } else { theme.style(Role::Text) }
}

/// Cuts `s` to at most `max` characters, marking the cut with `…`.
pub fn ellipsize(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// Word-wraps `s` to lines of at most `width` characters (long words are split); keeps empty lines.
pub fn wrap_text(s: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut out = Vec::new();
    for para in s.split('\n') {
        let mut line = String::new();
        let mut len = 0;
        for word in para.split(' ') {
            let mut word: Vec<char> = word.chars().collect();
            while word.len() > width {
                if len > 0 {
                    out.push(std::mem::take(&mut line));
                    len = 0;
                }
                out.push(word.drain(..width).collect());
            }
            let wlen = word.len();
            if len > 0 && len + 1 + wlen > width {
                out.push(std::mem::take(&mut line));
                len = 0;
            }
            if len > 0 {
                line.push(' ');
                len += 1;
            }
            line.extend(word);
            len += wlen;
        }
        out.push(line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::wrap_text;

    #[test]
    fn wrap_keeps_every_word_and_respects_the_width() {
        let text = "Roll web 1.2.0 out to production: averyveryverylongwordthatmustsplit end";
        let lines = wrap_text(text, 12);
        assert!(lines.iter().all(|l| l.chars().count() <= 12), "{lines:?}");
        assert_eq!(lines.join(" ").replace(' ', ""), text.replace(' ', ""));
        assert_eq!(wrap_text("a\n\nb", 5), vec!["a", "", "b"]);
    }
}
