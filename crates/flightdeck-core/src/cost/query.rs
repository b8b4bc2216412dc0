//! Reads what a report needs from the store: the daily aggregates from the previous month's first
//! day to the month's last, regrouped by service, environment or one tag key (cost without that
//! tag is `(untagged)`: the day's total minus its tagged part), and the anomalies.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use super::report::{GroupBy, Report, SeriesRow, compute_report};
use super::{CostError, Month, UNTAGGED, find_anomalies};
use crate::config::CostConfig;
use crate::store::Store;

/// Every tag key the imports carry, sorted.
pub fn known_tag_keys(store: &Store) -> Result<Vec<String>, CostError> {
    Ok(store.cost_tag_keys()?)
}

/// The report of `month` grouped `by`; an unknown tag key is an error listing the known ones.
pub fn build_report(
    store: &Store,
    cfg: &CostConfig,
    month: Month,
    by: &GroupBy,
) -> Result<Report, CostError> {
    let min_amount = cfg.min_amount().map_err(CostError::Invalid)?;
    let (from, to) = (month.previous().first(), month.last());
    let daily = store.cost_daily_between(from, to)?;
    let rows: Vec<SeriesRow> = match by {
        GroupBy::Service | GroupBy::Environment => daily
            .iter()
            .map(|r| SeriesRow {
                day: r.day,
                group: if *by == GroupBy::Service { r.service.clone() } else { r.environment.clone() },
                currency: r.currency.clone(),
                amount: r.amount,
            })
            .collect(),
        GroupBy::Tag(key) => tag_rows(store, key, &daily, from, to)?,
    };
    let anomalies = find_anomalies(&daily, month.first(), month.last(), min_amount);
    Ok(compute_report(month, by, &rows, anomalies, min_amount))
}

fn tag_rows(
    store: &Store,
    key: &str,
    daily: &[crate::store::CostDailyRow],
    from: jiff::civil::Date,
    to: jiff::civil::Date,
) -> Result<Vec<SeriesRow>, CostError> {
    let keys = known_tag_keys(store)?;
    if !keys.iter().any(|k| k == key) {
        let list =
            if keys.is_empty() { "none (import a billing file first)".to_string() } else { keys.join(", ") };
        return Err(CostError::Invalid(format!(
            "--by tag:{key}: no imported cost carries the tag {key:?}; the tags are: {list}"
        )));
    }
    let mut untagged: BTreeMap<(jiff::civil::Date, String), Decimal> = BTreeMap::new();
    for r in daily {
        *untagged.entry((r.day, r.currency.clone())).or_default() += r.amount;
    }
    let mut rows = Vec::new();
    for r in store.cost_tag_daily_between(key, from, to)? {
        *untagged.entry((r.day, r.currency.clone())).or_default() -= r.amount;
        rows.push(SeriesRow { day: r.day, group: r.value, currency: r.currency, amount: r.amount });
    }
    rows.extend(
        untagged.into_iter().filter(|(_, a)| !a.is_zero()).map(|((day, currency), amount)| SeriesRow {
            day,
            group: UNTAGGED.into(),
            currency,
            amount,
        }),
    );
    Ok(rows)
}
