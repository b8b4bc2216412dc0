//! Quoting untrusted text (bodies, server messages) in results and messages: control characters
//! escaped so nothing reaches a terminal raw, and cut to a few hundred bytes so no result, JSON
//! line or store row carries a megabyte of body.

use std::fmt::Write;

/// `text` with control characters escaped (`\n`, `\u{1b}`), cut after about `max` bytes with
/// `…(N bytes)` saying how long the whole was.
pub fn excerpt(text: &str, max: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max) + 16);
    for c in text.chars() {
        if out.len() >= max {
            let _ = write!(out, "…({} bytes)", text.len());
            return out;
        }
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() || is_format(c) => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out
}

/// Invisible characters that reorder or hide text (bidi overrides, zero-width marks).
fn is_format(c: char) -> bool {
    matches!(u32::from(c), 0x200b..=0x200f | 0x202a..=0x202e | 0x2066..=0x2069 | 0xfeff)
}

#[cfg(test)]
mod tests {
    use super::excerpt;

    #[test]
    fn controls_are_escaped_and_long_text_cut() {
        assert_eq!(excerpt("UP", 200), "UP");
        assert_eq!(excerpt("a\u{1b}]0;pwned\u{7}\r\nb", 200), "a\\u{1b}]0;pwned\\u{7}\\r\\nb");
        assert_eq!(excerpt("x\u{202e}y", 200), "x\\u{202e}y");
        let long = "é".repeat(1 << 19);
        let cut = excerpt(&long, 200);
        assert!(cut.len() < 230, "{}", cut.len());
        assert!(cut.ends_with("…(1048576 bytes)"), "{cut}");
    }
}
