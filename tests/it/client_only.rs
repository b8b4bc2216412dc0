//! Client-only mode without a store of its own (issue 11's last leftovers), with real OS users
//! against a root runner whose store only root reads: every read-only command in `flightdeck
//! --help` run as fd-bob either answers through the runner (the same bytes root gets) or refuses
//! with exit 8 naming the runner's user (none does any more; `assess` is recorded by the runner),
//! never a `SQLite` "unable to open"; and fd-bob's console
//! (tmux) shows real data the runner's store holds on the Assess, Backups, Images, Cost and Health
//! (alerts) screens and in the flame view, while it opens no scratch store.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};

use crate::common::text;
use crate::e2e_tmux::Tmux;
use crate::history_users::ok;
use crate::users::{RootRunner, data_dir, ensure_users, run_as, shared_project, wait_status};

const CONFIG: &str = "[environments.prod]\nproduction = true\n\n[environments.staging]\n";

const CHATTY: &str = "title = \"Chatty\"\n[[steps]]\nid = \"greet\"\nrun = \"echo hello\"\n";

/// A profile of a busy shell loop (about a second) (real perf, run by the runner as root).
const PROFILED: &str = r#"
title = "Profiled"
[[steps]]
id = "cpu"
profile = { command = "sh -c 'i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done'", duration = "20s", frequency = 499 }
"#;

/// What a client-only operator must never see: the store's own open errors.
const SQLITE_ERRORS: [&str; 4] = ["unable to open", "readonly", "read-only database", "Error code"];

/// Read-only invocations (`RUN` is replaced by a finished run's id); each either works for fd-bob
/// or refuses with exit 8.
const READ_ONLY: &[&[&str]] = &[
    &["list"],
    &["show", "chatty"],
    &["show", "RUN"],
    &["runs"],
    &["log", "RUN"],
    &["audit"],
    &["audit", "verify"],
    &["validate"],
    &["info"],
    &["dora"],
    &["ledger", "list"],
    &["ledger", "export"],
    &["ledger", "last-good", "--service", "web"],
    &["incident", "list"],
    &["incident", "show", "inc-co"],
    &["incident", "timeline", "inc-co"],
    &["notify", "check"],
    &["notify", "list"],
    &["health", "--once", "--env", "staging"],
    &["db", "status", "--database", "app.db"],
    &["db", "backups"],
    &["db", "verify"],
    &["image", "list"],
    &["release", "plan"],
    &["release", "changelog"],
    &["secrets", "list"],
    &["secrets", "check"],
    &["env", "resources", "prod"],
    &["profile", "show", "RUN"],
    &["profile", "baselines"],
    &["cost", "report"],
    &["cost", "anomalies"],
    &["cost", "imports"],
    &["alerts", "list"],
    &["monitoring", "check", "mon"],
    &["assess"],
    &["assess", "history"],
    &["sandbox", "status", "--url", "http://127.0.0.1:1"],
];

/// Commands that change something (or serve): not part of the read-only sweep.
const WRITES: &[&str] = &[
    "run",
    "resume",
    "approve",
    "attach",
    "runner",
    "load",
    "help",
    "ledger add",
    "ledger import",
    "incident open",
    "incident join",
    "incident leave",
    "incident note",
    "incident severity",
    "incident mitigated",
    "incident resolve",
    "notify test",
    "notify flush",
    "notify resend",
    "db backup",
    "db migrate",
    "db restore",
    "db prune",
    "image build",
    "image scan",
    "image push",
    "image digest",
    "release bump",
    "release tag",
    "release hotfix",
    "release link",
    "secrets rotate",
    "secrets restore",
    "secrets disable",
    "secrets create",
    "env gc",
    "profile save-baseline",
    "profile record",
    "cost import",
    "alerts listen",
    "monitoring generate",
    "monitoring apply",
    "monitoring verify",
    "assess set",
    "sandbox serve",
    "sandbox ensure",
    "sandbox deploy",
    "sandbox verify",
    "sandbox break",
    "sandbox fix",
    "sandbox slow",
    "sandbox hot",
    "sandbox stop",
];

/// Those that must answer fd-bob through the runner with root's exact bytes.
const THROUGH_RUNNER: &[&[&str]] = &[
    &["runs"],
    &["show", "RUN"],
    &["log", "RUN"],
    &["audit"],
    &["audit", "verify"],
    &["ledger", "list"],
    &["incident", "list"],
    &["incident", "show", "inc-co"],
    &["incident", "timeline", "inc-co"],
    &["assess", "history"],
    &["notify", "list"],
    &["image", "list"],
    &["alerts", "list"],
    &["profile", "show", "RUN"],
    &["profile", "baselines"],
    &["cost", "report"],
    &["cost", "anomalies"],
    &["cost", "imports"],
    &["env", "resources", "prod"],
];

