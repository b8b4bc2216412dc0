//! Pure load statistics: what one slice of time recorded ([`Tally`]), latency percentiles read from
//! an HDR histogram ([`Percentiles`]), and display buckets. Workers record into a `Tally`; the
//! collector merges tallies; nothing here keeps raw samples, so memory is flat however long a test.

use std::collections::BTreeMap;

use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};

use crate::load::ErrorClass;

/// Highest latency recorded exactly, in microseconds (longer ones are clamped to it).
pub const MAX_LATENCY_US: u64 = 120_000_000;

/// A fresh latency histogram: 1 µs to [`MAX_LATENCY_US`], 3 significant figures.
pub fn new_histogram() -> Histogram<u64> {
    // 1 <= 2 * 1 <= MAX_LATENCY_US and 3 figures are valid bounds, so this cannot fail.
    Histogram::new_with_bounds(1, MAX_LATENCY_US, 3).unwrap_or_else(|e| unreachable!("constant bounds: {e}"))
}

/// Everything recorded during one slice of time (a worker's last ~100 ms, a second, a whole run).
#[derive(Debug, Clone)]
pub struct Tally {
    /// Latencies of completed responses, in microseconds.
    pub latency: Histogram<u64>,
    /// Times from sending a request to its first response byte, in microseconds.
    pub first_byte: Histogram<u64>,
    /// Times to open a connection (TCP, and TLS for HTTPS), in microseconds.
    pub connect: Histogram<u64>,
    /// Responses by status code (index = status code, 0..600).
    pub status: Vec<u64>,
    /// Transport errors by class (index = [`ErrorClass::index`]).
    pub errors: [u64; ErrorClass::COUNT],
    /// Response bytes read (head and body).
    pub bytes_in: u64,
    /// Request bytes written.
    pub bytes_out: u64,
    /// Requests still waiting for their answer when the test ended (oha's "aborted due to
    /// deadline"): neither responses nor errors.
    pub unanswered: u64,
}

impl Default for Tally {
    fn default() -> Self {
        Tally {
            latency: new_histogram(),
            first_byte: new_histogram(),
            connect: new_histogram(),
            status: vec![0; 600],
            errors: [0; ErrorClass::COUNT],
            bytes_in: 0,
            bytes_out: 0,
            unanswered: 0,
        }
    }
}

impl Tally {
    /// Records one response.
    pub fn response(&mut self, status: u16, latency_us: u64, bytes_in: u64, bytes_out: u64) {
        self.latency.saturating_record(latency_us.clamp(1, MAX_LATENCY_US));
        if let Some(n) = self.status.get_mut(usize::from(status)) {
            *n += 1;
        }
        self.bytes_in += bytes_in;
        self.bytes_out += bytes_out;
    }

    /// Records the time to a response's first byte.
    pub fn first_byte(&mut self, us: u64) {
        self.first_byte.saturating_record(us.clamp(1, MAX_LATENCY_US));
    }

    /// Records the time a connection took to open.
    pub fn connected(&mut self, us: u64) {
        self.connect.saturating_record(us.clamp(1, MAX_LATENCY_US));
    }

    /// Records one transport error.
    pub fn error(&mut self, class: ErrorClass, bytes_out: u64) {
        self.errors[class.index()] += 1;
        self.bytes_out += bytes_out;
    }

    /// Adds `other` into `self`.
    pub fn merge(&mut self, other: &Tally) {
        // Both histograms share the same bounds, so adding cannot fail.
        let _ = self.latency.add(&other.latency);
        let _ = self.first_byte.add(&other.first_byte);
        let _ = self.connect.add(&other.connect);
        for (a, b) in self.status.iter_mut().zip(&other.status) {
            *a += b;
        }
        for (a, b) in self.errors.iter_mut().zip(&other.errors) {
            *a += b;
        }
        self.bytes_in += other.bytes_in;
        self.bytes_out += other.bytes_out;
        self.unanswered += other.unanswered;
    }

    /// Moves everything into a new tally and leaves `self` empty (the histogram keeps its memory).
    pub fn take_into(&mut self, into: &mut Tally) {
        into.merge(self);
        self.latency.reset();
        self.first_byte.reset();
        self.connect.reset();
        self.status.iter_mut().for_each(|n| *n = 0);
        self.errors = [0; ErrorClass::COUNT];
        self.bytes_in = 0;
        self.bytes_out = 0;
        self.unanswered = 0;
    }

