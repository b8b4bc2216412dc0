//! The demo: the built-in deploy workflow against a real sandbox service on 127.0.0.1 — a good
//! version ships, a bad build fails verification and is rolled back, both land in the ledger.

use std::path::Path;

use crate::common::{Project, Sandbox, text};

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
}

#[test]
fn deploy_good_then_bad_build_rolls_back() {
    // The sandbox binds port 0 and reports its URL; the workflow's `sandbox ensure` finds it running.
    let p = Project::new("", &[]);
    let sandbox = Sandbox::start(&p);
    let url = sandbox.url.clone();
    let config = format!("[environments.staging]\nurl = \"{url}\"\nallow_root_approval = true\n");
    std::fs::write(p.path().join("flightdeck.toml"), config).unwrap();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    copy_dir(&repo.join("migrations/sandbox"), &p.path().join("migrations/sandbox"));

    let out = p.run(&["run", "deploy", "-p", "version=1.1.0", "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let status = p.run(&["sandbox", "status", "--url", &url]);
    assert!(String::from_utf8_lossy(&status.stdout).contains("version 1.1.0"), "{}", text(&status));

    // A dry run plans the whole deploy without changing the live version.
    let out = p.run(&["run", "deploy", "-p", "version=3.0.0", "--dry-run"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let status = p.run(&["sandbox", "status", "--url", &url]);
    assert!(String::from_utf8_lossy(&status.stdout).contains("version 1.1.0"), "{}", text(&status));

    let out = p.run(&["run", "deploy", "-p", "version=2.0.0-bad", "--yes"]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("rolling back"), "{stdout}");
    let status = p.run(&["sandbox", "status", "--url", &url]);
    assert!(String::from_utf8_lossy(&status.stdout).contains("version 1.1.0"), "{}", text(&status));

    let conn = rusqlite::Connection::open(p.db()).unwrap();
    let rows: Vec<(String, String)> = conn
        .prepare("SELECT version, status FROM deployments ORDER BY finished_at")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(rows, vec![("1.1.0".into(), "succeeded".into()), ("2.0.0-bad".into(), "failed".into())]);
    // The migration task ran against the sandbox database, backup first.
    let db = p.home.path().join("sandbox/staging.db");
    let n: i64 = rusqlite::Connection::open(db)
        .unwrap()
        .query_row("SELECT COUNT(*) FROM accounts", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 3);
}

/// Issue 14: after a bad build was rolled back (so the sandbox's `previous` is the bad build), the
/// rollback workflow's default target is the newest good version in the ledger, never the bad one.
#[test]
fn rollback_defaults_to_the_last_good_version_not_the_bad_build() {
    let p = Project::new("", &[]);
    let sandbox = Sandbox::start(&p);
    let url = sandbox.url.clone();
    let config = format!("[environments.staging]\nurl = \"{url}\"\nallow_root_approval = true\n");
    std::fs::write(p.path().join("flightdeck.toml"), config).unwrap();
    for v in ["1.0.0", "1.1.0", "2.0.0-bad", "1.1.0"] {
        let out = p.run(&["sandbox", "deploy", "--url", &url, "--version", v]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    }
    let status = p.run(&["sandbox", "status", "--url", &url]);
    assert!(String::from_utf8_lossy(&status.stdout).contains("previous 2.0.0-bad"), "{}", text(&status));
    seed_ledger(&p);
    let out = p.run(&["ledger", "last-good", "--service", "web", "--env", "staging", "--except", "1.1.0"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "1.0.0", "{}", text(&out));
    let out = p.run(&["ledger", "last-good", "--service", "api", "--env", "staging", "--fallback", "0.9.0"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "0.9.0",
        "an unknown service falls back: {}",
        text(&out)
    );
    let out = p.run(&[
        "ledger",
        "last-good",
        "--service",
        "web",
        "--env",
        "staging",
        "--except",
        "1.0.0",
        "--fallback",
        "2.0.0-bad",
    ]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "1.1.0",
        "the ledger wins over the fallback: {}",
        text(&out)
    );

    let out =
        p.run(&["run", "rollback", "--env", "staging", "-p", "reason=5xx after 2.0.0", "--yes", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let status = p.run(&["sandbox", "status", "--url", &url]);
    assert!(String::from_utf8_lossy(&status.stdout).contains("version 1.0.0"), "{}", text(&status));
}

/// Ledger rows for web in staging: 1.0.0 and 1.1.0 succeeded, then 2.0.0-bad failed.
fn seed_ledger(p: &Project) {
    for (v, st, at) in [
        ("1.0.0", "succeeded", "2026-11-01"),
        ("1.1.0", "succeeded", "2026-11-02"),
        ("2.0.0-bad", "failed", "2026-11-03"),
    ] {
        let out = p.run(&[
            "ledger",
            "add",
            "--service",
            "web",
            "--env",
            "staging",
            "--version",
            v,
            "--status",
            st,
            "--finished",
            at,
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    }
}
