//! The view-model of a load test: the [`Snapshot`] published while it runs (what the console's Load
//! screen and the `load` step draw) and the final [`Report`], with an oha-compatible JSON form.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::load::baseline::Comparison;
use crate::load::stats::{Bucket, Percentiles};
use crate::load::{ErrorClass, Model, Verdict};

/// One second of the test.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Point {
    /// Seconds from the start to the end of this second.
    pub t_s: f64,
    /// Requests finished in it.
    pub rps: f64,
    /// Latency of its responses.
    pub latency: Percentiles,
    /// Failed requests in it (transport errors and status >= 400).
    pub errors: u64,
}

/// The latest state of a running test (about ten a second on the `watch` channel).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    /// Seconds since the start.
    pub elapsed_s: f64,
    /// Planned duration in seconds (when the test stops on time).
    pub planned_duration_s: Option<f64>,
    /// Planned request count (when it stops on a count).
    pub planned_requests: Option<u64>,
    /// Share done, 0..1 (by time or by count).
    pub progress: f64,
    /// What the stages ask for now: connections (closed model) or requests/s (open model).
    pub level: f64,
    /// Requests finished: responses plus transport errors.
    pub requests: u64,
    /// Responses received (any status).
    pub responses: u64,
    /// Transport errors.
    pub errors: u64,
    /// Failed requests (transport error or status >= 400) / requests.
    pub error_rate: f64,
    /// Requests/s over the last second.
    pub rps_now: f64,
    /// Requests/s since the start.
    pub rps_mean: f64,
    /// Per-second series (the last [`SERIES_LEN`] seconds).
    pub series: Vec<Point>,
    /// Latency over the whole test so far.
    pub latency: Percentiles,
    /// Latency histogram for display.
    pub histogram: Vec<Bucket>,
    /// Responses by status code.
    pub status: BTreeMap<u16, u64>,
    /// Transport errors by class.
    pub error_classes: BTreeMap<ErrorClass, u64>,
    /// Response bytes read.
    pub bytes_in: u64,
    /// Request bytes written.
    pub bytes_out: u64,
    /// Threshold verdicts so far.
    pub verdicts: Vec<Verdict>,
    /// True in the last snapshot.
    pub finished: bool,
    /// Requests still waiting for their answer when the test ended (not in `requests`).
    #[serde(default)]
    pub unanswered: u64,
    /// oha's extra figures (percentiles p10 to p99.99, histograms, first byte, connect, DNS);
    /// filled in the final snapshot only.
    #[serde(default)]
    pub oha: crate::load::oha::Figures,
}

/// How many per-second points a snapshot keeps.
pub const SERIES_LEN: usize = 600;

/// Why the test ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "reason", content = "detail")]
pub enum Ended {
    /// Its duration passed or its requests were all sent.
    Completed,
    /// The caller cancelled it.
    Cancelled,
    /// A threshold marked `abort` failed (its expression).
    Aborted(String),
}

/// The result of a finished test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub url: String,
    pub method: String,
    pub model: Model,
    pub connections: usize,
    pub threads: usize,
    pub http2: bool,
    pub ended: Ended,
    /// The final snapshot (`finished` is true; verdicts are final).
    pub stats: Snapshot,
    /// The comparison with a baseline, when one was asked for.
    pub comparison: Option<Comparison>,
}

impl Report {
    /// True when every threshold passed and no baseline regression was flagged.
    pub fn passed(&self) -> bool {
        self.stats.verdicts.iter().all(|v| v.passed)
            && self.comparison.as_ref().is_none_or(|c| !c.regressed)
            && !self.nothing_answered()
    }

    /// True when requests were sent and not one response came back (every request failed: a
    /// refused port, a bad certificate, a silent or dripping server): the test measured no
    /// server at all and cannot pass.
    pub fn nothing_answered(&self) -> bool {
        self.stats.responses == 0 && (self.stats.requests > 0 || self.stats.unanswered > 0)
    }

    /// Why the test failed: each failed threshold with its observed value, and a baseline
    /// regression; `load test failed: ...`.
    pub fn failure_text(&self) -> String {
        let mut failed: Vec<String> = self
            .stats
            .verdicts
            .iter()
            .filter(|v| !v.passed)
            .map(|v| format!("{} (observed {:.3})", v.expr, v.observed))
            .collect();
        if self.nothing_answered() {
            failed.push(self.unanswered_text());
        }
        if let Some(c) = self.comparison.as_ref().filter(|c| c.regressed) {
            let worse: Vec<&str> =
                c.deltas.iter().filter(|d| d.regressed).map(|d| d.metric.as_str()).collect();
            failed.push(format!("regression against baseline {:?}: {}", c.baseline, worse.join(", ")));
        }
        format!("load test failed: {}", failed.join("; "))
    }

    /// What became of the requests still waiting when the test ended.
    pub fn unanswered_text(&self) -> String {
        let n = self.stats.unanswered;
        if self.stats.requests > 0 && self.stats.responses == 0 {
            let classes: Vec<String> = self
                .stats
                .error_classes
                .iter()
                .map(|(c, k)| {
                    format!(
                        "{k} {}",
                        serde_json::to_value(c)
                            .ok()
                            .and_then(|v| v.as_str().map(String::from))
                            .unwrap_or_default()
                    )
                })
                .collect();
            format!("no request was answered: all {} failed ({})", self.stats.requests, classes.join(", "))
        } else if self.stats.requests == 0 {
            format!(
                "no request was answered: the server sent no complete response during the test ({n} request(s) still waiting when it ended)"
            )
        } else {
            format!("{n} request(s) still waiting for an answer when the test ended (not counted)")
        }
    }

    /// oha's JSON, key for key, with the whole report under `flightdeck` (see [`crate::load::oha`]).
    pub fn to_json(&self) -> Value {
        crate::load::oha::to_json(self)
    }
}
