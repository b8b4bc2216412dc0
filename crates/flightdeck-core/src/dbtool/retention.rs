//! Backup retention: keep the newest backup of each of the N most recent days, M most recent ISO
//! weeks and K most recent months that have backups (calendar in UTC), and never the newest verified
//! one; everything else may go. A pure function of the list, so a test can compute the set by hand.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::time::Micros;

/// The key of the period a date falls in (`2026-03-01`, `2026-W09`, `2026-03`).
type PeriodKey = fn(jiff::civil::Date) -> String;

/// How many of each period to keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    /// Days.
    pub daily: usize,
    /// ISO weeks.
    pub weekly: usize,
    /// Months.
    pub monthly: usize,
}

/// A backup as retention sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// Its id.
    pub id: i64,
    /// When it was taken.
    pub created_at: Micros,
    /// Its last verification passed.
    pub verified: bool,
}

/// The ids to keep, each with why.
pub fn keep(items: &[Item], policy: Policy) -> Vec<(i64, String)> {
    let mut sorted: Vec<&Item> = items.iter().collect();
    sorted.sort_by_key(|i| std::cmp::Reverse((i.created_at, i.id)));
    let mut reasons: std::collections::BTreeMap<i64, Vec<String>> = std::collections::BTreeMap::new();
    let periods: [(&str, usize, PeriodKey); 3] = [
        ("daily", policy.daily, |d| d.to_string()),
        ("weekly", policy.weekly, |d| {
            let w = d.iso_week_date();
            format!("{}-W{:02}", w.year(), w.week())
        }),
        ("monthly", policy.monthly, |d| format!("{}-{:02}", d.year(), d.month())),
    ];
    for (name, n, key) in periods {
        let mut seen = BTreeSet::new();
        for i in &sorted {
            let k = key(date(i.created_at));
            if seen.len() >= n && !seen.contains(&k) {
                break;
            }
            if seen.insert(k.clone()) {
                reasons.entry(i.id).or_default().push(format!("{name} {k}"));
            }
        }
    }
    if let Some(v) = sorted.iter().find(|i| i.verified) {
        reasons.entry(v.id).or_default().push("newest verified".into());
    }
    sorted.iter().filter_map(|i| reasons.remove(&i.id).map(|r| (i.id, r.join(", ")))).collect()
}

fn date(at: Micros) -> jiff::civil::Date {
    jiff::Timestamp::from_microsecond(at.0)
        .map_or(jiff::civil::date(1970, 1, 1), |t| t.to_zoned_datetime(jiff::tz::TimeZone::UTC).date())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(date: jiff::civil::Date) -> Micros {
        let t =
            date.at(2, 0, 0, 0).to_zoned_datetime(jiff::tz::TimeZone::UTC).map(|z| z.timestamp()).unwrap();
        Micros(t.as_microsecond())
    }

    /// 60 daily backups, 2026-01-01 (a Thursday, ISO week 1) to 2026-03-01 (a Sunday, week 9);
    /// the ones of Jan 10 and Jan 20 verified. Keep 7 daily, 4 weekly, 3 monthly, by hand:
    /// daily Mar 1, Feb 28..23; weekly W09 Mar 1, W08 Feb 22, W07 Feb 15, W06 Feb 8; monthly
    /// Mar 1, Feb 28, Jan 31; newest verified Jan 20.
    #[test]
    fn sixty_daily_backups_keep_the_hand_computed_set() {
        let first = jiff::civil::date(2026, 1, 1);
        let items: Vec<Item> = (0..60)
            .map(|i| {
                let d = first.checked_add(jiff::Span::new().days(i)).unwrap();
                Item { id: i + 1, created_at: at(d), verified: d.month() == 1 && [10, 20].contains(&d.day()) }
            })
            .collect();
        let kept = keep(&items, Policy { daily: 7, weekly: 4, monthly: 3 });
        let dates: Vec<String> = kept
            .iter()
            .map(|(id, _)| first.checked_add(jiff::Span::new().days(id - 1)).unwrap().to_string())
            .collect();
        let want = [
            "2026-03-01",
            "2026-02-28",
            "2026-02-27",
            "2026-02-26",
            "2026-02-25",
            "2026-02-24",
            "2026-02-23",
            "2026-02-22",
            "2026-02-15",
            "2026-02-08",
            "2026-01-31",
            "2026-01-20",
        ];
        assert_eq!(dates, want);
        assert!(kept[0].1.contains("daily") && kept[0].1.contains("weekly") && kept[0].1.contains("monthly"));
        assert_eq!(kept.last().unwrap().1, "newest verified");
    }
}
