//! DORA end to end through the real binary: a deploy workflow's finished run lands in the ledger and
//! moves `flightdeck dora`; a failed run is not a deployment; an incident fails the deployment it
//! names; the ledger exports and imports; tags bootstrap a ledger.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::common::{Project, text};

const CONFIG: &str = "[environments.prod]\nproduction = true\nallow_root_approval = true\n\n\
                      [environments.staging]\nallow_root_approval = true\n";

const SHIP: &str = r#"
title = "Ship web"
kind = "deployment"

[params.fail]
type = "bool"
default = false

[deployment]
service = "web"
sha = "{{ steps.head.outputs.sha }}"

[[steps]]
id = "head"
run = 'echo "sha=$(git rev-parse HEAD)" >> "$FLIGHTDECK_OUTPUT"'

[[steps]]
id = "rollout"
run = "test {{ params.fail }} = false"
"#;

/// Runs git in `dir` with a private config; the commit dates are `date`.
fn git(dir: &Path, args: &[&str], date: &str) -> String {
    let cfg = dir.join(".git-test-config");
    if !cfg.exists() {
        std::fs::write(&cfg, "[user]\n\tname = Test\n\temail = t@example.com\n[commit]\n\tgpgsign = false\n")
            .unwrap();
    }
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", &cfg)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_DATE", date)
        .env("GIT_COMMITTER_DATE", date)
        .output()
        .unwrap();
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn commit(dir: &Path, name: &str, date: &str) -> String {
    std::fs::write(dir.join(name), name).unwrap();
    git(dir, &["add", name], date);
    git(dir, &["commit", "-q", "-m", name], date);
    git(dir, &["rev-parse", "HEAD"], date)
}

/// `@SECONDS` git date, `secs_ago` seconds before now.
fn ago(secs_ago: i64) -> String {
    format!("@{} +0000", jiff::Timestamp::now().as_second() - secs_ago)
}

fn dora(p: &Project, extra: &[&str]) -> Value {
    let mut args = vec!["dora", "--json"];
    if !extra.contains(&"--since") {
        args.extend_from_slice(&["--window", "7d"]);
    }
    args.extend_from_slice(extra);
    let out = p.run(&args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn a_deploy_run_lands_in_the_ledger_and_moves_the_metrics() {
    let p = Project::new(CONFIG, &[("ship.toml", SHIP)]);
    git(p.path(), &["init", "-q", "."], &ago(0));
    commit(p.path(), "c1", &ago(3 * 3600));
    let before = dora(&p, &[]);
    assert_eq!(before["current"]["deployments"], 0);
    assert_eq!(before["metrics"][1]["display"], "n/a");

    let out = p.run(&["run", "ship", "--env", "prod", "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let first = dora(&p, &[]);
    assert_eq!(first["current"]["deployments"], 1);
    assert_eq!(first["current"]["lead_time"]["commits"], 0, "the first deployment is a baseline");

    commit(p.path(), "c2", &ago(2 * 3600));
    commit(p.path(), "c3", &ago(3600));
    let out = p.run(&["run", "ship", "--env", "prod", "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    // A failed attempt, and a staging run, are not production deployments.
    let out = p.run(&["run", "ship", "--env", "prod", "--yes", "-p", "fail=true"]);
    assert_ne!(out.status.code(), Some(0), "{}", text(&out));
    let out = p.run(&["run", "ship", "--env", "staging", "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));

    let ledger: Value = serde_json::from_slice(&p.run(&["ledger", "list", "--json"]).stdout).unwrap();
    let rows = ledger.as_array().unwrap();
    assert_eq!(rows.len(), 4);
    assert_eq!(rows.iter().filter(|r| r["status"] == "failed").count(), 1);
    assert!(rows.iter().all(|r| r["actor"].is_string() && r["run"] == r["id"]));

    let after = dora(&p, &[]);
    assert_eq!(after["current"]["deployments"], 2);
    let lead = &after["current"]["lead_time"];
    assert_eq!(lead["commits"], 2);
    // c2 shipped about 2 h after it was written, c3 about 1 h: the median is about 1.5 h.
    let median = lead["median_secs"].as_f64().unwrap();
    assert!((5400.0..5400.0 + 600.0).contains(&median), "median {median}");
    assert_eq!(after["current"]["change_fail_rate"], 0.0);
    assert_eq!(after["deployments"][0]["commits"].as_array().unwrap().len(), 2);

    // An incident caused by the latest deployment makes it a change failure: 1 of 2.
    let latest = after["deployments"][0]["deployment"]["id"].as_str().unwrap().to_string();
    let out = p.run(&[
        "incident",
        "open",
        "checkout errors",
        "--service",
        "web",
        "--caused-by",
        &latest,
        "--id",
        "inc-1",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let failed = dora(&p, &["--service", "web"]);
    assert_eq!(failed["current"]["change_fail_rate"], 0.5);
    assert_eq!(failed["unresolved"][0]["id"], latest.as_str());
    let out = p.run(&["incident", "resolve", "inc-1"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let resolved = dora(&p, &["--service", "web"]);
    assert_eq!(resolved["current"]["recovery"]["restored"], 1);

    let staging = dora(&p, &["--env", "staging"]);
    assert_eq!(staging["current"]["deployments"], 1);
    let table = p.run(&["dora", "--window", "7d"]);
    assert!(String::from_utf8_lossy(&table.stdout).contains("Change lead time"), "{}", text(&table));
}

#[test]
fn ledger_export_import_round_trip_and_tags() {
    let p = Project::new(CONFIG, &[]);
    git(p.path(), &["init", "-q", "."], "2026-03-01T00:00:00Z");
    let a = commit(p.path(), "a", "2026-03-02T00:00:00Z");
    git(p.path(), &["tag", "v1.0.0"], "2026-03-02T00:00:00Z");
    commit(p.path(), "b", "2026-03-03T00:00:00Z");
    git(p.path(), &["tag", "-a", "v1.1.0", "-m", "1.1.0"], "2026-03-04T00:00:00Z");
    git(p.path(), &["tag", "other"], "2026-03-04T00:00:00Z");
    let out = p.run(&["ledger", "import", "--from-tags", "v*", "--service", "web"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let d = dora(&p, &["--since", "2026-03-01", "--until", "2026-03-08"]);
    assert_eq!(d["current"]["deployments"], 2);
    // v1.1.0 (annotated, tagged 4 March) ships b, written 3 March: 24 h.
    assert_eq!(d["current"]["lead_time"]["median_secs"], 86400.0);
    assert_eq!(d["deployments"][1]["deployment"]["sha"], a.as_str());

    for format in ["jsonl", "csv"] {
        let export = p.run(&["ledger", "export", "--format", format]);
        let file = p.path().join(format!("ledger.{format}"));
        std::fs::write(&file, &export.stdout).unwrap();
        let q = Project::new(CONFIG, &[]);
        // q has no repository to check the SHAs against: moving a ledger needs the flag.
        let out = q.run(&["ledger", "import", file.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(2), "{}", text(&out));
        let out = q.run(&["ledger", "import", file.to_str().unwrap(), "--allow-unknown-sha"]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        let again = q.run(&["ledger", "list", "--json"]);
        let original = p.run(&["ledger", "list", "--json"]);
        assert_eq!(again.stdout, original.stdout, "{format} round trip");
    }
    let bad = p.run(&["dora", "--window", "soon"]);
    assert_eq!(bad.status.code(), Some(2), "{}", text(&bad));
}
