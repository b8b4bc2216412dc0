//! A calendar month (`2026-10`) and day arithmetic on civil dates.

use std::fmt;
use std::str::FromStr;

use jiff::civil::Date;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::CostError;

/// A calendar month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[must_use]
pub struct Month {
    first: Date,
}

impl Month {
    /// The month containing `day`.
    pub fn of(day: Date) -> Month {
        Month { first: day.first_of_month() }
    }

    /// Its first day.
    pub fn first(self) -> Date {
        self.first
    }

    /// Its last day.
    pub fn last(self) -> Date {
        self.first.last_of_month()
    }

    /// Its number of days.
    pub fn days(self) -> i8 {
        self.first.days_in_month()
    }

    /// The month before.
    pub fn previous(self) -> Month {
        Month::of(add_days(self.first, -1).unwrap_or(self.first))
    }

    /// Its `n`th day (clamped to the month).
    pub fn day(self, n: i8) -> Date {
        Date::new(self.first.year(), self.first.month(), n.clamp(1, self.days())).unwrap_or(self.first)
    }
}

/// `day` moved by `n` days, if it stays in jiff's range.
pub fn add_days(day: Date, n: i64) -> Option<Date> {
    day.checked_add(jiff::Span::new().try_days(n).ok()?).ok()
}

impl FromStr for Month {
    type Err = CostError;

    fn from_str(s: &str) -> Result<Month, CostError> {
        let bad =
            || CostError::Invalid(format!("--month {s:?} is not a month; write it as YYYY-MM, like 2026-10"));
        let (y, m) = s.trim().split_once('-').ok_or_else(bad)?;
        let (y, m) = (y.parse::<i16>().map_err(|_| bad())?, m.parse::<i8>().map_err(|_| bad())?);
        Date::new(y, m, 1).map(|first| Month { first }).map_err(|_| bad())
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.first.year(), self.first.month())
    }
}

impl Serialize for Month {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Month {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Month, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_parse_and_step_back() {
        let m: Month =
            "2026-03".parse().map_err(|e: CostError| e.to_string()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(m.to_string(), "2026-03");
        assert_eq!(m.days(), 31);
        assert_eq!(m.previous().to_string(), "2026-02");
        assert_eq!(m.previous().days(), 28);
        assert_eq!("2026-01".parse::<Month>().map(|m| m.previous().to_string()).ok(), Some("2025-12".into()));
        assert!("2026-13".parse::<Month>().is_err());
        assert!("October".parse::<Month>().is_err());
    }
}
