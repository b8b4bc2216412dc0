//! Results and baselines in the store: every finished test's report is kept in `load_results`; a
//! baseline is a name pointing at one of them (`load_baselines`). [`compare`] (pure) flags
//! regressions beyond a tolerance. Uses its own connection on the store's file (the store's writer
//! API is private to `store/`): `BEGIN IMMEDIATE` with a 5 s busy timeout, as the store does.

use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use serde::{Deserialize, Serialize};

use crate::load::Report;
use crate::store::Store;

/// A baseline could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    /// The database failed.
    #[error("load results in {path}: {source}")]
    Sql { path: String, source: rusqlite::Error },
    /// A stored report does not parse.
    #[error("stored load report #{id} is unreadable: {source}")]
    Decode { id: i64, source: serde_json::Error },
    /// No baseline of that name.
    #[error("no load baseline named {0:?}: save one with --save-baseline {0}")]
    Missing(String),
}

/// One compared figure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Delta {
    pub metric: String,
    pub baseline: f64,
    pub current: f64,
    /// (current - baseline) / baseline in percent (0 when the baseline is 0).
    pub change_pct: f64,
    /// Worse than the baseline by more than the tolerance.
    pub regressed: bool,
}

/// A report compared with a named baseline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    pub baseline: String,
    /// When the baseline was saved (UTC microseconds).
    pub saved_at: i64,
    pub tolerance_pct: f64,
    pub deltas: Vec<Delta>,
    pub regressed: bool,
}

/// Compares `current` with `base`: lower req/s or higher p50/p95/p99 by more than `tolerance_pct`,
/// or an error rate higher by more than the tolerance (and 0.1 percentage point), is a regression.
pub fn compare(name: &str, saved_at: i64, base: &Report, current: &Report, tolerance_pct: f64) -> Comparison {
    let (b, c) = (&base.stats, &current.stats);
    let tol = tolerance_pct / 100.0;
    let delta = |metric: &str, bv: f64, cv: f64, higher_is_worse: bool| {
        let change = if bv.abs() > f64::EPSILON { (cv - bv) / bv } else { 0.0 };
        let regressed = if higher_is_worse { cv > bv * (1.0 + tol) } else { cv < bv * (1.0 - tol) };
        Delta { metric: metric.into(), baseline: bv, current: cv, change_pct: change * 100.0, regressed }
    };
    let mut deltas = vec![
        delta("rps", b.rps_mean, c.rps_mean, false),
        delta("p50", b.latency.p50, c.latency.p50, true),
        delta("p95", b.latency.p95, c.latency.p95, true),
        delta("p99", b.latency.p99, c.latency.p99, true),
        delta("error_rate", b.error_rate, c.error_rate, true),
    ];
    if let Some(e) = deltas.last_mut() {
        e.regressed = e.regressed && e.current - e.baseline > 0.001;
    }
    let regressed = deltas.iter().any(|d| d.regressed);
    Comparison { baseline: name.into(), saved_at, tolerance_pct, deltas, regressed }
}

fn connect(store: &Store) -> Result<Connection, BaselineError> {
    let sql = |source| BaselineError::Sql { path: store.db_path().display().to_string(), source };
    let conn = Connection::open(store.db_path()).map_err(sql)?;
    conn.busy_timeout(Duration::from_secs(5)).map_err(sql)?;
    Ok(conn)
}

/// Saves a finished test's report (with the run it belonged to, if any); returns its id.
pub fn save_result(store: &Store, report: &Report, run: Option<&str>, at: i64) -> Result<i64, BaselineError> {
    let sql = |source| BaselineError::Sql { path: store.db_path().display().to_string(), source };
    let mut conn = connect(store)?;
    let text = serde_json::to_string(report).map_err(|source| BaselineError::Decode { id: 0, source })?;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(sql)?;
    tx.execute(
        "INSERT INTO load_results (at, url, run, passed, report) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![at, report.url, run, report.passed(), text],
    )
    .map_err(sql)?;
    let id = tx.last_insert_rowid();
    tx.commit().map_err(sql)?;
    Ok(id)
}

/// Points baseline `name` at result `id` (replacing an older one of that name).
pub fn save_baseline(store: &Store, name: &str, id: i64, at: i64) -> Result<(), BaselineError> {
    let sql = |source| BaselineError::Sql { path: store.db_path().display().to_string(), source };
    let mut conn = connect(store)?;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(sql)?;
    tx.execute(
        "INSERT INTO load_baselines (name, result, saved_at) VALUES (?1, ?2, ?3)
         ON CONFLICT(name) DO UPDATE SET result = excluded.result, saved_at = excluded.saved_at",
        params![name, id, at],
    )
    .map_err(sql)?;
    tx.commit().map_err(sql)
}

/// The report saved as baseline `name`, with when it was saved.
pub fn load_baseline(store: &Store, name: &str) -> Result<(Report, i64), BaselineError> {
    let sql = |source| BaselineError::Sql { path: store.db_path().display().to_string(), source };
    let conn = connect(store)?;
    let row: Option<(i64, String, i64)> = conn
        .query_row(
            "SELECT r.id, r.report, b.saved_at FROM load_baselines b JOIN load_results r ON r.id = b.result
             WHERE b.name = ?1",
            params![name],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .optional()
        .map_err(sql)?;
    let (id, text, saved_at) = row.ok_or_else(|| BaselineError::Missing(name.into()))?;
    let report = serde_json::from_str(&text).map_err(|source| BaselineError::Decode { id, source })?;
    Ok((report, saved_at))
}
