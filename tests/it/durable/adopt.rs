//! Steps running or ended when the runner was killed (`SIGKILL`): a running step is adopted (and killed with
//! its group when the resume is cancelled), a step that ended while flightdeck was down is recorded
//! finished, a rollback resumes where it stopped, the environment survives.

use std::process::Stdio;

use super::{
    CONFIG, KILL_ENGINE, ended, kill_runner, markers, newest_run, restart_runner, runner_killed_by_step,
    start, status_of, wait_until,
};
use crate::common::{Project, events, text};

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
