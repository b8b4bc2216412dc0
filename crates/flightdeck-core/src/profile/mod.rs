//! CPU profiling with `perf`: record a target (a pid, a process name or a command) with
//! `perf record -e cpu-clock -F FREQ -g` for a duration, fold `perf script`'s output into stacks
//! (inferno's perf collapser), draw a flamegraph SVG (inferno), rank functions by self and total
//! share, and compare with a named baseline profile (a differential flamegraph and the functions
//! whose share grew by more than a tolerance in percentage points).
//!
//! - [`spec`]: the `profile = { ... }` step table and its checks (production caps `duration`);
//! - [`perf`]: the `perf` process: preflight (missing, not permitted), targets, record, script;
//! - [`folded`]: folded stacks and per-function shares; [`flame`]: the SVGs;
//! - [`compare`]: a profile against a baseline; [`saved`]: profiles and baselines in the store.

use serde::{Deserialize, Serialize};

pub mod compare;
pub mod flame;
pub mod folded;
pub mod perf;
pub mod run;
pub mod saved;
pub mod spec;
pub mod summary;

pub use compare::{Comparison, FunctionDelta};
pub use folded::{FunctionShare, Shares};
pub use spec::ProfileSpec;

/// The longest profile allowed in a production environment (seconds).
pub const PRODUCTION_CAP_SECS: u64 = 120;

/// Profiling failed; each message names the value at fault and what to do.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    /// The step table or a flag is wrong.
    #[error("{0}")]
    Invalid(String),
    /// `perf` is not installed where we looked.
    #[error(
        "perf is not installed ({0:?} not found): install it with `apt-get install linux-perf` (Debian) or set FLIGHTDECK_PERF to its path"
    )]
    PerfMissing(String),
    /// The kernel refuses this user's perf events.
    #[error(
        "perf is not permitted: kernel.perf_event_paranoid is {value} and this process is not root; run as root, or lower it with `sysctl kernel.perf_event_paranoid=1` (or grant CAP_PERFMON){detail}"
    )]
    NotPermitted {
        /// The value read from `/proc/sys/kernel/perf_event_paranoid` ("unknown" if unreadable).
        value: String,
        /// What perf said, if it ran.
        detail: String,
    },
    /// The target process is not there.
    #[error("{0}")]
    NoTarget(String),
    /// `perf` ran and failed.
    #[error("perf {what} failed ({status}): {stderr}")]
    Perf {
        /// `record` or `script`.
        what: &'static str,
        /// Its exit status.
        status: String,
        /// The end of what it printed.
        stderr: String,
    },
    /// A file could not be read or written.
    #[error("{what}: {source}")]
    Io {
        /// What was being done, with the path.
        what: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The run was cancelled while perf recorded.
    #[error("cancelled while profiling")]
    Cancelled,
    /// The load driven during the profile failed to run.
    #[error("the load during the profile failed: {0}")]
    Load(String),
    /// The store failed or holds something unreadable.
    #[error("profiles: {0}")]
    Store(String),
    /// No baseline of that name.
    #[error(
        "no profile baseline named {0:?}: save one with `save_baseline = \"{0}\"` on a profile step or `flightdeck profile save-baseline {0} --run RUN`"
    )]
    MissingBaseline(String),
}

impl ProfileError {
    /// Wraps an I/O error with what was being done.
    pub fn io(what: impl Into<String>, source: std::io::Error) -> ProfileError {
        ProfileError::Io { what: what.into(), source }
    }

    /// True for errors in the operator's input or machine set-up (exit code 2), not a failure of
    /// the profiled program.
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            ProfileError::Invalid(_)
                | ProfileError::PerfMissing(_)
                | ProfileError::NotPermitted { .. }
                | ProfileError::NoTarget(_)
                | ProfileError::MissingBaseline(_)
        )
    }
}

impl From<crate::store::StoreError> for ProfileError {
    fn from(e: crate::store::StoreError) -> Self {
        ProfileError::Store(e.to_string())
    }
}

/// The load figures kept with a profile taken under load.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoadFigures {
    /// Mean requests per second.
    pub rps: f64,
    /// Median latency (ms).
    pub p50: f64,
    /// 99th percentile latency (ms).
    pub p99: f64,
    /// Requests sent.
    pub requests: u64,
    /// Share of requests that failed (0..1).
    pub error_rate: f64,
}

/// Everything a profile says, kept as JSON with its folded stacks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProfileReport {
    /// What was profiled (`pid 123`, `process nginx (2 pids)`, `command ./bench`).
    pub target: String,
    /// Samples per second asked of perf.
    pub frequency: u32,
    /// How long perf recorded (ms).
    pub duration_ms: u64,
    /// Samples recorded.
    pub samples: u64,
    /// The hottest functions by self share (at most [`TOP_N`]).
    pub top: Vec<FunctionShare>,
    /// The flamegraph SVG, when one was written.
    pub svg: Option<String>,
    /// The load driven meanwhile, if any.
    pub load: Option<LoadFigures>,
    /// The comparison with a baseline, if one was asked for.
    pub comparison: Option<Comparison>,
}

/// How many functions a report ranks.
pub const TOP_N: usize = 25;

impl ProfileReport {
    /// The hottest function (by self share), if there were samples.
    pub fn hottest(&self) -> Option<&FunctionShare> {
        self.top.first()
    }

    /// True unless a baseline comparison flagged a regression.
    pub fn passed(&self) -> bool {
        self.comparison.as_ref().is_none_or(|c| c.regressed.is_empty())
    }
}
