//! The masked input of a secret prompt. Unlike [`crate::app::input::TextInput`] it keeps no undo
//! history or yank buffer, never reallocates a buffer without wiping it, hands its value over by
//! moving it (no copy) and wipes itself on `esc`; its `Debug` shows only the length, so the value
//! never appears in a state dump or a snapshot.

use zeroize::{Zeroize as _, Zeroizing};

use crate::msg::{Key, KeyCode};
use flightdeck_core::engine::event::SecretText;

/// Room reserved up front, so typing a usual value never moves the buffer.
const ROOM: usize = 256;

/// Typed characters of a secret value, wiped from memory when replaced, sent or dropped.
#[derive(Clone, Default)]
pub struct SecretInput {
    text: Zeroizing<String>,
}

impl SecretInput {
    /// An empty input.
    pub fn new() -> SecretInput {
        SecretInput { text: Zeroizing::new(String::with_capacity(ROOM)) }
    }

    /// Applies an editing key: a character is appended, backspace removes the last one and
    /// ctrl-u clears; false for keys an input does not take (Enter, Tab, Esc, ...).
    pub fn key(&mut self, key: Key) -> bool {
        match key.code {
            KeyCode::Char('u') if key.ctrl => self.wipe(),
            KeyCode::Char(_) if key.ctrl || key.alt => {}
            KeyCode::Char(c) => self.push(c),
            KeyCode::Backspace => {
                if let Some(c) = self.text.pop() {
                    // The removed bytes stay in the buffer's spare room: overwrite them with zeros.
                    let len = self.text.len();
                    self.text.extend(std::iter::repeat_n('\0', c.len_utf8()));
                    self.text.truncate(len);
                }
            }
            _ => return false,
        }
        true
    }

    fn push(&mut self, c: char) {
        if self.text.len() + c.len_utf8() > self.text.capacity() {
            // Grow into a new buffer; the old one is wiped when it drops.
            let mut bigger = Zeroizing::new(String::with_capacity(self.text.capacity().max(ROOM) * 2));
            bigger.push_str(&self.text);
            self.text = bigger;
        }
        self.text.push(c);
    }

    /// How many characters are typed.
    pub fn chars(&self) -> usize {
        self.text.chars().count()
    }

    /// The value, moved out (its buffer goes with it and is wiped when the value drops); the input
    /// is empty after.
    pub fn take(&mut self) -> SecretText {
        let value = std::mem::replace(&mut *self.text, String::with_capacity(ROOM));
        SecretText::new(value)
    }

    /// Wipes what was typed.
    pub fn wipe(&mut self) {
        self.text.zeroize();
    }
}

impl std::fmt::Debug for SecretInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SecretInput({} chars)", self.chars())
    }
}

impl PartialEq for SecretInput {
    fn eq(&self, other: &Self) -> bool {
        *self.text == *other.text
    }
}

#[cfg(test)]
mod tests {
    use super::SecretInput;
    use crate::msg::{Key, KeyCode};

    fn typed(text: &str) -> SecretInput {
        let mut s = SecretInput::new();
        for c in text.chars() {
            assert!(s.key(Key::ch(c)));
        }
        s
    }

    #[test]
    fn edits_moves_its_value_out_and_never_shows_it() {
        let mut s = typed("hunter2-é");
        assert!(s.key(Key::new(KeyCode::Backspace)));
        assert_eq!(s.chars(), 8);
        assert!(!s.key(Key::new(KeyCode::Enter)));
        assert_eq!(format!("{s:?}"), "SecretInput(8 chars)");
        let value = s.take();
        assert_eq!(value.expose(), "hunter2-");
        assert_eq!(s.chars(), 0);
        let mut long = typed(&"x".repeat(600));
        assert_eq!(long.chars(), 600);
        long.wipe();
        assert_eq!(long.chars(), 0);
        let mut ctrl = typed("abc");
        assert!(ctrl.key(Key { code: KeyCode::Char('u'), ctrl: true, alt: false }));
        assert_eq!(ctrl.chars(), 0);
    }
}
