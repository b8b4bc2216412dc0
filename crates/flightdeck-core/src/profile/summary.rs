//! A profile report as plain lines (the step's log, `flightdeck profile show`): the hottest
//! functions with their self and total shares, the load figures, and the comparison with the
//! baseline. Function names come from the profiled program, so they are sanitised.

use std::fmt::Write as _;

use super::ProfileReport;
use crate::sanitize::one_line as sanitize;

/// How many functions the text lists.
const LISTED: usize = 10;

/// The `top` output: `NAME SHARE%` of the hottest function (empty without samples).
pub fn top_output(r: &ProfileReport) -> String {
    r.hottest().map(|f| format!("{} {:.1}%", f.name, f.self_pct)).unwrap_or_default()
}

/// The report as lines.
pub fn text(r: &ProfileReport) -> String {
    let mut out = String::new();
    let secs = r.duration_ms / 1000;
    let _ = writeln!(
        out,
        "profile of {}: {} samples at {} Hz over {secs}s",
        sanitize(&r.target),
        r.samples,
        r.frequency
    );
    match r.hottest() {
        Some(f) => {
            let _ = writeln!(
                out,
                "top frame: {} {:.1}% self ({:.1}% total)",
                sanitize(&f.name),
                f.self_pct,
                f.total_pct
            );
        }
        None => out.push_str("no samples: was the target busy? (an idle process is rarely on a CPU)\n"),
    }
    out.push_str("   self%  total%  function\n");
    for f in r.top.iter().take(LISTED) {
        let _ = writeln!(out, "  {:>6.1}  {:>6.1}  {}", f.self_pct, f.total_pct, sanitize(&f.name));
    }
    if let Some(l) = &r.load {
        let _ = writeln!(
            out,
            "load meanwhile: {:.1} req/s, p50 {:.2} ms, p99 {:.2} ms, {} requests, error rate {:.2}%",
            l.rps,
            l.p50,
            l.p99,
            l.requests,
            l.error_rate * 100.0
        );
    }
    if let Some(c) = &r.comparison {
        let _ = writeln!(out, "against baseline {:?} (regress > {}pp):", c.baseline, c.regress_pp);
        for d in c.deltas.iter().take(LISTED) {
            let mark = if d.regressed { "REGRESSED" } else { "" };
            let _ = writeln!(
                out,
                "  {:>+6.1}pp self ({:.1}% -> {:.1}%)  {:>+6.1}pp total  {} {mark}",
                d.self_pp,
                d.base_self,
                d.self_pct,
                d.total_pp,
                sanitize(&d.name)
            );
        }
        if let Some(diff) = &c.diff_svg {
            let _ = writeln!(out, "differential flamegraph: {diff}");
        }
    }
    if let Some(svg) = &r.svg {
        let _ = writeln!(out, "flamegraph: {svg}");
    }
    out
}