/// The subcommand names under `Commands:` of `flightdeck ARGS --help`.
fn commands(args: &[&str]) -> Vec<String> {
    let out = Command::new(crate::common::bin()).args(args).arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&out.stdout).into_owned();
    let Some(list) = help.split("Commands:\n").nth(1) else { return Vec::new() };
    list.lines()
        .take_while(|l| !l.trim().is_empty())
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .filter(|c| c != "help")
        .collect()
}

/// Every command and subcommand of `--help` is in the sweep or named as one that writes.
#[test]
fn the_sweep_covers_every_command_in_help() {
    let swept = |name: &str| {
        READ_ONLY.iter().any(|args| args.join(" ") == name || args.join(" ").starts_with(&format!("{name} ")))
    };
    let mut missing = Vec::new();
    for top in commands(&[]) {
        let subs = commands(&[top.as_str()]);
        if subs.is_empty() {
            if !swept(&top) && !WRITES.contains(&top.as_str()) {
                missing.push(top.clone());
            }
            continue;
        }
        for sub in subs {
            let name = format!("{top} {sub}");
            if !swept(&name) && !WRITES.contains(&name.as_str()) {
                missing.push(name);
            }
        }
    }
    assert!(missing.is_empty(), "commands neither swept nor listed as writing: {missing:?}");
}

/// A `SQLite` database with one table of 3 rows.
fn sqlite_db(path: &Path) {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); INSERT INTO t (v) VALUES ('a'), ('b'), ('c');",
    )
    .unwrap();
    drop(conn);
    let out = Command::new("chmod").arg("a+r").arg(path).output().unwrap();
    assert!(out.status.success());
}

/// Posts an Alertmanager webhook for `FdCheckoutDown` to a receiver; the HTTP status line.
fn post_alert(addr: &str) -> String {
    let body = r#"{"version":"4","status":"firing","alerts":[{"status":"firing","labels":{"alertname":"FdCheckoutDown","monitor":"checkout"},"annotations":{"summary":"checkout answers 503"},"startsAt":"2026-12-04T03:00:00Z"}]}"#;
    crate::alerts_console::post_body(addr, body)
}

