//! The DORA view-model the console and `flightdeck dora` draw: five cards, weekly series, the
//! deployments of the window with the commits each first shipped and their lead times, unresolved
//! failures and notes. [`dashboard_from_parts`] is pure; [`compute_dashboard`] reads the store and
//! the repositories first.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::cards::cards;
use super::facts::{Fact, History, facts, short};
use super::metrics::{Metrics, compute};
use super::window::Window;
use super::{DoraError, git};
use crate::config::Config;
use crate::store::Store;
use crate::store::records::DeploymentRecord;
use crate::time::Micros;

pub use super::cards::{Card, MetricKey, Trend, TrendDirection};

/// What to compute: a window and optional filters.
#[derive(Debug, Clone, PartialEq)]
pub struct DashboardQuery {
    /// One service, or every service (each with its own history).
    pub service: Option<String>,
    /// One environment by name, or (`None`) every production environment.
    pub environment: Option<String>,
    /// The window.
    pub window: Window,
}

/// The window as shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WindowInfo {
    /// First instant inside.
    pub since: Micros,
    /// First instant after.
    pub until: Micros,
    /// IANA zone of dates and weeks.
    pub time_zone: String,
    /// days(W).
    pub days: f64,
}

/// One ISO week of the series.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeekLabel {
    /// `2026-W07`.
    pub label: String,
    /// Its Monday 00:00 (the week may be clipped by the window).
    pub start: Micros,
    /// Deployments in the week (inside the window).
    pub deployments: usize,
}

/// A commit shipped by a deployment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitRow {
    /// Full SHA.
    pub sha: String,
    /// First line of the message.
    pub summary: String,
    /// Author time.
    pub author_time: Micros,
    /// finished - author time, seconds (`None` for the baseline deployment).
    pub lead_time_secs: Option<i64>,
    /// Whether the lead time counts (not the baseline, span positive).
    pub counted: bool,
}

/// A deployment of the window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeploymentRow {
    /// The ledger row.
    pub deployment: DeploymentRecord,
    /// The service's first deployment (commits not counted).
    pub baseline: bool,
    /// Why it counts as failed (empty: it did not).
    pub failure_reasons: Vec<String>,
    /// Hotfix, rollback, fix-forward or a detected rollback.
    pub unplanned: bool,
    /// When it was restored, if it failed and was.
    pub restored: Option<Micros>,
    /// Commits it first shipped, newest first.
    pub commits: Vec<CommitRow>,
}

/// A failed deployment not restored by the window's end.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Unresolved {
    /// Deployment id.
    pub id: String,
    /// Service.
    pub service: String,
    /// When service was impaired.
    pub impaired: Micros,
    /// Age at the window's end (or now, if earlier), hours.
    pub age_hours: f64,
}

/// The dashboard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dashboard {
    /// The window.
    pub window: WindowInfo,
    /// The service shown (`None`: all).
    pub service: Option<String>,
    /// The environment shown (`None`: every production one).
    pub environment: Option<String>,
    /// Five cards: frequency, lead time, fail rate, recovery time, rework rate.
    pub metrics: Vec<Card>,
    /// The weeks of the series.
    pub weeks: Vec<WeekLabel>,
    /// Deployments in the window, newest first.
    pub deployments: Vec<DeploymentRow>,
    /// Failed deployments not restored.
    pub unresolved: Vec<Unresolved>,
    /// The raw numbers of the window.
    pub current: Metrics,
    /// The raw numbers of the previous window.
    pub previous: Metrics,
    /// Things the reader should know (a missing repository, an unknown SHA).
    pub notes: Vec<String>,
}

/// Reads the ledger and histories and computes the dashboard at `now`.
pub fn compute_dashboard(
    store: &Store,
    config: &Config,
    project_dir: &Path,
    query: &DashboardQuery,
    now: Micros,
) -> Result<Dashboard, DoraError> {
    let deployments = store.deployments()?;
    let incidents = store.incidents()?;
    let mut notes = Vec::new();
    let mut all = Vec::new();
    for (service, deps) in select(deployments, query) {
        let history = history(config, project_dir, &service, &deps, &mut notes);
        all.extend(facts(&deps, &incidents, &history));
    }
    Ok(dashboard_from_parts(all, query, now, notes))
}

