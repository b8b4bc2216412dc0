//! Cost analysis tables: one record per imported billing file (by sha256, so the same file twice
//! changes nothing) and the daily aggregates it produced, per service/environment/currency and per
//! tag key/value/currency. Amounts are exact decimals stored as text; days as `YYYY-MM-DD`.
//!
//! Each aggregate row names its billing period and account: AWS and GCP re-deliver a month's
//! export with new content, and a later file of the same cloud, period and account replaces the
//! earlier file's rows of that period (in the import's transaction).

use std::collections::BTreeMap;

use jiff::civil::Date;
use rusqlite::{OptionalExtension, Row, params};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{SqliteContext, Store, StoreError};
use crate::time::Micros;

/// Schema: imports and their daily aggregates.
pub(crate) const V_COST: &str = "
CREATE TABLE cost_imports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    sha256 TEXT NOT NULL UNIQUE,
    file TEXT NOT NULL,
    source TEXT NOT NULL,
    gzip INTEGER NOT NULL,
    lines INTEGER NOT NULL,
    first_day TEXT,
    last_day TEXT,
    totals_json TEXT NOT NULL,
    imported_at INTEGER NOT NULL
);
CREATE TABLE cost_daily (
    import INTEGER NOT NULL REFERENCES cost_imports (id) ON DELETE CASCADE,
    day TEXT NOT NULL,
    service TEXT NOT NULL,
    environment TEXT NOT NULL,
    currency TEXT NOT NULL,
    amount TEXT NOT NULL
);
CREATE INDEX cost_daily_day ON cost_daily (day);
CREATE TABLE cost_daily_tags (
    import INTEGER NOT NULL REFERENCES cost_imports (id) ON DELETE CASCADE,
    day TEXT NOT NULL,
    tag_key TEXT NOT NULL,
    tag_value TEXT NOT NULL,
    currency TEXT NOT NULL,
    amount TEXT NOT NULL
);
CREATE INDEX cost_daily_tags_key ON cost_daily_tags (tag_key, day);
";

/// Billing periods and accounts on the aggregate rows (`CostBill`); rows imported before this
/// migration get their usage month and no account.
pub(crate) const V_COST_BILLS: &str = "
ALTER TABLE cost_daily ADD COLUMN period TEXT NOT NULL DEFAULT '';
ALTER TABLE cost_daily ADD COLUMN account TEXT NOT NULL DEFAULT '';
ALTER TABLE cost_daily_tags ADD COLUMN period TEXT NOT NULL DEFAULT '';
ALTER TABLE cost_daily_tags ADD COLUMN account TEXT NOT NULL DEFAULT '';
UPDATE cost_daily SET period = substr(day, 1, 7);
UPDATE cost_daily_tags SET period = substr(day, 1, 7);
CREATE INDEX cost_daily_bill ON cost_daily (period, account);
CREATE INDEX cost_daily_tags_bill ON cost_daily_tags (period, account);
";

/// The billing period (`YYYY-MM`) and account an aggregate belongs to.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct CostBill {
    /// The billing period, `YYYY-MM`.
    pub period: String,
    /// The payer or billing account (empty when the file names none).
    pub account: String,
}

/// An earlier import whose rows of one billing period a new delivery replaced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CostReplaced {
    /// The period and account replaced.
    #[serde(flatten)]
    pub bill: CostBill,
    /// The earlier import's id.
    pub import: i64,
    /// The earlier import's file.
    pub file: String,
}

/// An import to record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewCostImport {
    /// Hex sha256 of the file.
    pub sha256: String,
    /// The path as given.
    pub file: String,
    /// `aws-cur-legacy`, `aws-cur-2` or `gcp-ndjson`.
    pub source: String,
    /// Whether it was gzip-compressed.
    pub gzip: bool,
    /// Lines read.
    pub lines: u64,
    /// First usage day.
    pub first_day: Option<Date>,
    /// Last usage day.
    pub last_day: Option<Date>,
    /// The file's total per currency.
    pub totals: BTreeMap<String, Decimal>,
}

/// A recorded import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CostImportRecord {
    /// Row id.
    pub id: i64,
    /// When it was imported.
    pub imported_at: Micros,
    /// What was imported.
    #[serde(flatten)]
    pub import: NewCostImport,
}

/// One daily aggregate per service, environment and currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CostDailyRow {
    /// Usage day.
    pub day: Date,
    /// Service (or `(untagged)`).
    pub service: String,
    /// Environment (or `(untagged)`).
    pub environment: String,
    /// Currency.
    pub currency: String,
    /// Amount.
    pub amount: Decimal,
}

