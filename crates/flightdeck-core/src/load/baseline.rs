//! Results and baselines in the store: every finished test's report is kept in `load_results`; a
//! baseline is a name pointing at one of them (`load_baselines`). [`compare`] (pure) flags
//! regressions beyond a tolerance. The rows are written through the store's writer
//! ([`Store::save_load_result`]), in one transaction with the baseline they become.

use serde::{Deserialize, Serialize};

use crate::load::Report;
use crate::store::{NewLoadResult, Store, StoreError};

/// A baseline could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    /// The store failed.
    #[error("load results: {0}")]
    Store(#[from] StoreError),
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

/// Saves a finished test's report (with the run it belonged to, if any) and, when `baseline`
/// names one, points that baseline at it: one transaction through the store's writer. Returns the
/// result's id.
pub fn save_result(
    store: &Store,
    report: &Report,
    run: Option<&str>,
    at: i64,
    baseline: Option<&str>,
) -> Result<i64, BaselineError> {
    let text = serde_json::to_string(report).map_err(|source| BaselineError::Decode { id: 0, source })?;
    let row = NewLoadResult {
        at,
        url: report.url.clone(),
        run: run.map(str::to_string),
        passed: report.passed(),
        report: text,
    };
    Ok(store.save_load_result(row, baseline.map(str::to_string))?)
}

/// The report saved as baseline `name`, with when it was saved.
pub fn load_baseline(store: &Store, name: &str) -> Result<(Report, i64), BaselineError> {
    let stored = store.load_baseline(name)?.ok_or_else(|| BaselineError::Missing(name.into()))?;
    let report = serde_json::from_str(&stored.report)
        .map_err(|source| BaselineError::Decode { id: stored.result, source })?;
    Ok((report, stored.saved_at))
}
