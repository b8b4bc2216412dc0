//! Terminal-safe text: the one place that decides how untrusted text (step output, parameters,
//! health bodies and messages, HTTP reason phrases, git commit messages, ledger fields) is shown
//! on a terminal.
//!
//! Text from outside flightdeck can carry bytes a terminal obeys rather than shows: `ESC [ 2 J`
//! clears the screen, `ESC ] 0 ; … BEL` sets the window title, `ESC ] 52 ; …` writes the
//! clipboard, a bare `\r` returns the cursor so the next characters overwrite what came before, and
//! Unicode bidirectional overrides reorder what the eye reads. Every function here replaces such a
//! character by a visible escape, so the operator sees that it was there and the terminal does
//! nothing with it:
//!
//! | input                                                    | shown as                       |
//! |----------------------------------------------------------|--------------------------------|
//! | C0 controls (U+0000–U+001F) except tab and newline, DEL  | `\u001b`, `\r`, `\u0007`, `\u007f` … |
//! | C1 controls (U+0080–U+009F, e.g. the 8-bit CSI U+009B)   | `\u009b`                       |
//! | bidi controls (U+061C, U+200E/F, U+202A–E, U+2066–9)     | `\u202e`                       |
//! | invisible separators (U+200B, U+2028/9, U+2060, U+FEFF)  | `\u200b`                       |
//! | `\r` directly before `\n` (CRLF)                          | dropped (ends like an LF line) |
//! | tab, and newline in [`for_terminal`]                     | kept                           |
//! | newline in [`one_line`]                                  | `\n`                           |
//!
//! The escapes are JSON's own (`\uXXXX`, `\r`, `\n`), so sanitizing a line of JSON written by
//! serde leaves it valid JSON with the same meaning (serde escapes C0 itself but leaves DEL, C1
//! and bidi controls raw; those become `\uXXXX` escapes here). One rule therefore serves text and
//! JSON output alike. Printable text, including every non-ASCII letter and emoji, passes through
//! unchanged and without allocation ([`Cow::Borrowed`]). The escapes are for reading, not for
//! reversing: a literal backslash in text is not doubled.
//!
//! Usage from any layer (the module is pure and has no dependencies):
//!
//! ```
//! use flightdeck_core::sanitize::{for_terminal, one_line, Safe};
//! assert_eq!(for_terminal("ok\x1b[2Jdone"), "ok\\u001b[2Jdone");
//! assert_eq!(one_line("a\nb"), "a\\nb");
//! assert_eq!(format!("{}", Safe("title\x1b]0;pwned\x07")), "title\\u001b]0;pwned\\u0007");
//! ```

use std::borrow::Cow;
use std::fmt::{self, Write as _};

/// Makes multi-line text safe to print: keeps `\n` and `\t`, drops the `\r` of a CRLF, and shows
/// every other control character as a visible escape (see the module table).
pub fn for_terminal(text: &str) -> Cow<'_, str> {
    clean(text, true)
}

/// Makes text safe to print on one line (a table cell, a header, a status message): like
/// [`for_terminal`], and a newline is shown as `\n` too.
pub fn one_line(text: &str) -> Cow<'_, str> {
    clean(text, false)
}

/// Sanitizes bytes that may not be UTF-8 (a log file read as stored): invalid sequences become
/// U+FFFD, then [`for_terminal`] applies.
pub fn bytes_for_terminal(bytes: &[u8]) -> Cow<'_, str> {
    match String::from_utf8_lossy(bytes) {
        Cow::Borrowed(s) => for_terminal(s),
        Cow::Owned(s) => Cow::Owned(for_terminal(&s).into_owned()),
    }
}

/// True when `text` would be shown unchanged by [`for_terminal`].
pub fn is_terminal_safe(text: &str) -> bool {
    matches!(for_terminal(text), Cow::Borrowed(_))
}

/// A `Display` adapter for `format!`/`println!`: `Safe(text)` prints [`for_terminal`]`(text)`
/// without building an intermediate `String`.
#[derive(Debug, Clone, Copy)]
pub struct Safe<'a>(pub &'a str);

impl fmt::Display for Safe<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&for_terminal(self.0))
    }
}

/// Like [`Safe`], for one-line contexts: newlines are shown as `\n`.
#[derive(Debug, Clone, Copy)]
pub struct SafeLine<'a>(pub &'a str);

impl fmt::Display for SafeLine<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&one_line(self.0))
    }
}

/// How one character is shown.
enum Shown {
    Keep,
    Drop,
    Escape,
}

fn classify(c: char, next: Option<char>, keep_newline: bool) -> Shown {
    match c {
        '\t' => Shown::Keep,
        '\n' if keep_newline => Shown::Keep,
        '\r' if next == Some('\n') && keep_newline => Shown::Drop,
        // C0 and C1 controls; bidi controls reorder what the eye reads; zero-width space, word
        // joiner and BOM make two different names look alike; the line and paragraph separators
        // break a line on some terminals. (ZWJ/ZWNJ stay: scripts and emoji need them.)
        '\u{0}'..='\u{1f}'
        | '\u{7f}'..='\u{9f}'
        | '\u{061c}'
        | '\u{200b}'
        | '\u{200e}'
        | '\u{200f}'
        | '\u{2028}'..='\u{202e}'
        | '\u{2060}'
        | '\u{2066}'..='\u{2069}'
        | '\u{feff}' => Shown::Escape,
        _ => Shown::Keep,
    }
}

