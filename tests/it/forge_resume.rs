//! `resume --yes` by someone else: the one approval `--yes` supplies is the resumer's, never the
//! run's operator's. Alice's run stops before its gate (its secret provider's file is missing, so it
//! ends `interrupted`); bob fixes nothing but resumes it with `--yes`. In an environment that lets
//! operators approve their own runs and asks for two people, bob's `--yes` and bob's own approval
//! must not add up to "alice and bob": the gate waits for a second real person. Real users, a root
//! runner in the bastion layout.

use std::process::Stdio;

use crate::common::text;
use crate::users::{RootRunner, as_user, data_dir, ensure_users, run_as, shared_project, wait_status};

const CONFIG: &str = r#"
[environments.stage]
approvals = 2
allow_self_approval = true

[secret_providers.files]
kind = "dotenv"
file = "secrets.env"

[secrets.token]
provider = "files"
"#;

const GATED: &str = r#"
title = "gated"
[[steps]]
id = "check"
run = "test -n {{ secrets.token }}"

[[steps]]
id = "promote"
approve = "Ship it"

[[steps]]
id = "ship"
run = "echo shipped >> trace"
"#;

fn approvers(p: &crate::common::Project, run: &str, action: &str) -> Vec<String> {
    let conn = rusqlite::Connection::open(data_dir(p).join("flightdeck.db")).unwrap();
    let mut stmt =
        conn.prepare("SELECT actor, detail FROM audit WHERE run = ?1 AND action = ?2 ORDER BY seq").unwrap();
    let rows =
        stmt.query_map([run, action], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))).unwrap();
    rows.map(|r| {
        let (actor, detail) = r.unwrap();
        let counted = serde_json::from_str::<serde_json::Value>(&detail).unwrap()["counted"] == true;
        format!("{actor}:{}", if counted { "counted" } else { "not counted" })
    })
    .collect()
}

#[test]
fn a_colleagues_resume_yes_gives_the_colleagues_approval_not_the_operators() {
    ensure_users();
    let p = shared_project(CONFIG, &[("gated.toml", GATED)]);
    let _runner = RootRunner::start(&p);
    let out = run_as(&p, "fd-alice", &["run", "gated", "--env", "stage", "--detach"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let run = String::from_utf8_lossy(&out.stdout).trim().to_string();
    wait_status(&p, &run, "interrupted");
    std::fs::write(p.path().join("secrets.env"), "token=a-real-token-value\n").unwrap();
    let mut bob = as_user(&p, "fd-bob", &["resume", &run, "--yes", "--wait-approvals", "--json"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_status(&p, &run, "waiting");
    let again = run_as(&p, "fd-bob", &["approve", &run]);
    assert_eq!(again.status.code(), Some(4), "bob counted twice: {}", text(&again));
    wait_status(&p, &run, "waiting");
    assert_eq!(p.read("trace"), "", "the gate passed without a second person");
    let answers = approvers(&p, &run, "gate.approve");
    assert!(!answers.iter().any(|a| a.starts_with("fd-alice")), "an approval in alice's name: {answers:?}");
    assert_eq!(answers[0], "fd-bob:counted", "{answers:?}");
    let carol = run_as(&p, "fd-carol", &["approve", &run]);
    assert_eq!(carol.status.code(), Some(0), "{}", text(&carol));
    wait_status(&p, &run, "succeeded");
    assert_eq!(bob.wait().unwrap().code(), Some(0));
    assert_eq!(p.read("trace"), "shipped\n");
}
