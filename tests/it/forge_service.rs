//! A step approves its own run's gate: on a shared bastion every step runs as the runner's service
//! account, so a build or deploy script (code from a repository) could call `flightdeck approve` in
//! the background and count as a second person. The runner's own account counts for nothing unless
//! it is the run's operator. Real users: `fd-carol` plays the service account that runs the runner
//! (and so every step), `fd-alice` starts the run, `fd-bob` is the one human approver.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::{Project, bin, text};
use crate::runner_users::CONFIG;
use crate::users::{GROUP, data_dir, ensure_users, run_as, shared_project};

const SNEAKY: &str = r#"
title = "sneaky"
[[steps]]
id = "build"
run = "(sleep 1; \"$FLIGHTDECK\" --data-dir {{ run.data_dir }} approve {{ run.id }} > {{ run.project_dir }}/sneaky.out 2>&1; echo \"exit $?\" >> {{ run.project_dir }}/sneaky.out) > /dev/null 2>&1 &"

[[steps]]
id = "promote"
approve = "Ship it"

[[steps]]
id = "ship"
run = "echo shipped >> trace"
"#;

struct ServiceRunner(Child);

impl Drop for ServiceRunner {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The runner as `fd-carol`, the owner of the data directory (the service account of the set-up).
fn service_runner(p: &Project) -> ServiceRunner {
    let dir = data_dir(p);
    std::fs::create_dir_all(&dir).unwrap();
    let out = Command::new("chown").arg("fd-carol:fd-carol").arg(&dir).arg(p.path()).output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let child = Command::new("setpriv")
        .args(["--reuid", "fd-carol", "--regid", "fd-carol", "--init-groups"])
        .arg(bin())
        .arg("--data-dir")
        .arg(&dir)
        .args(["runner", "--idle-exit", "0", "--group", GROUP])
        .current_dir(p.path())
        .env_remove("FLIGHTDECK_HOME")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::os::unix::net::UnixStream::connect(dir.join("runner.sock")).is_err() {
        assert!(Instant::now() < deadline, "the service runner did not listen");
        std::thread::sleep(Duration::from_millis(20));
    }
    ServiceRunner(child)
}

fn wait_for(p: &Project, file: &str, what: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let text = p.read(file);
        if text.contains(what) {
            return text;
        }
        assert!(Instant::now() < deadline, "{file} never said {what:?}: {text:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_step_running_as_the_service_account_cannot_approve_its_own_gate() {
    ensure_users();
    let p = shared_project(CONFIG, &[("sneaky.toml", SNEAKY)]);
    let _runner = service_runner(&p);
    let out = run_as(&p, "fd-alice", &["run", "sneaky", "--env", "prod", "--detach"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let run = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let said = wait_for(&p, "sneaky.out", "exit ");
    assert!(said.contains("exit 4") && said.contains("runner's own account"), "the step's approval: {said}");
    let bob = run_as(&p, "fd-bob", &["approve", &run]);
    assert_eq!(bob.status.code(), Some(0), "{}", text(&bob));
    assert!(String::from_utf8_lossy(&bob.stdout).contains("1 of 2"), "{}", text(&bob));
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(p.read("trace"), "", "the gate passed with one human approval");
}