fn clean(text: &str, keep_newline: bool) -> Cow<'_, str> {
    let mut chars = text.char_indices().peekable();
    let first_bad = loop {
        let Some((i, c)) = chars.next() else { return Cow::Borrowed(text) };
        let next = chars.peek().map(|&(_, n)| n);
        if !matches!(classify(c, next, keep_newline), Shown::Keep) {
            break i;
        }
    };
    let mut out = String::with_capacity(text.len() + 16);
    out.push_str(&text[..first_bad]);
    let mut rest = text[first_bad..].chars().peekable();
    while let Some(c) = rest.next() {
        match classify(c, rest.peek().copied(), keep_newline) {
            Shown::Keep => out.push(c),
            Shown::Drop => {}
            Shown::Escape => push_escape(&mut out, c),
        }
    }
    Cow::Owned(out)
}

fn push_escape(out: &mut String, c: char) {
    match c {
        '\r' => out.push_str("\\r"),
        '\n' => out.push_str("\\n"),
        _ => {
            // Writing to a String cannot fail.
            let _ = write!(out, "\\u{:04x}", u32::from(c));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printable_text_is_borrowed_unchanged() {
        for s in ["", "plain", "ünïcødé ✓ → 🚀", "tab\tand\nnewline", "crlf\r\n"] {
            let out = for_terminal(s);
            if s.contains('\r') {
                assert_eq!(out, "crlf\n");
            } else {
                assert!(matches!(out, Cow::Borrowed(_)), "{s:?} was copied");
                assert_eq!(out, s);
            }
        }
    }

    #[test]
    fn escape_sequences_become_visible() {
        assert_eq!(for_terminal("a\x1b[2Jb"), "a\\u001b[2Jb");
        assert_eq!(for_terminal("\x1b]0;title\x07"), "\\u001b]0;title\\u0007");
        assert_eq!(for_terminal("\x1b]52;c;aGk=\x1b\\"), "\\u001b]52;c;aGk=\\u001b\\");
        assert_eq!(for_terminal("8bit\u{9b}31m"), "8bit\\u009b31m");
        assert_eq!(for_terminal("del\x7f nul\0"), "del\\u007f nul\\u0000");
    }

    #[test]
    fn bare_carriage_return_is_shown_but_crlf_is_a_newline() {
        assert_eq!(for_terminal("secret\rshown"), "secret\\rshown");
        assert_eq!(for_terminal("end\r"), "end\\r");
        assert_eq!(for_terminal("one\r\ntwo"), "one\ntwo");
        assert_eq!(one_line("one\r\ntwo"), "one\\r\\ntwo");
    }

    #[test]
    fn one_line_escapes_newlines_and_keeps_tabs() {
        assert_eq!(one_line("a\nb\tc"), "a\\nb\tc");
        assert_eq!(format!("{}", SafeLine("x\ny")), "x\\ny");
        assert_eq!(format!("{}", Safe("x\ny\x1b")), "x\ny\\u001b");
    }

    #[test]
    fn bidi_overrides_are_shown() {
        assert_eq!(for_terminal("abc\u{202e}fed"), "abc\\u202efed");
        assert_eq!(for_terminal("\u{2066}x\u{2069}"), "\\u2066x\\u2069");
    }

    #[test]
    fn zero_width_and_line_separators_are_shown_but_joiners_kept() {
        assert_eq!(one_line("Disk\u{200b}Full"), "Disk\\u200bFull");
        assert_eq!(for_terminal("\u{feff}a\u{2028}b\u{2060}"), "\\ufeffa\\u2028b\\u2060");
        assert!(is_terminal_safe("👩\u{200d}💻 ک\u{200c}ه"));
    }

    #[test]
    fn invalid_utf8_bytes_are_replaced_then_sanitized() {
        assert_eq!(bytes_for_terminal(b"ok\xff\x1b[H"), "ok\u{fffd}\\u001b[H");
        assert_eq!(bytes_for_terminal(b"fine"), "fine");
        assert!(is_terminal_safe("fine ✓"));
        assert!(!is_terminal_safe("\x1bc"));
    }

    #[test]
    fn output_never_contains_a_control_character_except_tab_and_newline() {
        let all: String = (0u32..0x2100).filter_map(char::from_u32).collect();
        let out = for_terminal(&all);
        assert!(out.chars().all(|c| c == '\t' || c == '\n' || !c.is_control()), "{out:?}");
        assert!(!out.contains('\u{202e}'));
        let line = one_line(&all);
        assert!(!line.contains('\n'));
    }

    #[test]
    fn sanitized_json_stays_valid_json_with_the_same_value() {
        let value = serde_json::json!({ "out": "a\u{1b}[2J\u{9b}\u{7f}\u{202e}\r\n\tz ✓" });
        let text = serde_json::to_string(&value).unwrap_or_default();
        let safe = one_line(&text);
        assert!(safe.chars().all(|c| c == '\t' || !c.is_control()), "{safe}");
        let back: serde_json::Value = serde_json::from_str(&safe).unwrap_or_default();
        assert_eq!(back, value);
    }
}
