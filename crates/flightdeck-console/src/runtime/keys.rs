//! crossterm events to console messages.

use crossterm::event::{Event as TermEvent, KeyCode as CKey, KeyEventKind, KeyModifiers};

use crate::msg::{Key, KeyCode, Msg};

/// The message for a terminal event, if the console cares about it.
pub fn convert(ev: &TermEvent) -> Option<Msg> {
    match ev {
        TermEvent::Key(k) if k.kind != KeyEventKind::Release => {
            let code = match k.code {
                CKey::Char(c) => KeyCode::Char(c),
                CKey::Enter => KeyCode::Enter,
                CKey::Esc => KeyCode::Esc,
                CKey::Tab => KeyCode::Tab,
                CKey::BackTab => KeyCode::BackTab,
                CKey::Backspace => KeyCode::Backspace,
                CKey::Delete => KeyCode::Delete,
                CKey::Up => KeyCode::Up,
                CKey::Down => KeyCode::Down,
                CKey::Left => KeyCode::Left,
                CKey::Right => KeyCode::Right,
                CKey::PageUp => KeyCode::PageUp,
                CKey::PageDown => KeyCode::PageDown,
                CKey::Home => KeyCode::Home,
                CKey::End => KeyCode::End,
                _ => return None,
            };
            let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
            let alt = k.modifiers.contains(KeyModifiers::ALT);
            Some(Msg::Key(Key { code, ctrl, alt }))
        }
        TermEvent::Resize(w, h) => Some(Msg::Resize { width: *w, height: *h }),
        _ => None,
    }
}
