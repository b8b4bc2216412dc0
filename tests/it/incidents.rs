//! Incident mode through the real binary and its runner: injected times give exact MTTR figures,
//! a rollback started with `--incident` is linked and fills `remediates` so `dora --json` counts
//! the recovery from the incident's start to the rollback's finish, bad input exits 2 writing
//! nothing, a note on a resolved incident is kept marked late, and the Markdown postmortem holds
//! the same timeline as the JSON export.

use serde_json::Value;

use crate::common::{Project, git, text};

const CONFIG: &str =
    "[environments.prod]\nproduction = true\nallow_root_approval = true\nallow_self_approval = true\n";

/// A rollback workflow in the shape of `workflows/rollback.toml`: a `remediates` parameter that
/// `--incident` fills, written to the ledger by `[deployment]`.
const ROLLBACK: &str = r#"
title = "Roll back"
kind = "rollback"

[params.remediates]
prompt = "Deployment it remediates"
type = "string"
default = ""

[deployment]
service = "web"
kind = "rollback"
remediates = "{{ params.remediates }}"

[[steps]]
id = "rollout"
run = "echo rolled back"
"#;

fn project() -> Project {
    let p = Project::new(CONFIG, &[("rollback.toml", ROLLBACK)]);
    git(&p, &["init", "-q", "-b", "main"]);
    std::fs::write(p.path().join("a.txt"), "a").unwrap();
    git(&p, &["add", "."]);
    git(&p, &["commit", "-q", "-m", "first"]);
    p
}