/// One daily aggregate per tag key, value and currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CostTagRow {
    /// Usage day.
    pub day: Date,
    /// Tag key.
    pub key: String,
    /// Tag value.
    pub value: String,
    /// Currency.
    pub currency: String,
    /// Amount.
    pub amount: Decimal,
}

const IMPORT_COLS: &str =
    "id, sha256, file, source, gzip, lines, first_day, last_day, totals_json, imported_at";

impl Store {
    /// Records an import with its aggregates in one transaction: the rows of earlier imports of the
    /// same cloud (`aws`/`gcp`, the source's prefix) for the billing periods and accounts in `bills`
    /// are deleted first. Returns the record and what it replaced, or the earlier record and `None`
    /// when a file with the same sha256 was imported already.
    pub async fn record_cost_import(
        &self,
        import: NewCostImport,
        bills: Vec<CostBill>,
        daily: Vec<(CostBill, CostDailyRow)>,
        tags: Vec<(CostBill, CostTagRow)>,
        at: Micros,
    ) -> Result<(CostImportRecord, Option<Vec<CostReplaced>>), StoreError> {
        self.write("recording a cost import", move |tx| {
            let what = "recording a cost import";
            let earlier = tx
                .query_row(&format!("SELECT {IMPORT_COLS} FROM cost_imports WHERE sha256 = ?1"), [&import.sha256], import_from_row)
                .optional()
                .ctx(what)?;
            if let Some(earlier) = earlier {
                return Ok((earlier, None));
            }
            let cloud = import.source.get(..3).unwrap_or_default().to_string();
            let replaced = replace_bills(tx, &cloud, &bills)?;
            let totals = serde_json::to_string(&import.totals)
                .map_err(|source| StoreError::Json { what: what.into(), source })?;
            tx.execute(
                "INSERT INTO cost_imports (sha256, file, source, gzip, lines, first_day, last_day, totals_json, imported_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    import.sha256, import.file, import.source, import.gzip,
                    i64::try_from(import.lines).unwrap_or(i64::MAX),
                    import.first_day.map(|d| d.to_string()), import.last_day.map(|d| d.to_string()),
                    totals, at.0
                ],
            )
            .ctx(what)?;
            let id = tx.last_insert_rowid();
            let mut stmt = tx
                .prepare_cached("INSERT INTO cost_daily (import, day, service, environment, currency, amount, period, account) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)")
                .ctx(what)?;
            for (b, r) in &daily {
                stmt.execute(params![id, r.day.to_string(), r.service, r.environment, r.currency, r.amount.to_string(), b.period, b.account])
                    .ctx(what)?;
            }
            let mut stmt = tx
                .prepare_cached("INSERT INTO cost_daily_tags (import, day, tag_key, tag_value, currency, amount, period, account) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)")
                .ctx(what)?;
            for (b, r) in &tags {
                stmt.execute(params![id, r.day.to_string(), r.key, r.value, r.currency, r.amount.to_string(), b.period, b.account]).ctx(what)?;
            }
            Ok((CostImportRecord { id, imported_at: at, import }, Some(replaced)))
        })
        .await
    }

    /// The import of the file with this sha256, if any.
    pub fn cost_import_by_sha(&self, sha256: &str) -> Result<Option<CostImportRecord>, StoreError> {
        let conn = self.reader();
        conn.query_row(
            &format!("SELECT {IMPORT_COLS} FROM cost_imports WHERE sha256 = ?1"),
            [sha256],
            import_from_row,
        )
        .optional()
        .ctx("reading a cost import")
    }

    /// Every import, oldest first.
    pub fn cost_imports(&self) -> Result<Vec<CostImportRecord>, StoreError> {
        let what = "reading the cost imports";
        let conn = self.reader();
        let mut stmt =
            conn.prepare_cached(&format!("SELECT {IMPORT_COLS} FROM cost_imports ORDER BY id")).ctx(what)?;
        let rows = stmt.query_map([], import_from_row).ctx(what)?;
        rows.collect::<Result<_, _>>().ctx(what)
    }

    /// Daily aggregates from `from` to `to` inclusive (several imports may repeat a key: add them).
    pub fn cost_daily_between(&self, from: Date, to: Date) -> Result<Vec<CostDailyRow>, StoreError> {
        let what = "reading daily costs";
        let conn = self.reader();
        let mut stmt = conn
            .prepare_cached(
                "SELECT day, service, environment, currency, amount FROM cost_daily \
                 WHERE day >= ?1 AND day <= ?2 ORDER BY day",
            )
            .ctx(what)?;
        let rows = stmt
            .query_map([from.to_string(), to.to_string()], |r| {
                Ok(CostDailyRow {
                    day: date_col(r, 0)?,
                    service: r.get(1)?,
                    environment: r.get(2)?,
                    currency: r.get(3)?,
                    amount: decimal_col(r, 4)?,
                })
            })
            .ctx(what)?;
        rows.collect::<Result<_, _>>().ctx(what)
    }

    /// Daily aggregates of tag `key` from `from` to `to` inclusive.
    pub fn cost_tag_daily_between(
        &self,
        key: &str,
        from: Date,
        to: Date,
    ) -> Result<Vec<CostTagRow>, StoreError> {
        let what = "reading daily costs by tag";
        let conn = self.reader();
        let mut stmt = conn
            .prepare_cached(
                "SELECT day, tag_key, tag_value, currency, amount FROM cost_daily_tags \
                 WHERE tag_key = ?1 AND day >= ?2 AND day <= ?3 ORDER BY day",
            )
            .ctx(what)?;
        let rows = stmt
            .query_map([key.to_string(), from.to_string(), to.to_string()], |r| {
                Ok(CostTagRow {
                    day: date_col(r, 0)?,
                    key: r.get(1)?,
                    value: r.get(2)?,
                    currency: r.get(3)?,
                    amount: decimal_col(r, 4)?,
                })
            })
            .ctx(what)?;
        rows.collect::<Result<_, _>>().ctx(what)
    }

    /// Every tag key seen in any import, sorted.
    pub fn cost_tag_keys(&self) -> Result<Vec<String>, StoreError> {
        let what = "reading the cost tag keys";
        let conn = self.reader();
        let mut stmt =
            conn.prepare_cached("SELECT DISTINCT tag_key FROM cost_daily_tags ORDER BY tag_key").ctx(what)?;
        let rows = stmt.query_map([], |r| r.get(0)).ctx(what)?;
        rows.collect::<Result<_, _>>().ctx(what)
    }
}

