//! One billing line as the readers hand it over, the `[cost]` mapping from its tags to a service and
//! an environment, and the daily aggregates an import keeps (per service, environment and currency;
//! per tag key, value and currency), with the file's total per currency. Every aggregate carries
//! the billing period and account its lines belong to (`Bill`): a later delivery of the same
//! period and account replaces it.

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::Date;
use rust_decimal::Decimal;
use serde::Serialize;

use super::UNTAGGED;
use crate::config::CostConfig;
pub use crate::store::CostBill as Bill;

/// One billing line: its day, currency, exact amount (credits already applied) and tags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineItem {
    /// The usage day (as written in the file; both clouds write UTC).
    pub day: Date,
    /// ISO currency code.
    pub currency: String,
    /// The amount.
    pub amount: Decimal,
    /// Tags or labels, keys without the `user:` / `user_` prefix.
    pub tags: Vec<(String, String)>,
    /// The billing period (`YYYY-MM`) and account the line is billed in.
    pub bill: Bill,
}

/// Which tag keys name the service and the environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapping {
    /// Service keys, first present wins.
    pub service: Vec<String>,
    /// Environment keys, first present wins.
    pub environment: Vec<String>,
}

impl Mapping {
    /// The mapping of `[cost]`.
    pub fn from_config(c: &CostConfig) -> Mapping {
        Mapping { service: c.service_tags.clone(), environment: c.environment_tags.clone() }
    }

    fn pick<'a>(keys: &[String], tags: &'a [(String, String)]) -> &'a str {
        keys.iter()
            .find_map(|k| tags.iter().find(|(tk, v)| tk == k && !v.is_empty()).map(|(_, v)| v.as_str()))
            .unwrap_or(UNTAGGED)
    }
}

/// Strips the prefix the clouds put on user-defined tag keys.
pub fn tag_key(raw: &str) -> String {
    let k = raw.strip_prefix("resourceTags/").unwrap_or(raw);
    k.strip_prefix("user:").or_else(|| k.strip_prefix("user_")).unwrap_or(k).to_string()
}

/// The aggregates of one file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Aggregates {
    /// (bill, day, service, environment, currency) → amount.
    pub daily: BTreeMap<(Bill, Date, String, String, String), Decimal>,
    /// (bill, day, tag key, tag value, currency) → amount.
    pub tags: BTreeMap<(Bill, Date, String, String, String), Decimal>,
    /// The billing periods and accounts the file delivers.
    pub bills: BTreeSet<Bill>,
    /// The file's total per currency.
    pub totals: BTreeMap<String, Decimal>,
    /// Lines read.
    pub lines: u64,
    /// First and last usage day.
    pub first_day: Option<Date>,
    /// Last usage day.
    pub last_day: Option<Date>,
}

impl Aggregates {
    /// Adds one line under `mapping`.
    pub fn add(&mut self, item: &LineItem, mapping: &Mapping) {
        self.lines += 1;
        let day = item.day;
        let service = Mapping::pick(&mapping.service, &item.tags);
        let environment = Mapping::pick(&mapping.environment, &item.tags);
        let bill = &item.bill;
        if !self.bills.contains(bill) {
            self.bills.insert(bill.clone());
        }
        let key = (bill.clone(), day, service.to_string(), environment.to_string(), item.currency.clone());
        *self.daily.entry(key).or_default() += item.amount;
        for (k, v) in &item.tags {
            if !v.is_empty() {
                let key = (bill.clone(), day, k.clone(), v.clone(), item.currency.clone());
                *self.tags.entry(key).or_default() += item.amount;
            }
        }
        match self.totals.get_mut(&item.currency) {
            Some(t) => *t += item.amount,
            None => {
                self.totals.insert(item.currency.clone(), item.amount);
            }
        }
        self.first_day = Some(self.first_day.map_or(day, |d| d.min(day)));
        self.last_day = Some(self.last_day.map_or(day, |d| d.max(day)));
    }
}

/// Reads an exact decimal (`12.5`, `-0.000123`, `1.2E-5`); `None` when it is not a number.
pub fn parse_amount(text: &str) -> Option<Decimal> {
    let t = text.trim();
    t.parse::<Decimal>().ok().or_else(|| Decimal::from_scientific(t).ok())
}

/// The bill of a line: the period from `period_text` (a timestamp like `2026-10-01T00:00:00Z`, or
/// GCP's `202610`) or, when the file has none, the usage day's month; the account as written.
pub fn bill_of(period_text: Option<&str>, account: Option<&str>, day: Date) -> Bill {
    let from_text = period_text.map(str::trim).filter(|t| !t.is_empty()).and_then(|t| {
        if t.len() == 6 && t.bytes().all(|b| b.is_ascii_digit()) {
            Some(format!("{}-{}", &t[..4], &t[4..]))
        } else {
            parse_day(t).map(|d| format!("{:04}-{:02}", d.year(), d.month()))
        }
    });
    Bill {
        period: from_text.unwrap_or_else(|| format!("{:04}-{:02}", day.year(), day.month())),
        account: account.map_or("", str::trim).to_string(),
    }
}

/// Reads the day at the start of a timestamp (`2026-10-01T00:00:00Z`, `2026-10-01 07:00:00 UTC`).
pub fn parse_day(text: &str) -> Option<Date> {
    text.trim().get(..10)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mapping_picks_the_first_present_key_and_falls_back_to_untagged() {
        let m = Mapping { service: vec!["service".into(), "app".into()], environment: vec!["env".into()] };
        let tags = vec![("app".to_string(), "web".to_string()), ("service".to_string(), String::new())];
        assert_eq!(Mapping::pick(&m.service, &tags), "web");
        assert_eq!(Mapping::pick(&m.environment, &tags), UNTAGGED);
    }

    #[test]
    fn amounts_and_days_parse_exactly() {
        assert_eq!(parse_amount("0.1").map(|d| d + Decimal::new(2, 1)), Some(Decimal::new(3, 1)));
        assert_eq!(parse_amount("1.5E-3"), Some(Decimal::new(15, 4)));
        assert_eq!(parse_amount("abc"), None);
        assert_eq!(parse_day("2026-10-03T00:00:00Z").map(jiff::civil::Date::day), Some(3));
        assert_eq!(parse_day("2026-1"), None);
        assert_eq!(tag_key("resourceTags/user:service"), "service");
        assert_eq!(tag_key("user_env"), "env");
    }

    #[test]
    fn the_bill_comes_from_the_period_column_or_else_the_usage_month() {
        let day: Date = "2026-10-31".parse().unwrap();
        let b = bill_of(Some("2026-11-01T00:00:00Z"), Some(" 1234 "), day);
        assert_eq!((b.period.as_str(), b.account.as_str()), ("2026-11", "1234"));
        assert_eq!(bill_of(Some("202609"), None, day).period, "2026-09");
        assert_eq!(bill_of(Some(""), None, day).period, "2026-10");
        assert_eq!(bill_of(None, None, day).account, "");
    }
}
