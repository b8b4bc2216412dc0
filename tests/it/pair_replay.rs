//! A colleague looks at a run later, or after the runner died: output lines are not journaled,
//! so a run shown from the journal must get them from the step logs. `flightdeck attach` of an
//! ended run after its runner exited, and the console opening it from the runs list, show the
//! log (sanitised). After the runner is killed with SIGKILL mid-step and restarted, a console
//! that followed the run all along, a console opened after the restart and a late `attach` each
//! show every line of the adopted step exactly once.

use std::time::{Duration, Instant};

use crate::common::{Project, text};
use crate::e2e_tmux::Tmux;

const HELLO: &str = r#"
title = "hello"
[[steps]]
id = "hello"
run = "echo hello-from-step; printf '\\033]0;pwned\\007evil-title\\n'; echo second-line"

[[steps]]
id = "flaky"
retries = 1
run = "if [ -e tried ]; then echo second-try; else touch tried; echo first-try; exit 1; fi"

[[steps]]
id = "bye"
run = "echo bye-line"
"#;

const SLOW: &str = r#"
title = "slow"
[[steps]]
id = "first"
run = "echo first-line"

[[steps]]
id = "count"
run = "for i in 1 2 3 4 5; do echo line-$i; done; i=0; while [ ! -e go ] && [ $i -lt 1200 ]; do sleep 0.05; i=$((i+1)); done; [ -e go ]; echo after-go"

[[steps]]
id = "last"
run = "echo last-line"
"#;

fn project(workflows: &[(&str, &str)]) -> Project {
    Project::new("project = \"pair\"\n[environments.local]\nallow_root_approval = true\n", workflows)
}

fn runner_pid(p: &Project) -> i32 {
    std::fs::read_to_string(p.home.path().join("runner.lock")).unwrap_or_default().trim().parse().unwrap_or(0)
}

fn alive(pid: i32) -> bool {
    pid > 0 && nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None).is_ok()
}

/// SIGKILLs the runner and waits until it is gone.
fn kill_runner(p: &Project) -> i32 {
    let pid = runner_pid(p);
    assert!(alive(pid), "no runner to kill (runner.lock says {pid})");
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), nix::sys::signal::Signal::SIGKILL).unwrap();
    wait_until("the killed runner to be gone", || !alive(pid));
    pid
}

