//! The AWS Cost and Usage Report as CSV: the legacy headers (`lineItem/UnblendedCost`,
//! `resourceTags/user:KEY`, ...) and CUR 2.0 (`line_item_unblended_cost`, `resource_tags` as a JSON
//! object). Read a record at a time with the `csv` crate; the header decides the variant and a
//! missing required column is named before any row is read.

use std::io::Read;
use std::path::Path;

use super::aggregate::{Aggregates, LineItem, Mapping, bill_of, parse_amount, parse_day, tag_key};
use super::{CostError, Source};

/// Where the columns the import reads are.
struct Columns {
    source: Source,
    cost: usize,
    day: usize,
    kind: usize,
    currency: Option<usize>,
    /// Legacy: one column per tag, with its key.
    tag_cols: Vec<(usize, String)>,
    /// CUR 2.0: the `resource_tags` JSON column.
    tags_json: Option<usize>,
    /// The billing period start and the payer account (every real CUR has them).
    period: Option<usize>,
    account: Option<usize>,
}

/// Column names of one variant: cost, usage start, line item type, currency, billing period start,
/// payer account.
const LEGACY: [&str; 6] = [
    "lineItem/UnblendedCost",
    "lineItem/UsageStartDate",
    "lineItem/LineItemType",
    "lineItem/CurrencyCode",
    "bill/BillingPeriodStartDate",
    "bill/PayerAccountId",
];
const CUR2: [&str; 6] = [
    "line_item_unblended_cost",
    "line_item_usage_start_date",
    "line_item_line_item_type",
    "line_item_currency_code",
    "bill_billing_period_start_date",
    "bill_payer_account_id",
];

fn columns(headers: &csv::StringRecord, path: &Path) -> Result<Columns, CostError> {
    let find = |name: &str| headers.iter().position(|h| h.trim() == name);
    let (source, names, format) = if find(CUR2[0]).is_some() {
        (Source::AwsCur2, CUR2, "AWS CUR 2.0")
    } else if find(LEGACY[0]).is_some() || headers.iter().any(|h| h.starts_with("lineItem/")) {
        (Source::AwsCurLegacy, LEGACY, "AWS CUR (legacy headers)")
    } else {
        return Err(CostError::MissingColumn {
            path: path.to_path_buf(),
            format: "CSV",
            column: LEGACY[0].into(),
            help: format!(
                "expected an AWS Cost and Usage Report with {:?} (legacy) or {:?} (CUR 2.0); \
                 GCP exports are read as newline-delimited JSON",
                LEGACY[0], CUR2[0]
            ),
        });
    };
    let need = |name: &str| {
        find(name).ok_or_else(|| CostError::MissingColumn {
            path: path.to_path_buf(),
            format,
            column: name.into(),
            help: "export the report with this column (it is part of every AWS CUR)".into(),
        })
    };
    let tag_cols = headers
        .iter()
        .enumerate()
        .filter(|(_, h)| h.starts_with("resourceTags/"))
        .map(|(i, h)| (i, tag_key(h)))
        .collect();
    Ok(Columns {
        source,
        cost: need(names[0])?,
        day: need(names[1])?,
        kind: need(names[2])?,
        currency: find(names[3]),
        tag_cols,
        tags_json: find("resource_tags"),
        period: find(names[4]),
        account: find(names[5]),
    })
}

/// Reads a CUR CSV stream into aggregates.
pub(super) fn read<R: Read>(
    input: R,
    path: &Path,
    mapping: &Mapping,
) -> Result<(Source, Aggregates), CostError> {
    let mut reader = csv::ReaderBuilder::new().has_headers(true).from_reader(input);
    let headers = reader.headers().map_err(|e| csv_error(&e, path))?.clone();
    let cols = columns(&headers, path)?;
    let mut agg = Aggregates::default();
    let mut record = csv::StringRecord::new();
    while reader.read_record(&mut record).map_err(|e| csv_error(&e, path))? {
        let line = record.position().map_or(0, csv::Position::line);
        let item = line_item(&record, &cols).map_err(|message| CostError::BadLine {
            path: path.to_path_buf(),
            line,
            message,
        })?;
        agg.add(&item, mapping);
    }
    Ok((cols.source, agg))
}

fn line_item(record: &csv::StringRecord, cols: &Columns) -> Result<LineItem, String> {
    let field = |i: usize| record.get(i).unwrap_or("");
    let cost = field(cols.cost);
    let amount = parse_amount(cost).ok_or_else(|| {
        format!(
            "cost {} is not a decimal amount (line item type {})",
            super::quoted(cost),
            super::quoted(field(cols.kind))
        )
    })?;
    let start = field(cols.day);
    let day = parse_day(start).ok_or_else(|| {
        format!("usage start date {} is not a date like 2026-10-01T00:00:00Z", super::quoted(start))
    })?;
    let currency = cols.currency.map(field).filter(|c| !c.trim().is_empty()).unwrap_or("USD");
    let mut tags: Vec<(String, String)> = cols
        .tag_cols
        .iter()
        .filter(|(i, _)| !field(*i).is_empty())
        .map(|(i, k)| (k.clone(), field(*i).to_string()))
        .collect();
    if let Some(i) = cols.tags_json {
        tags.extend(json_tags(field(i))?);
    }
    let bill = bill_of(cols.period.map(field), cols.account.map(field), day);
    Ok(LineItem { day, currency: currency.trim().to_string(), amount, tags, bill })
}

/// CUR 2.0's `resource_tags`: a JSON object of string values (empty cell: no tags).
fn json_tags(text: &str) -> Result<Vec<(String, String)>, String> {
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    let map: std::collections::BTreeMap<String, serde_json::Value> = serde_json::from_str(text)
        .map_err(|e| format!("resource_tags is not a JSON object of tags ({e}): {}", super::quoted(text)))?;
    Ok(map
        .into_iter()
        .filter_map(|(k, v)| match v {
            serde_json::Value::String(s) => Some((tag_key(&k), s)),
            serde_json::Value::Null => None,
            other => Some((tag_key(&k), other.to_string())),
        })
        .collect())
}

fn csv_error(e: &csv::Error, path: &Path) -> CostError {
    let line = e.position().map_or(0, csv::Position::line);
    let message = match e.kind() {
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
            format!(
                "the row has {len} fields but the header has {expected_len}; the file may be truncated or mixed"
            )
        }
        csv::ErrorKind::Utf8 { .. } => "the row is not valid UTF-8; export the report as UTF-8 CSV".into(),
        _ => format!("cannot read the CSV: {e}"),
    };
    CostError::BadLine { path: path.to_path_buf(), line, message }
}
