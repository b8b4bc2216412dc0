//! An incident's postmortem for a client-only operator (issue 11's last leftover): fd-bob can read
//! neither the runner's store nor the secret's dotenv file (root's, 0600), yet `incident timeline`
//! and `incident show` answer him through the runner, which builds the postmortem and redacts the
//! secret's value from a linked run's failing step and from a note — the same bytes root prints.

use crate::common::text;
use crate::history_users::ok;
use crate::users::{RootRunner, ensure_users, run_as, sh_as, shared_project};

const SECRET: &str = "hunter2-very-secret-value";

const CONFIG: &str = "[environments.local]\nallow_root_approval = true\n\n[secret_providers.f]\nkind = \"dotenv\"\nfile = \"app.env\"\n\n[secrets.db_password]\nprovider = \"f\"\nkey = \"DB_PASSWORD\"\n";

/// A step that prints the value it read straight from the file and fails.
const LEAK: &str = "title = \"connect\"\n[[steps]]\nid = \"connect\"\nrun = \"echo connecting with $(cut -d= -f2 app.env) >&2; exit 1\"\n";

#[test]
fn a_client_only_operator_gets_the_postmortem_redacted_by_the_runner() {
    ensure_users();
    let p = shared_project(CONFIG, &[("connect.toml", LEAK)]);
    let env = p.path().join("app.env");
    std::fs::write(&env, format!("DB_PASSWORD={SECRET}\n")).unwrap();
    let out = std::process::Command::new("chmod").arg("0600").arg(&env).output().unwrap();
    assert!(out.status.success());
    let cat = sh_as("fd-bob", &format!("cat {}", env.display()));
    assert!(!cat.status.success(), "fd-bob must not read the secret himself");
    let _runner = RootRunner::start(&p);
    let open =
        ["incident", "open", "db refuses logins", "--service", "db", "--env", "local", "--id", "inc-r"];
    ok(&run_as(&p, "root", &open), "incident open");
    let run = run_as(&p, "root", &["run", "connect", "--env", "local", "--yes", "--incident", "inc-r"]);
    assert_eq!(run.status.code(), Some(3), "the step fails: {}", text(&run));
    let note = format!("tried the password {SECRET} by hand");
    ok(&run_as(&p, "fd-alice", &["incident", "note", "inc-r", &note]), "incident note");
    ok(&run_as(&p, "root", &["incident", "resolve", "inc-r"]), "incident resolve");
    for args in [
        &["incident", "timeline", "inc-r", "--json"][..],
        &["incident", "timeline", "inc-r", "--markdown"],
        &["incident", "show", "inc-r"],
    ] {
        let bob = run_as(&p, "fd-bob", args);
        let doc = ok(&bob, "fd-bob's postmortem");
        assert!(!text(&bob).contains(SECRET), "{args:?} holds the secret: {}", text(&bob));
        let root = ok(&run_as(&p, "root", args), "root's postmortem");
        assert_eq!(doc, root, "{args:?}: fd-bob and root get the same bytes");
    }
    let json = ok(&run_as(&p, "fd-bob", &["incident", "timeline", "inc-r", "--json"]), "timeline");
    assert!(json.contains("tried the password [redacted] by hand"), "the note is masked: {json}");
    assert!(
        json.contains("step connect failed: exited with code 1; last output: connecting with [redacted]"),
        "the failing step's output (read by the runner) is in the timeline, masked: {json}"
    );
}
