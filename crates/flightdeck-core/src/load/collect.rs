//! The collector: merges the workers' tallies every tick into the overall and per-second tallies,
//! evaluates thresholds, and builds [`Snapshot`]s. Bounded memory: two tallies, a ring of points.

use std::collections::VecDeque;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use crate::load::Verdict;
use crate::load::oha::Figures;
use crate::load::plan::{LoadPlan, Model, Stop, stage_value};
use crate::load::report::{Point, SERIES_LEN, Snapshot};
use crate::load::stats::{Tally, buckets};
use crate::load::threshold::{Observed, evaluate_all};

/// Display buckets in a snapshot's histogram.
const HISTOGRAM_BUCKETS: usize = 20;

/// Running totals of one test.
#[derive(Debug, Default)]
pub struct Collector {
    overall: Tally,
    second: Tally,
    second_index: u64,
    series: VecDeque<Point>,
    /// (elapsed, requests so far) at recent ticks, for rps over the last second.
    recent: VecDeque<(Duration, u64)>,
}

impl Collector {
    /// Takes what every worker recorded since the last call; closes seconds that have passed.
    pub fn absorb(&mut self, tallies: &[Mutex<Tally>], elapsed: Duration) {
        let index = elapsed.as_secs();
        if index > self.second_index {
            self.close_second();
            self.second_index = index;
        }
        let mut fresh = Tally::default();
        for t in tallies {
            t.lock().unwrap_or_else(PoisonError::into_inner).take_into(&mut fresh);
        }
        self.overall.merge(&fresh);
        self.second.merge(&fresh);
        self.recent.push_back((elapsed, self.overall.requests()));
        while self.recent.len() > 2
            && self.recent.front().is_some_and(|(t, _)| elapsed.saturating_sub(*t) > Duration::from_secs(1))
        {
            self.recent.pop_front();
        }
    }

    #[allow(clippy::cast_precision_loss)]
    fn close_second(&mut self) {
        let s = &self.second;
        let point = Point {
            t_s: (self.second_index + 1) as f64,
            rps: s.requests() as f64,
            latency: s.percentiles(),
            errors: s.error_total() + s.failed_responses(),
        };
        self.series.push_back(point);
        if self.series.len() > SERIES_LEN {
            self.series.pop_front();
        }
        let mut spent = std::mem::take(&mut self.second);
        spent.take_into(&mut Tally::default());
        self.second = spent;
    }

    /// The figures thresholds see, over the whole test so far.
    #[allow(clippy::cast_precision_loss)]
    pub fn observed(&self, elapsed: Duration) -> Observed {
        let secs = elapsed.as_secs_f64();
        let requests = self.overall.requests();
        Observed {
            latency: self.overall.percentiles(),
            error_rate: self.overall.error_rate(),
            rps: if secs > 0.0 { requests as f64 / secs } else { 0.0 },
            requests,
        }
    }

    /// Evaluates the plan's thresholds so far.
    pub fn verdicts(&self, plan: &LoadPlan, elapsed: Duration) -> Vec<Verdict> {
        evaluate_all(&plan.thresholds, &self.observed(elapsed))
    }

    /// Builds a snapshot.
    #[allow(clippy::cast_precision_loss)]
    pub fn snapshot(
        &self,
        plan: &LoadPlan,
        elapsed: Duration,
        verdicts: Vec<Verdict>,
        finished: bool,
    ) -> Snapshot {
        let o = &self.overall;
        let obs = self.observed(elapsed);
        let rps_now = match (self.recent.front(), self.recent.back()) {
            (Some((t0, n0)), Some((t1, n1))) if t1 > t0 => {
                (n1 - n0) as f64 / t1.saturating_sub(*t0).as_secs_f64()
            }
            _ => 0.0,
        };
        let (planned_duration_s, planned_requests, progress) = match plan.stop {
            Stop::Duration(d) => {
                (Some(d.as_secs_f64()), None, elapsed.as_secs_f64() / d.as_secs_f64().max(1e-9))
            }
            Stop::Requests(n) => (None, Some(n), obs.requests as f64 / n as f64),
        };
        let level = stage_value(&plan.stages, elapsed).unwrap_or(match plan.model {
            Model::Closed => plan.connections as f64,
            Model::Open { rate } => rate,
        });
        Snapshot {
            elapsed_s: elapsed.as_secs_f64(),
            planned_duration_s,
            planned_requests,
            progress: progress.min(1.0),
            level,
            requests: obs.requests,
            responses: o.responses(),
            errors: o.error_total(),
            error_rate: obs.error_rate,
            rps_now,
            rps_mean: obs.rps,
            series: self.series.iter().copied().collect(),
            latency: obs.latency,
            histogram: buckets(&o.latency, HISTOGRAM_BUCKETS),
            status: o.status_counts(),
            error_classes: o.error_counts(),
            bytes_in: o.bytes_in,
            bytes_out: o.bytes_out,
            verdicts,
            finished,
            unanswered: o.unanswered,
            oha: if finished {
                Figures::of(&o.latency, &o.first_byte, &o.connect)
            } else {
                Figures::default()
            },
        }
    }

    /// Closes the current (partial) second so the series holds the whole test.
    pub fn finish(&mut self) {
        if self.second.requests() > 0 {
            self.close_second();
        }
    }
}
