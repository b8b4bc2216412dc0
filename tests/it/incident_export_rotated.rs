//! Rotated secrets in the postmortem export (issue 18), against a real openbao dev server: a
//! value printed by a linked run's failing step and then rotated away is still redacted, because
//! the export reads the secret's previous KV versions (`[incidents] redact_versions`, default 5)
//! as well as the current one; with `redact_versions = 0` the old value is not looked for.

use crate::common::{Project, text};
use crate::secrets_infra::{Server, bao, openbao};

const OLD: &str = "old-rotated-Pa55word-4711";
const NEW: &str = "new-current-Pa55word-0815";

/// A step that prints the value kept in `leak.txt` (not through `{{ secrets.* }}`) and fails.
const LEAK: &str = "title = \"connect\"\n[[steps]]\nid = \"connect\"\nrun = \"echo connecting with $(cat leak.txt) >&2; exit 1\"\n";

fn ok(p: &Project, args: &[&str]) -> String {
    let out = p.run(args);
    assert_eq!(out.status.code(), Some(0), "{args:?}: {}", text(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A project on `server` whose `db_password` was `OLD` when the step printed it and is `NEW` now;
/// the incident's note names `NEW`. Returns the Markdown and the JSON export.
fn exports(server: &Server, extra: &str) -> (String, String) {
    let config = format!(
        "[environments.local]\nallow_root_approval = true\n\n[secret_providers.bao]\nkind = \"openbao\"\n\
         address = \"{}\"\ntoken = \"root-token\"\n\n[secrets.db_password]\nprovider = \"bao\"\n\
         path = \"payments/db\"\nkey = \"password\"\n{extra}",
        server.url()
    );
    let p = Project::new(&config, &[("connect.toml", LEAK)]);
    bao(server, &["kv", "put", "secret/payments/db", &format!("password={OLD}")]);
    std::fs::write(p.path().join("leak.txt"), OLD).unwrap();
    ok(
        &p,
        &["incident", "open", "db refuses logins", "--service", "db", "--env", "local", "--id", "inc-rot"],
    );
    let out = p.run(&["run", "connect", "--env", "local", "--yes", "--incident", "inc-rot"]);
    assert_eq!(out.status.code(), Some(3), "the step fails: {}", text(&out));
    assert!(text(&out).contains(OLD), "the step really printed the old value: {}", text(&out));
    bao(server, &["kv", "put", "secret/payments/db", &format!("password={NEW}")]);
    ok(&p, &["incident", "note", "inc-rot", &format!("rotated to {NEW}")]);
    let md = ok(&p, &["incident", "timeline", "inc-rot", "--markdown"]);
    let json = ok(&p, &["incident", "timeline", "inc-rot", "--json"]);
    (md, json)
}

#[test]
fn a_rotated_secrets_old_value_in_a_linked_runs_step_output_is_redacted_from_the_export() {
    let server = openbao();
    let (md, json) = exports(&server, "");
    for (name, doc) in [("markdown", &md), ("json", &json)] {
        assert_eq!(doc.matches(OLD).count(), 0, "{name} holds the rotated value:\n{doc}");
        assert_eq!(doc.matches(NEW).count(), 0, "{name} holds the current value:\n{doc}");
        assert!(doc.contains("connecting with [redacted]"), "{name}: step output not masked:\n{doc}");
        assert!(doc.contains("rotated to [redacted]"), "{name}: note not masked:\n{doc}");
    }
}

#[test]
fn with_redact_versions_zero_only_the_current_value_is_looked_for() {
    let server = openbao();
    let (md, _) = exports(&server, "\n[incidents]\nredact_versions = 0\n");
    assert!(md.contains(&format!("connecting with {OLD}")), "old versions are not read:\n{md}");
    assert_eq!(md.matches(NEW).count(), 0, "the current value is still redacted:\n{md}");
}
