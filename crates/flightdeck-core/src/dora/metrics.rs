//! The five metrics for one window over precomputed [`Fact`]s (§6): deployment frequency and its band
//! input, change lead time, change fail rate, failed deployment recovery time, deployment rework rate.
//! An empty window gives frequency 0 and `None` ("n/a") everywhere else. Pure.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::facts::Fact;
use super::stats::{median, median_f64, p90};
use super::window::Window;
use jiff::Span;
use jiff::civil::Date;

/// Change lead time over the commits first shipped by deployments in the window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct LeadTime {
    /// Median, seconds.
    pub median_secs: Option<f64>,
    /// Nearest-rank p90, seconds.
    pub p90_secs: Option<f64>,
    /// Commits counted.
    pub commits: usize,
    /// Commits dropped because their span was zero or negative (clock skew).
    pub dropped: usize,
}

/// Failed deployment recovery time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Recovery {
    /// Median of restored - impaired over failures restored inside the window, seconds.
    pub median_secs: Option<f64>,
    /// Failures restored inside the window.
    pub restored: usize,
    /// Failed deployments in the window not restored by its end (listed, not counted).
    pub unresolved: Vec<String>,
}

/// Every metric for one window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Metrics {
    /// |D|.
    pub deployments: usize,
    /// days(W).
    pub days: f64,
    /// |D| / days(W).
    pub per_day: f64,
    /// Distinct days (in the zone) with at least one deployment.
    pub deploy_days: usize,
    /// Median distinct deploy days per ISO week (the band input); `None` when D is empty.
    pub deploy_days_per_week: Option<f64>,
    /// Change lead time.
    pub lead_time: LeadTime,
    /// Failed deployments in D.
    pub failed: usize,
    /// failed / |D|.
    pub change_fail_rate: Option<f64>,
    /// Failed deployment recovery time.
    pub recovery: Recovery,
    /// Unplanned deployments in D.
    pub unplanned: usize,
    /// unplanned / |D|.
    pub rework_rate: Option<f64>,
}

/// The metrics of `facts` (any number of services) for window `w`.
#[allow(clippy::cast_precision_loss)]
pub fn compute(facts: &[Fact], w: &Window) -> Metrics {
    let d: Vec<&Fact> = facts.iter().filter(|f| w.contains(f.dep.finished_at)).collect();
    let n = d.len();
    let failed = d.iter().filter(|f| !f.failed.is_empty()).count();
    let unplanned = d.iter().filter(|f| f.unplanned).count();
    let ratio = |k: usize| (n > 0).then(|| k as f64 / n as f64);
    Metrics {
        deployments: n,
        days: w.days(),
        per_day: n as f64 / w.days(),
        deploy_days: d.iter().map(|f| w.date_of(f.dep.finished_at)).collect::<BTreeSet<_>>().len(),
        deploy_days_per_week: (n > 0).then(|| deploy_days_per_week(&d, w)).flatten(),
        lead_time: lead_time(&d),
        failed,
        change_fail_rate: ratio(failed),
        recovery: recovery(facts, &d, w),
        unplanned,
        rework_rate: ratio(unplanned),
    }
}

/// Median over ISO weeks wholly inside W of distinct deploy days (if none, the weeks overlapping W,
/// counting only days inside W — D holds only those).
fn deploy_days_per_week(d: &[&Fact], w: &Window) -> Option<f64> {
    let days: BTreeSet<Date> = d.iter().map(|f| w.date_of(f.dep.finished_at)).collect();
    let weeks = w.weeks();
    let inside: Vec<_> = weeks.iter().filter(|wk| wk.inside(w)).collect();
    let chosen: Vec<_> = if inside.is_empty() { weeks.iter().collect() } else { inside };
    let mut counts: Vec<f64> = chosen
        .iter()
        .map(|wk| {
            let end = wk.monday.checked_add(Span::new().days(7)).unwrap_or(Date::MAX);
            #[allow(clippy::cast_precision_loss)]
            let c = days.range(wk.monday..end).count() as f64;
            c
        })
        .collect();
    median_f64(&mut counts)
}

#[allow(clippy::cast_precision_loss)]
fn lead_time(d: &[&Fact]) -> LeadTime {
    let mut spans: Vec<i64> = Vec::new();
    let mut dropped = 0;
    for f in d {
        for span in f.lead_times() {
            if span > 0 { spans.push(span) } else { dropped += 1 }
        }
    }
    let secs = |us: f64| us / 1e6;
    LeadTime {
        median_secs: median(&mut spans).map(secs),
        p90_secs: p90(&mut spans).map(|v| secs(v as f64)),
        commits: spans.len(),
        dropped,
    }
}

#[allow(clippy::cast_precision_loss)]
fn recovery(all: &[Fact], d: &[&Fact], w: &Window) -> Recovery {
    let mut spans: Vec<i64> = all
        .iter()
        .filter(|f| !f.failed.is_empty())
        .filter_map(|f| f.restored.filter(|r| w.contains(*r)).map(|r| (r.0 - f.impaired.0).max(0)))
        .collect();
    let unresolved = d
        .iter()
        .filter(|f| !f.failed.is_empty() && f.restored.is_none_or(|r| r >= w.until))
        .map(|f| f.dep.id.clone())
        .collect();
    let restored = spans.len();
    Recovery { median_secs: median(&mut spans).map(|us| us / 1e6), restored, unresolved }
}
