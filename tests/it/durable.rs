//! Exactly-once steps across SIGKILL of the engine process: a running step is adopted, a step that
//! ended while flightdeck was down is recorded finished, an unknown non-idempotent step needs
//! `--yes`, a rollback resumes where it stopped, the environment survives, an edited stored plan is
//! refused; and every kind of audit tampering makes `audit verify` exit 8.

use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use crate::common::{Project, text};

/// Config with an environment that has its own keys.
const CONFIG: &str =
    "[environments.staging]\nurl = \"https://staging.example\"\nallow_root_approval = true\n";

/// Shell that SIGKILLs the flightdeck process running the step (the wrapper's parent).
const KILL_ENGINE: &str = "kill -9 $(cut -d' ' -f4 /proc/$PPID/stat)";

fn start(p: &Project, wf: &str) -> Child {
    p.cmd(&["run", wf, "--json"]).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap()
}

/// Waits (bounded) until `cond` holds.
fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn newest_run(p: &Project) -> (String, i64) {
    let conn = rusqlite::Connection::open(p.db()).unwrap();
    conn.query_row("SELECT id, life FROM runs ORDER BY started_at DESC LIMIT 1", [], |r| {
        Ok((r.get(0)?, r.get(1)?))
    })
    .unwrap()
}

#[test]
fn kill9_while_a_step_runs_then_resume_adopts_it() {
    let wf = r#"
title = "adopt"
[[steps]]
id = "long"
idempotent = false
run = "echo start >> trace; sleep 2; echo end >> trace"
[[steps]]
id = "after"
run = "echo after >> trace"
"#;
    let p = Project::new(CONFIG, &[("adopt.toml", wf)]);
    let mut child = start(&p, "adopt");
    wait_until("the step to start", || p.read("trace").contains("start"));
    child.kill().unwrap();
    child.wait().unwrap();
    let (run, _) = newest_run(&p);
    // Resumed while the step still runs: adopted, no --yes needed, never a second copy.
    let out = p.run(&["resume", &run, "--json"]);
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
    let status = start(&p, "ended").wait().unwrap();
    assert_eq!(status.code(), None, "the engine was not killed");
    let (run, _) = newest_run(&p);
    wait_until("the step's status file", || {
        p.home.path().join(format!("logs/{run}/deploy.1.status")).exists()
    });
    let out = p.run(&["resume", &run, "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(p.read("trace"), "ran\nafter-abc\n");
}

#[test]
fn a_non_idempotent_step_of_unknown_fate_needs_yes_and_a_refusal_costs_no_life() {
    // The first time, the step kills its engine and then its own process group: no status is left.
    let wf = format!(
        r#"
title = "unknown"
[[steps]]
id = "charge"
idempotent = false
run = '''if [ ! -e crashed ]; then touch crashed; {KILL_ENGINE}; kill -9 0; fi; echo charged >> trace'''
"#
    );
    let p = Project::new(CONFIG, &[("unknown.toml", &wf)]);
    start(&p, "unknown").wait().unwrap();
    let (run, life) = newest_run(&p);
    assert_eq!(life, 1);
    let begun = p.home.path().join(format!("logs/{run}/charge.1.begun"));
    wait_until("the step's wrapper to die", || {
        let pid: i32 = std::fs::read_to_string(&begun).unwrap_or_default().trim().parse().unwrap_or(0);
        pid > 0 && nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None).is_err()
    });
    let out = p.run(&["resume", &run]);
    assert_eq!(out.status.code(), Some(8), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--yes"), "{}", text(&out));
    assert_eq!(newest_run(&p).1, 1, "a refused resume consumed a life");
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
    assert_eq!(start(&p, "rb").wait().unwrap().code(), None);
    let (run, _) = newest_run(&p);
    wait_until("the rollback's status file", || {
        p.home.path().join(format!("logs/{run}/two.rollback.status")).exists()
    });
    let out = p.run(&["resume", &run, "--json"]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert_eq!(p.read("trace"), "one\ntwo\nthree\nundo-two\nundo-one\n");
    assert!(String::from_utf8_lossy(&out.stdout).contains("rolled_back"), "{}", text(&out));
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
    let status = p.cmd(&["run", "env", "--env", "staging"]).stdout(Stdio::null()).status().unwrap();
    assert_eq!(status.code(), None);
    let (run, _) = newest_run(&p);
    wait_until("the crash step's end", || p.home.path().join(format!("logs/{run}/crash.1.status")).exists());
    let out = p.run(&["resume", &run]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(
        p.read("trace"),
        "staging/staging/https://staging.example\nstaging/staging/https://staging.example\n"
    );
}

#[test]
fn an_edited_stored_plan_is_refused_and_its_command_never_runs() {
    let wf = format!(
        r#"
title = "plan"
[[steps]]
id = "crash"
run = '''{KILL_ENGINE}; sleep 0.3'''
[[steps]]
id = "after"
run = "echo after >> trace"
"#
    );
    let p = Project::new(CONFIG, &[("plan.toml", &wf)]);
    assert_eq!(start(&p, "plan").wait().unwrap().code(), None);
    let (run, _) = newest_run(&p);
    let conn = rusqlite::Connection::open(p.db()).unwrap();
    let changed = conn
        .execute("UPDATE runs SET plan_json = replace(plan_json, 'echo after', 'touch pwned; echo after') WHERE id = ?1", [&run])
        .unwrap();
    assert_eq!(changed, 1);
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
    let mut child = start(&p, "adoptkill");
    wait_until("the step to start", || p.read("trace").contains("started"));
    child.kill().unwrap();
    child.wait().unwrap();
    let (run, _) = newest_run(&p);
    let begun = p.home.path().join(format!("logs/{run}/long.1.begun"));
    let pgid: i32 = std::fs::read_to_string(begun).unwrap().trim().parse().unwrap();
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
}
