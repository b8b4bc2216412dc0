//! Approval gates from the command line: no terminal, --yes, two-person approvals, typed phrases,
//! and `flightdeck approve` from another process (exit 0 only when the answer counted, else 4).

use std::process::{Child, Stdio};
use std::time::Duration;

use crate::common::{Project, events, text};

const GATED: &str = r#"
title = "gated"
[params.version]
default = "1.2.3"

[[steps]]
id = "promote"
approve = { message = "Ship {{ params.version }}", facts = { version = "{{ params.version }}" } }

[[steps]]
id = "ship"
run = "echo shipped >> trace"
"#;

fn config(extra: &str) -> String {
    format!("[environments.local]\nallow_root_approval = true\n{extra}\n")
}

fn spawn(p: &Project, args: &[&str]) -> Child {
    p.cmd(args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap()
}

#[test]
fn without_a_terminal_or_yes_a_gate_rejects() {
    let p = Project::new(&config(""), &[("gated.toml", GATED)]);
    let out = p.run(&["run", "gated"]);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("no one can answer here"), "{}", text(&out));
    assert_eq!(p.read("trace"), "");
}

#[test]
fn yes_gives_one_approval() {
    let p = Project::new(&config(""), &[("gated.toml", GATED)]);
    let out = p.run(&["run", "gated", "--yes", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(p.read("trace"), "shipped\n");
    let ev = events(&out);
    let answered = ev.iter().find(|e| e["event"] == "gate_answered").unwrap();
    assert_eq!(answered["gate"], "promote#1");
    assert_eq!(answered["remaining"], 0);
}

#[test]
fn two_approvals_cannot_be_given_by_one_operator() {
    let p = Project::new(&config("approvals = 2"), &[("gated.toml", GATED)]);
    let child = spawn(&p, &["run", "gated", "--yes", "--wait-approvals", "--json"]);
    let run = crate::common::wait_for_newest_run(&p, "waiting");
    // The same operator approves again from another process: audited, not counted (exit 4).
    let out = p.run(&["approve", &run, "--comment", "me again"]);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("already approved"), "{}", text(&out));
    std::thread::sleep(Duration::from_millis(2500));
    let runs = p.run(&["runs", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&runs.stdout).unwrap();
    assert_eq!(v[0]["status"], "waiting", "the gate passed on one person's approvals");
    assert_eq!(p.read("trace"), "");
    let out = p.run(&["approve", &run, "--reject", "--comment", "no"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    let ev = events(&out);
    let answers: Vec<_> = ev.iter().filter(|e| e["event"] == "gate_answered").collect();
    assert_eq!(answers.len(), 3, "{}", text(&out));
    assert_eq!(answers[0]["remaining"], 1);
    assert_eq!(answers[1]["remaining"], 1);
}

#[test]
fn phrase_gate_needs_the_exact_phrase() {
    let p = Project::new(&config("confirm_phrase = \"DEPLOY TO PRODUCTION\""), &[("gated.toml", GATED)]);
    let child = spawn(&p, &["run", "gated", "--wait-approvals", "--json"]);
    let run = crate::common::wait_for_newest_run(&p, "waiting");
    let out = p.run(&["approve", &run]);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    let out = p.run(&["approve", &run, "--phrase", "deploy to production"]);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(p.read("trace"), "", "a wrong phrase passed the gate");
    let out = p.run(&["approve", &run, "--phrase", "DEPLOY TO PRODUCTION"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(p.read("trace"), "shipped\n");
    let ev = events(&out);
    assert_eq!(ev.iter().filter(|e| e["event"] == "gate_phrase_mismatch").count(), 2);
}

#[test]
fn second_person_completes_a_two_approval_gate() {
    crate::users::ensure_users();
    let p = crate::users::shared_project(&config("approvals = 2"), &[("gated.toml", GATED)]);
    let _runner = crate::users::RootRunner::start(&p);
    let child = crate::users::as_user(&p, "root", &["run", "gated", "--yes", "--wait-approvals", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let run = loop {
        let out = crate::users::run_as(&p, "root", &["runs", "--json"]);
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
        if v[0]["status"] == "waiting" {
            break v[0]["id"].as_str().unwrap().to_string();
        }
        assert!(std::time::Instant::now() < deadline, "the run never waited at its gate");
        std::thread::sleep(Duration::from_millis(100));
    };
    // A second person, through the socket only (the store is not theirs to read or write).
    let out = crate::users::run_as(&p, "fd-bob", &["approve", &run, "--comment", "second pair of eyes"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(p.read("trace"), "shipped\n");
    let ev = events(&out);
    let last_answer = ev.iter().rfind(|e| e["event"] == "gate_answered").unwrap();
    assert_eq!(last_answer["approval"]["uid"], crate::users::uid("fd-bob"));
    assert_eq!(last_answer["remaining"], 0);
}
