//! Detach and attach: closing a client leaves its run going, Ctrl-C on a foreground `run` cancels
//! it, and a client that reattaches from its cursor gets every event exactly once. The runner is
//! started on demand by the first client, as on a laptop.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::common::{LOCAL, Project, text};

const WAITS: &str = r#"
title = "waits"
[[steps]]
id = "wait"
run = "echo waiting; i=0; while [ ! -e go ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done; [ -e go ]; echo done"

[[steps]]
id = "after"
run = "echo after >> trace"
"#;

const CHATTY: &str = r#"
title = "chatty"
[[steps]]
id = "talk"
run = "for i in $(seq 1 200); do echo line $i; done; i=0; while [ ! -e go ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done; for i in $(seq 201 400); do echo line $i; done"

[[steps]]
id = "more"
run = "echo more"
"#;

fn status_of(p: &Project, run: &str) -> String {
    let out = p.run(&["runs", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    v.as_array()
        .and_then(|a| a.iter().find(|r| r["id"] == run))
        .and_then(|r| r["status"].as_str().map(str::to_string))
        .unwrap_or_default()
}

fn wait_status(p: &Project, run: &str, want: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let now = status_of(p, run);
        if now == want {
            return;
        }
        assert!(Instant::now() < deadline, "run {run} did not reach {want} (it is {now:?})");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Spawns a foreground `run --json` and reads until its `wait` step printed; the child and run id.
fn start_foreground(p: &Project) -> (std::process::Child, String) {
    let mut child =
        p.cmd(&["run", "waits", "--json"]).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let run = loop {
        let line = lines.next().expect("the run ended before its step printed").unwrap();
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        if v["event"] == "step_log" && v["line"] == "waiting" {
            break v["run"].as_str().unwrap().to_string();
        }
    };
    (child, run)
}

#[test]
fn closing_a_client_mid_run_does_not_cancel_the_run() {
    let p = Project::new(LOCAL, &[("waits.toml", WAITS)]);
    let (mut child, run) = start_foreground(&p);
    // The terminal goes away: SIGHUP, then SIGKILL for good measure.
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id().cast_signed()),
        nix::sys::signal::Signal::SIGHUP,
    )
    .unwrap();
    let _ = child.kill();
    child.wait().unwrap();
    std::fs::write(p.path().join("go"), "").unwrap();
    wait_status(&p, &run, "succeeded");
    assert_eq!(p.read("trace"), "after\n");
}

#[test]
fn ctrl_c_on_a_foreground_run_cancels_it() {
    let p = Project::new(LOCAL, &[("waits.toml", WAITS)]);
    let (mut child, run) = start_foreground(&p);
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id().cast_signed()),
        nix::sys::signal::Signal::SIGINT,
    )
    .unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(5), "a cancelled run exits 5");
    wait_status(&p, &run, "cancelled");
    assert_eq!(p.read("trace"), "");
}

/// A raw protocol client: hello, then one request.
fn raw(p: &Project, request: &serde_json::Value) -> (BufReader<UnixStream>, UnixStream) {
    let sock = p.home.path().join("runner.sock");
    let stream = UnixStream::connect(&sock).unwrap();
    let mut w = stream.try_clone().unwrap();
    let mut r = BufReader::new(stream);
    writeln!(w, "{}", serde_json::json!({ "protocol": 1, "client": "test" })).unwrap();
    let mut line = String::new();
    r.read_line(&mut line).unwrap();
    let welcome: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(welcome["response"], "welcome", "{line}");
    writeln!(w, "{request}").unwrap();
    (r, w)
}

/// Reads responses until `Ended`, or `limit` events; the events' (life, seq).
fn read_events(r: &mut BufReader<UnixStream>, limit: usize) -> (Vec<(u64, u64)>, bool) {
    let mut seen = Vec::new();
    let mut line = String::new();
    while seen.len() < limit {
        line.clear();
        if r.read_line(&mut line).unwrap() == 0 {
            return (seen, false);
        }
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        match v["response"].as_str() {
            Some("event") => {
                seen.push((v["event"]["life"].as_u64().unwrap(), v["event"]["seq"].as_u64().unwrap()));
            }
            Some("ended") => return (seen, true),
            other => panic!("unexpected response {other:?}: {line}"),
        }
    }
    (seen, false)
}

#[test]
fn a_reattaching_client_gets_every_event_exactly_once() {
    let p = Project::new(LOCAL, &[("chatty.toml", CHATTY)]);
    let out = p.run(&["run", "chatty", "--detach"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let run = String::from_utf8_lossy(&out.stdout).trim().to_string();
    // One client follows from the start to the end without a break.
    let (mut whole_r, _whole_w) =
        raw(&p, &serde_json::json!({ "request": "attach", "run": run, "from": null }));
    // Another reads 50 events, leaves, and comes back from its cursor.
    let (mut r, w) = raw(&p, &serde_json::json!({ "request": "attach", "run": run, "from": null }));
    let (first, ended) = read_events(&mut r, 50);
    assert!(!ended && first.len() == 50);
    drop((r, w));
    std::fs::write(p.path().join("go"), "").unwrap();
    let (life, seq) = *first.last().unwrap();
    let from = serde_json::json!({ "life": life, "seq": seq });
    let (mut r, _w) = raw(&p, &serde_json::json!({ "request": "attach", "run": run, "from": from }));
    let (rest, ended) = read_events(&mut r, usize::MAX);
    assert!(ended, "the second attach did not end with the run");
    let (whole, ended) = read_events(&mut whole_r, usize::MAX);
    assert!(ended);
    let joined: Vec<(u64, u64)> = first.iter().chain(&rest).copied().collect();
    assert_eq!(joined, whole, "the reattached stream differs from the unbroken one");
    let expected: Vec<(u64, u64)> = (1..=whole.len() as u64).map(|s| (1, s)).collect();
    assert_eq!(whole, expected, "a gap or a duplicate in the sequence numbers");
    assert!(whole.len() > 400, "log lines are missing: {} events", whole.len());
}

/// A short step can end before `flightdeck run` attaches: a client attaching just after the run
/// ended still gets its log lines (they are not journaled; the runner keeps an ended run's events
/// for a while). Without that, `run` printed the step's start and failure but not its output.
#[test]
fn a_client_attaching_just_after_the_run_ended_gets_its_log_lines() {
    const QUICK: &str =
        "title = \"quick\"\n[[steps]]\nid = \"quick\"\nrun = \"echo said-before-failing >&2; exit 1\"\n";
    let p = Project::new(LOCAL, &[("quick.toml", QUICK)]);
    let out = p.run(&["run", "quick", "--detach"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let run = String::from_utf8_lossy(&out.stdout).trim().to_string();
    wait_status(&p, &run, "failed");
    let out = p.run(&["attach", &run]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert!(text(&out).contains("said-before-failing"), "the step's output is missing: {}", text(&out));
    let out = p.run(&["attach", &run, "--json"]);
    let logs = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.contains(r#""line":"said-before-failing""#))
        .count();
    assert_eq!(logs, 1, "the line arrives once: {}", text(&out));
}
