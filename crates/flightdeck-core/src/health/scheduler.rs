//! The health engine: `run(plan, snapshots, events, cancel)`. One task per monitor probes on its
//! interval (plus jitter), at most `concurrency` probes at a time, each bounded by the monitor's
//! timeout. Results flow to one aggregator that feeds the state machines and ring buffers, writes
//! transitions to the store and sends them as events, and publishes a [`Snapshot`] on a `watch`
//! channel at most every `publish_every`. Time comes from `tokio::time`, so tests can pause it.

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::{Semaphore, mpsc, watch};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::health::maintenance::in_maintenance;
use crate::health::monitor::{DisabledMonitor, Monitor};
use crate::health::probe::{Clients, probe};
use crate::health::result::CheckResult;
use crate::health::state::{MonitorState, Transition, TransitionKind};
use crate::health::view::{MonitorView, Snapshot, Track, disabled_view};
use crate::store::{HealthTransitionRecord, Store};
use crate::time::Micros;

/// What the health engine runs: the monitors to probe, where transitions go, and its timing.
#[derive(Debug, Clone)]
pub struct ProbeSchedule {
    /// The monitors.
    pub monitors: Vec<Monitor>,
    /// Monitors not probed (invalid configuration), shown as DISABLED in every snapshot.
    pub disabled: Vec<DisabledMonitor>,
    /// Where transitions are written (none: not written).
    pub store: Option<Store>,
    /// Most probes in flight at once.
    pub concurrency: usize,
    /// Results kept per monitor.
    pub history: usize,
    /// Window for uptime and percentiles.
    pub window: Duration,
    /// Least time between two published snapshots.
    pub publish_every: Duration,
    /// Wall-clock time at start (default: now); the engine's clock is this plus tokio time elapsed.
    pub origin: Option<Micros>,
}

impl ProbeSchedule {
    /// A plan with the defaults: 64 probes at once, 256 results kept, a 1 h window, 500 ms publishing.
    pub fn new(monitors: Vec<Monitor>, store: Option<Store>) -> ProbeSchedule {
        ProbeSchedule {
            monitors,
            disabled: Vec::new(),
            store,
            concurrency: 64,
            history: 256,
            window: Duration::from_secs(3600),
            publish_every: Duration::from_millis(500),
            origin: None,
        }
    }
}

/// The plan for every monitor of `config` that applies to environment `env`, with the defaults;
/// monitors with an invalid configuration are carried as disabled.
pub fn plan_for(
    config: &crate::config::Config,
    env: &str,
    store: Option<Store>,
) -> Result<ProbeSchedule, String> {
    let set = crate::health::monitor_set(config, env)?;
    let mut plan = ProbeSchedule::new(set.monitors, store);
    plan.disabled = set.disabled;
    Ok(plan)
}

/// Something that must reach listeners: a monitor changed state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HealthEvent {
    /// Monitor name.
    pub monitor: String,
    /// Environment.
    pub environment: String,
    /// When.
    pub at: Micros,
    /// The change.
    pub transition: Transition,
    /// The result that caused it.
    pub result: CheckResult,
}

/// What a finished engine reports.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RunSummary {
    /// Probes run.
    pub checks: u64,
    /// Monitors DOWN at the end.
    pub down: Vec<String>,
    /// Monitors not probed (invalid configuration).
    pub disabled: Vec<String>,
}

struct Clock {
    origin_wall: Micros,
    origin: tokio::time::Instant,
}

impl Clock {
    fn now(&self) -> Micros {
        let us = i64::try_from(self.origin.elapsed().as_micros()).unwrap_or(i64::MAX);
        Micros(self.origin_wall.0.saturating_add(us))
    }
}

/// Runs until `cancel`; returns what it saw. Prints nothing.
pub async fn run(
    plan: ProbeSchedule,
    snapshots: watch::Sender<Snapshot>,
    events: mpsc::Sender<HealthEvent>,
    cancel: CancellationToken,
) -> RunSummary {
    let clock = Arc::new(Clock {
        origin_wall: plan.origin.unwrap_or_else(crate::time::now),
        origin: tokio::time::Instant::now(),
    });
    let window_ms = u64::try_from(plan.window.as_millis()).unwrap_or(u64::MAX);
    let mut tracks: Vec<Track> =
        plan.monitors.iter().map(|m| Track::new(m, plan.history, window_ms)).collect();
    let (mut tasks, mut results) = start_workers(&plan, &clock, &cancel);
    let disabled: Vec<MonitorView> =
        plan.disabled.iter().map(|d| disabled_view(d, window_ms, clock.now())).collect();
    let publish = |tracks: &mut [Track], now: Micros| publish(&snapshots, tracks, &disabled, now);
    publish(&mut tracks, clock.now());
    let mut summary = RunSummary {
        disabled: plan.disabled.iter().map(|d| d.name.clone()).collect(),
        ..RunSummary::default()
    };
    let mut tick = tokio::time::interval(plan.publish_every.max(Duration::from_millis(1)));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut dirty = false;
    loop {
        tokio::select! {
            biased;
            () = cancel.cancelled() => break,
            got = results.recv() => {
                let Some((i, result)) = got else { break };
                summary.checks += 1;
                dirty = true;
                let Some(track) = tracks.get_mut(i) else { continue };
                let maint = in_maintenance(&plan.monitors[i].maintenance, result.at);
                let transition = track.tracker.observe(result.success, maint);
                track.record(&result);
                if let Some(t) = transition {
                    report(&plan, &events, t, result).await;
                }
            }
            _ = tick.tick(), if dirty => {
                publish(&mut tracks, clock.now());
                dirty = false;
            }
        }
    }
    tasks.shutdown().await;
    publish(&mut tracks, clock.now());
    summary.down = tracks
        .iter()
        .map(|t| t.view(clock.now()))
        .filter(|v| v.state == MonitorState::Down)
        .map(|v| v.name)
        .collect();
    summary
}

