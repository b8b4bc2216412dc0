//! The oha-like text summary of a finished load test (headless output and the `load` step's log).

use std::fmt::Write as _;

use crate::load::{Ended, Report};

/// The oha-like text summary.
#[allow(clippy::cast_precision_loss)]
pub fn text(r: &Report) -> String {
    let s = &r.stats;
    let mut o = String::new();
    let success = if s.requests == 0 { 0.0 } else { 100.0 * s.responses as f64 / s.requests as f64 };
    let _ = writeln!(o, "Summary:\n  Success rate:\t{success:.2}%\n  Total:\t{:.4} secs", s.elapsed_s);
    let l = &s.latency;
    let _ =
        writeln!(o, "  Slowest:\t{:.4} ms\n  Fastest:\t{:.4} ms\n  Average:\t{:.4} ms", l.max, l.min, l.mean);
    let _ = writeln!(o, "  Requests/sec:\t{:.2}\n", s.rps_mean);
    let _ = writeln!(o, "  Total data:\t{} bytes\n  Requests:\t{}\n", s.bytes_in, s.requests);
    let _ = writeln!(o, "Response time histogram:");
    let most = s.histogram.iter().map(|b| b.count).max().unwrap_or(0).max(1);
    for b in &s.histogram {
        let bar = "■".repeat(usize::try_from(b.count * 32 / most).unwrap_or(0));
        let _ = writeln!(o, "  {:>10.3} ms [{}]\t|{bar}", b.to_ms, b.count);
    }
    let _ = writeln!(o, "\nResponse time distribution:");
    for (name, v) in
        [("50.00%", l.p50), ("90.00%", l.p90), ("95.00%", l.p95), ("99.00%", l.p99), ("99.90%", l.p999)]
    {
        let _ = writeln!(o, "  {name} in {v:.4} ms");
    }
    let _ = writeln!(o, "\nStatus code distribution:");
    for (code, n) in &s.status {
        let _ = writeln!(o, "  [{code}] {n} responses");
    }
    if !s.error_classes.is_empty() {
        let _ = writeln!(o, "\nError distribution:");
        for (class, n) in &s.error_classes {
            let _ = writeln!(
                o,
                "  [{n}] {}",
                serde_json::to_value(class)
                    .ok()
                    .and_then(|v| v.as_str().map(String::from))
                    .unwrap_or_default()
            );
        }
    }
    if s.unanswered > 0 || r.nothing_answered() {
        let label = if r.nothing_answered() { "No response" } else { "Unanswered" };
        let _ = writeln!(o, "\n{label}: {}.", r.unanswered_text());
    }
    verdict_lines(r, &mut o);
    o
}

fn verdict_lines(r: &Report, o: &mut String) {
    if !r.stats.verdicts.is_empty() {
        let _ = writeln!(o, "\nThresholds:");
        for v in &r.stats.verdicts {
            let _ = writeln!(
                o,
                "  {} {} (observed {:.4})",
                if v.passed { "PASS" } else { "FAIL" },
                v.expr,
                v.observed
            );
        }
    }
    if let Some(c) = &r.comparison {
        let _ = writeln!(o, "\nBaseline {:?} (tolerance {}%):", c.baseline, c.tolerance_pct);
        for d in &c.deltas {
            let flag = if d.regressed { "REGRESSED" } else { "ok" };
            let _ = writeln!(
                o,
                "  {:<10} {:>12.4} -> {:>12.4} ({:+.1}%) {flag}",
                d.metric, d.baseline, d.current, d.change_pct
            );
        }
    }
    if let Ended::Aborted(expr) = &r.ended {
        let _ = writeln!(o, "\nAborted early: threshold {expr:?} failed.");
    }
    let _ = writeln!(o, "\nVerdict: {}", if r.passed() { "PASS" } else { "FAIL" });
}
