//! [`run`]: starts the worker threads, ticks the collector, publishes snapshots, stops on time, on
//! count, on cancel or on a failed `abort` threshold, and returns the [`Report`].

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{oneshot, watch};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::load::collect::Collector;
use crate::load::report::{Ended, Report, Snapshot};
use crate::load::worker::{Shared, spawn_workers};
use crate::load::{LoadError, LoadPlan};

/// Verdicts of `abort` thresholds are only acted on after this much of the test.
const ABORT_GRACE: Duration = Duration::from_secs(1);

/// Runs a load test. Publishes a [`Snapshot`] every `plan.snapshot_every` on `progress` and returns
/// the final [`Report`]; stops early when `cancel` fires or an `abort` threshold fails.
pub async fn run(
    plan: LoadPlan,
    progress: watch::Sender<Snapshot>,
    cancel: CancellationToken,
) -> Result<Report, LoadError> {
    plan.validate()?;
    let looked_up = std::time::Instant::now();
    let addr = resolve(&plan).await?;
    let dns_s = looked_up.elapsed().as_secs_f64();
    let stop = CancellationToken::new();
    let start = Instant::now();
    let shared = Arc::new(Shared::new(&plan, addr, stop.clone(), start)?);
    let done = spawn_workers(&shared)?;
    let (ended, elapsed, collector) = supervise(&plan, &shared, &progress, &cancel, done).await;
    let verdicts = collector.verdicts(&plan, elapsed);
    let mut stats = collector.snapshot(&plan, elapsed, verdicts, true);
    stats.oha.dns_lookup = crate::load::oha::Triple { average: dns_s, fastest: dns_s, slowest: dns_s };
    progress.send_replace(stats.clone());
    Ok(Report {
        url: plan.target.url.clone(),
        method: plan.method.clone(),
        model: plan.model,
        connections: plan.connections,
        threads: plan.threads.min(plan.connections),
        http2: plan.http2,
        ended,
        stats,
        comparison: None,
    })
}

async fn resolve(plan: &LoadPlan) -> Result<std::net::SocketAddr, LoadError> {
    let t = &plan.target;
    let bad = |reason: String| LoadError::BadUrl { url: t.url.clone(), reason };
    let mut addrs = tokio::net::lookup_host((t.host.as_str(), t.port))
        .await
        .map_err(|e| bad(format!("cannot resolve {}: {e}", t.host)))?;
    addrs.next().ok_or_else(|| bad(format!("{} has no address", t.host)))
}

/// The collector loop: ticks until the workers are done or something stops them.
async fn supervise(
    plan: &LoadPlan,
    shared: &Shared,
    progress: &watch::Sender<Snapshot>,
    cancel: &CancellationToken,
    mut done: oneshot::Receiver<()>,
) -> (Ended, Duration, Collector) {
    let mut collector = Collector::default();
    let mut tick = tokio::time::interval(plan.snapshot_every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let deadline = plan.planned_duration().map(|d| shared.start + d);
    let mut ended = Ended::Completed;
    let mut stopped_at: Option<Instant> = None;
    loop {
        let sleep_to = deadline
            .filter(|_| stopped_at.is_none())
            .unwrap_or_else(|| Instant::now() + Duration::from_secs(3600));
        tokio::select! {
            _ = &mut done => break,
            () = cancel.cancelled(), if stopped_at.is_none() => { ended = Ended::Cancelled; }
            () = tokio::time::sleep_until(sleep_to), if stopped_at.is_none() && deadline.is_some() => {}
            _ = tick.tick() => {
                let elapsed = shared.start.elapsed();
                collector.absorb(&shared.tallies, elapsed);
                let verdicts = collector.verdicts(plan, elapsed);
                if let Some(v) = aborting(&verdicts, elapsed, stopped_at) {
                    ended = Ended::Aborted(v);
                } else {
                    progress.send_replace(collector.snapshot(plan, elapsed, verdicts, false));
                    continue;
                }
            }
        }
        if stopped_at.is_none() {
            stopped_at = Some(Instant::now());
            shared.stop.cancel();
        }
    }
    let elapsed = stopped_at.unwrap_or_else(Instant::now) - shared.start;
    collector.absorb(&shared.tallies, elapsed);
    collector.finish();
    (ended, elapsed, collector)
}

fn aborting(
    verdicts: &[crate::load::Verdict],
    elapsed: Duration,
    stopped: Option<Instant>,
) -> Option<String> {
    if stopped.is_some() || elapsed < ABORT_GRACE {
        return None;
    }
    verdicts.iter().find(|v| v.abort && !v.passed).map(|v| v.expr.clone())
}