/// Deletes the rows of earlier imports from `cloud` for each of `bills`; returns what went.
fn replace_bills(
    tx: &rusqlite::Transaction<'_>,
    cloud: &str,
    bills: &[CostBill],
) -> Result<Vec<CostReplaced>, StoreError> {
    let what = "replacing an earlier delivery of a billing period";
    let earlier = "SELECT id FROM cost_imports WHERE substr(source, 1, 3) = ?3";
    let mut found = tx
        .prepare_cached(&format!(
            "SELECT DISTINCT i.id, i.file FROM cost_daily d JOIN cost_imports i ON i.id = d.import \
             WHERE d.period = ?1 AND d.account = ?2 AND d.import IN ({earlier}) ORDER BY i.id"
        ))
        .ctx(what)?;
    let mut replaced = Vec::new();
    for b in bills {
        let rows = found
            .query_map(params![b.period, b.account, cloud], |r| {
                Ok(CostReplaced { bill: b.clone(), import: r.get(0)?, file: r.get(1)? })
            })
            .ctx(what)?;
        replaced.extend(rows.collect::<Result<Vec<_>, _>>().ctx(what)?);
        for table in ["cost_daily", "cost_daily_tags"] {
            tx.execute(
                &format!("DELETE FROM {table} WHERE period = ?1 AND account = ?2 AND import IN ({earlier})"),
                params![b.period, b.account, cloud],
            )
            .ctx(what)?;
        }
    }
    Ok(replaced)
}

fn bad_col(i: usize, text: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        i,
        rusqlite::types::Type::Text,
        format!("bad value {text:?}").into(),
    )
}

fn date_col(r: &Row<'_>, i: usize) -> rusqlite::Result<Date> {
    let text: String = r.get(i)?;
    text.parse().map_err(|_| bad_col(i, &text))
}

fn decimal_col(r: &Row<'_>, i: usize) -> rusqlite::Result<Decimal> {
    let text: String = r.get(i)?;
    text.parse().map_err(|_| bad_col(i, &text))
}

fn import_from_row(r: &Row<'_>) -> rusqlite::Result<CostImportRecord> {
    let opt_date = |i: usize| -> rusqlite::Result<Option<Date>> {
        let text: Option<String> = r.get(i)?;
        text.map(|t| t.parse().map_err(|_| bad_col(i, &t))).transpose()
    };
    let totals: String = r.get(8)?;
    Ok(CostImportRecord {
        id: r.get(0)?,
        imported_at: Micros(r.get(9)?),
        import: NewCostImport {
            sha256: r.get(1)?,
            file: r.get(2)?,
            source: r.get(3)?,
            gzip: r.get(4)?,
            lines: u64::try_from(r.get::<_, i64>(5)?).unwrap_or(0),
            first_day: opt_date(6)?,
            last_day: opt_date(7)?,
            totals: serde_json::from_str(&totals).map_err(|_| bad_col(8, &totals))?,
        },
    })
}
