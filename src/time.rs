//! Instants as integer UTC microseconds, the one representation the store, events and ledger share.
//!
//! Time is an input: pure functions take a `Micros` "now"; only the edges call [`now`].

use serde::{Deserialize, Serialize};

/// Microseconds since the Unix epoch, UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default)]
#[serde(transparent)]
pub struct Micros(pub i64);

impl Micros {
    /// Milliseconds elapsed from `earlier` to `self` (negative if `earlier` is later).
    pub fn millis_since(self, earlier: Micros) -> i64 {
        (self.0 - earlier.0) / 1000
    }

    /// The instant as a jiff timestamp, if it is in jiff's range.
    pub fn to_timestamp(self) -> Option<jiff::Timestamp> {
        jiff::Timestamp::from_microsecond(self.0).ok()
    }

    /// RFC 3339 text in UTC with second precision, or the raw number if out of range.
    pub fn to_rfc3339(self) -> String {
        match self.to_timestamp() {
            Some(ts) => ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
            None => self.0.to_string(),
        }
    }
}

/// The current instant (the wall clock; an edge function).
pub fn now() -> Micros {
    Micros(jiff::Timestamp::now().as_microsecond())
}

/// Formats a millisecond span for people: `850ms`, `12.3s`, `4m05s`, `2h03m`.
pub fn human_duration(ms: i64) -> String {
    let ms = ms.max(0);
    if ms < 1000 {
        format!("{ms}ms")
    } else if ms < 60_000 {
        #[allow(clippy::cast_precision_loss)]
        let s = ms as f64 / 1000.0;
        format!("{s:.1}s")
    } else if ms < 3_600_000 {
        format!("{}m{:02}s", ms / 60_000, (ms / 1000) % 60)
    } else {
        format!("{}h{:02}m", ms / 3_600_000, (ms / 60_000) % 60)
    }
}

/// Parses a duration like `500ms`, `30s`, `10m`, `2h`, `1d` or `1m30s` into milliseconds.
pub fn parse_duration(text: &str) -> Option<u64> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let mut total: u64 = 0;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
        if digits == 0 {
            return None;
        }
        let n: u64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let unit_len = rest.find(|c: char| c.is_ascii_digit()).unwrap_or(rest.len());
        let factor = match &rest[..unit_len] {
            "ms" => 1,
            "s" => 1000,
            "m" => 60_000,
            "h" => 3_600_000,
            "d" => 86_400_000,
            _ => return None,
        };
        total = total.checked_add(n.checked_mul(factor)?)?;
        rest = &rest[unit_len..];
    }
    Some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_durations() {
        assert_eq!(parse_duration("500ms"), Some(500));
        assert_eq!(parse_duration("1m30s"), Some(90_000));
        assert_eq!(parse_duration("2h"), Some(7_200_000));
        assert_eq!(parse_duration("10"), None);
        assert_eq!(parse_duration("5 minutes"), None);
        assert_eq!(parse_duration(""), None);
    }

    #[test]
    fn formats_durations() {
        assert_eq!(human_duration(850), "850ms");
        assert_eq!(human_duration(12_300), "12.3s");
        assert_eq!(human_duration(245_000), "4m05s");
        assert_eq!(human_duration(7_380_000), "2h03m");
    }
}
