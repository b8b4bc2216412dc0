//! Helpers: a temporary project (config + workflows) with its own data directory, and a way to run
//! the real `flightdeck` binary in it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A temporary project directory with its own data directory.
pub struct Project {
    pub dir: tempfile::TempDir,
    pub home: tempfile::TempDir,
}

impl Project {
    /// A project with `config` as flightdeck.toml and the given workflow files.
    pub fn new(config: &str, workflows: &[(&str, &str)]) -> Project {
        let dir = tempfile::tempdir().unwrap();
        let home = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("flightdeck.toml"), config).unwrap();
        for (name, text) in workflows {
            let path = dir.path().join("workflows").join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        Project { dir, home }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// A `flightdeck` command in this project, stdin closed (no terminal).
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(bin());
        c.args(args)
            .current_dir(self.path())
            .env("FLIGHTDECK_HOME", self.home.path())
            .env("FLIGHTDECK_DEMO_FAST", "1")
            // Each test's data directory gets its own runner: let it exit soon after the test.
            .env("FLIGHTDECK_RUNNER_IDLE", "2")
            .stdin(Stdio::null());
        c
    }

    /// Runs `flightdeck ARGS` to completion.
    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().unwrap()
    }

    /// The store file.
    pub fn db(&self) -> PathBuf {
        self.home.path().join("flightdeck.db")
    }

    /// Reads a file of the project as text ("" if missing).
    pub fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.path().join(name)).unwrap_or_default()
    }
}

/// The binary under test.
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_flightdeck"))
}

/// stdout and stderr as text, for assertion messages.
pub fn text(o: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}\n--- stderr\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Parses `--json` output into events.
pub fn events(o: &Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&o.stdout).lines().filter_map(|l| serde_json::from_str(l).ok()).collect()
}

/// A config with one plain environment.
pub const LOCAL: &str = "[environments.local]\nallow_root_approval = true\n";

/// Polls `flightdeck runs --json` until the newest run has `status`; its id. Panics after 30 s.
pub fn wait_for_newest_run(p: &Project, status: &str) -> String {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while std::time::Instant::now() < deadline {
        let out = p.run(&["runs", "--json"]);
        if let Ok(v) = serde_json::from_slice::<serde_json::Value>(&out.stdout)
            && let Some(run) = v.as_array().and_then(|a| a.first())
            && run["status"] == status
        {
            return run["id"].as_str().unwrap().to_string();
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("no run reached {status}");
}

/// Makes sure a command-line tool the test drives is installed, running the project's own
/// `scripts/install-test-deps.sh` (Debian packages) when it is missing, so `cargo test` alone sets up.
pub fn ensure_tool(tool: &str) {
    let present = |t: &str| {
        std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("command -v {t}"))
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if present(tool) {
        return;
    }
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/install-test-deps.sh");
    let out = std::process::Command::new("bash").arg(&script).output().unwrap();
    assert!(
        present(tool),
        "{tool} is missing and {} could not install it:\n{}",
        script.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A demo sandbox service in a child process (`flightdeck sandbox serve --port 0`): the child binds
/// a free port itself and prints its URL, so no port is picked by binding and dropping. Killed on drop.
pub struct Sandbox {
    child: std::process::Child,
    /// Its base URL, `http://127.0.0.1:PORT`.
    pub url: String,
}

impl Sandbox {
    /// Starts the service for project `p`; panics unless it reports its URL within 30 s.
    pub fn start(p: &Project) -> Sandbox {
        use std::io::BufRead;
        let mut child = p
            .cmd(&["sandbox", "serve", "--port", "0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        // Reads every line until the child exits, so it never writes to a closed pipe.
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let first = rx.recv_timeout(std::time::Duration::from_secs(30));
        let url = first
            .as_deref()
            .ok()
            .and_then(|l| l.strip_prefix("sandbox listening on "))
            .and_then(|rest| rest.split_whitespace().next())
            .map(str::to_string);
        let Some(url) = url else {
            let _ = child.kill();
            let _ = child.wait();
            panic!("`flightdeck sandbox serve --port 0` did not report its URL: {first:?}");
        };
        Sandbox { child, url }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs git in the project with a throwaway identity (no signing, no system config); its stdout.
pub fn git(p: &Project, args: &[&str]) -> String {
    let cfg = p.home.path().join(".gitconfig-test");
    std::fs::write(&cfg, "[user]\n\tname = T\n\temail = t@example.com\n[commit]\n\tgpgsign = false\n")
        .unwrap();
    let out = std::process::Command::new("git")
        .args(args)
        .current_dir(p.path())
        .env("GIT_CONFIG_GLOBAL", &cfg)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .unwrap();
    assert!(out.status.success(), "git {args:?}: {}", text(&out));
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}
