//! A colleague's note reaches an open console (issue 18): alice's runner serves the team (the
//! store is hers, the socket is the `fd-ops` group's), alice has `:incident` open in her own
//! terminal (tmux, private socket), and bob — a second real OS user, through `setpriv` — adds a
//! note with `flightdeck incident note`. The runner records bob as its author from the socket
//! peer, and alice's screen shows it attributed to him without a key pressed.

use std::process::Command;
use std::time::Instant;

use crate::common::{Project, bin, text};
use crate::e2e_tmux::Tmux;
use crate::users::{UserRunner, data_dir, ensure_users, run_as, shared_project};

/// A runner started as `user` (not root) on the project's data directory, which it owns.
fn user_runner(p: &Project, user: &str) -> UserRunner {
    let dir = data_dir(p);
    std::fs::create_dir_all(&dir).unwrap();
    let out = Command::new("chown").arg(format!("{user}:{user}")).arg(&dir).output().unwrap();
    assert!(out.status.success(), "chown {}: {}", dir.display(), text(&out));
    UserRunner::on(p, &dir, user)
}

/// `user`'s console in its own tmux server, on the `:incident` screen.
fn incident_console(p: &Project, user: &str) -> Tmux {
    let tmux = Tmux { socket: format!("fd-incident-{user}-{}", std::process::id()) };
    let line = format!(
        "cd {} && TERM=xterm-256color setpriv --reuid {user} --regid {user} --init-groups {} --data-dir {}; sleep 5",
        p.path().display(),
        bin().display(),
        data_dir(p).display()
    );
    let out = tmux.cmd(&["new-session", "-d", "-s", "fd", "-x", "120", "-y", "30", &line]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    tmux.wait_for("SEV1 inc-live");
    tmux.keys(&[":", "incident", "Enter"]);
    tmux.wait_for("declared the incident");
    tmux
}

#[test]
fn a_colleagues_note_shows_on_an_open_incident_screen_attributed_to_them() {
    crate::common::ensure_tool("tmux");
    ensure_users();
    let p = shared_project("[environments.prod]\nproduction = true\n", &[]);
    let _runner = user_runner(&p, "fd-alice");
    let open = [
        "incident",
        "open",
        "checkout 502",
        "--service",
        "web",
        "--env",
        "prod",
        "--severity",
        "sev1",
        "--id",
        "inc-live",
        "--commander",
    ];
    let out = run_as(&p, "fd-alice", &open);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));

    let alice = incident_console(&p, "fd-alice");
    assert!(!alice.screen().contains("client-only"), "alice owns the store:\n{}", alice.screen());
    assert!(!alice.screen().contains("cache was cold"), "{}", alice.screen());
    let out = run_as(&p, "fd-bob", &["incident", "note", "inc-live", "cache was cold after the deploy"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let started = Instant::now();
    let shown = alice.wait_for("note by fd-bob: cache was cold after the deploy");
    eprintln!("bob's note reached alice's console in {:?}", started.elapsed());
    assert!(!shown.contains("note by fd-alice: cache"), "{shown}");
}
