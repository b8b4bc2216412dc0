//! A one-line text input built on ratatui-textarea, fed with the console's own key type.

use ratatui_textarea::{Input, Key as TaKey, TextArea};

use crate::msg::{Key, KeyCode};

/// A single-line text input.
#[derive(Debug, Clone, Default)]
pub struct TextInput {
    area: TextArea<'static>,
}

impl TextInput {
    /// An input holding `initial`, cursor at the end.
    pub fn new(initial: &str) -> TextInput {
        let mut area = TextArea::new(vec![initial.to_string()]);
        area.move_cursor(ratatui_textarea::CursorMove::End);
        area.set_cursor_line_style(ratatui::style::Style::default());
        TextInput { area }
    }

    /// Applies an editing key; returns false for keys an input does not take (Enter, Tab, Esc, ...).
    pub fn key(&mut self, key: Key) -> bool {
        let code = match key.code {
            KeyCode::Char(c) => TaKey::Char(c),
            KeyCode::Backspace => TaKey::Backspace,
            KeyCode::Delete => TaKey::Delete,
            KeyCode::Left => TaKey::Left,
            KeyCode::Right => TaKey::Right,
            KeyCode::Home => TaKey::Home,
            KeyCode::End => TaKey::End,
            _ => return false,
        };
        // Single line: never insert newlines (ctrl-m / ctrl-j would).
        if key.ctrl && matches!(key.code, KeyCode::Char('m' | 'j')) {
            return true;
        }
        self.area.input(Input { key: code, ctrl: key.ctrl, alt: key.alt, shift: false });
        true
    }

    /// The text.
    pub fn value(&self) -> String {
        self.area.lines().first().cloned().unwrap_or_default()
    }

    /// The textarea, for drawing.
    pub fn area(&self) -> &TextArea<'static> {
        &self.area
    }

    /// The textarea, for styling before drawing.
    pub fn area_mut(&mut self) -> &mut TextArea<'static> {
        &mut self.area
    }
}

impl PartialEq for TextInput {
    fn eq(&self, other: &Self) -> bool {
        self.value() == other.value()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_one_line() {
        let mut t = TextInput::new("1.2");
        assert!(t.key(Key::ch('.')));
        assert!(t.key(Key::ch('3')));
        assert!(t.key(Key::new(KeyCode::Backspace)));
        assert!(t.key(Key::ch('4')));
        assert!(!t.key(Key::new(KeyCode::Enter)));
        assert_eq!(t.value(), "1.2.4");
    }
}
