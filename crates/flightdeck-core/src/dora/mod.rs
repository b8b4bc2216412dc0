//! DORA metrics, exactly as DESIGN §6 defines them: the ledger (deployments, incidents) and the git
//! history go in, five metrics with survey bands, 2024 cluster labels, trends and weekly series come
//! out as a serializable [`Dashboard`] that the console and `flightdeck dora` both draw.
//!
//! Layout: [`git`] is the only module that reads a repository (one pass assigning every commit to the
//! deployment that first shipped it); [`facts`] turns ledger + history into per-deployment facts
//! (failed and why, unplanned, impaired/restored, lead times); [`metrics`] computes one window from
//! those facts; [`bands`] maps values to survey buckets and 2024 clusters; [`dashboard`] assembles the
//! view-model. Everything except [`git`] and [`tags`] is a pure function of its inputs and `now`.

pub mod bands;
pub mod cards;
pub mod dashboard;
pub mod facts;
pub mod git;
pub mod inputs;
pub mod last_good;
pub mod metrics;
pub mod stats;
pub mod tags;
pub mod window;

pub use dashboard::{
    Card, CommitRow, Dashboard, DashboardQuery, DeploymentRow, MetricKey, Trend, TrendDirection, Unresolved,
    WeekLabel, compute_dashboard, dashboard_from_parts,
};
pub use facts::{Commit, Fact, History};
pub use metrics::{LeadTime, Metrics, Recovery};
pub use window::Window;

/// DORA errors.
#[derive(Debug, thiserror::Error)]
pub enum DoraError {
    /// Bad input: a window, a date, a time zone, a service.
    #[error("{0}")]
    Invalid(String),
    /// Reading the repository failed.
    #[error("dora: {what}: {source} (check [services.NAME] repo in flightdeck.toml)")]
    Git {
        /// What was being done.
        what: String,
        /// The cause.
        source: git2::Error,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

impl DoraError {
    pub(crate) fn git(what: impl Into<String>) -> impl FnOnce(git2::Error) -> DoraError {
        let what = what.into();
        move |source| DoraError::Git { what, source }
    }
}

#[cfg(test)]
mod tests;
