//! Redaction: every value read in a run, in every encoding a step might print it in, replaced by
//! `[redacted]`. Encodings: raw; base64 standard and URL-safe, padded or not (and the part of the
//! base64 that stays the same when a newline follows the value, as `echo | base64` adds); hex lower
//! and upper; percent-encoded (strict and form); JSON-escaped; and each line of a multi-line value
//! (PEM keys) on its own. Works on whole lines of text, so a value a process wrote in two pieces of
//! one line is still found.

use std::fmt::Write;
use std::sync::RwLock;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use zeroize::Zeroizing;

use super::MIN_LEN;

/// What replaces a value.
pub const MASK: &str = "[redacted]";

/// Characters `encodeURIComponent` and most tools leave alone.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

/// The set of texts to hide; grows as values are read. Needles are wiped on drop.
#[derive(Debug, Default)]
pub struct Redactor {
    needles: RwLock<Vec<Zeroizing<String>>>,
}

impl Redactor {
    /// An empty redactor.
    pub fn new() -> Redactor {
        Redactor::default()
    }

    /// Adds `value` in all its encodings (values under [`MIN_LEN`] are refused before they get here;
    /// lines of a multi-line value shorter than that are not added on their own).
    pub fn add(&self, value: &str) {
        let mut new = encodings(value);
        if value.contains('\n') {
            for line in value.lines().map(str::trim).filter(|l| l.len() >= MIN_LEN) {
                new.extend(encodings(line));
            }
        }
        let mut guard = self.needles.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        for n in new {
            if n.len() >= MIN_LEN && !guard.iter().any(|g| **g == *n) {
                guard.push(n);
            }
        }
        // Longest first, so a value is masked before a shorter encoding of part of it.
        guard.sort_by_key(|n| std::cmp::Reverse(n.len()));
    }

    /// True when nothing has been added.
    pub fn is_empty(&self) -> bool {
        self.needles.read().map_or(true, |g| g.is_empty())
    }

    /// `text` with every needle replaced by [`MASK`].
    pub fn redact(&self, text: &str) -> String {
        let guard = self.needles.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut out = text.to_string();
        for n in guard.iter() {
            if out.contains(n.as_str()) {
                out = out.replace(n.as_str(), MASK);
            }
        }
        out
    }

    /// True if `text` holds any needle.
    pub fn finds(&self, text: &str) -> bool {
        let guard = self.needles.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        guard.iter().any(|n| text.contains(n.as_str()))
    }
}

/// Every encoding of `v` that is hidden.
pub fn encodings(v: &str) -> Vec<Zeroizing<String>> {
    let b = v.as_bytes();
    let mut out = vec![
        v.to_string(),
        STANDARD.encode(b),
        STANDARD_NO_PAD.encode(b),
        URL_SAFE.encode(b),
        URL_SAFE_NO_PAD.encode(b),
        hex::encode(b),
        hex::encode_upper(b),
        utf8_percent_encode(v, UNRESERVED).to_string(),
        utf8_percent_encode(v, UNRESERVED).to_string().replace("%20", "+"),
        utf8_percent_encode(v, NON_ALPHANUMERIC).to_string(),
    ];
    // The whole 3-byte groups of the base64: unchanged whatever bytes follow the value.
    let whole = b.len() / 3 * 3;
    if whole >= 6 {
        out.push(STANDARD_NO_PAD.encode(&b[..whole]));
        out.push(URL_SAFE_NO_PAD.encode(&b[..whole]));
    }
    if let Ok(json) = serde_json::to_string(v) {
        out.push(json[1..json.len() - 1].to_string());
    }
    // JSON with non-ASCII escaped as \uXXXX (Python's json.dumps default).
    out.push(v.chars().map(ascii_json).collect());
    out.into_iter().map(Zeroizing::new).collect()
}

fn ascii_json(c: char) -> String {
    match c {
        '"' => "\\\"".into(),
        '\\' => "\\\\".into(),
        '\n' => "\\n".into(),
        '\r' => "\\r".into(),
        '\t' => "\\t".into(),
        c if c.is_ascii() && !c.is_ascii_control() => c.to_string(),
        c => {
            let mut buf = [0u16; 2];
            c.encode_utf16(&mut buf).iter().fold(String::new(), |mut s, u| {
                let _ = write!(s, "\\u{u:04x}");
                s
            })
        }
    }
}
