//! The monthly cost report as pure functions: totals per group and currency, the month-over-month
//! change, and the anomalies found by [`super::find_anomalies`].
//!
//! Month over month: while a month is incomplete (its last imported day is before its last
//! calendar day) both months are compared over the same number of days, 1..=N; a complete month is
//! compared with the whole previous month.

use std::collections::BTreeMap;
use std::str::FromStr;

use jiff::civil::Date;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::anomaly::Anomaly;
use super::{CostError, Month};

/// What a report groups by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum GroupBy {
    /// The service tag.
    Service,
    /// The environment tag.
    Environment,
    /// Any tag key.
    Tag(String),
}

impl GroupBy {
    /// The flag text: `service`, `environment`, `tag:KEY`.
    pub fn label(&self) -> String {
        match self {
            GroupBy::Service => "service".into(),
            GroupBy::Environment => "environment".into(),
            GroupBy::Tag(k) => format!("tag:{k}"),
        }
    }
}

impl FromStr for GroupBy {
    type Err = CostError;

    fn from_str(s: &str) -> Result<GroupBy, CostError> {
        match s.trim() {
            "service" => Ok(GroupBy::Service),
            "environment" | "env" => Ok(GroupBy::Environment),
            t => match t.strip_prefix("tag:") {
                Some(k) if !k.trim().is_empty() => Ok(GroupBy::Tag(k.trim().to_string())),
                _ => Err(CostError::Invalid(format!(
                    "--by {s:?} is not a grouping; use service, environment or tag:KEY"
                ))),
            },
        }
    }
}

/// One day's cost of one group in one currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeriesRow {
    /// The day.
    pub day: Date,
    /// The group (service, environment or tag value; `(untagged)`).
    pub group: String,
    /// Currency.
    pub currency: String,
    /// Amount.
    pub amount: Decimal,
}

/// A group's line in the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupLine {
    /// The group.
    pub group: String,
    /// Currency.
    pub currency: String,
    /// This month's cost (over the compared days).
    pub total: Decimal,
    /// The previous month's cost over the same days.
    pub previous: Decimal,
    /// total − previous.
    pub change: Decimal,
    /// The change in percent of previous (none when previous is zero), two decimals.
    pub change_pct: Option<Decimal>,
}

/// A currency's total line.
pub type CurrencyTotal = GroupLine;

/// The report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// The month.
    pub month: Month,
    /// The grouping (`service`, `environment`, `tag:KEY`).
    pub by: String,
    /// Days of the month with imported data (1..=N), 0 when none.
    pub days: i8,
    /// Days in the month.
    pub days_in_month: i8,
    /// Whether the data reaches the month's last day.
    pub complete: bool,
    /// The month compared with.
    pub previous_month: Month,
    /// Days of the previous month compared.
    pub previous_days: i8,
    /// Lines per group and currency, largest first within a currency.
    pub groups: Vec<GroupLine>,
    /// Totals per currency (`group` is the currency).
    pub totals: Vec<CurrencyTotal>,
    /// Anomalous days.
    pub anomalies: Vec<Anomaly>,
    /// The floor of the anomaly rule.
    pub min_amount: Decimal,
    /// The rule, in words.
    pub rule: String,
}

/// The text of the published rule.
pub fn rule_text(min_amount: Decimal) -> String {
    format!(
        "a day's cost for a service and environment above the median + 3 x MAD of its previous 14 days and above {min_amount}"
    )
}

fn line(group: String, currency: String, total: Decimal, previous: Decimal) -> GroupLine {
    let change = total - previous;
    let change_pct = (!previous.is_zero()).then(|| (change * Decimal::ONE_HUNDRED / previous).round_dp(2));
    GroupLine { group, currency, total, previous, change, change_pct }
}

/// Builds the report from group rows covering the previous month's first day through `month`'s last.
pub fn compute_report(
    month: Month,
    by: &GroupBy,
    rows: &[SeriesRow],
    anomalies: Vec<Anomaly>,
    min_amount: Decimal,
) -> Report {
    let prev = month.previous();
    let data_end = rows.iter().filter(|r| Month::of(r.day) == month).map(|r| r.day).max();
    let days = data_end.map_or(0, Date::day);
    let complete = days == month.days();
    let previous_days = if complete { prev.days() } else { days.min(prev.days()) };
    let mut sums: BTreeMap<(String, String), (Decimal, Decimal)> = BTreeMap::new();
    for r in rows {
        let m = Month::of(r.day);
        let slot = sums.entry((r.currency.clone(), r.group.clone())).or_default();
        if m == month && r.day.day() <= days {
            slot.0 += r.amount;
        } else if m == prev && r.day.day() <= previous_days {
            slot.1 += r.amount;
        }
    }
    let mut totals: BTreeMap<String, (Decimal, Decimal)> = BTreeMap::new();
    for ((currency, _), (t, p)) in &sums {
        let slot = totals.entry(currency.clone()).or_default();
        slot.0 += *t;
        slot.1 += *p;
    }
    let mut groups: Vec<GroupLine> =
        sums.into_iter().map(|((currency, group), (t, p))| line(group, currency, t, p)).collect();
    groups
        .sort_by(|a, b| a.currency.cmp(&b.currency).then(b.total.cmp(&a.total)).then(a.group.cmp(&b.group)));
    let totals = totals.into_iter().map(|(c, (t, p))| line(c.clone(), c, t, p)).collect();
    Report {
        month,
        by: by.label(),
        days,
        days_in_month: month.days(),
        complete,
        previous_month: prev,
        previous_days,
        groups,
        totals,
        anomalies,
        min_amount,
        rule: rule_text(min_amount),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(day: &str, group: &str, amount: i64) -> SeriesRow {
        SeriesRow {
            day: day.parse().unwrap(),
            group: group.into(),
            currency: "USD".into(),
            amount: Decimal::from(amount),
        }
    }

    #[test]
    fn an_incomplete_month_is_compared_over_the_same_days() {
        let month: Month = "2026-10".parse().unwrap();
        let rows = vec![
            row("2026-09-01", "api", 10),
            row("2026-09-02", "api", 10),
            row("2026-09-03", "api", 99),
            row("2026-10-01", "api", 15),
            row("2026-10-02", "api", 15),
        ];
        let r = compute_report(month, &GroupBy::Service, &rows, Vec::new(), Decimal::TEN);
        assert_eq!((r.days, r.complete, r.previous_days), (2, false, 2));
        assert_eq!(r.groups[0].total, Decimal::from(30));
        assert_eq!(r.groups[0].previous, Decimal::from(20));
        assert_eq!(r.groups[0].change_pct, Some(Decimal::from(50)));
    }

    #[test]
    fn groupings_parse_and_bad_ones_are_named() {
        assert_eq!("tag:team".parse::<GroupBy>().ok(), Some(GroupBy::Tag("team".into())));
        let e = "colour".parse::<GroupBy>().unwrap_err().to_string();
        assert!(e.contains("\"colour\"") && e.contains("tag:KEY"), "{e}");
        assert!("tag:".parse::<GroupBy>().is_err());
    }
}
