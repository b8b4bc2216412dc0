//! `flightdeck load` and `load::run` against real servers on 127.0.0.1: counts, status
//! distribution, error classes, thresholds, abort-on-fail, baselines, and the open model reporting
//! a 1 s server stall that the closed model hides (coordinated omission).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use flightdeck::load::{self, LoadSpec, Snapshot};
use serde_json::Value;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::common::Project;
use crate::load_servers::{self, http, http2, refused_url, resetting};

fn fast() -> load_servers::Server {
    http(|_| (200, Duration::ZERO))
}

/// Runs `flightdeck load ARGS --json`; returns the exit code and the parsed JSON.
fn load_json(p: &Project, args: &[&str]) -> (i32, Value) {
    let mut all = vec!["load"];
    all.extend_from_slice(args);
    all.push("--json");
    let out = p.run(&all);
    let text = String::from_utf8_lossy(&out.stdout);
    let json = serde_json::from_str(&text).unwrap_or_else(|e| {
        panic!("no JSON ({e}): {text}\nstderr: {}", String::from_utf8_lossy(&out.stderr))
    });
    (out.status.code().unwrap_or(-1), json)
}

fn stats(j: &Value) -> &Value {
    &j["flightdeck"]["stats"]
}

#[test]
fn counts_every_request_exactly() {
    let s = fast();
    let p = Project::new("", &[]);
    let (code, j) = load_json(&p, &[&s.url(), "-n", "200", "-c", "4", "--threads", "2"]);
    assert_eq!(code, 0);
    assert_eq!(stats(&j)["requests"], 200);
    assert_eq!(j["statusCodeDistribution"]["200"], 200);
    assert_eq!(s.served.load(Ordering::SeqCst), 200, "the server saw exactly the requests counted");
    assert!(j["summary"]["requestsPerSec"].as_f64().unwrap() > 0.0);
    assert!(j["latencyPercentiles"]["p99"].as_f64().unwrap() > 0.0);
}

#[test]
fn http2_counts_and_statuses() {
    let s = http2(|n| (if n % 5 == 4 { 404 } else { 200 }, Duration::ZERO));
    let p = Project::new("", &[]);
    let (code, j) = load_json(&p, &[&s.url(), "--http2", "-n", "50", "-c", "2", "-m", "POST", "-d", "{}"]);
    assert_eq!(code, 0, "{j}");
    assert_eq!(j["statusCodeDistribution"]["200"], 40, "{j}");
    assert_eq!(j["statusCodeDistribution"]["404"], 10, "{j}");
    assert_eq!(s.served.load(Ordering::SeqCst), 50);
    assert_eq!(j["flightdeck"]["http2"], true);
}

#[test]
fn status_distribution_and_error_rate_thresholds() {
    // Every fourth request is a 503.
    let s = http(|n| (if n % 4 == 3 { 503 } else { 200 }, Duration::ZERO));
    let p = Project::new("", &[]);
    let (code, j) = load_json(&p, &[&s.url(), "-n", "100", "-c", "1", "--threshold", "error_rate < 1%"]);
    assert_eq!(j["statusCodeDistribution"]["200"], 75);
    assert_eq!(j["statusCodeDistribution"]["503"], 25);
    assert!((stats(&j)["error_rate"].as_f64().unwrap() - 0.25).abs() < 1e-9);
    assert_eq!(code, 7, "a failed threshold exits 7");
    assert_eq!(stats(&j)["verdicts"][0]["passed"], false);
    let (code, j) = load_json(
        &p,
        &[&s.url(), "-n", "40", "-c", "2", "--threshold", "error_rate < 30%", "--threshold", "p99 < 5s"],
    );
    assert_eq!(code, 0, "{j}");
    assert_eq!(j["flightdeck"]["passed"], true, "the verdict is flightdeck's own figure");
}

#[test]
fn classifies_refused_timeout_and_reset() {
    let p = Project::new("", &[]);
    let (refused, _held) = refused_url();
    let (_, j) = load_json(&p, &[&refused, "-n", "5", "-c", "1"]);
    assert_eq!(j["errorDistribution"]["refused"], 5, "{j}");

    let slow = http(|_| (200, Duration::from_secs(3)));
    let (_, j) = load_json(&p, &[&slow.url(), "-n", "2", "-c", "1", "--timeout", "200ms"]);
    assert_eq!(j["errorDistribution"]["timeout"], 2, "{j}");

    let reset = resetting();
    let (_, j) = load_json(&p, &[&format!("http://{}/", reset.addr), "-n", "3", "-c", "1"]);
    assert_eq!(j["errorDistribution"]["reset"], 3, "{j}");
    assert_eq!(stats(&j)["responses"], 0);
}

#[test]
fn abort_on_fail_stops_early() {
    let s = http(|_| (200, Duration::from_millis(20)));
    let p = Project::new("", &[]);
    let (code, j) = load_json(&p, &[&s.url(), "-z", "60s", "-c", "2", "--threshold", "p50 < 1ms abort"]);
    assert_eq!(code, 7);
    assert_eq!(j["flightdeck"]["ended"]["reason"], "aborted");
    assert_eq!(j["flightdeck"]["ended"]["detail"], "p50 < 1ms abort");
    // Stopped by the abort, before the 60 s planned (no bound tighter than the plan itself).
    assert!(stats(&j)["elapsed_s"].as_f64().unwrap() < 60.0, "{j}");
}

