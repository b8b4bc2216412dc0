//! Quoting untrusted text (bodies, server messages) in results and messages: control characters
//! escaped so nothing reaches a terminal raw, and cut to a few hundred bytes so no result, JSON
//! line or store row carries a megabyte of body.

use std::fmt::Write;

/// `text` with control characters shown as the same visible escapes as everywhere else
/// ([`crate::sanitize::one_line`]: `\n`, `\u001b`), cut after about `max` bytes with `…(N bytes)`
/// saying how long the whole was.
pub fn excerpt(text: &str, max: usize) -> String {
    // Cut the input first (at a character boundary) so a megabyte body is never escaped whole.
    let mut cut = text.len().min(max);
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    let mut out = crate::sanitize::one_line(&text[..cut]).into_owned();
    if cut < text.len() {
        let _ = write!(out, "…({} bytes)", text.len());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::excerpt;

    #[test]
    fn controls_are_escaped_and_long_text_cut() {
        assert_eq!(excerpt("UP", 200), "UP");
        assert_eq!(excerpt("a\u{1b}]0;pwned\u{7}\r\nb", 200), "a\\u001b]0;pwned\\u0007\\r\\nb");
        assert_eq!(excerpt("x\u{202e}y", 200), "x\\u202ey");
        let long = "é".repeat(1 << 19);
        let cut = excerpt(&long, 200);
        assert!(cut.len() < 230, "{}", cut.len());
        assert!(cut.ends_with("…(1048576 bytes)"), "{cut}");
    }
}
