//! The view-model the console's Health screen and Home summary draw from, and the per-monitor
//! history (a ring buffer) it is computed from. Serializable, so `flightdeck health --json` prints
//! the same data the screen shows.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

use crate::health::condition::ConditionResult;
use crate::health::monitor::{DisabledMonitor, Monitor};
use crate::health::result::{CheckResult, Reason};
use crate::health::state::{MonitorState, Tracker};
use crate::time::Micros;

/// Latencies kept for the sparkline.
pub const SPARK_LEN: usize = 60;
/// Responses kept for the detail view.
pub const RECENT_LEN: usize = 10;

/// Every monitor, as of `at`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    /// When it was taken.
    pub at: Micros,
    /// One entry per monitor, in configuration order.
    pub monitors: Vec<MonitorView>,
}

/// Counts by state, for the header and Home.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// UP monitors.
    pub up: usize,
    /// DOWN monitors.
    pub down: usize,
    /// PENDING monitors.
    pub pending: usize,
    /// Monitors in maintenance.
    pub maintenance: usize,
    /// Monitors not probed because their configuration is invalid.
    pub disabled: usize,
}

impl Snapshot {
    /// Counts by state.
    pub fn summary(&self) -> Summary {
        let mut s = Summary::default();
        for m in &self.monitors {
            match m.state {
                MonitorState::Up => s.up += 1,
                MonitorState::Down => s.down += 1,
                MonitorState::Pending => s.pending += 1,
                MonitorState::Maintenance => s.maintenance += 1,
                MonitorState::Disabled => s.disabled += 1,
            }
        }
        s
    }

    /// The monitor called `name`.
    pub fn monitor(&self, name: &str) -> Option<&MonitorView> {
        self.monitors.iter().find(|m| m.name == name)
    }
}

/// One response, for the detail view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResponseView {
    /// When.
    pub at: Micros,
    /// HTTP status, if any.
    pub status: Option<u16>,
    /// Milliseconds.
    pub latency_ms: u64,
    /// Passed every condition.
    pub success: bool,
    /// Why not.
    pub reason: Option<Reason>,
}

/// The last failure of a monitor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailureView {
    /// When.
    pub at: Micros,
    /// Its class.
    pub reason: Reason,
    /// In words.
    pub message: String,
}

/// One monitor, ready to draw.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MonitorView {
    /// Name.
    pub name: String,
    /// Environment.
    pub environment: String,
    /// `http`, `tcp`, `tls` or `dns`.
    pub kind: String,
    /// What it probes (`GET http://...`).
    pub target: String,
    /// State.
    pub state: MonitorState,
    /// When it entered that state.
    pub since: Option<Micros>,
    /// Latency of the last probe.
    pub last_latency_ms: Option<u64>,
    /// Latencies of the last probes, oldest first (at most [`SPARK_LEN`]).
    pub latency_history: Vec<u64>,
    /// Window the uptime and percentiles cover, in milliseconds.
    pub window_ms: u64,
    /// Share of probes in the window that passed (0–100).
    pub uptime_pct: Option<f64>,
    /// Median latency in the window.
    pub p50_ms: Option<u64>,
    /// 95th percentile latency in the window (nearest rank).
    pub p95_ms: Option<u64>,
    /// Days until the certificate expires, if one was seen.
    pub cert_days_left: Option<i64>,
    /// The last failure.
    pub last_failure: Option<FailureView>,
    /// Each condition's outcome in the last result.
    pub conditions: Vec<ConditionResult>,
    /// The last responses, newest last (at most [`RECENT_LEN`]).
    pub recent: Vec<ResponseView>,
    /// Probes so far.
    pub checks: u64,
    /// Failures in a row.
    pub consecutive_failures: u32,
    /// Whether the last body was cut at `max_body`.
    pub truncated: bool,
}

/// A monitor's running record: tracker, ring buffer, and the view it yields.
#[derive(Debug, Clone)]
pub struct Track {
    /// The state machine.
    pub tracker: Tracker,
    samples: VecDeque<ResponseView>,
    capacity: usize,
    view: MonitorView,
    /// The last computed view, until a new result arrives.
    cached: Option<MonitorView>,
}