#[test]
fn baseline_comparison_flags_a_regression() {
    let delay_ms = Arc::new(AtomicU64::new(0));
    let d = Arc::clone(&delay_ms);
    let s = http(move |_| (200, Duration::from_millis(d.load(Ordering::SeqCst))));
    let p = Project::new("", &[]);
    let (code, _) = load_json(&p, &[&s.url(), "-n", "300", "-c", "2", "--save-baseline", "fast"]);
    assert_eq!(code, 0);
    let (code, j) =
        load_json(&p, &[&s.url(), "-n", "300", "-c", "2", "--baseline", "fast", "--tolerance", "1000"]);
    assert_eq!(code, 0, "within a 1000% tolerance: {j}");
    assert_eq!(j["flightdeck"]["comparison"]["regressed"], false);
    delay_ms.store(30, Ordering::SeqCst);
    let (code, j) = load_json(&p, &[&s.url(), "-n", "40", "-c", "2", "--baseline", "fast"]);
    assert_eq!(code, 7, "30 ms per request is a regression: {j}");
    let deltas = j["flightdeck"]["comparison"]["deltas"].as_array().unwrap();
    let p50 = deltas.iter().find(|d| d["metric"] == "p50").unwrap();
    assert_eq!(p50["regressed"], true);
    let out = p.run(&["load", &s.url(), "-n", "1", "--baseline", "nope"]);
    assert_eq!(out.status.code(), Some(2), "an unknown baseline is a usage error");
    assert!(String::from_utf8_lossy(&out.stderr).contains("no load baseline named \"nope\""));
}

/// A server that stalls every request for 1 s once (like a GC pause) after `after` requests.
fn stalling(after: u64) -> load_servers::Server {
    let start = Instant::now();
    let pause_until = Arc::new(std::sync::Mutex::new(None::<Instant>));
    http(move |n| {
        let mut until = pause_until.lock().unwrap();
        if n == after {
            *until = Some(Instant::now() + Duration::from_secs(1));
        }
        let wait = until.map_or(Duration::ZERO, |u| u.saturating_duration_since(Instant::now()));
        let _ = start;
        (200, wait)
    })
}

async fn run_spec(spec: LoadSpec) -> load::Report {
    let (tx, _rx) = watch::channel(Snapshot::default());
    load::run(spec.plan().unwrap(), tx, CancellationToken::new()).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_model_reports_a_one_second_stall() {
    let s = stalling(50);
    let spec = LoadSpec {
        url: s.url(),
        connections: Some(10),
        rate: Some(100.0),
        requests: Some(300),
        threads: Some(1),
        ..LoadSpec::default()
    };
    let open = run_spec(spec.clone()).await.stats;
    let s2 = stalling(50);
    let closed = run_spec(LoadSpec { url: s2.url(), rate: None, ..spec }).await.stats;
    assert_eq!((open.requests, closed.requests), (300, 300));
    // Every bound below holds however slow the machine is (slowness only adds latency): the
    // server holds each request for at least the rest of the 1 s stall. The open model schedules
    // a request every 10 ms from the start, so the ~50 due in the stall's first 500 ms (1/6 of
    // 300, more than p90's 1/10) wait at least 500 ms from their intended send time. The closed
    // model sent none of them: only its 10 connections' requests stalled (1/30, above p90).
    assert!(open.latency.max >= 900.0, "open max {}", open.latency.max);
    assert!(open.latency.p90 >= 500.0, "open p90 {} should show the stall", open.latency.p90);
    assert!(closed.latency.max >= 900.0, "the closed model saw the stall too: {}", closed.latency.max);
    assert!(closed.latency.p90 < 500.0, "closed p90 {} hides the stall", closed.latency.p90);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshots_are_published_while_running_and_the_last_is_final() {
    let s = fast();
    // Runs until cancelled: the test cancels once it has seen three running snapshots with growing
    // counts (events, not a count per second of wall clock), or after a generous 60 s deadline.
    let spec =
        LoadSpec { url: s.url(), connections: Some(2), duration: Some("10m".into()), ..LoadSpec::default() };
    let (tx, mut rx) = watch::channel(Snapshot::default());
    let cancel = CancellationToken::new();
    let run = tokio::spawn(load::run(spec.plan().unwrap(), tx, cancel.clone()));
    let mut counts: Vec<u64> = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while counts.len() < 3 {
        let changed = tokio::time::timeout_at(deadline, rx.changed()).await;
        assert!(matches!(changed, Ok(Ok(()))), "only {} running snapshots: {counts:?}", counts.len());
        let snap = rx.borrow_and_update().clone();
        assert!(!snap.finished, "finished before it was cancelled");
        if snap.requests > counts.last().copied().unwrap_or(0) {
            counts.push(snap.requests);
        }
    }
    cancel.cancel();
    let report = tokio::time::timeout(Duration::from_secs(60), run).await.unwrap().unwrap().unwrap();
    assert!(report.stats.finished, "the report is final");
    assert!(rx.borrow().finished, "the last snapshot published is final");
    assert!(report.stats.requests >= counts[2], "final {} < running {counts:?}", report.stats.requests);
    assert!(!report.stats.series.is_empty(), "a per-second series");
    assert_eq!(report.stats.status.get(&200).copied(), Some(report.stats.responses));
}
