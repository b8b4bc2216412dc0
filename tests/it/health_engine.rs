//! The health engine with paused tokio time against real servers on 127.0.0.1 (served from plain
//! threads): DOWN only after N consecutive failures, UP only after M successes, a blip below the
//! threshold is a recovery after retry, a maintenance window holds alerts back; transitions reach
//! the store and the snapshot.

use std::path::Path;
use std::time::Duration;

use flightdeck::config::Config;
use flightdeck::health::{
    HealthEvent, MonitorState, ProbeSchedule, Snapshot, TransitionKind, monitor_set, run,
};
use flightdeck::store::Store;
use flightdeck::time::Micros;
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;

use crate::health_servers::{Behaviour, http};

/// 2026-01-01T00:00:00Z, the engine's wall-clock origin in these tests.
const ORIGIN: Micros = Micros(1_767_225_600_000_000);

fn plan(monitor: &str, store: Option<Store>) -> ProbeSchedule {
    let text = format!("[environments.local]\n[monitors.web]\n{monitor}");
    let config = Config::parse(&text, Path::new("flightdeck.toml")).unwrap();
    let mut plan = ProbeSchedule::new(monitor_set(&config, "local").unwrap().monitors, store);
    plan.origin = Some(ORIGIN);
    plan.publish_every = Duration::from_millis(100);
    plan
}

