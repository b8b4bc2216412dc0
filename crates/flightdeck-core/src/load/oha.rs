//! oha's JSON output, key for key (oha 1.16's `print_json` in `src/printer.rs` and its
//! `schema.json`): `summary`, `metrics`, `responseTimeHistogram`, `latencyPercentiles` (p10 to
//! p99.99), `firstByteHistogram`, `firstBytePercentiles`, `rps` (mean, stddev, min, max,
//! percentiles), `details` (`DNSDialup`, `DNSLookup`, `firstByte`), `statusCodeDistribution` and
//! `errorDistribution`; times in seconds. [`Figures`] holds what the collector measures for it
//! beyond the snapshot's own fields; [`to_json`] adds the whole report under `flightdeck`.

use std::collections::BTreeMap;

use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::load::Report;

/// oha's percentile keys and the quantiles they name.
pub const PERCENTILES: [(&str, f64); 9] = [
    ("p10", 0.10),
    ("p25", 0.25),
    ("p50", 0.50),
    ("p75", 0.75),
    ("p90", 0.90),
    ("p95", 0.95),
    ("p99", 0.99),
    ("p99.9", 0.999),
    ("p99.99", 0.9999),
];

/// Bins of oha's histograms.
const BINS: usize = 11;

/// Mean, fastest and slowest, in seconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Triple {
    pub average: f64,
    pub fastest: f64,
    pub slowest: f64,
}

impl Triple {
    /// Of a histogram of microseconds (zeros when empty).
    pub fn of(h: &Histogram<u64>) -> Triple {
        if h.is_empty() {
            return Triple::default();
        }
        Triple { average: h.mean() / 1e6, fastest: secs(h.min()), slowest: secs(h.max()) }
    }
}

/// What oha reports beyond the snapshot's own figures (filled in the final snapshot).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Figures {
    /// Latency percentiles by oha's keys, seconds.
    pub latency: BTreeMap<String, f64>,
    /// oha's latency histogram: (bin start in seconds, responses).
    pub histogram: Vec<(f64, u64)>,
    /// Time to the first response byte.
    pub first_byte: Triple,
    /// Its percentiles, seconds.
    pub first_byte_percentiles: BTreeMap<String, f64>,
    /// Its histogram.
    pub first_byte_histogram: Vec<(f64, u64)>,
    /// Time to open a connection (TCP, and TLS for HTTPS).
    pub connect: Triple,
    /// Resolving the host (once per test).
    pub dns_lookup: Triple,
}

impl Figures {
    /// The figures of the latency, first-byte and connect histograms (microseconds).
    pub fn of(latency: &Histogram<u64>, first_byte: &Histogram<u64>, connect: &Histogram<u64>) -> Figures {
        Figures {
            latency: percentiles(latency),
            histogram: histogram(latency),
            first_byte: Triple::of(first_byte),
            first_byte_percentiles: percentiles(first_byte),
            first_byte_histogram: histogram(first_byte),
            connect: Triple::of(connect),
            dns_lookup: Triple::default(),
        }
    }
}

#[allow(clippy::cast_precision_loss)]
fn secs(us: u64) -> f64 {
    us as f64 / 1e6
}

fn percentiles(h: &Histogram<u64>) -> BTreeMap<String, f64> {
    PERCENTILES
        .iter()
        .map(|(k, q)| ((*k).to_string(), if h.is_empty() { 0.0 } else { secs(h.value_at_quantile(*q)) }))
        .collect()
}

/// oha's histogram (`src/histogram.rs`): 11 bins from min to max; a value goes to bin
/// `ceil((v - min) / step)`; each bin is labelled with `min + step * i`.
#[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation, clippy::cast_sign_loss)]
fn histogram(h: &Histogram<u64>) -> Vec<(f64, u64)> {
    if h.is_empty() {
        return Vec::new();
    }
    let (min, max) = (secs(h.min()), secs(h.max()));
    let step = (max - min) / (BINS - 1) as f64;
    let mut bins = vec![0u64; BINS];
    for v in h.iter_recorded() {
        let x = secs(h.highest_equivalent(v.value_iterated_to())).min(max);
        let i = if step > 0.0 { (((x - min) / step).ceil() as usize).min(BINS - 1) } else { 0 };
        bins[i] += v.count_at_value();
    }
    bins.into_iter().enumerate().map(|(i, n)| (min + step * i as f64, n)).collect()
}