type Results = mpsc::Receiver<(usize, CheckResult)>;

/// One task per monitor, sharing the clients and the concurrency limit.
fn start_workers(
    plan: &ProbeSchedule,
    clock: &Arc<Clock>,
    cancel: &CancellationToken,
) -> (JoinSet<()>, Results) {
    let (tx, results) = mpsc::channel::<(usize, CheckResult)>(plan.monitors.len().clamp(16, 4096));
    let mut tasks = JoinSet::new();
    let permits = Arc::new(Semaphore::new(plan.concurrency.max(1)));
    let clients = Clients::new();
    for (i, m) in plan.monitors.iter().enumerate() {
        let ctx = Worker {
            index: i,
            monitor: m.clone(),
            clients: clients.clone(),
            permits: Arc::clone(&permits),
            clock: Arc::clone(clock),
            results: tx.clone(),
            cancel: cancel.child_token(),
        };
        tasks.spawn(ctx.run());
    }
    drop(tx);
    (tasks, results)
}

fn publish(snapshots: &watch::Sender<Snapshot>, tracks: &mut [Track], disabled: &[MonitorView], now: Micros) {
    let mut monitors: Vec<MonitorView> = tracks.iter_mut().map(|t| t.view_cached(now)).collect();
    monitors.extend(disabled.iter().cloned());
    snapshots.send_replace(Snapshot { at: now, monitors });
}

/// Writes a transition to the store (a failed write is reported in the event's message) and sends it.
async fn report(
    plan: &ProbeSchedule,
    events: &mpsc::Sender<HealthEvent>,
    t: Transition,
    mut result: CheckResult,
) {
    if let Some(store) = &plan.store {
        let rec = HealthTransitionRecord {
            id: 0,
            at: result.at,
            monitor: result.monitor.clone(),
            environment: result.environment.clone(),
            from_state: t.from.as_str().into(),
            to_state: t.to.as_str().into(),
            kind: kind_word(t.kind).into(),
            reason: result.reason.map(|r| r.as_str().to_string()),
            message: result.message.clone(),
        };
        if let Err(e) = store.add_health_transition(&rec).await {
            let prior = result.message.take().unwrap_or_default();
            result.message = Some(format!("{prior} (not stored: {e})"));
        }
    }
    let ev = HealthEvent {
        monitor: result.monitor.clone(),
        environment: result.environment.clone(),
        at: result.at,
        transition: t,
        result,
    };
    // A listener that went away does not stop the engine.
    let _ = events.send(ev).await;
}

/// The stored word of a transition kind.
pub fn kind_word(k: TransitionKind) -> &'static str {
    match k {
        TransitionKind::Up => "UP",
        TransitionKind::Down => "DOWN",
        TransitionKind::Pending => "PENDING",
        TransitionKind::Maintenance => "MAINTENANCE",
        TransitionKind::RecoveredAfterRetry => "RECOVERED_AFTER_RETRY",
    }
}

/// One monitor's probing loop.
struct Worker {
    index: usize,
    monitor: Monitor,
    clients: Clients,
    permits: Arc<Semaphore>,
    clock: Arc<Clock>,
    results: mpsc::Sender<(usize, CheckResult)>,
    cancel: CancellationToken,
}

impl Worker {
    async fn run(self) {
        let mut rng =
            SplitMix(0x9E37_79B9_7F4A_7C15 ^ (self.index as u64).wrapping_mul(0xBF58_476D_1CE4_E5B9));
        let mut wait = rng.upto(self.monitor.jitter.min(self.monitor.interval));
        loop {
            tokio::select! {
                () = self.cancel.cancelled() => return,
                () = tokio::time::sleep(wait) => {}
            }
            let result = {
                let Ok(_permit) = self.permits.acquire().await else { return };
                tokio::select! {
                    () = self.cancel.cancelled() => return,
                    r = probe(&self.monitor, &self.clients, self.clock.now()) => r,
                }
            };
            if self.results.send((self.index, result)).await.is_err() {
                return;
            }
            wait = self.monitor.interval + rng.upto(self.monitor.jitter);
        }
    }
}

/// A tiny deterministic generator for jitter (no need for a crate: spreading, not security).
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn upto(&mut self, max: Duration) -> Duration {
        let us = u64::try_from(max.as_micros()).unwrap_or(u64::MAX);
        if us == 0 { Duration::ZERO } else { Duration::from_micros(self.next() % (us + 1)) }
    }
}

/// Starts the engine in the background for the console: returns the snapshot receiver, the event
/// receiver (transitions) and the task's handle. Cancel `cancel` to stop it.
pub fn spawn(
    plan: ProbeSchedule,
    cancel: CancellationToken,
) -> (watch::Receiver<Snapshot>, mpsc::Receiver<HealthEvent>, tokio::task::JoinHandle<RunSummary>) {
    let (snap_tx, snap_rx) = watch::channel(Snapshot::default());
    let (ev_tx, ev_rx) = mpsc::channel(256);
    let handle = tokio::spawn(run(plan, snap_tx, ev_tx, cancel));
    (snap_rx, ev_rx, handle)
}