/// Runs the engine until `want` transitions arrived (or 300 virtual seconds), then stops it.
async fn transitions(plan: ProbeSchedule, want: usize) -> (Vec<HealthEvent>, Snapshot) {
    let (snap_tx, snap_rx) = watch::channel(Snapshot::default());
    let (ev_tx, mut ev_rx) = mpsc::channel(64);
    let cancel = CancellationToken::new();
    let engine = tokio::spawn(run(plan, snap_tx, ev_tx, cancel.clone()));
    // Small steps of virtual time while real sockets are in flight (the clock auto-advances only
    // to the next timer, and this keeps one 1 ms away).
    let ticker = tokio::spawn(async {
        for _ in 0..300_000 {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    });
    let mut got = Vec::new();
    while got.len() < want {
        match tokio::time::timeout(Duration::from_secs(300), ev_rx.recv()).await {
            Ok(Some(ev)) => got.push(ev),
            _ => break,
        }
    }
    cancel.cancel();
    engine.await.unwrap();
    ticker.abort();
    let snap = snap_rx.borrow().clone();
    (got, snap)
}

fn kinds(evs: &[HealthEvent]) -> Vec<(TransitionKind, u32)> {
    evs.iter().map(|e| (e.transition.kind, e.transition.count)).collect()
}

const FAST: &str = "url = \"URL\"\ninterval = \"1s\"\njitter = \"0s\"\ntimeout = \"10s\"\n";

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn down_after_three_failures_up_after_two_successes() {
    let s = http(Behaviour::Script(vec![200, 200, 500, 500, 500, 200, 200]));
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let cfg = FAST.replace("URL", &s.url("/")) + "failure_threshold = 3\nsuccess_threshold = 2\n";
    let (evs, snap) = transitions(plan(&cfg, Some(store.clone())), 3).await;
    assert_eq!(kinds(&evs), [(TransitionKind::Up, 2), (TransitionKind::Down, 3), (TransitionKind::Up, 2)]);
    assert_eq!(evs[1].result.reason.map(flightdeck::health::Reason::as_str), Some("status"));
    let stored: Vec<String> = store
        .health_transitions(None, 0)
        .unwrap()
        .into_iter()
        .map(|t| format!("{}>{}", t.from_state, t.to_state))
        .collect();
    assert_eq!(stored, ["PENDING>UP", "UP>DOWN", "DOWN>UP"]);
    let web = snap.monitor("web").unwrap();
    assert_eq!(web.state, MonitorState::Up);
    assert!(web.checks >= 7, "{} checks", web.checks);
    assert_eq!(web.last_failure.as_ref().map(|f| f.reason.as_str()), Some("status"));
    assert!(web.uptime_pct.unwrap() < 100.0);
    assert!(!web.latency_history.is_empty() && web.p95_ms.is_some());
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_failure_below_the_threshold_is_a_recovery_after_retry() {
    let s = http(Behaviour::Script(vec![200, 500, 500, 200]));
    let cfg = FAST.replace("URL", &s.url("/")) + "failure_threshold = 3\n";
    let (evs, snap) = transitions(plan(&cfg, None), 2).await;
    assert_eq!(kinds(&evs), [(TransitionKind::Up, 1), (TransitionKind::RecoveredAfterRetry, 2)]);
    assert_eq!(snap.monitor("web").unwrap().state, MonitorState::Up);
    assert_eq!(snap.summary().up, 1);
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_maintenance_window_holds_the_alert_back() {
    let s = http(Behaviour::Fixed(503, "{}"));
    // The window covers the first 5 s after ORIGIN.
    let cfg = FAST.replace("URL", &s.url("/"))
        + "failure_threshold = 2\nmaintenance = [{ start = \"2025-12-31T23:00:00Z\", end = \"2026-01-01T00:00:05Z\" }]\n";
    let (evs, _) = transitions(plan(&cfg, None), 3).await;
    assert_eq!(
        kinds(&evs).iter().map(|k| k.0).collect::<Vec<_>>(),
        [TransitionKind::Maintenance, TransitionKind::Pending, TransitionKind::Down]
    );
    let end = ORIGIN.0 + 5_000_000;
    assert!(evs[0].at.0 < end);
    assert!(evs[2].at.0 >= end, "DOWN raised inside the window");
    let hits = s.hits.load(std::sync::atomic::Ordering::SeqCst);
    assert!(hits >= 4, "{hits} probes: too few ran during the window");
}

#[tokio::test]
async fn spawn_runs_in_the_background_and_publishes_snapshots() {
    let s = http(Behaviour::Fixed(200, r#"{"status":"UP"}"#));
    let cfg = FAST.replace("URL", &s.url("/")).replace("1s", "50ms");
    let cancel = CancellationToken::new();
    let (mut snaps, _events, handle) = flightdeck::health::spawn(plan(&cfg, None), cancel.clone());
    let mut state = MonitorState::Pending;
    for _ in 0..100 {
        if tokio::time::timeout(Duration::from_secs(5), snaps.changed()).await.is_err() {
            break;
        }
        state = snaps.borrow().monitor("web").map_or(MonitorState::Pending, |m| m.state);
        if state == MonitorState::Up {
            break;
        }
    }
    cancel.cancel();
    let summary = handle.await.unwrap();
    assert_eq!(state, MonitorState::Up);
    assert!(summary.checks >= 1 && summary.down.is_empty());
    let json = serde_json::to_value(&*snaps.borrow()).unwrap();
    assert_eq!(json["monitors"][0]["state"], "UP");
}

/// A monitor with a bad condition is carried by `plan_for` as disabled: the snapshot shows it
/// DISABLED with reason `config` and its line, beside the healthy one that is probed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_disabled_monitor_is_in_every_snapshot_beside_the_probed_ones() {
    let s = http(Behaviour::Fixed(200, r#"{"status":"UP"}"#));
    let text = format!(
        "[environments.local]\n[monitors.web]\nurl = \"{}\"\ninterval = \"50ms\"\n[monitors.bad]\nurl = \"{}\"\nconditions = [\"[STAUTS] == 200\"]\n",
        s.url("/"),
        s.url("/")
    );
    let config = Config::parse(&text, Path::new("flightdeck.toml")).unwrap();
    let plan = flightdeck::health::plan_for(&config, "local", None).unwrap();
    assert_eq!((plan.monitors.len(), plan.disabled.len()), (1, 1));
    let cancel = CancellationToken::new();
    let (mut snaps, _events, handle) = flightdeck::health::spawn(plan, cancel.clone());
    let mut web = MonitorState::Pending;
    for _ in 0..100 {
        if tokio::time::timeout(Duration::from_secs(5), snaps.changed()).await.is_err() {
            break;
        }
        web = snaps.borrow().monitor("web").map_or(MonitorState::Pending, |m| m.state);
        if web == MonitorState::Up {
            break;
        }
    }
    cancel.cancel();
    let summary = handle.await.unwrap();
    let snap = snaps.borrow().clone();
    assert_eq!(web, MonitorState::Up);
    let bad = snap.monitor("bad").unwrap();
    assert_eq!(bad.state, MonitorState::Disabled);
    let why = bad.last_failure.as_ref().unwrap();
    assert_eq!(why.reason.as_str(), "config");
    assert!(
        why.message.starts_with("flightdeck.toml:7: ") && why.message.contains("[STATUS]"),
        "{}",
        why.message
    );
    assert_eq!((snap.summary().up, snap.summary().disabled), (1, 1));
    assert_eq!(summary.disabled, ["bad"]);
}
