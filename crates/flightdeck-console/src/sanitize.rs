//! Terminal-safe text: untrusted text (log lines, step messages, health bodies, commit messages,
//! ledger fields) never reaches the terminal as control codes. Escape sequences, C0 and C1
//! controls and a bare `\r` are made visible (`␛[31m`, `␍`, ...) instead of acting; a tab becomes
//! spaces. Pure; the view applies it to every span it draws (a core sanitizer may replace it).

use std::borrow::Cow;
use std::fmt::Write as _;

/// `s` with every control character made visible; borrowed unchanged when there is none.
pub fn clean(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_control) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\t' => out.push_str("    "),
            '\x1b' => out.push('␛'),
            '\x7f' => out.push('␡'),
            c if u32::from(c) < 0x20 => {
                // C0 controls have visible pictures at U+2400 + code (␀ ␇ ␈ ␊ ␍ ...).
                out.push(char::from_u32(0x2400 + u32::from(c)).unwrap_or('�'));
            }
            c if is_control(c) => {
                // C1 controls (U+0080..U+009F, e.g. CSI U+009B), bidi controls and invisible
                // separators have no picture: show their code.
                let _ = write!(out, "<{:02x}>", u32::from(c));
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

fn is_control(c: char) -> bool {
    let n = u32::from(c);
    n < 0x20
        || (0x7f..=0x9f).contains(&n)
        || !flightdeck_core::sanitize::is_terminal_safe(c.encode_utf8(&mut [0; 4]))
}

#[cfg(test)]
mod tests {
    use super::clean;

    #[test]
    fn controls_are_made_visible_and_clean_text_passes_unchanged() {
        assert!(matches!(clean("plain text ✓"), std::borrow::Cow::Borrowed(_)));
        assert_eq!(clean("\x1b[2J\x1b]52;c;aGk=\x07red"), "␛[2J␛]52;c;aGk=␇red");
        assert_eq!(clean("50%\rdone"), "50%␍done");
        assert_eq!(clean("a\tb"), "a    b");
        assert_eq!(clean("csi\u{9b}31m"), "csi<9b>31m");
        assert_eq!(clean("nul\0del\x7f"), "nul␀del␡");
        assert_eq!(clean("abc\u{202e}fed\u{200b}"), "abc<202e>fed<200b>");
        assert!(clean("\x1b\x07\x08\x0b\x0c\x0e\x1f\u{85}").chars().all(|c| !c.is_control()));
    }
}
