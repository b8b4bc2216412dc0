//! Headless runs of small workflows: order, rollback, retries, timeouts, outputs and quoting,
//! dry runs, cancellation.

use crate::common::{LOCAL, Project, events, text};

const THREE_STEPS: &str = r#"
title = "Three steps, the third fails"
[[steps]]
id = "one"
run = "echo one >> trace"
rollback = "echo undo-one >> trace"

[[steps]]
id = "two"
run = "echo two >> trace"
rollback = "echo undo-two >> trace"

[[steps]]
id = "three"
run = "echo three >> trace; exit 7"
on_fail = "rollback"
"#;

#[test]
fn third_step_fails_and_rollbacks_run_newest_first() {
    let p = Project::new(LOCAL, &[("three.toml", THREE_STEPS)]);
    let out = p.run(&["run", "three", "--json"]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert_eq!(p.read("trace"), "one\ntwo\nthree\nundo-two\nundo-one\n");
    let ev = events(&out);
    let started = ev.iter().find(|e| e["event"] == "rollback_started").expect("rollback_started event");
    assert_eq!(started["steps"], serde_json::json!(["two", "one"]));
    let last = ev.last().unwrap();
    assert_eq!(last["event"], "run_finished");
    assert_eq!(last["status"], "rolled_back");
    let failed = ev.iter().find(|e| e["event"] == "step_finished" && e["step"] == "three").unwrap();
    assert_eq!(failed["exit_code"], 7);
}

#[test]
fn retries_with_backoff_then_succeeds() {
    let wf = r#"
title = "flaky"
[[steps]]
id = "flaky"
run = "test -f marker || { touch marker; echo first try fails; exit 1; }"
retries = { count = 2, backoff = "10ms" }
"#;
    let p = Project::new(LOCAL, &[("flaky.toml", wf)]);
    let out = p.run(&["run", "flaky", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let ev = events(&out);
    assert_eq!(ev.iter().filter(|e| e["event"] == "step_retrying").count(), 1);
    let done = ev.iter().find(|e| e["event"] == "step_finished").unwrap();
    assert_eq!(done["attempt"], 2);
    assert_eq!(done["status"], "succeeded");
}

/// A step whose grandchild ignores SIGTERM: only a SIGKILL to the whole group stops it.
const STUBBORN: &str = r#"run = '''sh -c 'trap "" TERM; echo $$ > gc.tmp; mv gc.tmp gc.pid; sleep 30; touch gc-finished' & while [ ! -e gc.pid ]; do sleep 0.01; done; echo ready; sleep 30; touch finished'''"#;

/// Asserts the process group recorded for `step` of the newest run is gone (`kill -0 -PGID` fails),
/// polling a bounded while for the kernel to finish reaping.
fn assert_step_group_gone(p: &Project, step: &str) {
    let conn = rusqlite::Connection::open(p.db()).unwrap();
    let pgid: i32 = conn
        .query_row(
            "SELECT pgid FROM steps WHERE step = ?1 AND run = (SELECT id FROM runs ORDER BY started_at DESC LIMIT 1)",
            [step],
            |r| r.get(0),
        )
        .unwrap();
    assert!(pgid > 1, "no process group recorded for {step}");
    let gone = || nix::sys::signal::killpg(nix::unistd::Pid::from_raw(pgid), None).is_err();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !gone() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(gone(), "process group {pgid} of step {step} is still alive");
    let gc: i32 = p.read("gc.pid").trim().parse().expect("the grandchild wrote its pid");
    assert!(
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(gc), None).is_err(),
        "grandchild {gc} survived"
    );
}

#[test]
fn timeout_fails_the_step_and_kills_it() {
    let wf = format!("title = \"slow\"\n[[steps]]\nid = \"slow\"\n{STUBBORN}\ntimeout = \"2s\"\n");
    let p = Project::new(LOCAL, &[("slow.toml", &wf)]);
    let t = std::time::Instant::now();
    let out = p.run(&["run", "slow"]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("timed out after 2.0s"), "{}", text(&out));
    assert!(t.elapsed().as_secs() < 20, "the sleep was not killed");
    assert!(!p.path().join("finished").exists());
    assert_step_group_gone(&p, "slow");
}

#[test]
fn outputs_params_and_quoting_reach_later_steps() {
    let wf = r#"
title = "outputs"
[params.who]
default = "it's me; rm -rf /"

[[steps]]
id = "produce"
run = "echo \"sha=abc123\" >> \"$FLIGHTDECK_OUTPUT\"; echo \"$FLIGHTDECK_PARAM_WHO\" > env.txt"

[[steps]]
id = "consume"
run = "printf '%s|%s' {{ steps.produce.outputs.sha }} {{ params.who }} > out.txt"
"#;
    let p = Project::new(LOCAL, &[("outputs.toml", wf)]);
    let out = p.run(&["run", "outputs"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(p.read("out.txt"), "abc123|it's me; rm -rf /");
    assert_eq!(p.read("env.txt"), "it's me; rm -rf /\n");
}

#[test]
fn dry_run_runs_only_dry_run_commands() {
    let wf = r#"
title = "dry"
[[steps]]
id = "change"
run = "touch changed"
dry_run = "echo would change > dry.txt"

[[steps]]
id = "other"
run = "touch other"
"#;
    let p = Project::new(LOCAL, &[("dry.toml", wf)]);
    let out = p.run(&["run", "dry", "--dry-run", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(!p.path().join("changed").exists() && !p.path().join("other").exists());
    assert_eq!(p.read("dry.txt"), "would change\n");
    let ev = events(&out);
    let other = ev.iter().find(|e| e["event"] == "step_finished" && e["step"] == "other").unwrap();
    assert_eq!(other["status"], "skipped");
}

#[test]
fn when_skips_steps() {
    let wf = r#"
title = "when"
[params.fast]
type = "bool"
default = false

[[steps]]
id = "slow_path"
when = "not params.fast"
run = "echo slow >> trace"

[[steps]]
id = "prod_only"
when = "environment.production"
run = "echo prod >> trace"
"#;
    let p = Project::new(LOCAL, &[("when.toml", wf)]);
    let out = p.run(&["run", "when"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(p.read("trace"), "slow\n");
    let out = p.run(&["run", "when", "-p", "fast=true"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(p.read("trace"), "slow\n");
}

#[test]
fn sigterm_cancels_and_kills_the_step_group() {
    let wf = format!("title = \"long\"\n[[steps]]\nid = \"long\"\n{STUBBORN}\n");
    let p = Project::new(LOCAL, &[("long.toml", &wf)]);
    let mut child = p.cmd(&["run", "long", "--json"]).stdout(std::process::Stdio::piped()).spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = std::io::BufRead::lines(std::io::BufReader::new(stdout));
    let mut seen_start = false;
    for line in lines.by_ref() {
        // The step logs `ready` once its SIGTERM-trapping grandchild is running.
        if line.unwrap().contains("\"ready\"") {
            seen_start = true;
            break;
        }
    }
    assert!(seen_start);
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(i32::try_from(child.id()).unwrap()),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(5), "{rest:?}");
    assert!(rest.iter().any(|l| l.contains("\"cancelled\"")), "{rest:?}");
    assert!(!p.path().join("finished").exists());
    assert_step_group_gone(&p, "long");
}

#[test]
fn bad_parameter_is_a_usage_error() {
    let wf = "title = \"p\"\n[params.version]\nrequired = true\npattern = '[0-9]+\\.[0-9]+\\.[0-9]+'\n[[steps]]\nid = \"s\"\nrun = \"true\"\n";
    let p = Project::new(LOCAL, &[("p.toml", wf)]);
    let out = p.run(&["run", "p", "-p", "version=banana"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not match"), "{}", text(&out));
    let out = p.run(&["run", "nope"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
}

/// Issue 14: a task such as `execute-migration` runs on its own, its inputs given as parameters.
#[test]
fn a_task_runs_on_its_own() {
    let p = Project::new(LOCAL, &[]);
    std::fs::create_dir_all(p.path().join("m")).unwrap();
    std::fs::write(p.path().join("m/0001_init.sql"), "CREATE TABLE t (x INTEGER);\n").unwrap();
    let out = p.run(&["run", "execute-migration", "-p", "database=app.db", "-p", "migrations=m", "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let n: i64 = rusqlite::Connection::open(p.path().join("app.db"))
        .unwrap()
        .query_row("SELECT COUNT(*) FROM sqlite_master WHERE name = 't'", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 1, "the migration was not applied");
    let out = p.run(&["run", "execute-migraton", "--yes"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("did you mean \"execute-migration\"?"),
        "{}",
        text(&out)
    );
}
