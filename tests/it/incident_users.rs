//! A scripted incident with two real OS users (through `setpriv`, against a root runner): alice
//! declares a sev1 as commander, bob joins, the demo sandbox really breaks (`flightdeck sandbox
//! break`) and the health monitor watching it (`flightdeck health`, live) records a real DOWN,
//! alice starts a rollback linked with `--incident` whose gate bob approves and whose step really
//! fixes the sandbox (`flightdeck sandbox fix`), the monitor records UP, three notes, alice resolves. Every change carries the socket peer's name;
//! the exported timeline holds each step in time order, and the Markdown postmortem's timeline
//! table holds exactly the rows of the JSON export.

use std::process::Stdio;
use std::sync::mpsc::Receiver;
use std::time::Duration;

use serde_json::Value;

use crate::common::{Sandbox, text};
use crate::monitoring_e2e::{Proc, lines, wait_for};
use crate::users::{RootRunner, as_user, ensure_users, run_as, shared_project, wait_status};

const CONFIG: &str = "[environments.prod]\nproduction = true\napprovals = 1\nallow_self_approval = false\n";

/// A config whose monitor `web` probes the sandbox every second (DOWN at the first failure).
fn config(sandbox: &str) -> String {
    format!(
        "{CONFIG}\n[monitors.web]\nurl = \"{sandbox}/health\"\ninterval = \"1s\"\njitter = \"0s\"\nfailure_threshold = 1\n"
    )
}

/// A rollback whose rollout really fixes the sandbox.
fn rollback(sandbox: &str) -> String {
    format!(
        "title = \"Roll back\"\nkind = \"rollback\"\n\n[[steps]]\nid = \"approve\"\napprove = \"Roll back web?\"\n\n\
         [[steps]]\nid = \"rollout\"\nrun = '\"$FLIGHTDECK\" sandbox fix --url {sandbox}'\n"
    )
}

