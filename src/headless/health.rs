//! `flightdeck health [--env NAME] [--once] [--for D] [--json]`: one round of probes, or the live
//! engine printing each state transition until interrupted; exit 6 when a monitor is down, else 2
//! when a monitor is disabled by an invalid configuration (the others still run).

use std::time::Duration;

use serde_json::json;
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;

use crate::cli::HealthArgs;
use crate::error::{Error, exit};
use crate::headless::Project;
use crate::health::probe::{Clients, probe};
use crate::health::{
    CheckResult, DisabledMonitor, HealthEvent, Monitor, ProbeSchedule, Snapshot, monitor_set,
};
use crate::time::{now, parse_duration};

/// `flightdeck health`.
pub async fn health(ctx: &Project, a: &HealthArgs) -> Result<i32, Error> {
    let env = a.env.clone().unwrap_or_else(|| ctx.config.default_env().to_string());
    let set = monitor_set(&ctx.config, &env).map_err(Error::Invalid)?;
    if set.monitors.is_empty() && set.disabled.is_empty() {
        crate::errln!("no monitors apply to environment {env}; add [monitors.NAME] to flightdeck.toml");
        return Ok(exit::OK);
    }
    for d in &set.disabled {
        crate::errln!("monitor {} is disabled: {}", d.name, d.problem);
    }
    if a.once {
        return once(&env, &set.monitors, &set.disabled, a.json).await;
    }
    let limit = match &a.duration {
        Some(d) => Some(Duration::from_millis(parse_duration(d).ok_or_else(|| {
            Error::Invalid(format!("--for {d:?} is not a duration; write e.g. \"30s\" or \"5m\""))
        })?)),
        None => None,
    };
    live(ctx, set.monitors, set.disabled, limit, a.json).await
}

/// Exit 6 if a monitor is down, else 2 if one is disabled, else 0.
fn verdict(down: bool, disabled: bool) -> i32 {
    if down {
        exit::MONITOR_DOWN
    } else if disabled {
        exit::USAGE
    } else {
        exit::OK
    }
}

/// Probes every monitor once, concurrently; exit 6 if any failed.
async fn once(
    env: &str,
    monitors: &[Monitor],
    disabled: &[DisabledMonitor],
    json: bool,
) -> Result<i32, Error> {
    let clients = Clients::new();
    let mut set = tokio::task::JoinSet::new();
    for (i, m) in monitors.iter().enumerate() {
        let (m, clients) = (m.clone(), clients.clone());
        set.spawn(async move { (i, probe(&m, &clients, now()).await) });
    }
    let mut results: Vec<(usize, CheckResult)> = set.join_all().await;
    results.sort_by_key(|(i, _)| *i);
    let results: Vec<CheckResult> = results.into_iter().map(|(_, r)| r).collect();
    let down = results.iter().any(|r| !r.success);
    if json {
        let out = json!({ "environment": env, "down": down, "results": results, "disabled": disabled });
        crate::outln!("{}", serde_json::to_string_pretty(&out).map_err(|e| Error::Invalid(e.to_string()))?);
    } else {
        for r in &results {
            let state = if r.success { "UP" } else { "DOWN" };
            let cert = r.cert_days_left.map(|d| format!("  cert {d}d")).unwrap_or_default();
            crate::outln!("{:<16} {:<5} {}{cert}", r.monitor, state, r.line());
        }
        for d in disabled {
            crate::outln!("{:<16} DISABLED config: {}", d.name, d.problem);
        }
    }
    Ok(verdict(down, !disabled.is_empty()))
}

/// Runs the engine, printing transitions, until Ctrl-C or `limit`.
async fn live(
    ctx: &Project,
    monitors: Vec<Monitor>,
    disabled: Vec<DisabledMonitor>,
    limit: Option<Duration>,
    json: bool,
) -> Result<i32, Error> {
    // A client-only operator watches too: the transitions are printed, not stored (only the
    // runner's user writes its store).
    let store = match (ctx.store(), ctx.runner_owns_store()) {
        (Ok(store), _) => Some(store),
        (Err(_), Some(owner)) => {
            crate::errln!(
                "transitions are printed, not stored: only the runner's user ({owner}) writes the store"
            );
            None
        }
        (Err(e), None) => return Err(e),
    };
    let mut plan = ProbeSchedule::new(monitors, store);
    plan.disabled = disabled;
    let cancel = CancellationToken::new();
    let (snap_tx, snap_rx) = watch::channel(Snapshot::default());
    let (ev_tx, mut ev_rx) = mpsc::channel::<HealthEvent>(256);
    let engine = tokio::spawn(crate::health::run(plan, snap_tx, ev_tx, cancel.clone()));
    let stop = cancel.clone();
    let shutdown = ctx.shutdown.clone();
    shutdown.handle();
    tokio::spawn(async move {
        match limit {
            Some(d) => tokio::select! { () = tokio::time::sleep(d) => {}, _ = shutdown.wait() => {} },
            None => {
                shutdown.wait().await;
            }
        }
        stop.cancel();
    });
    while let Some(ev) = ev_rx.recv().await {
        if json {
            crate::outln!("{}", serde_json::to_string(&ev).map_err(|e| Error::Invalid(e.to_string()))?);
        } else {
            let t = &ev.transition;
            crate::outln!(
                "{} {:<16} {} -> {} {}",
                ev.at.to_rfc3339(),
                ev.monitor,
                t.from.as_str(),
                t.to.as_str(),
                ev.result.line()
            );
        }
    }
    let summary = engine.await.map_err(|e| Error::Invalid(format!("the health engine stopped: {e}")))?;
    let snap = snap_rx.borrow().clone();
    if !json {
        for m in &snap.monitors {
            let up = m.uptime_pct.map_or_else(|| "-".into(), |p| format!("{p:.1}%"));
            crate::outln!("{:<16} {:<11} uptime {up:<7} checks {}", m.name, m.state.as_str(), m.checks);
        }
    }
    Ok(verdict(!summary.down.is_empty(), !summary.disabled.is_empty()))
}
