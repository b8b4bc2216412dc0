//! Alerts, CPU profiles, billing imports and an environment's resources answered by the runner
//! for a client that cannot read the store (`alerts list`, `profile show`, `profile baselines`,
//! `cost imports`, `env resources`, the console's Health alerts and flame view in client-only mode). [`run_profiles`] is also what a console that reads the store uses,
//! so both show the same profiles. Folded stacks can be large: an answer carries at most
//! [`PROFILE_BYTES_MAX`] serialized bytes (always the first profile) and says when it left some out.

use crate::error::exit;
use crate::profile::ProfileError;
use crate::profile::saved::{self, Saved, SavedBaseline};
use crate::runner::protocol::Response;
use crate::runner::query::{Answer, Failed, Query, ROWS_MAX, internal, page};
use crate::runner::server::Server;
use crate::store::Store;

/// The most serialized profile bytes one answer carries (the wire's line limit is 4 MiB).
pub const PROFILE_BYTES_MAX: usize = 3 * 1024 * 1024;

/// The profiles run `run` (its full id) took, oldest first, and the named baselines they were
/// compared with that are still stored and are not one of the run's own.
pub fn run_profiles(store: &Store, run: &str) -> Result<(Vec<Saved>, Vec<SavedBaseline>), ProfileError> {
    let own = saved::of_run(store, run)?;
    let mut names: Vec<String> =
        own.iter().filter_map(|p| p.report.comparison.as_ref().map(|c| c.baseline.clone())).collect();
    names.sort_unstable();
    names.dedup();
    let bases = names
        .into_iter()
        .filter_map(|n| saved::baseline(store, &n).ok())
        .filter(|b| !own.iter().any(|p| p.id == b.profile.id))
        .collect();
    Ok((own, bases))
}

/// The leading items of `items` whose serialized size fits in `budget` (at least `least`), and
/// whether some were left out.
fn fit<T: serde::Serialize>(items: Vec<T>, budget: &mut usize, least: usize) -> (Vec<T>, bool) {
    let total = items.len();
    let mut out = Vec::new();
    for item in items {
        let size = serde_json::to_vec(&item).map_or(usize::MAX, |v| v.len());
        if out.len() >= least && size > *budget {
            break;
        }
        *budget = budget.saturating_sub(size);
        out.push(item);
    }
    let left_out = out.len() < total;
    (out, left_out)
}

#[allow(clippy::needless_pass_by_value)] // used as map_err(profile_failed)
fn profile_failed(e: ProfileError) -> Failed {
    let code = if e.is_bad_input() { exit::USAGE } else { exit::INTERNAL };
    Box::new(Response::error(code, e.to_string()))
}

impl Server {
    /// Answers `Query::Alerts`, `Query::Profiles`, `Query::ProfileBaselines`, `Query::CostImports`
    /// and `Query::Resources`.
    pub(super) fn profile_answer(&self, q: Query) -> Result<Answer, Failed> {
        let s = &self.store;
        let mut budget = PROFILE_BYTES_MAX;
        Ok(match q {
            Query::Alerts { limit } => {
                Answer::Alerts { rows: s.alerts(limit.min(ROWS_MAX)).map_err(internal)? }
            }
            Query::Profiles { run } => {
                let run = self.find_run(&run)?.id;
                let (own, bases) = run_profiles(s, &run).map_err(profile_failed)?;
                let (profiles, cut) = fit(own, &mut budget, 1);
                let (baselines, cut_bases) = fit(bases, &mut budget, 0);
                Answer::Profiles { run, profiles, baselines, truncated: cut || cut_bases }
            }
            Query::ProfileBaselines => {
                let (rows, truncated) = fit(saved::baselines(s).map_err(profile_failed)?, &mut budget, 1);
                Answer::ProfileBaselines { rows, truncated }
            }
            Query::CostImports { offset } => {
                let (rows, end) = page(&s.cost_imports().map_err(internal)?, offset);
                Answer::CostImports { rows, end }
            }
            Query::Resources { environment, all, offset } => {
                let (rows, end) = page(&s.resources(&environment, all).map_err(internal)?, offset);
                Answer::Resources { rows, end }
            }
            other => return Err(internal(format!("not a profile query: {other:?}"))),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::fit;

    #[test]
    fn fit_keeps_what_the_budget_holds_and_at_least_the_least() {
        let items = vec!["a".repeat(10), "b".repeat(10), "c".repeat(10)];
        let mut budget = 25; // each is 12 bytes serialized
        let (kept, cut) = fit(items.clone(), &mut budget, 1);
        assert_eq!((kept.len(), cut, budget), (2, true, 1));
        let mut budget = 5;
        let (kept, cut) = fit(items.clone(), &mut budget, 1);
        assert_eq!((kept.len(), cut), (1, true));
        let (kept, cut) = fit(items, &mut 0, 0);
        assert_eq!((kept.len(), cut), (0, true));
    }
}