fn ok(p: &Project, args: &[&str]) -> String {
    let out = p.run(args);
    assert_eq!(out.status.code(), Some(0), "{args:?}: {}", text(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn refused(p: &Project, args: &[&str], needle: &str) {
    let out = p.run(args);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(needle), "{args:?}: expected {needle:?} in {err}");
}

fn json(p: &Project, args: &[&str]) -> Value {
    serde_json::from_str(&ok(p, args)).unwrap()
}

/// An instant `mins` minutes after `base` (seconds since the epoch), RFC 3339.
fn at(base: i64, mins: i64) -> String {
    jiff::Timestamp::from_second(base + mins * 60).unwrap().strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn micros(text: &str) -> i64 {
    text.parse::<jiff::Timestamp>().unwrap().as_microsecond()
}

#[test]
fn injected_times_give_exact_mttr_and_dora_recovery_ends_at_the_linked_rollback() {
    let p = project();
    let t0 = jiff::Timestamp::now().as_second() - 3600;
    ok(
        &p,
        &[
            "ledger",
            "add",
            "--service",
            "web",
            "--env",
            "prod",
            "--sha",
            "HEAD",
            "--id",
            "d1",
            "--finished",
            &at(t0, -60),
        ],
    );
    let open =
        ["incident", "open", "checkout 5xx", "--service", "web", "--env", "prod", "--severity", "sev1"];
    let mut args = open.to_vec();
    let (s, d, a) = (at(t0, 0), at(t0, 2), at(t0, 5));
    args.extend([
        "--id",
        "inc-7",
        "--caused-by",
        "d1",
        "--commander",
        "--started",
        &s,
        "--detected",
        &d,
        "--at",
        &a,
    ]);
    ok(&p, &args);
    ok(&p, &["incident", "mitigated", "inc-7", "--at", &at(t0, 11)]);
    ok(&p, &["run", "rollback", "--env", "prod", "--yes", "--incident", "inc-7"]);
    ok(&p, &["incident", "resolve", "inc-7", "--at", &at(t0, 25)]);

    let show = json(&p, &["incident", "show", "inc-7", "--json"]);
    let ms: Vec<i64> = show["mttr"].as_array().unwrap().iter().map(|m| m["ms"].as_i64().unwrap()).collect();
    assert_eq!(ms, [120_000, 180_000, 660_000, 1_500_000], "{show:#}");
    assert_eq!(show["mttr"][1]["target_ms"], 300_000, "sev1 responds within 5 m by default");
    assert_eq!(show["mttr"][1]["verdict"], "met");
    assert_eq!(show["linked_runs"].as_array().unwrap().len(), 1, "{show:#}");

    assert_recovery_ends_at_the_rollback(&p, micros(&s));
}

#[test]
fn bad_input_exits_2_and_writes_nothing_while_a_late_note_is_kept() {
    let p = project();
    ok(&p, &["incident", "open", "slow pages", "--service", "web", "--env", "prod", "--id", "inc-a"]);
    ok(&p, &["incident", "open", "errors", "--service", "web", "--env", "prod", "--id", "inc-b"]);
    let events = |p: &Project| {
        json(p, &["incident", "timeline", "inc-a", "--json"])["timeline"].as_array().unwrap().len()
    };
    let before = events(&p);
    refused(
        &p,
        &["incident", "note", "inc-zz", "hello"],
        "no incident \"inc-zz\"; open incidents: inc-a, inc-b",
    );
    refused(
        &p,
        &["incident", "severity", "inc-a", "sev5"],
        "severity \"sev5\" is not one of sev1, sev2, sev3, sev4",
    );
    refused(
        &p,
        &["incident", "open", "x", "--service", "web", "--severity", "critical"],
        "\"critical\" is not one of",
    );
    refused(&p, &["incident", "join", "inc-a", "--role", "boss"], "role \"boss\"");
    ok(&p, &["incident", "resolve", "inc-a"]);
    let after_resolve = events(&p);
    refused(&p, &["incident", "mitigated", "inc-a"], "incident inc-a was resolved at");
    refused(&p, &["incident", "resolve", "inc-a"], "was resolved at");
    refused(
        &p,
        &["run", "rollback", "--env", "prod", "--yes", "--incident", "inc-a"],
        "--incident inc-a: it was resolved",
    );
    refused(
        &p,
        &["run", "rollback", "--env", "prod", "--yes", "--incident", "inc-q"],
        "open incidents: inc-b",
    );
    assert_eq!(
        json(&p, &["runs", "--json"]).as_array().unwrap().len(),
        0,
        "a refused --incident started a run"
    );
    assert_eq!(events(&p), after_resolve, "a refused change wrote something");
    assert_eq!(after_resolve, before + 1);
    ok(&p, &["incident", "note", "inc-a", "found the cause later"]);
    let t = json(&p, &["incident", "timeline", "inc-a", "--json"]);
    let late = t["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["text"].as_str().unwrap().contains("found the cause later (late: after resolution)"));
    assert!(late, "{t:#}");
    let audit = ok(&p, &["audit", "--json"]);
    assert!(audit.contains("incident.note"), "each change is audited: {audit}");
}

/// `dora --json`: d1 failed, and its recovery = the linked rollback's finish − `started`.
fn assert_recovery_ends_at_the_rollback(p: &Project, started: i64) {
    let ledger = json(p, &["ledger", "list", "--json"]);
    let rollback =
        ledger.as_array().unwrap().iter().find(|d| d["kind"] == "rollback").expect("a rollback row");
    assert_eq!(rollback["remediates"], "d1", "--incident filled remediates from the incident's cause");
    let finished = rollback["finished_at"].as_i64().unwrap();
    let dora = json(p, &["dora", "--json", "--service", "web", "--env", "prod"]);
    let recovery = &dora["current"]["recovery"];
    assert_eq!(recovery["restored"], 1, "{dora:#}");
    #[allow(clippy::cast_precision_loss)] // spans of minutes are exact in f64
    let expected = (finished - started) as f64 / 1e6;
    let got = recovery["median_secs"].as_f64().unwrap();
    assert!((got - expected).abs() < 1e-6, "recovery {got} s, expected {expected} s: {dora:#}");
    let d1 = dora["deployments"].as_array().unwrap().iter().find(|d| d["deployment"]["id"] == "d1").unwrap();
    assert!(!d1["failure_reasons"].as_array().unwrap().is_empty(), "d1 is a failed deployment: {d1:#}");
    assert_eq!(d1["restored"].as_i64(), Some(finished), "restored when the rollback finished: {d1:#}");
}
