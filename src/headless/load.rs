//! `flightdeck load URL ...`: runs the load engine headless, prints an oha-like summary (or JSON
//! with oha's field names), saves the result in the store, applies `--baseline` and
//! `--save-baseline`, and exits 7 when a threshold or a baseline comparison fails.

use std::fmt::Write as _;
use std::io::IsTerminal;

use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::cli::LoadArgs;
use crate::error::{Error, exit};
use crate::headless::Ctx;
use crate::load::{self, Ended, LoadSpec, Plan, Report, Snapshot};

/// Runs `flightdeck load`.
pub async fn load(ctx: &Ctx, a: LoadArgs) -> Result<i32, Error> {
    let spec = spec_of(&a);
    let plan = spec.plan().map_err(|e| Error::Invalid(e.to_string()))?;
    confirm_target(ctx, &a, &plan)?;
    let store = ctx.store()?;
    let (progress, _view) = watch::channel(Snapshot::default());
    let cancel = CancellationToken::new();
    let on_signal = cancel.clone();
    let signal = tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            on_signal.cancel();
        }
    });
    let result = load::run(plan, progress, cancel).await;
    signal.abort();
    let mut report = result.map_err(|e| Error::Invalid(e.to_string()))?;
    load::spec::settle(&store, &spec, &mut report, None).map_err(|e| Error::Invalid(e.to_string()))?;
    let json = serde_json::to_string_pretty(&report.to_json()).unwrap_or_default();
    if let Some(path) = &a.output {
        std::fs::write(path, format!("{json}\n"))
            .map_err(|e| Error::io(format!("cannot write {}", path.display()), e))?;
    }
    if a.json {
        println!("{json}");
    } else {
        print!("{}", summary(&report));
    }
    Ok(match report.ended {
        Ended::Cancelled => exit::CANCELLED,
        _ if !report.passed() => exit::THRESHOLD,
        _ => exit::OK,
    })
}

fn spec_of(a: &LoadArgs) -> LoadSpec {
    LoadSpec {
        url: a.url.clone(),
        connections: Some(a.connections),
        duration: a.duration.clone(),
        requests: a.requests,
        rate: a.rate,
        method: Some(a.method.clone()),
        headers: a.headers.clone(),
        body: a.body.clone(),
        threads: a.threads,
        http2: a.http2,
        profile: a.profile.clone(),
        thresholds: a.thresholds.clone(),
        abort_on_fail: a.abort_on_fail,
        timeout: a.timeout.clone(),
        baseline: a.baseline.clone(),
        save_baseline: a.save_baseline.clone(),
        tolerance: Some(a.tolerance),
    }
}

/// A non-loopback target in a production environment needs `--yes` or the environment's phrase
/// typed on a terminal.
fn confirm_target(ctx: &Ctx, a: &LoadArgs, plan: &Plan) -> Result<(), Error> {
    let Some(name) = &a.env else { return Ok(()) };
    let env = ctx.config.environment(name).map_err(Error::Invalid)?;
    if !env.production || plan.target.is_loopback() || a.yes {
        return Ok(());
    }
    let phrase = env.confirm_phrase.clone().unwrap_or_else(|| "yes".into());
    let refuse = || {
        Error::Precondition(format!(
            "{} is outside this host and {name} is a production environment: pass --yes, or run on a \
             terminal and type {phrase:?}",
            plan.target.url
        ))
    };
    if !std::io::stdin().is_terminal() {
        return Err(refuse());
    }
    eprint!("Load-test {} in production ({name})? Type {phrase:?} to go on: ", plan.target.url);
    let mut line = String::new();
    std::io::stdin().read_line(&mut line).map_err(|e| Error::io("cannot read the confirmation", e))?;
    if line.trim() == phrase { Ok(()) } else { Err(refuse()) }
}

/// The oha-like text summary.
#[allow(clippy::cast_precision_loss)]
pub fn summary(r: &Report) -> String {
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
