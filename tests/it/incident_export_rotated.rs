//! Rotated secrets in the postmortem export (issue 18), against a real openbao dev server (and
//! AWS Secrets Manager on moto): a
//! value printed by a linked run's failing step and then rotated away is still redacted, because
//! the export reads the secret's previous KV versions (`[incidents] redact_versions`, default 5)
//! as well as the current one; with `redact_versions = 0` the old value is not looked for.

use crate::common::{Project, text};
use crate::secrets_infra::{Server, bao, boto, moto, openbao};

const OLD: &str = "old-rotated-Pa55word-4711";
const NEW: &str = "new-current-Pa55word-0815";

/// A step that prints the value kept in `leak.txt` (not through `{{ secrets.* }}`) and fails.
const LEAK: &str = "title = \"connect\"\n[[steps]]\nid = \"connect\"\nrun = \"echo connecting with $(cat leak.txt) >&2; exit 1\"\n";

fn ok(p: &Project, args: &[&str]) -> String {
    let out = p.run(args);
    assert_eq!(out.status.code(), Some(0), "{args:?}: {}", text(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn openbao_config(server: &Server) -> String {
    format!(
        "[secret_providers.bao]\nkind = \"openbao\"\naddress = \"{}\"\ntoken = \"root-token\"\n\n\
         [secrets.db_password]\nprovider = \"bao\"\npath = \"payments/db\"\nkey = \"password\"\n",
        server.url()
    )
}

fn openbao_put(server: &Server, value: &str) {
    bao(server, &["kv", "put", "secret/payments/db", &format!("password={value}")]);
}

/// A project with `provider` (its `[secret_providers]` and `[secrets.db_password]`) whose
/// `db_password` was `OLD` (written by `put`) when the step printed it and is `NEW` now; the
/// incident's note names `NEW`. Returns the Markdown and the JSON export.
fn exports(provider: &str, put: &dyn Fn(&str), extra: &str) -> (String, String) {
    let config = format!("[environments.local]\nallow_root_approval = true\n\n{provider}{extra}");
    let p = Project::new(&config, &[("connect.toml", LEAK)]);
    put(OLD);
    std::fs::write(p.path().join("leak.txt"), OLD).unwrap();
    ok(
        &p,
        &["incident", "open", "db refuses logins", "--service", "db", "--env", "local", "--id", "inc-rot"],
    );
    let out = p.run(&["run", "connect", "--env", "local", "--yes", "--incident", "inc-rot"]);
    assert_eq!(out.status.code(), Some(3), "the step fails: {}", text(&out));
    assert!(text(&out).contains(OLD), "the step really printed the old value: {}", text(&out));
    put(NEW);
    ok(&p, &["incident", "note", "inc-rot", &format!("rotated to {NEW}")]);
    let md = ok(&p, &["incident", "timeline", "inc-rot", "--markdown"]);
    let json = ok(&p, &["incident", "timeline", "inc-rot", "--json"]);
    (md, json)
}

fn assert_both_masked(md: &str, json: &str) {
    for (name, doc) in [("markdown", md), ("json", json)] {
        assert_eq!(doc.matches(OLD).count(), 0, "{name} holds the rotated value:\n{doc}");
        assert_eq!(doc.matches(NEW).count(), 0, "{name} holds the current value:\n{doc}");
        assert!(doc.contains("connecting with [redacted]"), "{name}: step output not masked:\n{doc}");
        assert!(doc.contains("rotated to [redacted]"), "{name}: note not masked:\n{doc}");
    }
}

#[test]
fn a_rotated_secrets_old_value_in_a_linked_runs_step_output_is_redacted_from_the_export() {
    let server = openbao();
    let (md, json) = exports(&openbao_config(&server), &|v| openbao_put(&server, v), "");
    assert_both_masked(&md, &json);
}

#[test]
fn a_rotated_aws_secrets_previous_version_is_redacted_from_the_export() {
    let server = moto();
    let provider = format!(
        "[secret_providers.aws]\nkind = \"aws\"\nendpoint = \"{}\"\nregion = \"us-east-1\"\n\
         access_key_id = \"test\"\nsecret_access_key = \"test-secret-key\"\n\n\
         [secrets.db_password]\nprovider = \"aws\"\npath = \"payments/db\"\nkey = \"password\"\n",
        server.url()
    );
    let put = |v: &str| {
        let call = if v == OLD { "create_secret(Name" } else { "put_secret_value(SecretId" };
        boto(&server, &format!("sm.{call}='payments/db', SecretString=json.dumps({{'password': '{v}'}}))"));
    };
    let (md, json) = exports(&provider, &put, "");
    assert_both_masked(&md, &json);
}

#[test]
fn with_redact_versions_zero_only_the_current_value_is_looked_for() {
    let server = openbao();
    let put = |v: &str| openbao_put(&server, v);
    let (md, _) = exports(&openbao_config(&server), &put, "\n[incidents]\nredact_versions = 0\n");
    assert!(md.contains(&format!("connecting with {OLD}")), "old versions are not read:\n{md}");
    assert_eq!(md.matches(NEW).count(), 0, "the current value is still redacted:\n{md}");
}