fn wait_until(what: &str, mut ok: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !ok() {
        assert!(Instant::now() < deadline, "waited 30 s for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// How many screen or output lines are exactly `line` once trimmed of the log's decorations.
fn count(shown: &str, line: &str) -> usize {
    shown.lines().filter(|l| l.trim().trim_start_matches(['│', '┆']).trim() == line).count()
}

#[test]
fn attach_shows_an_ended_runs_log_after_its_runner_is_gone() {
    let p = project(&[("hello.toml", HELLO)]);
    let out = p.run(&["run", "hello"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let run = crate::common::wait_for_newest_run(&p, "succeeded");
    kill_runner(&p);
    // A new runner starts on demand; it holds nothing of the run: the journal and the step logs.
    let out = p.run(&["attach", &run]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let shown = String::from_utf8_lossy(&out.stdout).into_owned();
    for line in ["hello-from-step", "second-line", "bye-line"] {
        assert_eq!(count(&shown, line), 1, "{line:?} once in:\n{shown}");
    }
    let at = |s: &str| shown.find(s).unwrap_or_else(|| panic!("{s:?} not in:\n{shown}"));
    assert!(at("│ hello-from-step") < at("✓ hello succeeded"), "{shown}");
    assert!(
        at("✓ hello succeeded") < at("│ bye-line") && at("│ bye-line") < at("✓ bye succeeded"),
        "{shown}"
    );
    assert!(shown.contains("evil-title") && !shown.contains('\u{1b}'), "unsanitised: {shown:?}");
    // A retried step: each attempt's lines with that attempt.
    for line in ["first-try", "second-try"] {
        assert_eq!(count(&shown, line), 1, "{line:?} once in:\n{shown}");
    }
    assert!(at("│ first-try") < at("↻ flaky") && at("↻ flaky") < at("│ second-try"), "{shown}");
    assert!(!shown.contains("── attempt"), "the log's attempt header shown as a line: {shown}");
    assert!(shown.contains(&format!("■ run {run} succeeded (exit 0)")), "{shown}");
}

#[test]
fn the_console_opens_an_ended_run_with_its_log_after_the_runner_is_gone() {
    crate::common::ensure_tool("tmux");
    let p = project(&[("hello.toml", HELLO)]);
    let out = p.run(&["run", "hello"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let run = crate::common::wait_for_newest_run(&p, "succeeded");
    kill_runner(&p);
    let tmux = Tmux::console(&p, &format!("fd-replay-{}", std::process::id()), (100, 30), "");
    tmux.wait_for("Diana");
    tmux.keys(&["r"]);
    tmux.wait_for(&run);
    tmux.keys(&["Enter"]);
    // The first step's log, read from its file and sanitised.
    let shown = tmux.wait_for("hello-from-step");
    assert_eq!(count(&shown, "second-line"), 1, "{shown}");
    assert!(shown.contains("evil-title"), "{shown}");
    // The retried step: each attempt's lines once, under the console's own attempt header.
    tmux.keys(&["Down"]);
    let shown = tmux.wait_for("second-try");
    for line in ["first-try", "second-try", "── attempt 2 ──"] {
        assert_eq!(count(&shown, line), 1, "{line:?} once in:\n{shown}");
    }
    assert!(shown.find("first-try") < shown.find("── attempt 2 ──"), "{shown}");
    tmux.keys(&["Down"]);
    let shown = tmux.wait_for("bye-line");
    assert_eq!(count(&shown, "bye-line"), 1, "{shown}");
}

#[test]
fn after_a_runner_kill_every_client_shows_each_line_once() {
    crate::common::ensure_tool("tmux");
    let p = project(&[("slow.toml", SLOW)]);
    let out = p.run(&["run", "slow", "--detach"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let run = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let log = p.home.path().join("logs").join(&run).join("count.log");
    wait_until("the step's lines", || std::fs::read_to_string(&log).unwrap_or_default().contains("line-5"));
    // A colleague follows the run from the runs list before the runner dies.
    let before = Tmux::console(&p, &format!("fd-before-{}", std::process::id()), (100, 30), "");
    before.wait_for("Diana");
    before.keys(&["r"]);
    before.wait_for(&run);
    before.keys(&["Enter"]);
    before.wait_for("line-5");

    let old = kill_runner(&p);
    // The next client starts a runner, which adopts the running step.
    wait_until("a new runner holding the run", || {
        let out = p.run(&["runs", "--json"]);
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
        v[0]["status"] == "running" && alive(runner_pid(&p)) && runner_pid(&p) != old
    });
    // A second colleague opens the console only now.
    let after = Tmux::console(&p, &format!("fd-after-{}", std::process::id()), (100, 30), "");
    after.wait_for("Diana");
    after.keys(&["r"]);
    after.wait_for(&run);
    after.keys(&["Enter"]);
    for tmux in [&before, &after] {
        let shown = tmux.wait_for("adopting");
        for i in 1..=5 {
            assert_eq!(count(&shown, &format!("line-{i}")), 1, "line-{i} once in:\n{shown}");
        }
    }
    std::fs::write(p.path().join("go"), "").unwrap();
    for tmux in [&before, &after] {
        tmux.wait_for("succeeded (exit 0)");
        // Back on the adopted step, its whole log: each line once.
        tmux.keys(&["Up", "Up", "Down"]);
        let shown = tmux.wait_for("after-go");
        for line in ["line-1", "line-5", "after-go"] {
            assert_eq!(count(&shown, line), 1, "{line} once in:\n{shown}");
        }
    }
    // And a late `attach` from a third terminal.
    let out = p.run(&["attach", &run]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let shown = String::from_utf8_lossy(&out.stdout).into_owned();
    for line in ["first-line", "line-1", "line-2", "line-3", "line-4", "line-5", "after-go", "last-line"] {
        assert_eq!(count(&shown, line), 1, "{line} once in:\n{shown}");
    }
    let at = |s: &str| shown.find(s).unwrap_or_else(|| panic!("{s:?} not in:\n{shown}"));
    assert!(at("│ line-5") < at("! adopting") && at("! adopting") < at("│ after-go"), "{shown}");
}
