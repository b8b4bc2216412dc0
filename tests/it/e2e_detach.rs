//! End to end in tmux: a run started in the console outlives the console. Killing the tmux session
//! mid-step (an SSH drop) and quitting with `q` both detach; the runs finish `succeeded`, and
//! `flightdeck attach` from another terminal shows them.

use std::time::{Duration, Instant};

use crate::common::{Project, text};
use crate::e2e_tmux::Tmux;

const WAITS: &str = r#"
title = "waits"
[[steps]]
id = "wait"
run = "echo waiting; i=0; while [ ! -e go ] && [ $i -lt 1200 ]; do sleep 0.05; i=$((i+1)); done; [ -e go ]; rm go; echo done"

[[steps]]
id = "after"
run = "echo after >> trace"
"#;

fn console(p: &Project, socket: &str) -> Tmux {
    Tmux::console(p, socket, (100, 30), "")
}

/// Starts `waits` from the console's command line and returns the run id once its step runs.
fn start_in_console(p: &Project, tmux: &Tmux, known: &[String]) -> String {
    tmux.wait_for("Diana");
    tmux.keys(&[":", "run waits", "Enter"]);
    tmux.wait_for("enter starts the run");
    tmux.keys(&["Enter"]);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let out = p.run(&["runs", "--json"]);
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
        if let Some(r) = v.as_array().and_then(|a| a.first())
            && r["status"] == "running"
            && !known.iter().any(|k| *k == r["id"])
        {
            return r["id"].as_str().unwrap().to_string();
        }
        assert!(
            Instant::now() < deadline,
            "the console did not start a run: {}\n{}",
            text(&out),
            tmux.screen()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn attach_until_end(p: &Project, run: &str) -> String {
    let out = p.run(&["attach", run]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn console_runs_survive_a_killed_terminal_and_a_quit() {
    crate::common::ensure_tool("tmux");
    let p = Project::new(
        "project = \"e2e\"\n[environments.local]\nallow_root_approval = true\n",
        &[("waits.toml", WAITS)],
    );
    let socket = format!("fd-detach-{}", std::process::id());
    let tmux = console(&p, &socket);
    let first = start_in_console(&p, &tmux, &[]);
    // The SSH link drops: the whole tmux server and the console in it die.
    drop(tmux);
    std::fs::write(p.path().join("go"), "").unwrap();
    let shown = attach_until_end(&p, &first);
    assert!(shown.contains("run_finished") || shown.contains("succeeded"), "{shown}");
    assert_eq!(p.read("trace"), "after\n");

    // Quitting with q detaches too.
    let tmux = console(&p, &socket);
    let second = start_in_console(&p, &tmux, &[first]);
    tmux.keys(&["Escape", "Escape", "q"]);
    tmux.wait_for("goes on in the runner");
    tmux.keys(&["y"]);
    std::fs::write(p.path().join("go"), "").unwrap();
    let shown = attach_until_end(&p, &second);
    assert!(shown.contains("✓ after succeeded"), "{shown}");
    assert_eq!(p.read("trace"), "after\nafter\n");
}
