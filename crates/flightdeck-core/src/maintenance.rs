//! Maintenance windows: spans in which a failing monitor shows MAINTENANCE instead of going DOWN,
//! so planned work raises no alert. Pure: every question takes `now`.

use serde::{Deserialize, Serialize};

use crate::time::{Micros, parse_duration};

/// A maintenance window: absolute (`start`, `end` as RFC 3339) or daily (`daily = "02:00"`, `for`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaintenanceConfig {
    /// Start instant, RFC 3339 (`2026-11-24T02:00:00Z`).
    #[serde(default)]
    pub start: Option<String>,
    /// End instant, RFC 3339.
    #[serde(default)]
    pub end: Option<String>,
    /// Every day at this UTC time (`HH:MM`).
    #[serde(default)]
    pub daily: Option<String>,
    /// Length of a daily window (`30m`).
    #[serde(default, rename = "for")]
    pub duration: Option<String>,
}

const DAY_US: i64 = 86_400_000_000;

/// A parsed window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Window {
    /// From `start` (inclusive) to `end` (exclusive).
    Absolute {
        /// Start.
        start: Micros,
        /// End.
        end: Micros,
    },
    /// Every day (UTC) from `offset_us` after midnight, for `len_us`.
    Daily {
        /// Microseconds after midnight UTC.
        offset_us: i64,
        /// Length in microseconds.
        len_us: i64,
    },
}

impl Window {
    /// Parses a `maintenance` entry; the error says what to write.
    pub fn from_config(c: &MaintenanceConfig) -> Result<Window, String> {
        match (&c.start, &c.end, &c.daily, &c.duration) {
            (Some(s), Some(e), None, None) => {
                let start = instant(s)?;
                let end = instant(e)?;
                if end <= start {
                    return Err(format!("end {e:?} is not after start {s:?}"));
                }
                Ok(Window::Absolute { start, end })
            }
            (None, None, Some(d), Some(len)) => {
                let (h, m) = d
                    .split_once(':')
                    .and_then(|(h, m)| Some((h.parse::<i64>().ok()?, m.parse::<i64>().ok()?)))
                    .filter(|(h, m)| (0..24).contains(h) && (0..60).contains(m))
                    .ok_or_else(|| format!("daily {d:?} is not a time of day; write \"02:30\" (UTC)"))?;
                let millis = parse_duration(len)
                    .filter(|ms| *ms > 0 && *ms <= 86_400_000)
                    .ok_or_else(|| format!("for {len:?} is not a duration up to a day; write \"30m\""))?;
                let len_us = i64::try_from(millis).unwrap_or(i64::MAX / 1000) * 1000;
                Ok(Window::Daily { offset_us: (h * 3600 + m * 60) * 1_000_000, len_us })
            }
            _ => Err(
                "write { start = \"RFC 3339\", end = \"RFC 3339\" } or { daily = \"HH:MM\", for = \"30m\" }"
                    .into(),
            ),
        }
    }

    /// Whether `now` lies inside the window.
    pub fn contains(&self, now: Micros) -> bool {
        match *self {
            Window::Absolute { start, end } => start <= now && now < end,
            Window::Daily { offset_us, len_us } => {
                let into_day = now.0.rem_euclid(DAY_US);
                let since = (into_day - offset_us).rem_euclid(DAY_US);
                since < len_us
            }
        }
    }
}

/// Whether any window contains `now`.
pub fn in_maintenance(windows: &[Window], now: Micros) -> bool {
    windows.iter().any(|w| w.contains(now))
}

fn instant(s: &str) -> Result<Micros, String> {
    s.parse::<jiff::Timestamp>()
        .map(|t| Micros(t.as_microsecond()))
        .map_err(|_| format!("{s:?} is not an RFC 3339 instant; write \"2026-11-24T02:00:00Z\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(
        start: Option<&str>,
        end: Option<&str>,
        daily: Option<&str>,
        len: Option<&str>,
    ) -> MaintenanceConfig {
        MaintenanceConfig {
            start: start.map(Into::into),
            end: end.map(Into::into),
            daily: daily.map(Into::into),
            duration: len.map(Into::into),
        }
    }

    #[test]
    fn absolute_window_is_half_open() {
        let w =
            Window::from_config(&cfg(Some("2026-01-01T00:00:00Z"), Some("2026-01-01T01:00:00Z"), None, None))
                .unwrap();
        let start: jiff::Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        let s = Micros(start.as_microsecond());
        assert!(w.contains(s));
        assert!(w.contains(Micros(s.0 + 3_599_000_000)));
        assert!(!w.contains(Micros(s.0 + 3_600_000_000)));
        assert!(!w.contains(Micros(s.0 - 1)));
    }

    #[test]
    fn daily_window_wraps_midnight() {
        let w = Window::from_config(&cfg(None, None, Some("23:30"), Some("1h"))).unwrap();
        let midnight: jiff::Timestamp = "2026-03-04T00:00:00Z".parse().unwrap();
        let m = midnight.as_microsecond();
        assert!(w.contains(Micros(m + 10 * 60_000_000)));
        assert!(w.contains(Micros(m - 10 * 60_000_000)));
        assert!(!w.contains(Micros(m + 31 * 60_000_000)));
        assert!(!w.contains(Micros(m - 31 * 60_000_000)));
    }

    #[test]
    fn bad_windows_are_errors() {
        assert!(Window::from_config(&cfg(None, None, Some("25:00"), Some("1h"))).is_err());
        assert!(
            Window::from_config(&cfg(Some("yesterday"), Some("2026-01-01T00:00:00Z"), None, None)).is_err()
        );
        assert!(
            Window::from_config(&cfg(Some("2026-01-02T00:00:00Z"), Some("2026-01-01T00:00:00Z"), None, None))
                .is_err()
        );
        assert!(Window::from_config(&cfg(None, None, None, None)).is_err());
    }
}