/// `D_all` per service: successful deployments of the chosen environment(s), in finish order.
pub fn select(
    deployments: Vec<DeploymentRecord>,
    q: &DashboardQuery,
) -> BTreeMap<String, Vec<DeploymentRecord>> {
    let mut by_service: BTreeMap<String, Vec<DeploymentRecord>> = BTreeMap::new();
    for d in deployments {
        let env_ok = q.environment.as_ref().map_or(d.production, |e| &d.environment == e);
        let svc_ok = q.service.as_ref().is_none_or(|s| &d.service == s);
        let deployed = matches!(d.status.as_str(), "succeeded" | "degraded" | "failed-in-prod");
        if env_ok && svc_ok && deployed {
            by_service.entry(d.service.clone()).or_default().push(d);
        }
    }
    for deps in by_service.values_mut() {
        deps.sort_by(|a, b| (a.finished_at, &a.id).cmp(&(b.finished_at, &b.id)));
    }
    by_service
}

fn history(
    config: &Config,
    project_dir: &Path,
    service: &str,
    deps: &[DeploymentRecord],
    notes: &mut Vec<String>,
) -> History {
    let svc = config.services.get(service);
    let dir =
        svc.and_then(|s| s.repo.as_ref()).map_or_else(|| project_dir.to_path_buf(), |r| project_dir.join(r));
    let repo = match git::open(&dir) {
        Ok(r) => r,
        Err(e) => {
            notes.push(format!("{service}: no lead times or detected rollbacks/reverts: {e}"));
            return History::default();
        }
    };
    let shas: Vec<Option<&str>> = deps.iter().map(|d| d.sha.as_deref()).collect();
    let paths = svc.map(|s| s.paths.as_slice()).unwrap_or_default();
    let (history, missing) = git::walk(&repo, &shas, paths);
    notes.extend(missing.into_iter().map(|m| format!("{service}: {m}")));
    history
}

/// The dashboard of `facts` (any services) for the query's window. Pure.
pub fn dashboard_from_parts(
    facts: Vec<Fact>,
    q: &DashboardQuery,
    now: Micros,
    notes: Vec<String>,
) -> Dashboard {
    let w = &q.window;
    let current = compute(&facts, w);
    let previous = compute(&facts, &w.previous());
    let weeks = w.weeks();
    let weekly: Vec<Metrics> = weeks
        .iter()
        .filter_map(|wk| w.clip(wk.start, wk.end))
        .map(|clipped| compute(&facts, &clipped))
        .collect();
    let week_labels = weeks
        .iter()
        .zip(&weekly)
        .map(|(wk, m)| WeekLabel { label: wk.label.clone(), start: wk.start, deployments: m.deployments })
        .collect();
    let unresolved = unresolved(&facts, &current, w, now);
    let mut deployments: Vec<DeploymentRow> =
        facts.into_iter().filter(|f| w.contains(f.dep.finished_at)).map(row).collect();
    deployments.sort_by_key(|r| std::cmp::Reverse(r.deployment.finished_at));
    Dashboard {
        window: WindowInfo { since: w.since, until: w.until, time_zone: tz_name(w), days: w.days() },
        service: q.service.clone(),
        environment: q.environment.clone(),
        metrics: cards(&current, &previous, &weekly),
        weeks: week_labels,
        deployments,
        unresolved,
        current,
        previous,
        notes,
    }
}

fn tz_name(w: &Window) -> String {
    w.tz.iana_name().unwrap_or("UTC").to_string()
}

#[allow(clippy::cast_precision_loss)]
fn unresolved(facts: &[Fact], m: &Metrics, w: &Window, now: Micros) -> Vec<Unresolved> {
    let end = w.until.min(now).max(w.since);
    m.recovery
        .unresolved
        .iter()
        .filter_map(|id| facts.iter().find(|f| &f.dep.id == id))
        .map(|f| Unresolved {
            id: f.dep.id.clone(),
            service: f.dep.service.clone(),
            impaired: f.impaired,
            age_hours: (end.0 - f.impaired.0).max(0) as f64 / 3.6e9,
        })
        .collect()
}

fn row(f: Fact) -> DeploymentRow {
    let finished = f.dep.finished_at;
    let commits = f
        .commits
        .into_iter()
        .map(|c| {
            let span = finished.0.saturating_sub(c.author_time.0) / 1_000_000;
            let lead = (!f.baseline).then_some(span);
            CommitRow {
                counted: !f.baseline && finished.0 > c.author_time.0,
                sha: c.sha,
                summary: c.summary,
                author_time: c.author_time,
                lead_time_secs: lead,
            }
        })
        .collect();
    DeploymentRow {
        deployment: f.dep,
        baseline: f.baseline,
        failure_reasons: f.failed,
        unplanned: f.unplanned,
        restored: f.restored,
        commits,
    }
}

/// `abcdef12` for a SHA (re-exported for printers).
pub fn short_sha(sha: &str) -> &str {
    short(sha)
}
