//! `pat(...)`: Gatus's pattern rule (`pattern/pattern.go` `Match`), which is Go's
//! `path/filepath.Match` on Unix after every `/` is removed from both the pattern and the text:
//! `*` any run of characters, `?` one character, `[abc]`, `[a-z]`, `[^a-z]` classes, `\x` a literal
//! `x`. A malformed pattern never matches in Gatus; flightdeck refuses it when the file is loaded
//! ([`check`]). Written here because no crate implements Go's exact rules; this follows Go's
//! algorithm (leftmost match of each star-free chunk), which is linear in the text per chunk, so a
//! megabyte body cannot blow it up.

/// Why a pattern is malformed.
pub const BAD_PATTERN: &str = "syntax error in pattern";

/// Whether `text` matches `pattern`, as Gatus decides it.
pub fn matches(pattern: &str, text: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    let pattern: Vec<u8> = pattern.bytes().filter(|b| *b != b'/').collect();
    let text: Vec<u8> = text.bytes().filter(|b| *b != b'/').collect();
    go_match(&pattern, &text).unwrap_or(false)
}

/// Checks a pattern is well-formed; the error says what is wrong.
pub fn check(pattern: &str) -> Result<(), String> {
    let pattern: Vec<u8> = pattern.bytes().filter(|b| *b != b'/').collect();
    well_formed(&pattern).map_err(|()| BAD_PATTERN.to_string())
}

/// Go's check of the rest of a pattern: every chunk parses.
fn well_formed(mut rest: &[u8]) -> Result<(), ()> {
    while !rest.is_empty() {
        let (_, chunk, tail) = scan_chunk(rest);
        match_chunk(chunk, b"")?;
        rest = tail;
    }
    Ok(())
}

/// Go's `filepath.Match` on bytes with no separators left; `Err` for a malformed pattern.
fn go_match(mut pattern: &[u8], mut name: &[u8]) -> Result<bool, ()> {
    'pattern: while !pattern.is_empty() {
        let (star, chunk, rest) = scan_chunk(pattern);
        pattern = rest;
        if star && chunk.is_empty() {
            return Ok(true);
        }
        let here = match_chunk(chunk, name);
        if let Ok(Some(t)) = here
            && (t.is_empty() || !pattern.is_empty())
        {
            name = t;
            continue;
        }
        here?;
        if star {
            for i in 0..name.len() {
                match match_chunk(chunk, &name[i + 1..])? {
                    Some(t) if pattern.is_empty() && !t.is_empty() => {}
                    Some(t) => {
                        name = t;
                        continue 'pattern;
                    }
                    None => {}
                }
            }
        }
        well_formed(pattern)?;
        return Ok(false);
    }
    Ok(name.is_empty())
}

/// The next star-free chunk: (preceded by a star, the chunk, the rest).
fn scan_chunk(mut pattern: &[u8]) -> (bool, &[u8], &[u8]) {
    let mut star = false;
    while let [b'*', rest @ ..] = pattern {
        pattern = rest;
        star = true;
    }
    let (mut in_range, mut i) = (false, 0);
    while i < pattern.len() {
        match pattern[i] {
            b'\\' if i + 1 < pattern.len() => i += 1,
            b'[' => in_range = true,
            b']' => in_range = false,
            b'*' if !in_range => break,
            _ => {}
        }
        i += 1;
    }
    (star, &pattern[..i], &pattern[i..])
}

/// Matches `chunk` at the start of `s`: `Ok(Some(rest))`, `Ok(None)` for no match, `Err` when the
/// chunk is malformed (checked to its end even after a mismatch, as Go does).
fn match_chunk<'a>(mut chunk: &[u8], mut s: &'a [u8]) -> Result<Option<&'a [u8]>, ()> {
    let mut failed = false;
    while let Some(&c) = chunk.first() {
        failed |= s.is_empty();
        match c {
            b'[' => {
                let mut r = '\0';
                if !failed {
                    let (ch, n) = decode(s);
                    r = ch;
                    s = &s[n..];
                }
                let (matched, rest) = class(&chunk[1..], r)?;
                chunk = rest;
                failed |= !matched;
            }
            b'?' => {
                if !failed {
                    s = &s[decode(s).1..];
                }
                chunk = &chunk[1..];
            }
            _ => {
                let lit = if c == b'\\' {
                    chunk = &chunk[1..];
                    *chunk.first().ok_or(())?
                } else {
                    c
                };
                if !failed {
                    failed = lit != s[0];
                    s = &s[1..];
                }
                chunk = &chunk[1..];
            }
        }
    }
    Ok(if failed { None } else { Some(s) })
}