impl Track {
    /// A fresh track keeping up to `capacity` samples for a window of `window_ms`.
    pub fn new(m: &Monitor, capacity: usize, window_ms: u64) -> Track {
        let view = MonitorView {
            name: m.name.clone(),
            environment: m.environment.clone(),
            kind: m.kind().to_string(),
            target: m.target(),
            state: MonitorState::Pending,
            since: None,
            last_latency_ms: None,
            latency_history: Vec::new(),
            window_ms,
            uptime_pct: None,
            p50_ms: None,
            p95_ms: None,
            cert_days_left: None,
            last_failure: None,
            conditions: Vec::new(),
            recent: Vec::new(),
            checks: 0,
            consecutive_failures: 0,
            truncated: false,
        };
        Track {
            tracker: Tracker::new(m.failure_threshold, m.success_threshold),
            samples: VecDeque::with_capacity(capacity.min(1024)),
            capacity: capacity.max(1),
            view,
            cached: None,
        }
    }

    /// Records a result (after the tracker has seen it).
    pub fn record(&mut self, r: &CheckResult) {
        self.cached = None;
        if self.samples.len() == self.capacity {
            self.samples.pop_front();
        }
        self.samples.push_back(ResponseView {
            at: r.at,
            status: r.status,
            latency_ms: r.latency_ms,
            success: r.success,
            reason: r.reason,
        });
        let v = &mut self.view;
        if v.state != self.tracker.state {
            v.since = Some(r.at);
        }
        v.state = self.tracker.state;
        v.last_latency_ms = Some(r.latency_ms);
        v.checks += 1;
        v.consecutive_failures = self.tracker.failures;
        v.conditions.clone_from(&r.conditions);
        v.truncated = r.truncated;
        if r.cert_days_left.is_some() {
            v.cert_days_left = r.cert_days_left;
        }
        if let (Some(reason), false) = (r.reason, r.success) {
            v.last_failure =
                Some(FailureView { at: r.at, reason, message: r.message.clone().unwrap_or_default() });
        }
    }

    /// The view for a snapshot: recomputed only when a result arrived since the last call (the
    /// window figures are as of that call).
    pub fn view_cached(&mut self, now: Micros) -> MonitorView {
        if let Some(v) = &self.cached {
            return v.clone();
        }
        let v = self.view(now);
        self.cached = Some(v.clone());
        v
    }

    /// The view as of `now` (window figures computed here, so only when a snapshot is published).
    pub fn view(&self, now: Micros) -> MonitorView {
        let mut v = self.view.clone();
        let skip = self.samples.len().saturating_sub(SPARK_LEN);
        v.latency_history = self.samples.iter().skip(skip).map(|s| s.latency_ms).collect();
        let skip = self.samples.len().saturating_sub(RECENT_LEN);
        v.recent = self.samples.iter().skip(skip).cloned().collect();
        let from = now.0 - i64::try_from(v.window_ms).unwrap_or(i64::MAX / 1000).saturating_mul(1000);
        let mut lat: Vec<u64> = Vec::new();
        let mut ok = 0usize;
        for s in self.samples.iter().filter(|s| s.at.0 >= from) {
            lat.push(s.latency_ms);
            ok += usize::from(s.success);
        }
        #[allow(clippy::cast_precision_loss)]
        let pct = (!lat.is_empty()).then(|| ok as f64 * 100.0 / lat.len() as f64);
        v.uptime_pct = pct;
        lat.sort_unstable();
        v.p50_ms = nearest_rank(&lat, 50);
        v.p95_ms = nearest_rank(&lat, 95);
        v
    }
}

/// The view of a disabled monitor: state DISABLED, its problem as the last failure (`config`).
pub fn disabled_view(d: &DisabledMonitor, window_ms: u64, at: Micros) -> MonitorView {
    MonitorView {
        name: d.name.clone(),
        environment: d.environment.clone(),
        kind: "-".into(),
        target: "(disabled)".into(),
        state: MonitorState::Disabled,
        since: Some(at),
        last_latency_ms: None,
        latency_history: Vec::new(),
        window_ms,
        uptime_pct: None,
        p50_ms: None,
        p95_ms: None,
        cert_days_left: None,
        last_failure: Some(FailureView { at, reason: Reason::Config, message: d.problem.clone() }),
        conditions: Vec::new(),
        recent: Vec::new(),
        checks: 0,
        consecutive_failures: 0,
        truncated: false,
    }
}

/// The nearest-rank percentile of sorted values: the ceil(p/100 · n)-th smallest.
pub fn nearest_rank(sorted: &[u64], p: usize) -> Option<u64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (p * sorted.len()).div_ceil(100).max(1);
    sorted.get(rank - 1).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_by_nearest_rank() {
        let v: Vec<u64> = (1..=20).collect();
        assert_eq!(nearest_rank(&v, 50), Some(10));
        assert_eq!(nearest_rank(&v, 95), Some(19));
        assert_eq!(nearest_rank(&[7], 95), Some(7));
        assert_eq!(nearest_rank(&[], 50), None);
    }
}
