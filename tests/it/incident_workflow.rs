//! The built-in `incident-response` workflow end to end, headless, against the real sandbox
//! (issue 18): 1.1.0 then 1.2.0 ship, `flightdeck sandbox break` makes the service really DOWN,
//! the workflow declares the incident naming 1.2.0's deployment, its diagnostics see the DOWN
//! monitor, the default mitigation (rollback) runs linked with its own gate — which the test
//! approves from outside, as a colleague would — the sandbox is back on 1.1.0 and UP, the monitor
//! check passes, the incident is mitigated, resolved and its postmortem written. The incident's
//! timeline holds each of these in order, and the ledger's rollback remediates the causing
//! deployment, so DORA counts it failed and restored when the rollback finished.

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::{Project, Sandbox, text};

fn ok(p: &Project, args: &[&str]) -> String {
    let out = p.run(args);
    assert_eq!(out.status.code(), Some(0), "{args:?}: {}", text(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn json(p: &Project, args: &[&str]) -> Value {
    serde_json::from_str(&ok(p, args)).unwrap()
}

fn project() -> (Project, Sandbox) {
    let p = Project::new("", &[]);
    let sandbox = Sandbox::start(&p);
    let config = format!(
        "[environments.staging]\nurl = \"{}\"\nallow_root_approval = true\nallow_self_approval = true\n\n[monitors.web]\nurl = \"{{{{ environment.url }}}}/health\"\ninterval = \"1s\"\n",
        sandbox.url
    );
    std::fs::write(p.path().join("flightdeck.toml"), config).unwrap();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/sandbox");
    let to = p.path().join("migrations/sandbox");
    std::fs::create_dir_all(&to).unwrap();
    for e in std::fs::read_dir(repo).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
    (p, sandbox)
}

/// Polls `runs --json` until a `rollback` run waits at its gate; its id.
fn waiting_rollback(p: &Project) -> String {
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let runs = json(p, &["runs", "--json"]);
        let found =
            runs.as_array().unwrap().iter().find(|r| r["workflow"] == "rollback" && r["status"] == "waiting");
        if let Some(r) = found {
            return r["id"].as_str().unwrap().to_string();
        }
        assert!(Instant::now() < deadline, "no rollback waiting at its gate: {runs:#}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn the_incident_response_workflow_declares_rolls_back_verifies_and_resolves() {
    let (p, sandbox) = project();
    ok(&p, &["run", "deploy", "-p", "version=1.1.0", "--yes"]);
    ok(&p, &["run", "deploy", "-p", "version=1.2.0", "--yes"]);
    let ledger = json(&p, &["ledger", "list", "--json"]);
    let cause = ledger.as_array().unwrap().last().unwrap()["id"].as_str().unwrap().to_string();
    ok(&p, &["sandbox", "break", "--url", &sandbox.url]);

    let args = [
        "run",
        "incident-response",
        "--env",
        "staging",
        "-p",
        "id=inc-e2e",
        "-p",
        "summary=checkout returns 502",
        "-p",
        &format!("caused_by={cause}"),
        "--yes",
    ];
    let child = p
        .cmd(&args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let rollback = waiting_rollback(&p);
    ok(&p, &["approve", &rollback]);
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let log = String::from_utf8_lossy(&out.stdout);
    assert!(log.contains("web") && log.contains("DOWN"), "the diagnostics saw the broken service: {log}");

    let status = ok(&p, &["sandbox", "status", "--url", &sandbox.url]);
    assert!(status.contains("version 1.1.0") && status.contains("UP"), "rolled back and healthy: {status}");
    assert!(p.read("postmortem-inc-e2e.md").contains("## Timeline"), "the postmortem was exported");

    let tl = json(&p, &["incident", "timeline", "inc-e2e", "--json"]);
    let texts: Vec<&str> =
        tl["timeline"].as_array().unwrap().iter().map(|r| r["text"].as_str().unwrap()).collect();
    let expected = [
        "declared the incident: checkout returns 502".to_string(),
        format!("linked run {rollback} (rollback) started"),
        format!("approve gate approve#1 of run {rollback}"),
        format!("linked run {rollback} (rollback) succeeded"),
        "marked it mitigated".to_string(),
        "resolved it".to_string(),
    ];
    let mut from = 0;
    for want in &expected {
        let pos = texts[from..].iter().position(|t| t.contains(want.as_str()));
        let pos = pos.unwrap_or_else(|| panic!("{want:?} not after row {from}: {texts:#?}"));
        from += pos + 1;
    }
    assert_eq!(tl["status"], "resolved");
    assert_eq!(tl["linked_runs"][0]["id"], rollback.as_str());
    assert_eq!(tl["impact"], format!("web in staging, caused by deployment {cause}"));

    assert_remediated(&p, &cause);
}

/// The ledger's rollback remediates `cause`; DORA counts `cause` failed and restored when the
/// rollback finished.
fn assert_remediated(p: &Project, cause: &str) {
    let ledger = json(p, &["ledger", "list", "--json"]);
    let row = ledger.as_array().unwrap().iter().find(|d| d["kind"] == "rollback").expect("a rollback row");
    assert_eq!(row["remediates"], cause, "the incident's cause filled remediates: {row:#}");
    let dora = json(p, &["dora", "--json", "--service", "web", "--env", "staging"]);
    let d = dora["deployments"].as_array().unwrap().iter().find(|d| d["deployment"]["id"] == cause);
    let d = d.unwrap_or_else(|| panic!("{cause} not in dora: {dora:#}"));
    assert!(!d["failure_reasons"].as_array().unwrap().is_empty(), "failed: {d:#}");
    assert_eq!(d["restored"], row["finished_at"], "restored when the rollback finished: {d:#}");
}
