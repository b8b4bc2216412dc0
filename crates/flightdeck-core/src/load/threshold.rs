//! k6-style thresholds: `p95 < 500ms`, `error_rate < 1%`, `rps > 100`, optionally followed by
//! `abort` (stop the test as soon as the threshold fails). Parsing and evaluation are pure.

use serde::{Deserialize, Serialize};

use crate::load::LoadError;
use crate::load::stats::Percentiles;

/// What a threshold measures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// A latency statistic in milliseconds (`p50`, `p90`, `p95`, `p99`, `p99.9`, `min`, `mean`, `max`).
    Latency(String),
    /// Share of failed requests (transport error or status >= 400), 0..1.
    ErrorRate,
    /// Requests per second over the whole test.
    Rps,
    /// Requests finished.
    Requests,
}

/// A comparison: the operator type shared with health conditions.
pub use crate::compare::CmpOp as Op;

/// One pass/fail criterion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Threshold {
    /// As written.
    pub expr: String,
    pub metric: Metric,
    pub op: Op,
    /// In the metric's unit (ms, fraction, req/s, count).
    pub value: f64,
    /// Stop the test as soon as it fails.
    pub abort: bool,
}

/// The figures thresholds are evaluated against.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Observed {
    pub latency: Percentiles,
    pub error_rate: f64,
    pub rps: f64,
    pub requests: u64,
}

/// A threshold's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    pub expr: String,
    /// The observed value, in the metric's unit.
    pub observed: f64,
    pub passed: bool,
    pub abort: bool,
}

impl Threshold {
    /// Parses `METRIC OP VALUE [abort]`.
    pub fn parse(expr: &str) -> Result<Threshold, LoadError> {
        let bad = |reason: &str| LoadError::Threshold { expr: expr.to_string(), reason: reason.to_string() };
        let text = expr.trim();
        let (text, abort) = match text.strip_suffix("abort") {
            Some(rest) => (rest.trim_end().trim_end_matches(',').trim_end(), true),
            None => (text, false),
        };
        let at = text.find(['<', '>']).ok_or_else(|| bad("no comparison (<, <=, >, >=)"))?;
        let (name, rest) = (text[..at].trim(), &text[at..]);
        let (op, value) = if let Some(v) = rest.strip_prefix("<=") {
            (Op::Le, v)
        } else if let Some(v) = rest.strip_prefix(">=") {
            (Op::Ge, v)
        } else if let Some(v) = rest.strip_prefix('<') {
            (Op::Lt, v)
        } else {
            (Op::Gt, &rest[1..])
        };
        let metric = metric(name).ok_or_else(|| {
            bad(&format!("unknown metric {name:?}: use p50, p90, p95, p99, p99.9, min, mean, max, error_rate, rps or requests"))
        })?;
        let value = value_in_unit(&metric, value.trim())
            .ok_or_else(|| bad(&format!("cannot read the value {:?}", value.trim())))?;
        Ok(Threshold { expr: expr.trim().to_string(), metric, op, value, abort })
    }

    /// The observed value of this threshold's metric.
    #[allow(clippy::cast_precision_loss)]
    pub fn observe(&self, o: &Observed) -> f64 {
        match &self.metric {
            Metric::Latency(name) => o.latency.get(name).unwrap_or(f64::NAN),
            Metric::ErrorRate => o.error_rate,
            Metric::Rps => o.rps,
            Metric::Requests => o.requests as f64,
        }
    }

    /// Evaluates against the figures.
    pub fn evaluate(&self, o: &Observed) -> Verdict {
        let observed = self.observe(o);
        Verdict {
            expr: self.expr.clone(),
            observed,
            passed: self.op.holds(observed, self.value),
            abort: self.abort,
        }
    }
}

fn metric(name: &str) -> Option<Metric> {
    let name = name.trim();
    // k6 spells percentiles p(95); accept that too.
    let plain = name.replace(['(', ')'], "");
    if Percentiles::default().get(&plain).is_some() {
        return Some(Metric::Latency(plain));
    }
    match name {
        "error_rate" | "errors" | "http_req_failed" => Some(Metric::ErrorRate),
        "rps" | "req/s" => Some(Metric::Rps),
        "requests" => Some(Metric::Requests),
        _ => None,
    }
}

fn value_in_unit(metric: &Metric, text: &str) -> Option<f64> {
    let split = text.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(text.len());
    let (num, unit) = (text[..split].parse::<f64>().ok()?, text[split..].trim());
    match (metric, unit) {
        (Metric::Latency(_), "" | "ms") | (Metric::Rps | Metric::Requests, "") => Some(num),
        (Metric::Latency(_), "s") => Some(num * 1000.0),
        (Metric::Latency(_), "us" | "µs") => Some(num / 1000.0),
        (Metric::ErrorRate, "%") => Some(num / 100.0),
        (Metric::ErrorRate, "") if num <= 1.0 => Some(num),
        _ => None,
    }
}

/// Evaluates every threshold.
pub fn evaluate_all(thresholds: &[Threshold], o: &Observed) -> Vec<Verdict> {
    thresholds.iter().map(|t| t.evaluate(o)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn observed() -> Observed {
        let latency = Percentiles { p95: 420.0, p99: 900.0, ..Percentiles::default() };
        Observed { latency, error_rate: 0.02, rps: 150.0, requests: 3000 }
    }

    #[test]
    fn parses_and_evaluates() {
        let cases = [
            ("p95 < 500ms", true),
            ("p(99) < 0.5s", false),
            ("error_rate < 1%", false),
            ("error_rate <= 0.05", true),
            ("rps > 100", true),
            ("requests >= 5000", false),
        ];
        for (expr, passes) in cases {
            let t = Threshold::parse(expr).unwrap();
            assert_eq!(t.evaluate(&observed()).passed, passes, "{expr}");
        }
        let t = Threshold::parse("p99<200ms abort").unwrap();
        assert!(t.abort && t.op == Op::Lt && (t.value - 200.0).abs() < 1e-9);
        assert!((Threshold::parse("p95 < 2s").unwrap().value - 2000.0).abs() < 1e-9);
    }

    #[test]
    fn rejects_nonsense() {
        for expr in ["p95 500ms", "p42 < 1", "rps > fast", "error_rate < 5", "p95 < 3 parsecs"] {
            assert!(Threshold::parse(expr).is_err(), "{expr}");
        }
    }
}
