//! The postmortem export (issue 18): insta snapshots of the Markdown and the JSON of a fixture
//! incident whose every instant is injected, and redaction — a real secret value (read from a
//! dotenv provider) printed by a linked run's failing step and typed into a note never reaches
//! the Markdown or the JSON, where the mask stands in its place.

use serde_json::Value;

use crate::common::{Project, text};

fn ok(p: &Project, args: &[&str]) -> String {
    let out = p.run(args);
    assert_eq!(out.status.code(), Some(0), "{args:?}: {}", text(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// An incident on 2026-03-02 with every change at an injected instant: declared sev1 with a
/// commander, detected 2 min in, a severity change, notes (one with a pipe), mitigated
/// at 11 min, resolved at 25 min.
fn fixture(p: &Project) {
    let t = |m: u32| format!("2026-03-02T03:{m:02}:00Z");
    let open = [
        "incident",
        "open",
        "checkout returns 502",
        "--service",
        "web",
        "--env",
        "prod",
        "--severity",
        "sev2",
        "--id",
        "inc-fixture",
        "--commander",
        "--started",
        &t(0),
        "--detected",
        &t(2),
        "--at",
        &t(3),
    ];
    ok(p, &open);
    ok(p, &["incident", "severity", "inc-fixture", "sev1", "--at", &t(6)]);
    ok(p, &["incident", "note", "inc-fixture", "5xx on /checkout | only eu-west", "--at", &t(8)]);
    ok(p, &["incident", "mitigated", "inc-fixture", "--at", &t(11)]);
    ok(p, &["incident", "note", "inc-fixture", "error rate back to baseline", "--at", &t(20)]);
    ok(p, &["incident", "resolve", "inc-fixture", "--at", &t(25)]);
}

#[test]
fn the_postmortem_of_a_fixture_incident_matches_its_snapshots() {
    let p = Project::new("[environments.prod]\nproduction = true\nallow_root_approval = true\n", &[]);
    fixture(&p);
    let mut json: Value =
        serde_json::from_str(&ok(&p, &["incident", "timeline", "inc-fixture", "--json"])).unwrap();
    json["responders"][0]["uid"] = Value::from("[uid]");
    // The operator is whoever runs the tests: normalised; nothing else is (every instant is injected).
    let me = json["responders"][0]["name"].as_str().unwrap().to_string();
    let normal = |s: &str| {
        s.replace(&format!("\"{me}\""), "\"[operator]\"")
            .replace(&format!("\"{me} "), "\"[operator] ")
            .replace(&format!("| {me} "), "| [operator] ")
            .replace(&format!("by {me}:"), "by [operator]:")
    };
    let md = ok(&p, &["incident", "timeline", "inc-fixture", "--markdown"]);
    insta::assert_snapshot!("incident_postmortem_markdown", normal(&md));
    insta::assert_snapshot!(
        "incident_postmortem_json",
        normal(&serde_json::to_string_pretty(&json).unwrap())
    );
}

const SECRET: &str = "hunter2-very-secret-value";

const CONFIG: &str = "[environments.local]\nallow_root_approval = true\n\n[secret_providers.f]\nkind = \"dotenv\"\nfile = \"app.env\"\n\n[secrets.db_password]\nprovider = \"f\"\nkey = \"DB_PASSWORD\"\n";

/// A step that prints the value it read straight from the file (not through `{{ secrets.* }}`,
/// so the run's journal has no reason to hide it) and fails.
const LEAK: &str = "title = \"connect\"\n[[steps]]\nid = \"connect\"\nrun = \"echo connecting with $(cut -d= -f2 app.env) >&2; exit 1\"\n";

#[test]
fn secret_values_are_redacted_from_the_markdown_and_json_export() {
    let p = Project::new(CONFIG, &[("connect.toml", LEAK)]);
    std::fs::write(p.path().join("app.env"), format!("DB_PASSWORD={SECRET}\n")).unwrap();
    ok(&p, &["incident", "open", "db refuses logins", "--service", "db", "--env", "local", "--id", "inc-r"]);
    let out = p.run(&["run", "connect", "--env", "local", "--yes", "--incident", "inc-r"]);
    assert_eq!(out.status.code(), Some(3), "the step fails: {}", text(&out));
    assert!(text(&out).contains(SECRET), "the step really printed the value: {}", text(&out));
    ok(&p, &["incident", "note", "inc-r", &format!("tried the password {SECRET} by hand")]);
    ok(&p, &["incident", "resolve", "inc-r"]);

    let md = ok(&p, &["incident", "timeline", "inc-r", "--markdown"]);
    let json = ok(&p, &["incident", "timeline", "inc-r", "--json"]);
    let show = ok(&p, &["incident", "show", "inc-r", "--json"]);
    for (name, doc) in [("markdown", &md), ("json", &json), ("show --json", &show)] {
        assert!(!doc.contains(SECRET), "{name} export holds the secret:\n{doc}");
        assert!(doc.contains("tried the password [redacted] by hand"), "{name}: note not masked:\n{doc}");
        assert!(
            doc.contains("step connect failed: exited with code 1; last output: connecting with [redacted]"),
            "{name}: the failing step's output is not in the timeline, masked:\n{doc}"
        );
    }
    let out = p.cmd(&["incident", "timeline", "inc-r", "--markdown", "-o", "pm.md"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let written = p.read("pm.md");
    assert!(written.contains("[redacted]") && !written.contains(SECRET), "{written}");
}
