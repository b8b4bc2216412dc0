//! The runner with real second users: operators in the group reach the socket but not the store,
//! forged approval rows count for nothing, the operator stays the operator across someone else's
//! resume, approvals before a gate opens do not count, and two people pass a two-person gate while
//! two attached clients both see 2/2.

use std::io::{BufRead, BufReader};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::common::text;
use crate::users::{
    RootRunner, as_user, data_dir, ensure_users, run_as, sh_as, shared_project, uid, wait_status,
};

pub(crate) const CONFIG: &str =
    "[environments.prod]\nproduction = true\napprovals = 2\nallow_self_approval = false\n";

const GATED: &str = r#"
title = "gated"
[[steps]]
id = "prep"
run = "i=0; while [ ! -e go ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done; echo prepared"

[[steps]]
id = "promote"
approve = "Ship it"

[[steps]]
id = "ship"
run = "echo shipped >> trace"
"#;

/// Starts `gated` in prod as `user`, detached; its run id.
fn start(p: &crate::common::Project, user: &str) -> String {
    let out = run_as(p, user, &["run", "gated", "--env", "prod", "--detach"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn go(p: &crate::common::Project) {
    std::fs::write(p.path().join("go"), "").unwrap();
}

#[test]
fn an_operator_in_the_group_reaches_the_socket_but_not_the_store() {
    ensure_users();
    let p = shared_project(CONFIG, &[("gated.toml", GATED)]);
    let _runner = RootRunner::start(&p);
    let data = data_dir(&p);
    let db = data.join("flightdeck.db");
    assert_eq!(std::fs::metadata(&data).unwrap().permissions().mode() & 0o777, 0o710);
    assert_eq!(std::fs::metadata(&db).unwrap().permissions().mode() & 0o777, 0o600);
    let sock = std::fs::metadata(data.join("runner.sock")).unwrap();
    assert_eq!(sock.permissions().mode() & 0o777, 0o660);
    assert_eq!(sock.gid(), nix::unistd::Group::from_name("fd-ops").unwrap().unwrap().gid.as_raw());
    let read = sh_as("fd-bob", &format!("cat {} > /dev/null", db.display()));
    assert!(!read.status.success(), "fd-bob read the store");
    assert!(String::from_utf8_lossy(&read.stderr).contains("Permission denied"), "{}", text(&read));
    let write = sh_as("fd-bob", &format!("echo x >> {}", db.display()));
    assert!(!write.status.success(), "fd-bob wrote the store");
    assert!(String::from_utf8_lossy(&write.stderr).contains("Permission denied"), "{}", text(&write));
    let list = sh_as("fd-bob", &format!("ls {}", data.display()));
    assert!(!list.status.success(), "fd-bob listed the data directory");
    // The socket answers them.
    let runs = run_as(&p, "fd-bob", &["runs", "--json"]);
    assert_eq!(runs.status.code(), Some(0), "{}", text(&runs));
    let outsider = sh_as("nobody", &format!("test -w {}", data.join("runner.sock").display()));
    assert!(!outsider.status.success(), "a user outside the group could reach the socket");
}

#[test]
fn forged_approval_rows_do_not_pass_a_gate() {
    ensure_users();
    let p = shared_project(CONFIG, &[("gated.toml", GATED)]);
    let _runner = RootRunner::start(&p);
    let run = start(&p, "fd-alice");
    go(&p);
    wait_status(&p, &run, "waiting");
    // Someone with write access to the file (here root) inserts two approvals for two other uids.
    let conn = rusqlite::Connection::open(data_dir(&p).join("flightdeck.db")).unwrap();
    for (u, name) in [(uid("fd-bob"), "fd-bob"), (uid("fd-carol"), "fd-carol")] {
        conn.execute(
            "INSERT INTO approvals (run, gate, uid, name, decision, value, comment, at) VALUES (?1, 'promote#1', ?2, ?3, 'approve', NULL, 'forged', 0)",
            rusqlite::params![run, u, name],
        )
        .unwrap();
    }
    drop(conn);
    // The old gate polled these rows once a second; give it several seconds to (wrongly) count them.
    std::thread::sleep(Duration::from_secs(3));
    wait_status(&p, &run, "waiting");
    assert_eq!(p.read("trace"), "", "forged rows passed the gate");
    for u in ["fd-bob", "fd-carol"] {
        let out = run_as(&p, u, &["approve", &run]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    }
    wait_status(&p, &run, "succeeded");
    assert_eq!(p.read("trace"), "shipped\n");
}

#[test]
fn an_approval_sent_before_the_gate_opens_does_not_count() {
    ensure_users();
    let p = shared_project(CONFIG, &[("gated.toml", GATED)]);
    let _runner = RootRunner::start(&p);
    let run = start(&p, "fd-alice");
    wait_status(&p, &run, "running");
    let early = run_as(&p, "fd-bob", &["approve", &run, "promote#1"]);
    assert_eq!(early.status.code(), Some(4), "{}", text(&early));
    assert!(String::from_utf8_lossy(&early.stderr).contains("not counted"), "{}", text(&early));
    go(&p);
    wait_status(&p, &run, "waiting");
    let out = run_as(&p, "fd-carol", &["approve", &run]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 of 2"), "{}", text(&out));
    // Bob's early answer was not kept for later: the gate still waits for a second person.
    wait_status(&p, &run, "waiting");
    let out = run_as(&p, "fd-bob", &["approve", &run]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    wait_status(&p, &run, "succeeded");
    let audit = p.run(&["--data-dir", data_dir(&p).to_str().unwrap(), "audit", "--json"]);
    let log = String::from_utf8_lossy(&audit.stdout);
    assert!(log.contains("gate.refused"), "the refused early answer is not audited:\n{log}");
    assert!(log.contains("gate.pass"), "the passing gate is not audited:\n{log}");
}

#[test]
fn the_operator_cannot_approve_their_own_run_after_someone_else_resumes_it() {
    ensure_users();
    let p = shared_project(CONFIG, &[("gated.toml", GATED)]);
    let runner = RootRunner::start(&p);
    let run = start(&p, "fd-alice");
    go(&p);
    wait_status(&p, &run, "waiting");
    runner.crash();
    let _runner = RootRunner::start(&p);
    // Bob resumes (the new runner may already have recovered it: then this follows it).
    let mut bob = as_user(&p, "fd-bob", &["resume", &run, "--wait-approvals", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_status(&p, &run, "waiting");
    let own = run_as(&p, "fd-alice", &["approve", &run]);
    assert_eq!(own.status.code(), Some(4), "{}", text(&own));
    assert!(String::from_utf8_lossy(&own.stderr).contains("own operator"), "{}", text(&own));
    for u in ["fd-bob", "fd-carol"] {
        let out = run_as(&p, u, &["approve", &run]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    }
    let status = bob.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    let runs = run_as(&p, "root", &["runs", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&runs.stdout).unwrap();
    assert_eq!(v[0]["operator"], "fd-alice", "the operator changed on resume");
    assert_eq!(v[0]["status"], "succeeded");
}

#[test]
fn two_people_pass_a_two_person_gate_and_two_attached_clients_both_see_2_of_2() {
    ensure_users();
    let p = shared_project(CONFIG, &[("gated.toml", GATED)]);
    let _runner = RootRunner::start(&p);
    let run = start(&p, "fd-alice");
    let attach = |user: &str| {
        as_user(&p, user, &["attach", &run, "--json"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (mut first, mut second) = (attach("fd-alice"), attach("fd-carol"));
    go(&p);
    wait_status(&p, &run, "waiting");
    for u in ["fd-bob", "fd-carol"] {
        let out = run_as(&p, u, &["approve", &run]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    }
    for child in [&mut first, &mut second] {
        let lines = read_until_end(child);
        let answers: Vec<&serde_json::Value> =
            lines.iter().filter(|e| e["event"] == "gate_answered").collect();
        assert_eq!(answers.len(), 2, "{lines:?}");
        assert_eq!(answers[0]["approval"]["name"], "fd-bob");
        assert_eq!(answers[1]["approval"]["name"], "fd-carol");
        assert_eq!(answers[1]["remaining"], 0, "an attached client did not see 2/2");
        assert!(lines.iter().any(|e| e["event"] == "run_finished" && e["status"] == "succeeded"));
        assert_eq!(child.wait().unwrap().code(), Some(0));
    }
}

/// Reads an attached client's JSON events until the run finishes (generous deadline).
fn read_until_end(child: &mut std::process::Child) -> Vec<serde_json::Value> {
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut out = Vec::new();
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let v: serde_json::Value = serde_json::from_str(&line.unwrap()).unwrap();
        let end = v["event"] == "run_finished";
        out.push(v);
        if end || Instant::now() > deadline {
            break;
        }
    }
    out
}