/// Root's `alerts listen` receives one real webhook and stores it; stopped by pid.
fn receive_alert(p: &crate::common::Project) {
    let mut listen = crate::users::as_user(p, "root", &["alerts", "listen", "127.0.0.1:0", "--for", "30s"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(listen.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let addr = first.trim_start_matches("listening on http://").trim_end_matches("/alerts").to_string();
    assert!(post_alert(&addr).contains(" 200 "), "the receiver accepted the webhook");
    let printed = lines.next().unwrap().unwrap();
    assert!(printed.contains("FdCheckoutDown"), "{printed}");
    let _ = listen.kill();
    let _ = listen.wait();
}

/// A pushed image recorded in the runner's store (as root, the store's owner: pushing a real image
/// needs a registry and buildah, which the containers tests cover).
fn record_image(p: &crate::common::Project) {
    let store = flightdeck::store::Store::open(&data_dir(p)).unwrap();
    let image = flightdeck::store::NewArtifact {
        image: "127.0.0.1:5000/checkout".into(),
        tags: vec!["v9.8.7".into()],
        digest: format!("sha256:{}", "ab".repeat(32)),
        sbom_path: None,
        scan_summary: serde_json::json!({"critical": 0, "high": 0}),
        run: None,
    };
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(store.add_artifact(&image, flightdeck::time::now())).unwrap();
}

/// Imports a generated AWS CUR file (August to mid-September 2026) as root.
fn import_cost(p: &crate::common::Project) {
    let file = p.path().join("cur.csv");
    crate::cost_gen::write_cur_legacy(
        &file,
        &crate::cost_gen::lines(crate::cost_gen::d("2026-09-15")),
        false,
    );
    ok(&run_as(p, "root", &["cost", "import", file.to_str().unwrap()]), "cost import");
}

/// The shared data every screen shows: a finished run, an incident, a backup, an image, a cost
/// import, an alert, an assessment item set and a profiled run (its id).
fn seed(p: &crate::common::Project) -> (String, String) {
    let run = ok(&run_as(p, "fd-alice", &["run", "chatty", "--env", "prod", "--detach"]), "run");
    let run = run.trim().to_string();
    wait_status(p, &run, "succeeded");
    let open = ["incident", "open", "checkout 503", "--service", "web", "--env", "prod", "--id", "inc-co"];
    ok(&run_as(p, "fd-alice", &open), "incident open");
    sqlite_db(&p.path().join("app.db"));
    let backup = run_as(p, "root", &["db", "backup", "staging", "--database", "app.db", "--out", "b/"]);
    ok(&backup, "db backup");
    record_image(p);
    import_cost(p);
    receive_alert(p);
    ok(
        &run_as(p, "root", &["assess", "set", "7.2.3", "pass", "-m", "waived by CAB-12", "--env", "prod"]),
        "assess set",
    );
    crate::common::ensure_tool("perf");
    let prof = ok(&run_as(p, "root", &["run", "profiled", "--env", "staging"]), "profiled run");
    let prof = ok(&run_as(p, "root", &["runs", "--json"]), &prof);
    let runs: serde_json::Value = serde_json::from_str(&prof).unwrap();
    let profiled = runs.as_array().unwrap().iter().find(|r| r["workflow"] == "profiled").unwrap();
    (run, profiled["id"].as_str().unwrap().to_string())
}

fn with_run(args: &[&str], run: &str) -> Vec<String> {
    args.iter().map(|a| if *a == "RUN" { run.to_string() } else { (*a).to_string() }).collect()
}

/// fd-bob's answer to one read-only command, checked: root's exit code or 8 with the reason, and
/// never a store open error.
fn check_one(p: &crate::common::Project, args: &[String]) -> (Output, Output) {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let root = run_as(p, "root", &args);
    let bob = run_as(p, "fd-bob", &args);
    let all = format!("{}{}", String::from_utf8_lossy(&bob.stdout), String::from_utf8_lossy(&bob.stderr));
    for bad in SQLITE_ERRORS {
        assert!(!all.contains(bad), "{args:?}: fd-bob saw {bad:?}: {}", text(&bob));
    }
    if bob.status.code() == Some(8) && root.status.code() != Some(8) {
        let err = String::from_utf8_lossy(&bob.stderr);
        assert!(
            err.contains("runner's user (root)") && err.contains("sudo -u root"),
            "{args:?}: {}",
            text(&bob)
        );
    } else {
        assert_eq!(
            bob.status.code(),
            root.status.code(),
            "{args:?}: root {} / bob {}",
            text(&root),
            text(&bob)
        );
    }
    (root, bob)
}

#[test]
fn every_read_only_command_answers_a_client_only_operator_or_refuses_with_exit_8() {
    ensure_users();
    let p = shared_project(CONFIG, &[("chatty.toml", CHATTY), ("profiled.toml", PROFILED)]);
    let _runner = RootRunner::start(&p);
    let (run, profiled) = seed(&p);
    let mut refused = Vec::new();
    for args in READ_ONLY {
        let run = if args.first() == Some(&"profile") { &profiled } else { &run };
        let (root, bob) = check_one(&p, &with_run(args, run));
        if bob.status.code() == Some(8) && root.status.code() != Some(8) {
            refused.push(args.join(" "));
        }
        if THROUGH_RUNNER.contains(args) {
            assert_eq!(bob.status.code(), Some(0), "{args:?}: {}", text(&bob));
            assert!(root.stdout == bob.stdout, "{args:?}: root\n{}\nfd-bob\n{}", text(&root), text(&bob));
        }
    }
    // None needs the store itself any more.
    assert!(refused.is_empty(), "refused for fd-bob but expected to work: {refused:?}");
    // fd-bob's `assess` was recorded by the runner (both assessments are in the history) and
    // audited as fd-bob.
    let history = ok(&run_as(&p, "root", &["assess", "history", "--json"]), "assess history");
    let rows: serde_json::Value = serde_json::from_str(&history).unwrap();
    assert_eq!(rows.as_array().map(Vec::len), Some(2), "root's and fd-bob's: {history}");
    let audit = ok(&run_as(&p, "root", &["audit"]), "audit");
    let line = audit.lines().find(|l| l.contains("assess.run")).unwrap_or_default();
    assert!(line.contains("fd-bob") && line.contains("prod"), "{audit}");
    // The data really came through: the image, the alert, the profile and the cost totals.
    let listed = ok(&run_as(&p, "fd-bob", &["image", "list"]), "image list");
    assert!(listed.contains("127.0.0.1:5000/checkout") && listed.contains("v9.8.7"), "{listed}");
    let alerts = ok(&run_as(&p, "fd-bob", &["alerts", "list"]), "alerts list");
    assert!(alerts.contains("FdCheckoutDown") && alerts.contains("checkout answers 503"), "{alerts}");
    let shown = ok(&run_as(&p, "fd-bob", &["profile", "show", &profiled]), "profile show");
    assert!(shown.contains("profile #") && shown.contains("step cpu"), "{shown}");
    // `db backups` (its ages tick between two calls, so it is not compared byte for byte).
    let app = p.path().join("app.db");
    let backups =
        ok(&run_as(&p, "fd-bob", &["db", "backups", "--database", app.to_str().unwrap()]), "db backups");
    assert!(backups.contains("app.db") && backups.contains("schema"), "{backups}");
    let none = ok(&run_as(&p, "fd-bob", &["db", "backups", "--database", "other.db"]), "db backups other");
    assert_eq!(none.trim(), "no backups recorded", "another database has none");
    let timeline = ok(&run_as(&p, "fd-bob", &["incident", "timeline", "inc-co"]), "incident timeline");
    assert!(timeline.contains("checkout 503"), "{timeline}");
    let unknown = run_as(&p, "fd-bob", &["incident", "show", "inc-none"]);
    assert_eq!(unknown.status.code(), Some(2), "{}", text(&unknown));
    assert!(
        String::from_utf8_lossy(&unknown.stderr).contains("open incidents: inc-co"),
        "{}",
        text(&unknown)
    );
}

/// fd-bob's console in its own tmux server (a private socket), 160x40.
fn console_as_bob(p: &crate::common::Project) -> Tmux {
    let tmux = Tmux { socket: format!("fd-client-only-{}", std::process::id()) };
    let line = format!(
        "cd {} && TERM=xterm-256color TMPDIR=/nonexistent setpriv --reuid fd-bob --regid fd-bob --init-groups {} --data-dir {}; sleep 5",
        p.path().display(),
        crate::common::bin().display(),
        data_dir(p).display()
    );
    let out = tmux.cmd(&["new-session", "-d", "-s", "fd", "-x", "160", "-y", "40", &line]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    tmux
}

#[test]
fn a_client_only_console_shows_the_runners_assessment_backups_images_cost_alerts_and_profiles() {
    crate::common::ensure_tool("tmux");
    ensure_users();
    let p = shared_project(CONFIG, &[("chatty.toml", CHATTY), ("profiled.toml", PROFILED)]);
    let _runner = RootRunner::start(&p);
    let (_, profiled) = seed(&p);
    // TMPDIR points nowhere: a console that still made a scratch store could not start.
    let bob = console_as_bob(&p);
    bob.wait_for("client-only console");
    bob.keys(&[":", "assess", "Enter"]);
    bob.wait_for("Operations & Governance");
    // Section 7's items: the state root set (an operator's) is there.
    bob.keys(&["Down", "Down", "Down", "Down", "Down", "Down", "Enter"]);
    let items = bob.wait_for("7.2.3");
    let line = items.lines().find(|l| l.contains("7.2.3")).unwrap_or_default();
    assert!(line.contains("pass") && line.contains("operator"), "{items}");
    bob.keys(&["Escape", "Escape"]);
    bob.keys(&[":", "backups", "Enter"]);
    let backups = bob.wait_for("app.db");
    let line = backups.lines().find(|l| l.contains("app.db")).unwrap_or_default();
    assert!(line.contains('✓') && line.contains("sqlite"), "{backups}");
    bob.keys(&[":", "images", "Enter"]);
    let images = bob.wait_for("127.0.0.1:5000/checkout");
    assert!(images.contains("v9.8.7"), "{images}");
    bob.keys(&[":", "cost", "Enter"]);
    let cost = bob.wait_for("2026-09");
    assert!(cost.contains("checkout") || cost.contains("web"), "{cost}");
    bob.keys(&[":", "health", "Enter"]);
    let health = bob.wait_for("FdCheckoutDown");
    assert!(health.contains("checkout answers 503"), "{health}");
    bob.keys(&[":", &format!("profile {profiled}"), "Enter"]);
    let flame = bob.wait_for("step cpu");
    assert!(flame.contains("sh") || flame.contains("all"), "{flame}");
}
