//! Exactly-once steps across SIGKILL of the runner (the process that owns the engine): a running
//! step is adopted, a step that ended while flightdeck was down is recorded finished, an unknown
//! non-idempotent step needs `--yes`, a rollback resumes where it stopped, the environment survives,
//! an edited stored plan is refused. After the kill, the next client starts a new runner, which
//! recovers the run itself; `flightdeck resume` follows it (and confirms with `--yes`).

use std::time::{Duration, Instant};

use flightdeck::engine::markers::Markers;

use crate::common::{Project, text};

mod adopt;
mod cancel_crash;
mod confirm;
mod gate_crash;
mod plans;

/// Config with an environment that has its own keys.
const CONFIG: &str =
    "[environments.staging]\nurl = \"https://staging.example\"\nallow_root_approval = true\n";

/// Shell that SIGKILLs the flightdeck process running the step (the step runs in a subshell of the
/// wrapper, so its `$PPID` is the runner).
const KILL_ENGINE: &str = "kill -9 $PPID";

/// Starts a run detached (the client leaves at once, so no client restarts a runner behind the
/// test's back); its id.
fn start(p: &Project, wf: &str, env: Option<&str>) -> String {
    match env {
        Some(e) => start_with(p, &[wf, "--env", e]),
        None => start_with(p, &[wf]),
    }
}

/// `flightdeck run ARGS --detach`; the run's id.
fn start_with(p: &Project, args: &[&str]) -> String {
    let mut all = vec!["run"];
    all.extend_from_slice(args);
    all.push("--detach");
    let out = p.run(&all);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Waits (bounded) until `cond` holds.
fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The pid in `runner.lock`: the runner now, or the last one.
fn runner_pid(p: &Project) -> i32 {
    std::fs::read_to_string(p.home.path().join("runner.lock")).unwrap().trim().parse().unwrap()
}

fn alive(pid: i32) -> bool {
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None).is_ok()
}

/// SIGKILLs the runner; the engine and its bookkeeping die with it, the steps' groups do not.
fn kill_runner(p: &Project) -> i32 {
    let pid = runner_pid(p);
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), nix::sys::signal::Signal::SIGKILL).unwrap();
    wait_until("the runner to die", || !alive(pid));
    pid
}

/// Waits until the runner a step killed is gone.
fn runner_killed_by_step(p: &Project) -> i32 {
    let pid = runner_pid(p);
    wait_until("the step to kill the runner", || !alive(pid));
    pid
}

fn newest_run(p: &Project) -> (String, i64) {
    let conn = rusqlite::Connection::open(p.db()).unwrap();
    conn.query_row("SELECT id, life FROM runs ORDER BY started_at DESC LIMIT 1", [], |r| {
        Ok((r.get(0)?, r.get(1)?))
    })
    .unwrap()
}

/// A client (`flightdeck runs`) starts a new runner, which recovers the run: waits until the
/// recovery began life `life` (or, with `None`, until the new runner logged about `run`).
fn restart_runner(p: &Project, dead: i32, run: &str, life: Option<i64>) {
    let out = p.run(&["runs", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_ne!(runner_pid(p), dead, "no new runner started");
    match life {
        Some(life) => wait_until("the new runner to recover the run", || newest_run(p).1 >= life),
        None => wait_until("the new runner to refuse the run", || {
            runner_log(p).contains(&format!("cannot recover run {run}"))
        }),
    }
}

/// The marker files of execution `tag` of `step` in `run`.
fn markers(p: &Project, run: &str, step: &str, tag: &str) -> Markers {
    Markers::new(&p.home.path().join(format!("logs/{run}/{step}.log")), tag)
}

/// True once the wrapper of execution `tag` of `step` recorded the command's exit status.
fn ended(p: &Project, run: &str, step: &str, tag: &str) -> bool {
    markers(p, run, step, tag).exit_status().is_some()
}

fn status_of(p: &Project, run: &str) -> String {
    let conn = rusqlite::Connection::open(p.db()).unwrap();
    conn.query_row("SELECT status FROM runs WHERE id = ?1", [run], |r| r.get(0)).unwrap()
}

fn runner_log(p: &Project) -> String {
    std::fs::read_to_string(p.home.path().join("runner.log")).unwrap_or_default()
}
