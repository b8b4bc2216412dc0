//! The `dora` readiness rule (item 8.1.1) grades all four DORA keys through the real binary, on a
//! real temp git repository whose tags are the production deployments (`ledger import
//! --from-tags`) and real incidents in the ledger: each key is made to cross its `[assessment]`
//! threshold, by the data (incidents raise the change failure rate and the time to restore) or by
//! the threshold (lead time, deployment frequency), and the item's state and detail follow.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::common::{Project, text};

const CONFIG: &str = "[environments.prod]\nproduction = true\n\n[services.web]\n";

const HOUR: i64 = 3600;
const DAY: i64 = 24 * HOUR;

/// Runs git in `dir` with a private config, dated `secs_ago` seconds before now.
fn git(dir: &Path, args: &[&str], secs_ago: i64) {
    let cfg = dir.join(".git-test-config");
    if !cfg.exists() {
        std::fs::write(&cfg, "[user]\n\tname = T\n\temail = t@example.com\n[commit]\n\tgpgsign = false\n")
            .unwrap();
    }
    let date = format!("@{} +0000", jiff::Timestamp::now().as_second() - secs_ago);
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", &cfg)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_DATE", &date)
        .env("GIT_COMMITTER_DATE", &date)
        .output()
        .unwrap();
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// RFC 3339, `secs_ago` seconds before now.
fn ago(secs_ago: i64) -> String {
    jiff::Timestamp::from_second(jiff::Timestamp::now().as_second() - secs_ago).unwrap().to_string()
}

