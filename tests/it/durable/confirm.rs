//! A non-idempotent step whose end is unknown after a crash needs a confirmation (`--yes`) before it
//! runs again, also when a runner recovers the run on its own; a refusal costs no life.

use super::{
    CONFIG, KILL_ENGINE, alive, ended, markers, newest_run, restart_runner, runner_killed_by_step, start,
    start_with, status_of, wait_until,
};
use crate::common::{Project, text};

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