/// mean, sample standard deviation, min, max and percentiles of requests per second, one value
/// per second of the test (oha samples 10 ms windows; flightdeck keeps per-second points).
#[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation, clippy::cast_sign_loss)]
fn rps(per_second: &[f64]) -> Value {
    let n = per_second.len();
    let mean = if n == 0 { 0.0 } else { per_second.iter().sum::<f64>() / n as f64 };
    let stddev =
        (n > 1).then(|| (per_second.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt());
    let mut sorted = per_second.to_vec();
    sorted.sort_by(f64::total_cmp);
    let at = |q: f64| {
        if sorted.is_empty() { 0.0 } else { sorted[((q * n as f64).ceil() as usize).clamp(1, n) - 1] }
    };
    let pcts: serde_json::Map<String, Value> =
        PERCENTILES.iter().map(|(k, q)| ((*k).to_string(), json!(at(*q)))).collect();
    json!({
        "mean": mean,
        "stddev": stddev,
        "max": sorted.last().copied().unwrap_or(0.0),
        "min": sorted.first().copied().unwrap_or(0.0),
        "percentiles": pcts,
    })
}

fn histogram_json(h: &[(f64, u64)]) -> serde_json::Map<String, Value> {
    h.iter().map(|(k, v)| (k.to_string(), json!(v))).collect()
}

/// The whole report, with its verdict as `passed`.
fn flightdeck(r: &Report) -> Value {
    let mut v = serde_json::to_value(r).unwrap_or(Value::Null);
    if let Value::Object(map) = &mut v {
        map.insert("passed".into(), Value::Bool(r.passed()));
    }
    v
}

/// The report as oha's JSON, with the whole report under `flightdeck`.
#[allow(clippy::cast_precision_loss)]
pub fn to_json(r: &Report) -> Value {
    let s = &r.stats;
    let f = &s.oha;
    let total = s.elapsed_s;
    let per_sec = |x: f64| if total > 0.0 { x / total } else { 0.0 };
    let success = if s.requests == 0 { 0.0 } else { s.responses as f64 / s.requests as f64 };
    let ms = |k: &str| f.latency.get(k).copied().unwrap_or(0.0) * 1000.0;
    let triple = |t: &Triple| json!({ "average": t.average, "fastest": t.fastest, "slowest": t.slowest });
    let mut errors: serde_json::Map<String, Value> = s
        .error_classes
        .iter()
        .map(|(k, v)| {
            (
                serde_json::to_value(k).ok().and_then(|k| k.as_str().map(String::from)).unwrap_or_default(),
                json!(v),
            )
        })
        .collect();
    if s.unanswered > 0 {
        // oha's name for the requests in flight when the duration ran out.
        errors.insert("aborted due to deadline".into(), json!(s.unanswered));
    }
    json!({
        "summary": {
            "successRate": success,
            "total": total,
            "slowest": s.latency.max / 1000.0,
            "fastest": s.latency.min / 1000.0,
            "average": s.latency.mean / 1000.0,
            "requestsPerSec": per_sec(s.requests as f64),
            "totalData": s.bytes_in,
            "sizePerRequest": s.bytes_in.checked_div(s.responses),
            "sizePerSec": per_sec(s.bytes_in as f64),
        },
        "metrics": {
            "success_rate": success,
            "requests_per_sec": per_sec(s.requests as f64),
            "latency_ms": {
                "min": s.latency.min, "mean": s.latency.mean, "p50": ms("p50"), "p95": ms("p95"),
                "p99": ms("p99"), "max": s.latency.max,
            },
        },
        "responseTimeHistogram": histogram_json(&f.histogram),
        "latencyPercentiles": f.latency,
        "firstByteHistogram": histogram_json(&f.first_byte_histogram),
        "firstBytePercentiles": f.first_byte_percentiles,
        "rps": rps(&s.series.iter().map(|p| p.rps).collect::<Vec<_>>()),
        "details": {
            "DNSDialup": triple(&f.connect),
            "DNSLookup": triple(&f.dns_lookup),
            "firstByte": triple(&f.first_byte),
        },
        "statusCodeDistribution": s.status.iter().map(|(k, v)| (k.to_string(), json!(v))).collect::<serde_json::Map<_, _>>(),
        "errorDistribution": errors,
        "flightdeck": flightdeck(r),
    })
}