/// A character class after its `[`: (whether `r` is in it, the chunk after its `]`).
fn class(mut chunk: &[u8], r: char) -> Result<(bool, &[u8]), ()> {
    let negated = chunk.first() == Some(&b'^');
    if negated {
        chunk = &chunk[1..];
    }
    let (mut matched, mut ranges) = (false, 0);
    loop {
        if chunk.first() == Some(&b']') && ranges > 0 {
            return Ok((matched != negated, &chunk[1..]));
        }
        let (lo, rest) = get_esc(chunk)?;
        chunk = rest;
        let mut hi = lo;
        if chunk.first() == Some(&b'-') {
            let (h, rest) = get_esc(&chunk[1..])?;
            hi = h;
            chunk = rest;
        }
        matched |= lo <= r && r <= hi;
        ranges += 1;
    }
}

/// One possibly escaped character of a class; the rest must not be empty.
fn get_esc(mut chunk: &[u8]) -> Result<(char, &[u8]), ()> {
    match chunk.first() {
        None | Some(b'-' | b']') => return Err(()),
        Some(b'\\') => {
            chunk = &chunk[1..];
            if chunk.is_empty() {
                return Err(());
            }
        }
        _ => {}
    }
    let (r, n) = decode(chunk);
    if r == char::REPLACEMENT_CHARACTER && n == 1 {
        return Err(());
    }
    let rest = &chunk[n..];
    if rest.is_empty() {
        return Err(());
    }
    Ok((r, rest))
}

/// The first UTF-8 character of `s` and its width; an invalid byte is U+FFFD of width 1 (Go's
/// `utf8.DecodeRune`).
fn decode(s: &[u8]) -> (char, usize) {
    let head = &s[..s.len().min(4)];
    let valid = match std::str::from_utf8(head) {
        Ok(v) => v,
        Err(e) => std::str::from_utf8(&head[..e.valid_up_to()]).unwrap_or_default(),
    };
    valid.chars().next().map_or((char::REPLACEMENT_CHARACTER, 1), |c| (c, c.len_utf8()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Gatus `pattern/pattern_test.go` `TestMatch`, case for case.
    #[test]
    fn gatus_pattern_test_cases() {
        for (p, s, want) in [
            ("*", "livingroom_123", true),
            ("**", "livingroom_123", true),
            ("living*", "livingroom_123", true),
            ("*living*", "livingroom_123", true),
            ("*123", "livingroom_123", true),
            ("*_*", "livingroom_123", true),
            ("living*_*3", "livingroom_123", true),
            ("living*room_*3", "livingroom_123", true),
            ("*vin*om*2*", "livingroom_123", true),
            ("livingroom_123", "livingroom_123", true),
            ("*livingroom_123*", "livingroom_123", true),
            ("*test*", "\\test", true),
            ("livingroom", "livingroom_123", false),
            ("livingroom123", "livingroom_123", false),
            ("what", "livingroom_123", false),
            ("*what*", "livingroom_123", false),
            ("*.*", "livingroom_123", false),
            ("room*123", "livingroom_123", false),
        ] {
            assert_eq!(matches(p, s), want, "pat({p}) on {s:?}");
        }
    }

    /// Go `filepath.Match` syntax that Gatus inherits: `?`, classes, ranges, negation, escapes,
    /// and `/` removed from both sides (Gatus `pattern.Match`).
    #[test]
    fn go_match_syntax() {
        for (p, s, want) in [
            ("20?", "204", true),
            ("20?", "2004", false),
            ("2[0-9][0-9]", "204", true),
            ("2[0-9][0-9]", "2x4", false),
            ("[^5]*", "404", true),
            ("[^5]*", "503", false),
            ("[abc]x", "bx", true),
            ("a\\*b", "a*b", true),
            ("a\\*b", "axb", false),
            ("*/health*", "GET /healthz", true),
            ("10.0.*.*", "10.0.3.7", true),
            ("h?llo", "héllo", true),
            ("[é]", "é", true),
            ("*x", "", false),
            ("", "", true),
        ] {
            assert_eq!(matches(p, s), want, "pat({p}) on {s:?}");
        }
    }

    #[test]
    fn malformed_patterns_never_match_and_are_refused() {
        for p in ["[abc", "a[", "[]a]", "x\\", "[z-", "*[-]"] {
            assert!(!matches(p, "abc"), "{p}");
            assert_eq!(check(p), Err(BAD_PATTERN.to_string()), "{p}");
        }
        for p in ["*", "a*b?[c-d]\\e", "[^x]"] {
            assert_eq!(check(p), Ok(()), "{p}");
        }
    }

    #[test]
    fn a_megabyte_body_is_matched_without_blowing_up() {
        let body = "a".repeat(1 << 20);
        assert!(!matches("*a*a*a*a*a*b", &body));
        assert!(matches("*a*a*a*a*a", &body));
    }
}
