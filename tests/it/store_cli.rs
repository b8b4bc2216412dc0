//! The store through the CLI: audit verification catches an edited row; runs and logs list what ran;
//! validate and info report problems and paths.

use crate::common::{LOCAL, Project, text};

const WF: &str = "title = \"hello\"\n[[steps]]\nid = \"hello\"\nrun = \"echo hello world\"\n";

#[test]
fn audit_verify_detects_an_edited_row() {
    let p = Project::new(LOCAL, &[("hello.toml", WF)]);
    let out = p.run(&["run", "hello"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let out = p.run(&["audit", "verify"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("intact"));

    let conn = rusqlite::Connection::open(p.db()).unwrap();
    // The store refuses edits through triggers; someone tampering drops them first.
    conn.execute_batch("DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;").unwrap();
    let changed = conn.execute("UPDATE audit SET actor = 'mallory' WHERE seq = 1", []).unwrap();
    assert_eq!(changed, 1);
    drop(conn);
    let out = p.run(&["audit", "verify"]);
    assert_eq!(out.status.code(), Some(8), "{}", text(&out));
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(s.contains("BROKEN") && s.contains('1'), "{s}");
}

#[test]
fn runs_and_logs_show_what_ran() {
    let p = Project::new(LOCAL, &[("hello.toml", WF)]);
    let out = p.run(&["run", "hello"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("│ hello world"), "{stdout}");
    let runs = p.run(&["runs", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&runs.stdout).unwrap();
    let id = v[0]["id"].as_str().unwrap().to_string();
    assert_eq!(v[0]["status"], "succeeded");
    let log = p.run(&["log", &id[..20], "hello"]);
    assert_eq!(log.status.code(), Some(0), "{}", text(&log));
    assert!(String::from_utf8_lossy(&log.stdout).contains("hello world"));
    let audit = p.run(&["audit"]);
    let a = String::from_utf8_lossy(&audit.stdout);
    assert!(a.contains("run.start") && a.contains("run.finish"), "{a}");
}

#[test]
fn info_prints_every_path() {
    let p = Project::new(LOCAL, &[("hello.toml", WF)]);
    let out = p.run(&["info", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["paths"]["data_dir"], p.home.path().display().to_string());
    assert_eq!(v["paths"]["data_dir_source"], "FLIGHTDECK_HOME");
    assert!(v["paths"]["db_file"].as_str().unwrap().ends_with("flightdeck.db"));
}

#[test]
fn bad_config_names_file_and_line() {
    let p = Project::new("[environments.local]\naprovals = 2\n", &[("hello.toml", WF)]);
    let out = p.run(&["list"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("flightdeck.toml:2") && err.contains("did you mean `approvals`?"), "{err}");
}