    /// Responses received (any status).
    pub fn responses(&self) -> u64 {
        self.latency.len()
    }

    /// Transport errors.
    pub fn error_total(&self) -> u64 {
        self.errors.iter().sum()
    }

    /// Responses with a status of 400 or more.
    pub fn failed_responses(&self) -> u64 {
        self.status.iter().skip(400).sum()
    }

    /// Requests finished: responses plus transport errors.
    pub fn requests(&self) -> u64 {
        self.responses() + self.error_total()
    }

    /// Share of requests that failed (transport error or status >= 400), 0..1; 0 when none ran.
    #[allow(clippy::cast_precision_loss)]
    pub fn error_rate(&self) -> f64 {
        let total = self.requests();
        if total == 0 { 0.0 } else { (self.error_total() + self.failed_responses()) as f64 / total as f64 }
    }

    /// Status codes seen, with their counts.
    pub fn status_counts(&self) -> BTreeMap<u16, u64> {
        (0u16..).zip(&self.status).filter(|(_, n)| **n > 0).map(|(code, n)| (code, *n)).collect()
    }

    /// Error classes seen, with their counts.
    pub fn error_counts(&self) -> BTreeMap<ErrorClass, u64> {
        ErrorClass::ALL
            .iter()
            .filter(|c| self.errors[c.index()] > 0)
            .map(|c| (*c, self.errors[c.index()]))
            .collect()
    }

    /// Latency percentiles of this tally.
    pub fn percentiles(&self) -> Percentiles {
        Percentiles::of(&self.latency)
    }
}

/// Latency percentiles in milliseconds (all 0 when nothing was recorded).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Percentiles {
    pub min: f64,
    pub mean: f64,
    pub p50: f64,
    pub p90: f64,
    pub p95: f64,
    pub p99: f64,
    pub p999: f64,
    pub max: f64,
}

impl Percentiles {
    /// Reads the percentiles of a histogram of microseconds. A percentile is the smallest recorded
    /// value (to the histogram's precision) with at least that share of samples at or below it.
    pub fn of(h: &Histogram<u64>) -> Percentiles {
        if h.is_empty() {
            return Percentiles::default();
        }
        let ms = us_to_ms;
        Percentiles {
            min: us_to_ms(h.min()),
            mean: h.mean() / 1000.0,
            p50: ms(h.value_at_quantile(0.50)),
            p90: ms(h.value_at_quantile(0.90)),
            p95: ms(h.value_at_quantile(0.95)),
            p99: ms(h.value_at_quantile(0.99)),
            p999: ms(h.value_at_quantile(0.999)),
            max: ms(h.max()),
        }
    }

    /// A percentile by its threshold name (`p50`, `p90`, `p95`, `p99`, `p99.9`, `min`, `mean`, `max`).
    pub fn get(&self, name: &str) -> Option<f64> {
        Some(match name {
            "min" => self.min,
            "mean" | "avg" => self.mean,
            "p50" | "median" => self.p50,
            "p90" => self.p90,
            "p95" => self.p95,
            "p99" => self.p99,
            "p99.9" | "p999" => self.p999,
            "max" => self.max,
            _ => return None,
        })
    }
}

#[allow(clippy::cast_precision_loss)]
fn us_to_ms(us: u64) -> f64 {
    us.min(MAX_LATENCY_US) as f64 / 1000.0
}

/// One bar of the latency histogram for display: responses with latency in `(from_ms, to_ms]`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Bucket {
    pub from_ms: f64,
    pub to_ms: f64,
    pub count: u64,
}

/// `n` equal-width display buckets between the histogram's min and max (empty when nothing recorded).
#[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation, clippy::cast_sign_loss)]
pub fn buckets(h: &Histogram<u64>, n: usize) -> Vec<Bucket> {
    if h.is_empty() || n == 0 {
        return Vec::new();
    }
    let (lo, hi) = (h.min(), h.max().max(h.min() + 1));
    let width = (hi - lo).div_ceil(n as u64).max(1);
    let mut out: Vec<Bucket> = (0..n as u64)
        .map(|i| Bucket {
            from_ms: us_to_ms(lo + i * width),
            to_ms: us_to_ms(lo + (i + 1) * width),
            count: 0,
        })
        .collect();
    for v in h.iter_recorded() {
        let i = ((v.value_iterated_to().saturating_sub(lo)) / width).min(n as u64 - 1) as usize;
        out[i].count += v.count_since_last_iteration();
    }
    out
}

#[cfg(test)]
mod tests;
