//! A step approves its own run's gate: on a shared bastion every step runs as the runner's service
//! account, so a build or deploy script (code from a repository) could call `flightdeck approve` in
//! the background and count as a second person. The runner's own account counts for nothing unless
//! it is the run's operator. Real users: `fd-carol` plays the service account that runs the runner
//! (and so every step), `fd-alice` starts the run, `fd-bob` is the one human approver.

use std::process::Command;
use std::time::{Duration, Instant};

use crate::common::{Project, text};
use crate::runner_users::CONFIG;
use crate::users::{UserRunner, data_dir, ensure_users, run_as, shared_project};

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

/// The runner as `fd-carol`, the owner of the data directory (the service account of the set-up).
fn service_runner(p: &Project) -> UserRunner {
    let dir = data_dir(p);
    std::fs::create_dir_all(&dir).unwrap();
    let out = Command::new("chown").arg("fd-carol:fd-carol").arg(&dir).arg(p.path()).output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    UserRunner::on(p, &dir, "fd-carol")
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
