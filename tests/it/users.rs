//! Real second users for the runner's identity tests: `fd-alice`, `fd-bob`, `fd-carol` (each with
//! its own group) in the operators' group `fd-ops`, created once with `useradd`/`groupadd` when
//! missing. Clients run as them through `setpriv`. Without root, or if creating them fails, the
//! tests that need them FAIL with the reason (they never skip).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::common::{Project, bin};

/// The operators' group.
pub const GROUP: &str = "fd-ops";
/// The test users.
pub const USERS: [&str; 3] = ["fd-alice", "fd-bob", "fd-carol"];

/// Creates the group and users once per test process (a file lock guards other processes).
pub fn ensure_users() {
    static DONE: OnceLock<Result<(), String>> = OnceLock::new();
    let r = DONE.get_or_init(create_users);
    if let Err(e) = r {
        panic!("the real-user tests need users {USERS:?} in group {GROUP}: {e}");
    }
    crate::common::ensure_tool("setpriv");
}

fn create_users() -> Result<(), String> {
    if !nix::unistd::getuid().is_root() {
        return Err("run the tests as root (CI does) so the setup can create them with useradd".into());
    }
    let lock = std::fs::File::create("/tmp/flightdeck-test-users.lock").map_err(|e| e.to_string())?;
    lock.lock().map_err(|e| e.to_string())?;
    let sh = |script: &str| -> Result<(), String> {
        let out = Command::new("sh").arg("-c").arg(script).output().map_err(|e| e.to_string())?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!("`{script}` failed: {}", String::from_utf8_lossy(&out.stderr)))
        }
    };
    sh(&format!("getent group {GROUP} >/dev/null || groupadd {GROUP}"))?;
    for u in USERS {
        sh(&format!(
            "id -u {u} >/dev/null 2>&1 || useradd --no-create-home --shell /usr/sbin/nologin --user-group --groups {GROUP} {u}"
        ))?;
        sh(&format!("id -nG {u} | grep -qw {GROUP} || usermod -a -G {GROUP} {u}"))?;
    }
    Ok(())
}

/// The uid of a test user.
pub fn uid(user: &str) -> u32 {
    nix::unistd::User::from_name(user).unwrap().unwrap().uid.as_raw()
}

/// A project whose directories other users may read (temp dirs are 0700), and whose data directory
/// lies inside a traversable parent.
pub fn shared_project(config: &str, workflows: &[(&str, &str)]) -> Project {
    let p = Project::new(config, workflows);
    for d in [p.dir.path(), p.home.path()] {
        chmod(d, "0755");
    }
    let wf = p.dir.path().join("workflows");
    if wf.exists() {
        chmod(&wf, "0755");
        let out = Command::new("chmod").args(["-R", "a+rX"]).arg(&wf).output().unwrap();
        assert!(out.status.success());
    }
    chmod(&p.dir.path().join("flightdeck.toml"), "0644");
    // Steps write here as the runner's user (root).
    p
}

fn chmod(path: &Path, mode: &str) {
    let out = Command::new("chmod").arg(mode).arg(path).output().unwrap();
    assert!(out.status.success(), "chmod {mode} {}", path.display());
}

/// The data directory the runner serves (created by the runner, 0710 with group `fd-ops`).
pub fn data_dir(p: &Project) -> PathBuf {
    p.home.path().join("data")
}

/// A runner started by the test as root, serving the project's shared data directory; killed on drop.
pub struct RootRunner {
    child: Child,
}

impl RootRunner {
    /// Starts it and waits until its socket accepts connections.
    pub fn start(p: &Project) -> RootRunner {
        let child = Command::new(bin())
            .args(["--data-dir"])
            .arg(data_dir(p))
            .args(["runner", "--idle-exit", "0", "--group", GROUP])
            .current_dir(p.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let sock = data_dir(p).join("runner.sock");
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::os::unix::net::UnixStream::connect(&sock).is_err() {
            assert!(Instant::now() < deadline, "the runner did not listen on {}", sock.display());
            std::thread::sleep(Duration::from_millis(20));
        }
        RootRunner { child }
    }

    /// Kills it with SIGKILL (a crash) and waits for it.
    pub fn crash(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for RootRunner {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A runner started as `user` (not root) on `dir`, its socket open to the operators' group;
/// killed on drop.
pub struct UserRunner(Child);

impl UserRunner {
    /// Starts it in the project and waits until its socket accepts connections.
    pub fn on(p: &Project, dir: &Path, user: &str) -> UserRunner {
        let child = Command::new("setpriv")
            .args(["--reuid", user, "--regid", user, "--init-groups"])
            .arg(bin())
            .arg("--data-dir")
            .arg(dir)
            .args(["runner", "--idle-exit", "0", "--group", GROUP])
            .current_dir(p.path())
            .env_remove("FLIGHTDECK_HOME")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let sock = dir.join("runner.sock");
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::os::unix::net::UnixStream::connect(&sock).is_err() {
            assert!(Instant::now() < deadline, "{user}'s runner did not listen on {}", sock.display());
            std::thread::sleep(Duration::from_millis(20));
        }
        UserRunner(child)
    }
}

impl Drop for UserRunner {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `flightdeck ARGS` as `user`, in the project, against the shared data directory.
pub fn as_user(p: &Project, user: &str, args: &[&str]) -> Command {
    let mut c = Command::new("setpriv");
    c.args(["--reuid", user, "--regid", user, "--init-groups"])
        .arg(bin())
        .arg("--data-dir")
        .arg(data_dir(p))
        .args(args)
        .current_dir(p.path())
        .env_remove("FLIGHTDECK_HOME")
        .env("FLIGHTDECK_RUNNER_IDLE", "2")
        .stdin(Stdio::null());
    c
}

/// Runs `flightdeck ARGS` as `user` to completion.
pub fn run_as(p: &Project, user: &str, args: &[&str]) -> Output {
    as_user(p, user, args).output().unwrap()
}

/// A shell command as `user`.
pub fn sh_as(user: &str, script: &str) -> Output {
    Command::new("setpriv")
        .args(["--reuid", user, "--regid", user, "--init-groups", "sh", "-c", script])
        .output()
        .unwrap()
}

/// Polls `flightdeck runs --json` (as root, through the runner) until run `id` has `status`.
pub fn wait_status(p: &Project, id: &str, status: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let out = run_as(p, "root", &["runs", "--json"]);
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
        let now = v.as_array().and_then(|a| a.iter().find(|r| r["id"] == id)).map(|r| r["status"].clone());
        if now.as_ref().is_some_and(|s| s == status) {
            return;
        }
        assert!(Instant::now() < deadline, "run {id} did not reach {status} (it is {now:?})");
        std::thread::sleep(Duration::from_millis(100));
    }
}
