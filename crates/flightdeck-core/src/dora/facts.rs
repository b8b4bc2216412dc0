//! Per-deployment facts for one service's ledger `D_all` (successful deployments in finish order):
//! which commits each first shipped and their lead times, whether it failed and why (§6's five
//! rules), whether it was unplanned, and when it impaired and restored service. Pure.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::store::records::{DeploymentRecord, IncidentRecord};
use crate::time::Micros;

/// A commit first shipped by a deployment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Commit {
    /// Full SHA.
    pub sha: String,
    /// Author time.
    pub author_time: Micros,
    /// First line of the message.
    pub summary: String,
    /// SHAs named by "This reverts commit X" lines.
    pub reverts: Vec<String>,
}

/// What the git walk found, aligned with `D_all`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct History {
    /// `shipped[i]`: commits first shipped by deployment i (after the service's path filter).
    pub shipped: Vec<Vec<Commit>>,
    /// `rollback[i]`: deployment i ships a proper ancestor of deployment i-1's SHA.
    pub rollback: Vec<bool>,
}

/// One deployment with everything the metrics need.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fact {
    /// The ledger row.
    pub dep: DeploymentRecord,
    /// The service's first deployment: its commits are not counted.
    pub baseline: bool,
    /// Commits first shipped.
    pub commits: Vec<Commit>,
    /// Why it counts as a change failure (empty: it did not fail).
    pub failed: Vec<String>,
    /// Hotfix, rollback, fix-forward, or a detected rollback.
    pub unplanned: bool,
    /// When service was impaired (earliest incident start, else the finish).
    pub impaired: Micros,
    /// When service was restored, if it was.
    pub restored: Option<Micros>,
}

impl Fact {
    /// Lead times in microseconds of the counted commits (none for the baseline).
    pub fn lead_times(&self) -> impl Iterator<Item = i64> + '_ {
        let n = if self.baseline { 0 } else { self.commits.len() };
        // A commit dated after its deployment (a skewed clock) counts as zero, never negative.
        self.commits[..n].iter().map(|c| self.dep.finished_at.0.saturating_sub(c.author_time.0).max(0))
    }
}

/// The facts of `D_all` (`deps` in finish order, successful, one service) given its incidents and
/// history (`history` may be shorter, e.g. empty without a repository).
pub fn facts(deps: &[DeploymentRecord], incidents: &[IncidentRecord], history: &History) -> Vec<Fact> {
    let index: HashMap<&str, usize> = deps.iter().enumerate().map(|(i, d)| (d.id.as_str(), i)).collect();
    let mut out: Vec<Fact> = deps.iter().enumerate().map(|(i, d)| new_fact(d, i, history)).collect();
    let mut remediators: Vec<Vec<usize>> = vec![Vec::new(); deps.len()];
    for (j, d) in deps.iter().enumerate() {
        if let Some(&i) = d.remediates.as_deref().and_then(|r| index.get(r))
            && i < j
        {
            out[i].failed.push(format!("remediated by {}", d.id));
            remediators[i].push(j);
        }
        if j > 0 && history.rollback.get(j).copied().unwrap_or(false) {
            out[j - 1].failed.push(format!("rolled back by {}", d.id));
            out[j].unplanned = true;
            remediators[j - 1].push(j);
        }
    }
    mark_reverts(&mut out, &mut remediators);
    let mut by_cause: Vec<Vec<&IncidentRecord>> = vec![Vec::new(); deps.len()];
    for inc in incidents {
        if let Some(&i) = inc.caused_by.as_deref().and_then(|c| index.get(c)) {
            out[i].failed.push(format!("caused incident {}", inc.id));
            by_cause[i].push(inc);
        }
    }
    for (i, fact) in out.iter_mut().enumerate() {
        settle_recovery(fact, &by_cause[i], &remediators[i], deps);
    }
    out
}

fn new_fact(d: &DeploymentRecord, i: usize, history: &History) -> Fact {
    let mut failed = Vec::new();
    if matches!(d.status.as_str(), "degraded" | "failed-in-prod") {
        failed.push("the ledger marks it failed".to_string());
    }
    Fact {
        dep: d.clone(),
        baseline: i == 0,
        commits: history.shipped.get(i).cloned().unwrap_or_default(),
        failed,
        unplanned: matches!(d.kind.as_str(), "hotfix" | "rollback" | "fix-forward" | "fix_forward"),
        impaired: d.finished_at,
        restored: None,
    }
}

/// A commit first shipped by j that reverts one first shipped by an earlier i fails i.
fn mark_reverts(out: &mut [Fact], remediators: &mut [Vec<usize>]) {
    let mut shipped_by: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, f) in out.iter().enumerate() {
        for c in &f.commits {
            shipped_by.insert(c.sha.as_str(), i);
        }
    }
    let mut found: Vec<(usize, usize, String)> = Vec::new();
    for (j, f) in out.iter().enumerate() {
        for c in &f.commits {
            for r in &c.reverts {
                let hit =
                    shipped_by.range(r.as_str()..).next().filter(|(sha, _)| sha.starts_with(r.as_str()));
                if let Some((sha, &i)) = hit
                    && i < j
                {
                    found.push((i, j, format!("commit {} reverted by {}", short(sha), short(&c.sha))));
                }
            }
        }
    }
    for (i, j, why) in found {
        out[i].failed.push(why);
        remediators[i].push(j);
    }
}

fn settle_recovery(
    fact: &mut Fact,
    incidents: &[&IncidentRecord],
    remediators: &[usize],
    deps: &[DeploymentRecord],
) {
    if let Some(start) = incidents.iter().map(|i| i.started_at).min() {
        fact.impaired = start;
    }
    fact.restored = if let Some(&j) = remediators.iter().min() {
        Some(deps[j].finished_at)
    } else if !incidents.is_empty() && incidents.iter().all(|i| i.resolved_at.is_some()) {
        incidents.iter().filter_map(|i| i.resolved_at).max()
    } else {
        None
    };
}

/// The first 8 characters of a SHA.
pub fn short(sha: &str) -> &str {
    sha.get(..8).unwrap_or(sha)
}
