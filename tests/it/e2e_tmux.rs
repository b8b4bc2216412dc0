//! End to end in a real terminal: the console runs inside tmux (a private server socket), and the
//! test types keys and reads the screen with `capture-pane`, polling up to a deadline. It deploys a
//! good version with an approval, then a bad build whose failure the operator answers with roll back.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::common::Project;

pub struct Tmux {
    pub socket: String,
}

impl Tmux {
    /// A console on `p`'s project and data directory in a detached session `fd` of `socket`,
    /// `size` columns by rows, with `env` (`NAME=value ...`) before the binary.
    pub fn console(p: &Project, socket: &str, size: (u16, u16), env: &str) -> Tmux {
        let tmux = Tmux { socket: socket.to_string() };
        let line = format!(
            "cd {} && FLIGHTDECK_HOME={} {env} FLIGHTDECK_RUNNER_IDLE=2 TERM=xterm-256color {}; sleep 5",
            p.path().display(),
            p.home.path().display(),
            crate::common::bin().display()
        );
        let (w, h) = (size.0.to_string(), size.1.to_string());
        let out = tmux.cmd(&["new-session", "-d", "-s", "fd", "-x", &w, "-y", &h, &line]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        tmux
    }

    pub fn cmd(&self, args: &[&str]) -> std::process::Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux is installed (scripts/install-test-deps.sh)")
    }

    pub fn keys(&self, keys: &[&str]) {
        for k in keys {
            let out = self.cmd(&["send-keys", "-t", "fd", k]);
            assert!(out.status.success(), "send-keys {k}: {}", String::from_utf8_lossy(&out.stderr));
            std::thread::sleep(Duration::from_millis(150));
        }
    }

    pub fn screen(&self) -> String {
        String::from_utf8_lossy(&self.cmd(&["capture-pane", "-p", "-t", "fd"]).stdout).into_owned()
    }

    /// Waits until the screen shows `text`; panics with the screen after 30 s.
    pub fn wait_for(&self, text: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let s = self.screen();
            if s.contains(text) {
                return s;
            }
            assert!(Instant::now() < deadline, "waited 30 s for {text:?}; the screen shows:\n{s}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd(&["kill-server"]);
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
}

#[test]
fn console_deploys_approves_and_rolls_back_in_tmux() {
    crate::common::ensure_tool("tmux");
    // The sandbox binds port 0 and reports its URL; the workflow's `sandbox ensure` finds it running.
    let p = Project::new("", &[]);
    let sandbox = crate::common::Sandbox::start(&p);
    let url = sandbox.url.clone();
    let config =
        format!("project = \"e2e\"\n[environments.staging]\nurl = \"{url}\"\nallow_root_approval = true\n");
    std::fs::write(p.path().join("flightdeck.toml"), config).unwrap();
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/sandbox"),
        &p.path().join("migrations/sandbox"),
    );
    let tmux = Tmux { socket: format!("fd-e2e-{}", std::process::id()) };
    let line = format!(
        "cd {} && FLIGHTDECK_HOME={} FLIGHTDECK_DEMO_FAST=1 FLIGHTDECK_RUNNER_IDLE=2 TERM=xterm-256color {}; sleep 5",
        p.path().display(),
        p.home.path().display(),
        crate::common::bin().display()
    );
    let out = tmux.cmd(&["new-session", "-d", "-s", "fd", "-x", "100", "-y", "30", &line]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    tmux.wait_for("Diana — DevOps");
    // Opened by name (more built-in workflows may sort before deploy on Home); `:run` focuses the
    // first required field, the version.
    tmux.keys(&[":", "run deploy", "Enter"]);
    tmux.wait_for("Launch deploy");
    tmux.keys(&["1.2.0", "Enter"]);
    tmux.wait_for("enter starts the run");
    tmux.keys(&["Enter"]);
    tmux.wait_for("Approval needed");
    // A new dialog ignores keys for a moment; its key line shows once it listens.
    tmux.wait_for("enter confirm · y approve");
    tmux.keys(&["y"]);
    let s = tmux.wait_for("succeeded (exit 0)");
    assert!(s.contains("✓ Verify health"), "{s}");

    tmux.keys(&["Escape", ":", "run deploy version=2.0.0-bad migrate=false", "Enter"]);
    tmux.wait_for("enter starts the run");
    tmux.keys(&["Enter"]);
    tmux.wait_for("Approval needed");
    tmux.wait_for("enter confirm · y approve");
    tmux.keys(&["y"]);
    tmux.wait_for("Step failed");
    // The menu starts on the step's on_fail (roll back); enter confirms it once the menu listens.
    tmux.wait_for("esc hide (the run waits)");
    tmux.keys(&["Enter"]);
    let s = tmux.wait_for("rolled_back (exit 3)");
    assert!(s.contains("↺ Roll out"), "the rollout's rollback did not complete:\n{s}");

    tmux.keys(&["q"]);
    let status = p.run(&["sandbox", "status", "--url", &url]);
    assert!(
        String::from_utf8_lossy(&status.stdout).contains("version 1.2.0"),
        "{}",
        String::from_utf8_lossy(&status.stdout)
    );
    drop(sandbox);
}
