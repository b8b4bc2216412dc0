//! The window W = [since, until) and its calendar in the configured time zone: days(W), dates of
//! instants, and the ISO weeks (Monday to Sunday) that overlap it.

use jiff::civil::{Date, Weekday};
use jiff::tz::TimeZone;
use jiff::{Span, Timestamp};
use serde::Serialize;

use super::DoraError;
use crate::time::Micros;

const MICROS_PER_DAY: i64 = 86_400_000_000;

/// A half-open window of instants and the time zone its dates and weeks are taken in.
#[derive(Debug, Clone, PartialEq)]
pub struct Window {
    /// First instant inside.
    pub since: Micros,
    /// First instant after.
    pub until: Micros,
    /// Zone for dates and ISO weeks.
    pub tz: TimeZone,
}

/// One ISO week overlapping a window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Week {
    /// `2026-W07`.
    pub label: String,
    /// Its Monday.
    pub monday: Date,
    /// Monday 00:00 in the zone.
    pub start: Micros,
    /// The next Monday 00:00 in the zone.
    pub end: Micros,
}

impl Week {
    /// Whether the whole week lies inside `w`.
    pub fn inside(&self, w: &Window) -> bool {
        self.start >= w.since && self.end <= w.until
    }
}

impl Window {
    /// `[since, until)`; refuses an empty or reversed window.
    pub fn new(since: Micros, until: Micros, tz: TimeZone) -> Result<Window, DoraError> {
        if until <= since {
            return Err(DoraError::Invalid(format!(
                "the window is empty: --since {} is not before --until {}",
                since.to_rfc3339(),
                until.to_rfc3339()
            )));
        }
        Ok(Window { since, until, tz })
    }

    /// The `days` calendar days (in the zone) ending at `now`.
    pub fn last_days(now: Micros, days: i64, tz: TimeZone) -> Result<Window, DoraError> {
        let zoned = timestamp(now)?.to_zoned_datetime(tz.clone());
        let since = zoned
            .checked_sub(Span::new().days(days))
            .map_err(|e| DoraError::Invalid(format!("window of {days} days: {e}")))?;
        Window::new(Micros(since.timestamp().as_microsecond()), now, tz)
    }

    /// The window of the same length just before this one.
    #[must_use]
    pub fn previous(&self) -> Window {
        let len = self.until.0 - self.since.0;
        Window { since: Micros(self.since.0 - len), until: self.since, tz: self.tz.clone() }
    }

    /// Whether `t` lies inside.
    pub fn contains(&self, t: Micros) -> bool {
        t >= self.since && t < self.until
    }

    /// days(W): the length in days of 24 hours.
    #[allow(clippy::cast_precision_loss)]
    pub fn days(&self) -> f64 {
        (self.until.0 - self.since.0) as f64 / MICROS_PER_DAY as f64
    }

    /// The civil date of `t` in the zone.
    pub fn date_of(&self, t: Micros) -> Date {
        Timestamp::from_microsecond(t.0).map_or(Date::MIN, |ts| ts.to_zoned_datetime(self.tz.clone()).date())
    }

    /// The ISO weeks overlapping the window, oldest first.
    pub fn weeks(&self) -> Vec<Week> {
        let first = self.date_of(self.since);
        let mut monday =
            first.checked_sub(Span::new().days(Weekday::Monday.until(first.weekday()))).unwrap_or(first);
        let mut weeks = Vec::new();
        while let Some(start) = self.midnight(monday) {
            if start >= self.until {
                break;
            }
            let Ok(next) = monday.checked_add(Span::new().days(7)) else { break };
            let Some(end) = self.midnight(next) else { break };
            let iso = monday.iso_week_date();
            weeks.push(Week { label: format!("{}-W{:02}", iso.year(), iso.week()), monday, start, end });
            monday = next;
        }
        weeks
    }

    /// 00:00 of `date` in the zone (the first instant of that day).
    pub fn midnight(&self, date: Date) -> Option<Micros> {
        let z = date.to_zoned_datetime(self.tz.clone()).ok()?;
        Some(Micros(z.start_of_day().ok()?.timestamp().as_microsecond()))
    }

    /// The window clipped to `[start, end)`, if anything is left.
    pub fn clip(&self, start: Micros, end: Micros) -> Option<Window> {
        let since = self.since.max(start);
        let until = self.until.min(end);
        (since < until).then(|| Window { since, until, tz: self.tz.clone() })
    }
}

/// A time zone by IANA name (`UTC` when `None`).
pub fn time_zone(name: Option<&str>) -> Result<TimeZone, DoraError> {
    match name {
        None => Ok(TimeZone::UTC),
        Some(n) => TimeZone::get(n).map_err(|e| {
            DoraError::Invalid(format!("[dora] time_zone {n:?} is not a known IANA zone ({e}); try \"UTC\""))
        }),
    }
}

/// A window length like `90d`, `12w` or `7` (days).
pub fn parse_days(text: &str) -> Result<i64, DoraError> {
    let t = text.trim();
    let (num, mult) = match t.strip_suffix('d') {
        Some(n) => (n, 1),
        None => t.strip_suffix('w').map_or((t, 1), |n| (n, 7)),
    };
    match num.parse::<i64>() {
        Ok(n) if n > 0 => Ok(n * mult),
        _ => Err(DoraError::Invalid(format!(
            "window {text:?} is not a length in days; use 7d, 30d, 90d, 180d or 12w"
        ))),
    }
}

/// A date (`2026-07-01`, midnight in `tz`) or an RFC 3339 instant.
pub fn parse_instant(text: &str, tz: &TimeZone) -> Result<Micros, DoraError> {
    if let Ok(ts) = text.parse::<Timestamp>() {
        return Ok(Micros(ts.as_microsecond()));
    }
    let bad = || {
        DoraError::Invalid(format!(
            "{text:?} is neither a date (2026-07-01) nor an RFC 3339 instant (2026-07-01T12:00:00Z)"
        ))
    };
    let date: Date = text.parse().map_err(|_| bad())?;
    let z = date.to_zoned_datetime(tz.clone()).map_err(|_| bad())?;
    Ok(Micros(z.start_of_day().map_err(|_| bad())?.timestamp().as_microsecond()))
}

fn timestamp(t: Micros) -> Result<Timestamp, DoraError> {
    Timestamp::from_microsecond(t.0).map_err(|e| DoraError::Invalid(format!("instant {}: {e}", t.0)))
}