fn ok(p: &crate::common::Project, user: &str, args: &[&str]) -> String {
    let out = run_as(p, user, args);
    assert_eq!(out.status.code(), Some(0), "{user} {args:?}: {}", text(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The rows of the Markdown postmortem's timeline table, unescaped.
fn markdown_rows(md: &str) -> Vec<(String, String, String)> {
    let section = md.split("## Timeline").nth(1).unwrap().split("\n## ").next().unwrap();
    section
        .lines()
        .filter(|l| l.starts_with("| 20"))
        .map(|l| {
            let inner = &l[2..l.len() - 2];
            let mut parts = inner.splitn(3, " | ");
            let (a, s, t) = (parts.next().unwrap(), parts.next().unwrap(), parts.next().unwrap());
            (a.to_string(), s.to_string(), t.replace("\\|", "|"))
        })
        .collect()
}

/// Starts the live health monitor (as root, writing the shared store), waits for the sandbox UP,
/// breaks it and waits for the DOWN; the monitor's transition lines and the process.
fn break_under_watch(p: &crate::common::Project, url: &str) -> (Receiver<String>, Proc) {
    let mut health = as_user(p, "root", &["health", "--env", "prod", "--for", "180s"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let transitions = lines(&mut health);
    let health = Proc(health);
    let up = wait_for(&transitions, "-> UP", Duration::from_secs(30));
    assert!(up.is_some(), "the monitor did not see the sandbox UP within 30 s");
    ok(p, "root", &["sandbox", "break", "--url", url]);
    let down = wait_for(&transitions, "UP -> DOWN", Duration::from_secs(30));
    assert!(down.is_some(), "the monitor did not see the broken sandbox DOWN within 30 s");
    (transitions, health)
}

/// The JSON export: rows in time order, one real DOWN from the health source, both responders,
/// the linked run and bob's approval.
fn check_export(json: &Value, run: &str) {
    let rows = json["timeline"].as_array().unwrap();
    let ats: Vec<&str> = rows.iter().map(|r| r["at"].as_str().unwrap()).collect();
    assert!(ats.windows(2).all(|w| w[0] <= w[1]), "timeline out of order: {ats:?}");
    let health: Vec<&str> =
        rows.iter().filter(|r| r["source"] == "health").map(|r| r["text"].as_str().unwrap()).collect();
    assert_eq!(health.iter().filter(|t| t.ends_with("UP -> DOWN")).count(), 1, "one real DOWN: {health:?}");
    assert_eq!(json["responders"].as_array().unwrap().len(), 2, "{json:#}");
    assert_eq!(json["responders"][0]["role"], "commander");
    assert_eq!(json["linked_runs"][0]["id"], run);
    assert_eq!(json["approvals"][0]["by"], "fd-bob");
}

#[test]
fn a_scripted_incident_exports_one_ordered_timeline_as_markdown_and_json() {
    ensure_users();
    let p0 = crate::common::Project::new("", &[]);
    let sandbox = Sandbox::start(&p0);
    let p = shared_project(&config(&sandbox.url), &[("rollback.toml", &rollback(&sandbox.url))]);
    let _runner = RootRunner::start(&p);
    let open =
        ["incident", "open", "checkout 502", "--service", "web", "--env", "prod", "--severity", "sev1"];
    let mut args = open.to_vec();
    args.extend(["--id", "inc-s", "--commander"]);
    ok(&p, "fd-alice", &args);
    ok(&p, "fd-bob", &["incident", "join", "inc-s"]);
    let (transitions, _health) = break_under_watch(&p, &sandbox.url);
    let run = ok(&p, "fd-alice", &["run", "rollback", "--env", "prod", "--detach", "--incident", "inc-s"]);
    let run = run.trim().to_string();
    wait_status(&p, &run, "waiting");
    ok(&p, "fd-bob", &["approve", &run]);
    wait_status(&p, &run, "succeeded");
    let recovered = wait_for(&transitions, "DOWN -> UP", Duration::from_secs(30));
    assert!(recovered.is_some(), "the monitor did not see the fixed sandbox UP within 30 s");
    ok(&p, "fd-alice", &["incident", "note", "inc-s", "error rate back to normal"]);
    ok(&p, "fd-bob", &["incident", "note", "inc-s", "cache was cold after the deploy"]);
    ok(&p, "fd-alice", &["incident", "note", "inc-s", "keeping an eye on it | 10 min"]);
    ok(&p, "fd-alice", &["incident", "resolve", "inc-s"]);

    let json: Value =
        serde_json::from_str(&ok(&p, "root", &["incident", "timeline", "inc-s", "--json"])).unwrap();
    let rows = json["timeline"].as_array().unwrap();
    let texts: Vec<&str> = rows.iter().map(|r| r["text"].as_str().unwrap()).collect();
    let expected = [
        "fd-alice declared the incident: checkout 502",
        "fd-bob joined as responder",
        "monitor web (prod) UP -> DOWN",
        "fd-alice linked run",
        "fd-bob approve gate approve#1",
        "monitor web (prod) DOWN -> UP",
        "note by fd-alice: error rate back to normal",
        "note by fd-bob: cache was cold after the deploy",
        "note by fd-alice: keeping an eye on it | 10 min",
        "fd-alice resolved it",
    ];
    let mut from = 0;
    for want in expected {
        let pos = texts[from..].iter().position(|t| t.contains(want));
        let pos = pos.unwrap_or_else(|| panic!("{want:?} not after row {from}: {texts:#?}"));
        from += pos + 1;
    }
    check_export(&json, &run);
    let md = ok(&p, "root", &["incident", "timeline", "inc-s", "--markdown"]);
    let from_json: Vec<(String, String, String)> = rows
        .iter()
        .map(|r| {
            let s = |k: &str| r[k].as_str().unwrap().to_string();
            (s("at"), s("source"), s("text"))
        })
        .collect();
    assert_eq!(markdown_rows(&md), from_json, "Markdown and JSON disagree:\n{md}");
    for heading in ["## Responders", "## Time to recover", "## Root cause", "## Action items"] {
        assert!(md.contains(heading), "{heading} missing:\n{md}");
    }
}
