//! Exactly-once steps across SIGKILL of the runner (the process that owns the engine): a running
//! step is adopted, a step that ended while flightdeck was down is recorded finished, an unknown
//! non-idempotent step needs `--yes`, a rollback resumes where it stopped, the environment survives,
//! an edited stored plan is refused. After the kill, the next client starts a new runner, which
//! recovers the run itself; `flightdeck resume` follows it (and confirms with `--yes`).

use std::process::Stdio;
use std::time::{Duration, Instant};

use flightdeck::engine::markers::Markers;

use crate::common::{Project, events, text};

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

#[test]
fn kill9_while_a_step_runs_then_resume_adopts_it() {
    let wf = r#"
title = "adopt"
[[steps]]
id = "long"
idempotent = false
run = "echo start >> trace; i=0; while [ ! -f go ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done; echo end >> trace"
[[steps]]
id = "after"
run = "echo after >> trace"
"#;
    let p = Project::new(CONFIG, &[("adopt.toml", wf)]);
    let run = start(&p, "adopt", None);
    wait_until("the step to start", || p.read("trace").contains("start"));
    kill_runner(&p);
    assert_eq!(newest_run(&p).0, run);
    // `resume` starts a runner, which recovers the run while the step still runs (it waits for
    // `go`, so a slow machine cannot let it end first): adopted, no --yes needed, never a second
    // copy; `resume` follows it to its end.
    let child = p
        .cmd(&["resume", &run, "--json"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn resume");
    wait_until("the runner to adopt the step", || {
        String::from_utf8_lossy(&p.run(&["log", &run, "--events"]).stdout).contains("adopted")
    });
    std::fs::write(p.path().join("go"), "").expect("write go");
    let out = child.wait_with_output().expect("resume output");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(p.read("trace"), "start\nend\nafter\n");
    assert!(String::from_utf8_lossy(&out.stdout).contains("adopted"), "{}", text(&out));
}

#[test]
fn kill_after_the_step_ended_but_before_its_end_was_committed_records_it_finished() {
    let wf = format!(
        r#"
title = "ended"
[[steps]]
id = "deploy"
idempotent = false
run = '''echo ran >> trace; echo "sha=abc" >> "$FLIGHTDECK_OUTPUT"; {KILL_ENGINE}; sleep 0.3'''
[[steps]]
id = "after"
run = "echo after-{{{{ steps.deploy.outputs.sha }}}} >> trace"
"#
    );
    let p = Project::new(CONFIG, &[("ended.toml", &wf)]);
    let run = start(&p, "ended", None);
    runner_killed_by_step(&p);
    wait_until("the step's recorded status", || ended(&p, &run, "deploy", "1"));
    assert_eq!(status_of(&p, &run), "running", "the runner died, its run was left running");
    let out = p.run(&["resume", &run, "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(p.read("trace"), "ran\nafter-abc\n");
}

/// A step that, the first time, kills its runner and then its own process group: no status is left.
fn unknown_fate(p_title: &str) -> String {
    format!(
        r#"
title = "{p_title}"
[[steps]]
id = "charge"
idempotent = false
run = '''if [ ! -e crashed ]; then touch crashed; {KILL_ENGINE}; kill -9 0; fi; echo charged >> trace'''
"#
    )
}

fn wait_wrapper_dead(p: &Project, run: &str) {
    wait_until("the step's wrapper to die", || {
        let pid = markers(p, run, "charge", "1").begun_pid().unwrap_or(0);
        pid > 0 && !alive(pid)
    });
}

#[test]
fn a_non_idempotent_step_of_unknown_fate_needs_yes_and_a_refusal_costs_no_life() {
    let p = Project::new(CONFIG, &[("unknown.toml", &unknown_fate("unknown"))]);
    let run = start(&p, "unknown", None);
    let dead = runner_killed_by_step(&p);
    assert_eq!(newest_run(&p), (run.clone(), 1));
    wait_wrapper_dead(&p, &run);
    // The next runner recovers the run (its second life), which then waits for a confirmation.
    restart_runner(&p, dead, &run, Some(2));
    for _ in 0..2 {
        let out = p.run(&["resume", &run]);
        assert_eq!(out.status.code(), Some(8), "{}", text(&out));
        assert!(String::from_utf8_lossy(&out.stderr).contains("--yes"), "{}", text(&out));
    }
    assert_eq!(newest_run(&p).1, 2, "a refused resume consumed a life");
    assert_eq!(status_of(&p, &run), "running");
    assert_eq!(p.read("trace"), "");
    let out = p.run(&["resume", &run, "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(p.read("trace"), "charged\n");
    assert_eq!(newest_run(&p).1, 2, "the confirmation started yet another life");
}

#[test]
fn an_unknown_step_is_refused_without_yes_also_when_resume_starts_the_runner() {
    let p = Project::new(CONFIG, &[("unknown2.toml", &unknown_fate("unknown2"))]);
    let run = start(&p, "unknown2", None);
    runner_killed_by_step(&p);
    wait_wrapper_dead(&p, &run);
    // `resume` itself starts the runner that recovers the run: still refused without --yes.
    let out = p.run(&["resume", &run]);
    assert_eq!(out.status.code(), Some(8), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--yes"), "{}", text(&out));
    assert_eq!(p.read("trace"), "");
    let out = p.run(&["resume", &run, "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(p.read("trace"), "charged\n");
}

#[test]
fn a_kill_during_rollback_resumes_the_rollback_where_it_stopped() {
    let wf = format!(
        r#"
title = "rb"
[[steps]]
id = "one"
run = "echo one >> trace"
rollback = "echo undo-one >> trace"
[[steps]]
id = "two"
run = "echo two >> trace"
rollback = '''echo undo-two >> trace; {KILL_ENGINE}; sleep 0.3'''
[[steps]]
id = "three"
run = "echo three >> trace; exit 7"
on_fail = "rollback"
"#
    );
    let p = Project::new(CONFIG, &[("rb.toml", &wf)]);
    let run = start(&p, "rb", None);
    runner_killed_by_step(&p);
    wait_until("the rollback's recorded status", || ended(&p, &run, "two", "rollback"));
    let out = p.run(&["resume", &run, "--json"]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert_eq!(p.read("trace"), "one\ntwo\nthree\nundo-two\nundo-one\n");
    assert!(String::from_utf8_lossy(&out.stdout).contains("rolled_back"), "{}", text(&out));
    assert_eq!(status_of(&p, &run), "rolled_back");
}

#[test]
fn the_environment_is_the_same_after_a_resume() {
    let line = "echo {{ environment.name }}/$FLIGHTDECK_ENV/{{ environment.url }} >> trace";
    let wf = format!(
        r#"
title = "env"
[[steps]]
id = "before"
run = "{line}"
[[steps]]
id = "crash"
run = '''{KILL_ENGINE}; sleep 0.3'''
[[steps]]
id = "after"
run = "{line}"
"#
    );
    let p = Project::new(CONFIG, &[("env.toml", &wf)]);
    let run = start(&p, "env", Some("staging"));
    let dead = runner_killed_by_step(&p);
    wait_until("the crash step's end", || ended(&p, &run, "crash", "1"));
    // The new runner recovers the run on its own, before any `resume`.
    restart_runner(&p, dead, &run, Some(2));
    wait_until("the recovered run to end", || status_of(&p, &run) != "running");
    let out = p.run(&["resume", &run, "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(
        p.read("trace"),
        "staging/staging/https://staging.example\nstaging/staging/https://staging.example\n"
    );
    let started: Vec<_> = events(&out).into_iter().filter(|e| e["event"] == "run_started").collect();
    assert_eq!(started.len(), 2, "{}", text(&out));
    for e in &started {
        assert_eq!(e["environment"], "staging", "{e}");
    }
}

/// A run whose step kills the runner; its stored plan is then edited to run `touch pwned`.
fn edited_plan(title: &str) -> (Project, String, i32) {
    let wf = format!(
        r#"
title = "{title}"
[[steps]]
id = "crash"
run = '''{KILL_ENGINE}; sleep 0.3'''
[[steps]]
id = "after"
run = "echo after >> trace"
"#
    );
    let p = Project::new(CONFIG, &[(&format!("{title}.toml"), &wf)]);
    let run = start(&p, title, None);
    let dead = runner_killed_by_step(&p);
    let conn = rusqlite::Connection::open(p.db()).unwrap();
    let changed = conn
        .execute("UPDATE runs SET plan_json = replace(plan_json, 'echo after', 'touch pwned; echo after') WHERE id = ?1", [&run])
        .unwrap();
    assert_eq!(changed, 1);
    (p, run, dead)
}

#[test]
fn an_edited_stored_plan_is_refused_and_its_command_never_runs() {
    let (p, run, dead) = edited_plan("plan");
    // The new runner refuses to recover it on start...
    restart_runner(&p, dead, &run, None);
    assert!(runner_log(&p).contains("plan"), "{}", runner_log(&p));
    assert!(!p.path().join("pwned").exists(), "the edited command ran");
    assert_eq!(newest_run(&p).1, 1, "a refused recovery consumed a life");
    // ...and so does `resume`.
    let out = p.run(&["resume", &run, "--yes"]);
    assert_eq!(out.status.code(), Some(8), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("plan"), "{}", text(&out));
    assert!(!p.path().join("pwned").exists(), "the edited command ran");
    assert_eq!(newest_run(&p).1, 1, "a refused resume consumed a life");
}

#[test]
fn an_edited_stored_plan_is_refused_when_resume_starts_the_runner() {
    let (p, run, _) = edited_plan("plan2");
    let out = p.run(&["resume", &run, "--yes"]);
    assert_eq!(out.status.code(), Some(8), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("plan"), "{}", text(&out));
    assert!(!p.path().join("pwned").exists(), "the edited command ran");
    assert_eq!(newest_run(&p).1, 1, "a refused resume consumed a life");
}

#[test]
fn cancelling_a_resume_kills_the_adopted_group() {
    let wf = r#"
title = "adoptkill"
[[steps]]
id = "long"
run = '''sh -c 'trap "" TERM; sleep 60' & echo started >> trace; sleep 60; echo end >> trace'''
"#;
    let p = Project::new(CONFIG, &[("adoptkill.toml", wf)]);
    let run = start(&p, "adoptkill", None);
    wait_until("the step to start", || p.read("trace").contains("started"));
    kill_runner(&p);
    let pgid: i32 = markers(&p, &run, "long", "1").begun_pid().expect("the wrapper recorded its pid");
    let mut resume = p.cmd(&["resume", &run, "--json"]).stdout(Stdio::piped()).spawn().unwrap();
    let lines = std::io::BufRead::lines(std::io::BufReader::new(resume.stdout.take().unwrap()));
    let mut adopted = false;
    let mut lines = lines.map_while(Result::ok);
    for line in lines.by_ref() {
        if line.contains("adopted") {
            adopted = true;
            break;
        }
    }
    assert!(adopted, "the resume did not adopt the live step");
    let group = nix::unistd::Pid::from_raw(pgid);
    assert!(nix::sys::signal::killpg(group, None).is_ok(), "the step's group died before the cancel");
    let resumer = nix::unistd::Pid::from_raw(i32::try_from(resume.id()).unwrap());
    nix::sys::signal::kill(resumer, nix::sys::signal::Signal::SIGTERM).unwrap();
    let rest: Vec<String> = lines.collect();
    assert_eq!(resume.wait().unwrap().code(), Some(5), "{rest:?}");
    wait_until("the adopted group to be gone", || nix::sys::signal::killpg(group, None).is_err());
    assert_eq!(p.read("trace"), "started\n", "the step ran to its end");
    assert_eq!(status_of(&p, &run), "cancelled");
}

#[test]
fn a_runner_recovering_a_run_started_with_yes_still_asks_before_a_rerun() {
    // The `--yes` given when the run started was given before the crash: it confirms nothing now.
    let p = Project::new(CONFIG, &[("unknown3.toml", &unknown_fate("unknown3"))]);
    let run = start_with(&p, &["unknown3", "--yes"]);
    let dead = runner_killed_by_step(&p);
    wait_wrapper_dead(&p, &run);
    restart_runner(&p, dead, &run, Some(2));
    let out = p.run(&["resume", &run]);
    assert_eq!(out.status.code(), Some(8), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--yes"), "{}", text(&out));
    assert_eq!(p.read("trace"), "", "the recovered run re-ran the step unconfirmed");
    let out = p.run(&["resume", &run, "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(p.read("trace"), "charged\n");
}

#[test]
fn a_recovered_run_keeps_its_own_options_and_fails_without_waiting_at_a_menu() {
    // Started without a terminal: after the runner's recovery a failing step ends the run as it
    // would have in its first life, instead of waiting for a failure choice nobody can give.
    let wf = format!(
        r#"
title = "fails"
[[steps]]
id = "crash"
run = '''{KILL_ENGINE}; sleep 0.3'''
[[steps]]
id = "bad"
run = "echo bad >> trace; exit 3"
"#
    );
    let p = Project::new(CONFIG, &[("fails.toml", &wf)]);
    let run = start(&p, "fails", None);
    let dead = runner_killed_by_step(&p);
    wait_until("the crash step's end", || ended(&p, &run, "crash", "1"));
    restart_runner(&p, dead, &run, Some(2));
    wait_until("the recovered run to fail", || status_of(&p, &run) == "failed");
    assert_eq!(p.read("trace"), "bad\n");
}

#[test]
fn a_long_history_of_large_plans_still_lists() {
    // The crash script's 178th run broke `flightdeck runs`: the list carried every stored plan and
    // outgrew the 4 MiB message limit. 200 copies of a run with a 30 kB plan make 6 MB of plans.
    let p = Project::new(CONFIG, &[("one.toml", "title = \"one\"\n[[steps]]\nid = \"a\"\nrun = \"true\"\n")]);
    let out = p.run(&["run", "one"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let conn = rusqlite::Connection::open(p.db()).unwrap();
    conn.execute_batch(
        "CREATE TEMP TABLE t AS SELECT * FROM runs;
         UPDATE t SET plan_json = plan_json || replace(hex(zeroblob(15000)), '0', ' ');",
    )
    .unwrap();
    for i in 0..200 {
        conn.execute("UPDATE t SET id = ?1", [format!("copy-{i:03}")]).unwrap();
        conn.execute("INSERT INTO runs SELECT * FROM t", []).unwrap();
    }
    let out = p.run(&["runs", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v.as_array().map(Vec::len), Some(20), "{}", text(&out));
}
