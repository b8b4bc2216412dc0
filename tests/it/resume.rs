//! Crash safety: a headless run killed with SIGKILL mid-step is found interrupted, and `resume`
//! finishes it without re-running finished steps; the journal shows both lives.

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use crate::common::{LOCAL, Project, text};

const WF: &str = r#"
title = "crash"
[[steps]]
id = "first"
run = "echo first >> trace"

[[steps]]
id = "second"
# Waits (at most 60 s) for the test to create `go`, so it is mid-flight however slow the machine.
run = "echo second-start >> trace; i=0; while [ ! -f go ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done; echo second-end >> trace"

[[steps]]
id = "third"
run = "echo third >> trace"
"#;

#[test]
#[allow(clippy::too_many_lines)]
fn sigkill_mid_step_then_resume_completes_without_rerunning_finished_steps() {
    let p = Project::new(LOCAL, &[("crash.toml", WF)]);
    let mut child = p.cmd(&["run", "crash", "--json"]).stdout(Stdio::piped()).spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let run = loop {
        let line = lines.next().expect("the run ended before its second step").unwrap();
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        if v["event"] == "step_started" && v["step"] == "second" {
            break v["run"].as_str().unwrap().to_string();
        }
    };
    // The step is reported started once its process exists; wait until it is visibly mid-flight.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !p.read("trace").contains("second-start") {
        assert!(std::time::Instant::now() < deadline, "the second step never started: {}", p.read("trace"));
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    // The pid and group are recorded just after the spawn, by the store's writer thread; wait for
    // them so the simulated machine crash below knows which group to kill.
    let conn = rusqlite::Connection::open(p.db()).unwrap();
    let pgid_of_second = || -> Option<i32> {
        conn.query_row("SELECT pgid FROM steps WHERE run = ?1 AND step = 'second'", [&run], |r| r.get(0))
            .ok()
            .flatten()
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let pgid = loop {
        if let Some(pgid) = pgid_of_second() {
            break pgid;
        }
        assert!(std::time::Instant::now() < deadline, "the second step's process group was never recorded");
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    assert!(pgid > 1, "implausible process group {pgid}");
    // The runner dies (SIGKILL: no chance to clean up); the client goes with it.
    let runner_pid: i32 =
        std::fs::read_to_string(p.home.path().join("runner.lock")).unwrap().trim().parse().unwrap();
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(runner_pid), nix::sys::signal::Signal::SIGKILL)
        .unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    // The machine "crashed": the step's own process group dies too.
    let _ = nix::sys::signal::killpg(nix::unistd::Pid::from_raw(pgid), nix::sys::signal::Signal::SIGKILL);
    std::thread::sleep(std::time::Duration::from_millis(200));

    // The next client starts a runner, which recovers the run: the step's fate is unknown and it
    // is not idempotent, so the run waits for a confirmation instead of running it again.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let runs = p.run(&["runs", "--json"]);
        let v: serde_json::Value = serde_json::from_slice(&runs.stdout).unwrap();
        if v[0]["status"] == "running" {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the run was not recovered: {}", text(&runs));
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(p.read("trace"), "first\nsecond-start\n", "a step ran before anyone confirmed");

    // Without --yes and without a terminal, resume refuses.
    let out = p.run(&["resume", &run]);
    assert_eq!(out.status.code(), Some(8), "{}", text(&out));

    // The re-run step no longer needs to wait for anything.
    std::fs::write(p.path().join("go"), "").unwrap();
    let out = p.run(&["resume", &run, "--yes", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(p.read("trace"), "first\nsecond-start\nsecond-start\nsecond-end\nthird\n");

    let journal = p.run(&["log", &run, "--events"]);
    let seen_lives: std::collections::BTreeSet<i64> = String::from_utf8_lossy(&journal.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|e| e["life"].as_i64())
        .collect();
    assert!(seen_lives.contains(&1) && seen_lives.len() >= 2, "journal lives: {seen_lives:?}");
    let started: Vec<String> = String::from_utf8_lossy(&journal.stdout)
        .lines()
        .filter(|l| l.contains("\"step_started\""))
        .map(str::to_string)
        .collect();
    assert_eq!(started.iter().filter(|l| l.contains("\"first\"")).count(), 1, "first ran twice");
}
