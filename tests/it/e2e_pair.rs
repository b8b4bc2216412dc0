//! Two colleagues on two consoles (issue 11 "pairing", issue 14 "live shared state"): on a shared
//! bastion the store belongs to the runner's user (root here), so the operators' consoles cannot
//! read it and run as clients of the runner. Alice starts a production run that needs two other
//! people; Bob and Carol each open it from their own console's runs list, in their own terminal
//! (tmux, private sockets), as their own OS users. Bob's approval shows on Carol's console as 1/2,
//! Carol's makes it pass, and the run ships.

use std::time::{Duration, Instant};

use crate::common::text;
use crate::e2e_tmux::Tmux;
use crate::runner_users::CONFIG;
use crate::users::{RootRunner, data_dir, ensure_users, run_as, shared_project, wait_status};

/// A one-gate workflow: `promote` asks, then `ship` appends to `trace`.
pub const GATED: &str = r#"
title = "gated"
[[steps]]
id = "promote"
approve = "Ship it"

[[steps]]
id = "ship"
run = "echo shipped >> trace"
"#;

/// A console as `user` in its own tmux server, opened on the run list's newest run.
fn console_as(p: &crate::common::Project, user: &str) -> Tmux {
    let tmux = Tmux { socket: format!("fd-pair-{user}-{}", std::process::id()) };
    let line = format!(
        "cd {} && TERM=xterm-256color setpriv --reuid {user} --regid {user} --init-groups {} --data-dir {}; sleep 5",
        p.path().display(),
        crate::common::bin().display(),
        data_dir(p).display()
    );
    let out = tmux.cmd(&["new-session", "-d", "-s", "fd", "-x", "100", "-y", "30", &line]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    tmux.wait_for(user);
    tmux.keys(&[":", "runs", "Enter"]);
    tmux.wait_for("gated-");
    tmux.keys(&["Enter"]);
    tmux.wait_for("Approval needed");
    tmux
}

/// Presses `y` until the dialog shows `expect` (a new dialog ignores keys for a short grace period).
fn approve_until(tmux: &Tmux, expect: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !tmux.screen().contains(expect) {
        assert!(
            Instant::now() < deadline,
            "the approval did not count; the screen shows:\n{}",
            tmux.screen()
        );
        tmux.keys(&["y"]);
        std::thread::sleep(Duration::from_millis(300));
    }
}

#[test]
fn two_colleagues_on_two_consoles_pass_a_two_person_gate() {
    crate::common::ensure_tool("tmux");
    ensure_users();
    let p = shared_project(CONFIG, &[("gated.toml", GATED)]);
    let _runner = RootRunner::start(&p);
    let out = run_as(&p, "fd-alice", &["run", "gated", "--env", "prod", "--detach"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let run = String::from_utf8_lossy(&out.stdout).trim().to_string();
    wait_status(&p, &run, "waiting");

    let bob = console_as(&p, "fd-bob");
    assert!(bob.screen().contains("client-only") || bob.screen().contains("0/2"), "{}", bob.screen());
    let carol = console_as(&p, "fd-carol");
    approve_until(&bob, "approvals 1/2");
    // Carol sees Bob's answer on her own console, without doing anything.
    let shown = carol.wait_for("counted: fd-bob");
    assert!(shown.contains("approvals 1/2"), "{shown}");
    approve_until(&carol, "succeeded");
    wait_status(&p, &run, "succeeded");
    bob.wait_for("succeeded");
    assert_eq!(p.read("trace"), "shipped\n");
}
