//! A step's output across SIGKILL of the runner: the runner that adopts the still-running step
//! copies on from where the dead one stopped, so the step's log and a client that followed the run
//! through the crash each have every line exactly once, in order.

use std::time::{Duration, Instant};

use crate::common::{LOCAL, Project, events, text};

/// Shell that SIGKILLs the flightdeck process running the step (the step runs in a subshell of the
/// wrapper, so its `$PPID` is the runner).
const KILL_ENGINE: &str = "kill -9 $PPID";

/// The `line N` lines of `lines`, in order.
fn numbered<'a>(lines: impl Iterator<Item = &'a str>) -> Vec<String> {
    lines.filter(|l| l.starts_with("line ")).map(str::to_string).collect()
}

fn expected(n: usize) -> Vec<String> {
    (1..=n).map(|i| format!("line {i}")).collect()
}

/// A step that prints lines 1-10, waits until the runner has copied them into its log (and a
/// moment for the follower to receive them), SIGKILLs the runner, then prints lines 11-20.
fn numbered_workflow() -> String {
    format!(
        r#"
title = "numbered"
[[steps]]
id = "count"
idempotent = false
run = '''
log="$FLIGHTDECK_HOME/logs/$FLIGHTDECK_RUN/count.log"
for i in $(seq 1 10); do echo "line $i"; done
n=0; while ! grep -qx "line 10" "$log" && [ $n -lt 600 ]; do sleep 0.05; n=$((n+1)); done
sleep 0.5
{KILL_ENGINE}
for i in $(seq 11 20); do echo "line $i"; sleep 0.05; done
'''
"#
    )
}

#[test]
fn a_follower_and_the_log_see_every_line_of_an_adopted_step_once_in_order() {
    let p = Project::new(LOCAL, &[("numbered.toml", &numbered_workflow())]);
    // The client follows the run; when its runner dies it reconnects, which starts a new runner
    // that recovers the run and adopts the step; the client follows on from its last event.
    let mut child =
        p.cmd(&["run", "numbered", "--json"]).stdout(std::process::Stdio::piped()).spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the followed run did not end within 60 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let evs = events(&out);
    let lives: Vec<i64> = evs.iter().filter_map(|e| e["life"].as_i64()).collect();
    assert!(lives.contains(&2), "the run was not recovered by a second runner: {}", text(&out));
    let shown: Vec<&str> = evs
        .iter()
        .filter(|e| e["event"] == "step_log" && e["step"] == "count")
        .filter_map(|e| e["line"].as_str())
        .collect();
    assert_eq!(numbered(shown.iter().copied()), expected(20), "{}", text(&out));

    let run = evs[0]["run"].as_str().unwrap().to_string();
    let log = p.run(&["log", &run, "count"]);
    assert_eq!(log.status.code(), Some(0), "{}", text(&log));
    let log_text = String::from_utf8_lossy(&log.stdout).to_string();
    assert_eq!(numbered(log_text.lines()), expected(20), "{log_text}");
    assert!(log_text.contains("adopting the step's running process group"), "{log_text}");
}