/// Four production deployments (tags v1..v4, 20, 15, 10 and 5 days ago); every commit after the
/// first was written 10 h before its tag, so the median lead time is 10 h.
fn project() -> Project {
    let p = Project::new(CONFIG, &[]);
    git(p.path(), &["init", "-q", "-b", "main", "."], 21 * DAY);
    for (n, days) in [(1, 20), (2, 15), (3, 10), (4, 5)] {
        let name = format!("c{n}");
        std::fs::write(p.path().join(&name), &name).unwrap();
        git(p.path(), &["add", &name], days * DAY + 10 * HOUR);
        git(p.path(), &["commit", "-q", "-m", &name], days * DAY + 10 * HOUR);
        git(p.path(), &["tag", "-a", &format!("v{n}"), "-m", &name], days * DAY);
    }
    let out = p.run(&["ledger", "import", "--from-tags", "v*", "--service", "web"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    p
}

/// Item 8.1.1 with `assessment` (extra `[assessment]` lines): (state, detail).
fn dora_item(p: &Project, assessment: &str) -> (String, String) {
    std::fs::write(p.path().join("flightdeck.toml"), format!("{CONFIG}\n[assessment]\n{assessment}"))
        .unwrap();
    let out = p.run(&["assess", "--env", "prod", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    let item = r["items"].as_array().unwrap().iter().find(|i| i["id"] == "8.1.1").unwrap().clone();
    assert_eq!(item["source"], "evidence", "{item}");
    (item["state"].as_str().unwrap().to_string(), item["detail"].as_str().unwrap().to_string())
}

/// The grade the detail gives key `key` (`pass`, `warn`, `fail`, `unknown`).
fn grade<'a>(detail: &'a str, key: &str) -> &'a str {
    let part = detail.split("; ").find(|p| p.starts_with(key)).unwrap_or_else(|| panic!("{key}: {detail}"));
    part.rsplit(": ").next().unwrap()
}

fn ok(p: &Project, args: &[&str]) {
    let out = p.run(args);
    assert_eq!(out.status.code(), Some(0), "{args:?}: {}", text(&out));
}

#[test]
fn each_dora_key_crossing_its_threshold_moves_the_readiness_item() {
    let p = project();
    let (state, detail) = dora_item(&p, "");
    assert_eq!(state, "pass", "{detail}");
    for key in ["deployment frequency", "change lead time", "change failure rate", "time to restore"] {
        assert_eq!(grade(&detail, key), "pass", "{key}: {detail}");
    }
    assert!(
        detail.contains("change lead time 10.0 h median (pass at most 168 h, fail above 730 h)"),
        "{detail}"
    );
    assert!(detail.contains("change failure rate 0.0 % (0 of 4,"), "{detail}");
    assert!(detail.contains("no failed deployment"), "{detail}");

    // Lead time: 10 h is above a 5 h target (warn), then above an 8 h limit (fail).
    let (state, detail) = dora_item(&p, "lead_time_target_hours = 5\nlead_time_limit_hours = 20\n");
    assert_eq!((state.as_str(), grade(&detail, "change lead time")), ("partial", "warn"), "{detail}");
    let (state, detail) = dora_item(&p, "lead_time_target_hours = 5\nlead_time_limit_hours = 8\n");
    assert_eq!((state.as_str(), grade(&detail, "change lead time")), ("fail", "fail"), "{detail}");

    // Deployment frequency: four deployments in 30 days, one a week, are high: one cluster short of
    // elite (warn).
    let (state, detail) = dora_item(&p, "dora_level = \"elite\"\n");
    assert!(detail.contains("deployment frequency High (2024 DORA clusters)"), "{detail}");
    assert_eq!((state.as_str(), grade(&detail, "deployment frequency")), ("partial", "warn"), "{detail}");
    assert_eq!(grade(&dora_item(&p, "dora_level = \"low\"\n").1, "deployment frequency"), "pass");

    // v4 caused an incident 5 days ago, still open: 1 of 4 failed (25 %: above 15 %, at most 30 %)
    // and unrestored for about 119 h (above 24 h, at most 168 h): both warn.
    let v4 = ["incident", "open", "v4 broke checkout", "--service", "web", "--caused-by"];
    let deployments: Value = serde_json::from_slice(&p.run(&["ledger", "list", "--json"]).stdout).unwrap();
    let id_of = |sha_tag: &str| {
        let out = Command::new("git")
            .args(["rev-parse", &format!("{sha_tag}^{{commit}}")])
            .current_dir(p.path())
            .output()
            .unwrap();
        let sha = String::from_utf8_lossy(&out.stdout).trim().to_string();
        let row = deployments.as_array().unwrap().iter().find(|d| d["sha"] == sha.as_str()).unwrap();
        row["id"].as_str().unwrap().to_string()
    };
    let (d3, d4) = (id_of("v3"), id_of("v4"));
    let started = ago(5 * DAY - HOUR);
    ok(&p, &[&v4[..], &[&d4, "--id", "inc-4", "--started", &started, "--at", &started]].concat());
    let (state, detail) = dora_item(&p, "");
    assert_eq!(state, "partial", "{detail}");
    assert_eq!(grade(&detail, "change failure rate"), "warn", "{detail}");
    assert!(detail.contains("change failure rate 25.0 % (1 of 4,"), "{detail}");
    assert_eq!(grade(&detail, "time to restore"), "warn", "{detail}");
    assert!(detail.contains("unrestored for 11"), "{detail}");

    // Restored 2 h after it started: time to restore passes, the failure rate still warns.
    ok(&p, &["incident", "resolve", "inc-4", "--at", &ago(5 * DAY - 3 * HOUR)]);
    let (state, detail) = dora_item(&p, "");
    assert_eq!((state.as_str(), grade(&detail, "time to restore")), ("partial", "pass"), "{detail}");

    // v3 failed too and took 200 h to restore: 2 of 4 (50 %, above 30 %) fails; the median
    // restore time, about 101 h, warns.
    let start3 = ago(10 * DAY - HOUR);
    let v3 = ["incident", "open", "v3 broke search", "--service", "web", "--caused-by"];
    ok(&p, &[&v3[..], &[&d3, "--id", "inc-3", "--started", &start3, "--at", &start3]].concat());
    ok(&p, &["incident", "resolve", "inc-3", "--at", &ago(10 * DAY - 201 * HOUR)]);
    let (state, detail) = dora_item(&p, "");
    assert_eq!(state, "fail", "{detail}");
    assert_eq!(grade(&detail, "change failure rate"), "fail", "{detail}");
    assert_eq!(grade(&detail, "time to restore"), "warn", "{detail}");
    // A limit above 101 h and a target below it: still warn; a limit under it: fail.
    let (_, detail) =
        dora_item(&p, "restore_target_hours = 1\nrestore_limit_hours = 50\nchange_fail_limit_percent = 60\n");
    assert_eq!(grade(&detail, "time to restore"), "fail", "{detail}");
    assert_eq!(grade(&detail, "change failure rate"), "warn", "{detail}");
}

#[test]
fn a_target_above_its_limit_is_refused_naming_the_key() {
    let p = Project::new(
        &format!("{CONFIG}\n[assessment]\nrestore_target_hours = 48\nrestore_limit_hours = 24\n"),
        &[],
    );
    let out = p.run(&["assess", "--env", "prod"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("flightdeck.toml:") && err.contains("restore_target_hours = 48 is above"), "{err}");
}
