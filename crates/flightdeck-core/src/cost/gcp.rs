//! GCP's billing export (standard usage cost) as newline-delimited JSON, read a line at a time:
//! `service.description`, `sku`, `usage_start_time`, `project`, `labels` as `[{key, value}]`,
//! `cost`, `credits[].amount`, `currency`, `invoice.month` (the billing period),
//! `billing_account_id`, `cost_type`. A line's amount is its cost plus its credits (credits are
//! negative). Amounts are read from the JSON text itself, never through a float.

use std::io::BufRead;
use std::path::Path;

use serde::Deserialize;
use serde_json::value::RawValue;

use super::aggregate::{Aggregates, LineItem, Mapping, bill_of, parse_amount, parse_day, tag_key};
use super::{CostError, Source};

#[derive(Deserialize)]
struct Row<'a> {
    usage_start_time: String,
    #[serde(borrow)]
    cost: &'a RawValue,
    currency: String,
    #[serde(default, borrow)]
    credits: Vec<Credit<'a>>,
    #[serde(default)]
    labels: Vec<Label>,
    #[serde(default)]
    invoice: Option<Invoice>,
    #[serde(default)]
    billing_account_id: Option<String>,
}

#[derive(Deserialize)]
struct Invoice {
    #[serde(default)]
    month: Option<String>,
}

#[derive(Deserialize)]
struct Credit<'a> {
    #[serde(borrow)]
    amount: &'a RawValue,
}

#[derive(Deserialize)]
struct Label {
    key: String,
    #[serde(default)]
    value: Option<String>,
}

/// Reads an NDJSON stream into aggregates; blank lines are skipped.
pub(super) fn read<R: BufRead>(
    mut input: R,
    path: &Path,
    mapping: &Mapping,
) -> Result<(Source, Aggregates), CostError> {
    let mut agg = Aggregates::default();
    let mut line = String::new();
    let mut number = 0u64;
    loop {
        line.clear();
        let n = input.read_line(&mut line).map_err(|e| CostError::BadLine {
            path: path.to_path_buf(),
            line: number + 1,
            message: format!("cannot read the line: {e}"),
        })?;
        if n == 0 {
            break;
        }
        number += 1;
        if line.trim().is_empty() {
            continue;
        }
        let item = line_item(&line).map_err(|message| CostError::BadLine {
            path: path.to_path_buf(),
            line: number,
            message,
        })?;
        agg.add(&item, mapping);
    }
    Ok((Source::GcpNdjson, agg))
}

fn line_item(text: &str) -> Result<LineItem, String> {
    let row: Row<'_> = serde_json::from_str(text.trim_start_matches('\u{feff}'))
        .map_err(|e| format!("not a GCP billing export row: {e}"))?;
    let mut amount = raw_amount(row.cost, "cost")?;
    for c in &row.credits {
        amount += raw_amount(c.amount, "credits[].amount")?;
    }
    let day = parse_day(&row.usage_start_time).ok_or_else(|| {
        format!(
            "usage_start_time {} is not a timestamp like 2026-10-01T00:00:00Z",
            super::quoted(&row.usage_start_time)
        )
    })?;
    if row.currency.trim().is_empty() {
        return Err("currency is empty".into());
    }
    let tags = row.labels.into_iter().filter_map(|l| l.value.map(|v| (tag_key(&l.key), v))).collect();
    let month = row.invoice.and_then(|i| i.month);
    let bill = bill_of(month.as_deref(), row.billing_account_id.as_deref(), day);
    Ok(LineItem { day, currency: row.currency.trim().to_string(), amount, tags, bill })
}

/// A JSON number (or a number in a string, as some exports write) as an exact decimal.
fn raw_amount(raw: &RawValue, what: &str) -> Result<rust_decimal::Decimal, String> {
    let text = raw.get().trim().trim_matches('"');
    parse_amount(text).ok_or_else(|| format!("{what} {} is not a number", raw.get()))
}
