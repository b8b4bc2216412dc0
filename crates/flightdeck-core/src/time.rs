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

/// Parses a duration like `500ms`, `30s`, `10m`, `2h`, `1d` or `1m30s` into milliseconds with
/// jiff's friendly format, a day being 24 hours. Only the compact form is accepted (whole numbers
/// and the units `ms`, `s`, `m`, `h`, `d`, largest first, no spaces), as workflows, config and
/// flags have always written it: `None` for `10`, `10 minutes`, `-5s` or `1.5s`.
pub fn parse_duration(text: &str) -> Option<u64> {
    let text = text.trim();
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit() || b"mshd".contains(&b)) {
        return None;
    }
    let span = jiff::fmt::friendly::SpanParser::new().parse_span(text).ok()?;
    let d = span.to_duration(jiff::SpanRelativeTo::days_are_24_hours()).ok()?;
    if d.is_negative() {
        return None;
    }
    u64::try_from(d.as_millis()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_durations() {
        assert_eq!(parse_duration("500ms"), Some(500));
        assert_eq!(parse_duration("1m30s"), Some(90_000));
        assert_eq!(parse_duration("2h"), Some(7_200_000));
        assert_eq!(parse_duration("1d"), Some(86_400_000));
        assert_eq!(parse_duration(" 30s "), Some(30_000));
        assert_eq!(parse_duration("0s"), Some(0));
        assert_eq!(parse_duration("5 minutes"), None);
        assert_eq!(parse_duration("1.5s"), None);
        assert_eq!(parse_duration("1h1h"), None);
        assert_eq!(parse_duration("10"), None);
        assert_eq!(parse_duration("-5s"), None);
        assert_eq!(parse_duration("1mo"), None);
        assert_eq!(parse_duration("soon"), None);
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
