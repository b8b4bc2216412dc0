//! The published anomaly rule: a day's cost for a service and environment (in one currency) is an
//! anomaly when it is above the median + 3 × MAD (median absolute deviation) of its previous 14
//! days and above `[cost] min_amount`. A series needs 14 days of history before its first day can
//! be judged; inside its history a day without cost counts as zero.

use std::collections::BTreeMap;

use jiff::civil::Date;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::month::add_days;
use crate::store::CostDailyRow;

/// Days of history the rule looks back.
pub const WINDOW_DAYS: i64 = 14;

/// A flagged day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Anomaly {
    /// The day.
    pub day: Date,
    /// Service.
    pub service: String,
    /// Environment.
    pub environment: String,
    /// Currency.
    pub currency: String,
    /// The day's cost.
    pub amount: Decimal,
    /// Median of the previous 14 days.
    pub median: Decimal,
    /// Median absolute deviation of the previous 14 days.
    pub mad: Decimal,
    /// median + 3 × MAD.
    pub threshold: Decimal,
}

/// The median and the median absolute deviation of `values` (zeros when empty).
pub fn median_mad(values: &[Decimal]) -> (Decimal, Decimal) {
    let mid = median(values.to_vec());
    let deviations = values.iter().map(|v| (*v - mid).abs()).collect();
    (mid, median(deviations))
}

fn median(mut v: Vec<Decimal>) -> Decimal {
    if v.is_empty() {
        return Decimal::ZERO;
    }
    v.sort_unstable();
    let mid = v.len() / 2;
    if v.len() % 2 == 1 { v[mid] } else { (v[mid - 1] + v[mid]) / Decimal::TWO }
}

type SeriesKey = (String, String, String);

/// The anomalies among the days `from..=to` of every service/environment/currency series in `rows`
/// (which must include the 14 days before `from`).
pub fn find_anomalies(rows: &[CostDailyRow], from: Date, to: Date, min_amount: Decimal) -> Vec<Anomaly> {
    let mut series: BTreeMap<SeriesKey, BTreeMap<Date, Decimal>> = BTreeMap::new();
    for r in rows {
        let key = (r.service.clone(), r.environment.clone(), r.currency.clone());
        *series.entry(key).or_default().entry(r.day).or_default() += r.amount;
    }
    let mut found = Vec::new();
    for ((service, environment, currency), days) in &series {
        for (day, amount, median, mad) in judge(days, from, to) {
            let threshold = median + Decimal::from(3) * mad;
            if amount > threshold && amount > min_amount {
                let (service, environment, currency) =
                    (service.clone(), environment.clone(), currency.clone());
                found.push(Anomaly { day, service, environment, currency, amount, median, mad, threshold });
            }
        }
    }
    found.sort_by(|a, b| (a.day, &a.service, &a.environment).cmp(&(b.day, &b.service, &b.environment)));
    found
}

/// Each judged day of one series with its amount, median and MAD.
fn judge(days: &BTreeMap<Date, Decimal>, from: Date, to: Date) -> Vec<(Date, Decimal, Decimal, Decimal)> {
    let Some(first) = days.keys().next().copied() else { return Vec::new() };
    let mut out = Vec::new();
    let mut day = from;
    while day <= to {
        if add_days(day, -WINDOW_DAYS).is_some_and(|start| start >= first) {
            let history: Vec<Decimal> = (1..=WINDOW_DAYS)
                .filter_map(|back| add_days(day, -back))
                .map(|d| days.get(&d).copied().unwrap_or_default())
                .collect();
            let (median, mad) = median_mad(&history);
            out.push((day, days.get(&day).copied().unwrap_or_default(), median, mad));
        }
        let Some(next) = add_days(day, 1) else { break };
        day = next;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        s.parse().unwrap()
    }

    #[test]
    fn median_and_mad_of_known_values() {
        let v: Vec<Decimal> = [1, 1, 2, 2, 4, 6, 9].iter().map(|n| Decimal::from(*n)).collect();
        assert_eq!(median_mad(&v), (Decimal::from(2), Decimal::from(1)));
        let even: Vec<Decimal> = [1, 2, 3, 4].iter().map(|n| Decimal::from(*n)).collect();
        assert_eq!(median_mad(&even).0, Decimal::new(25, 1));
    }

    #[test]
    fn a_spike_is_flagged_only_above_the_floor_and_with_full_history() {
        let mut rows = Vec::new();
        for n in 1..=20 {
            let amount = if n == 18 { 500 } else { 100 + (n % 3) };
            let day = add_days(d("2026-10-01"), n - 1).unwrap();
            rows.push(CostDailyRow {
                day,
                service: "api".into(),
                environment: "prod".into(),
                currency: "USD".into(),
                amount: Decimal::from(amount),
            });
        }
        let found = find_anomalies(&rows, d("2026-10-01"), d("2026-10-20"), Decimal::from(10));
        assert_eq!(found.iter().map(|a| a.day).collect::<Vec<_>>(), vec![d("2026-10-18")]);
        assert!(find_anomalies(&rows, d("2026-10-01"), d("2026-10-20"), Decimal::from(1000)).is_empty());
    }
}
