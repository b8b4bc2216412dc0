//! Readiness assessment through the real binary: evidence rules over real things (a git repository
//! with a committed secret, monitors probing real HTTP servers, the approval policy, a `backups`
//! table written into the real store), operator overrides that are audited, the JSON and Markdown
//! exports agreeing, history, and bad input with exit 2.

use serde_json::Value;

use crate::common::{Project, git, text};
use crate::health_servers::{Behaviour, http};

const PROD: &str = "[environments.staging]\n\n[environments.prod]\nproduction = true\napprovals = 2\n\
allow_self_approval = false\nconfirm_phrase = \"ship it\"\n";

/// `assess --json` for `env`, parsed.
fn assess(p: &Project, env: &str) -> Value {
    let out = p.run(&["assess", "--env", env, "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn item<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["items"].as_array().unwrap().iter().find(|i| i["id"] == id).unwrap()
}

#[test]
fn a_secret_value_committed_to_the_repository_fails_the_item() {
    let config = format!(
        "{PROD}\n[secret_providers.files]\nkind = \"dotenv\"\nfile = \"deploy.env\"\n\n[secrets.token]\nprovider = \"files\"\nkey = \"TOKEN\"\n"
    );
    let p = Project::new(&config, &[]);
    std::fs::write(p.path().join("deploy.env"), "TOKEN=tok-9f8e7d6c5b4a\n").unwrap();
    git(&p, &["init", "-q", "-b", "main"]);
    git(&p, &["add", "flightdeck.toml"]);
    git(&p, &["commit", "-q", "-m", "config"]);
    let before = assess(&p, "staging");
    let i = item(&before, "1.1.3");
    assert_eq!(i["state"], "pass", "untracked file, not production: {i}");
    assert_eq!(i["source"], "evidence");

    git(&p, &["add", "deploy.env"]);
    git(&p, &["commit", "-q", "-m", "oops"]);
    let after = assess(&p, "staging");
    let i = item(&after, "1.1.3");
    assert_eq!(i["state"], "fail", "{i}");
    let detail = i["detail"].as_str().unwrap();
    assert!(detail.contains("the value of token is in tracked file deploy.env"), "{detail}");
    assert!(!after.to_string().contains("tok-9f8e7d6c5b4a"), "the value itself is never shown");
    assert_eq!(after["ready"], false, "1.1.3 is critical");

    let prod = assess(&p, "prod");
    let detail = item(&prod, "1.1.3")["detail"].as_str().unwrap().to_string();
    assert!(detail.contains("token comes from a dotenv provider"), "{detail}");
}

#[test]
fn a_down_monitor_fails_and_all_up_passes() {
    let up = http(Behaviour::Fixed(200, "ok"));
    let down = http(Behaviour::Fixed(500, "no"));
    let monitor = |name: &str, url: &str| {
        format!(
            "\n[monitors.{name}]\nurl = \"{url}\"\ninterval = \"1s\"\njitter = \"0s\"\nfailure_threshold = 1\n"
        )
    };
    let config = format!("{PROD}{}{}", monitor("web", &up.url("/")), monitor("api", &down.url("/")));
    let p = Project::new(&config, &[]);
    let first = assess(&p, "prod");
    assert_eq!(item(&first, "5.1.1")["state"], "unknown", "no state recorded yet: never pass");

    let out = p.run(&["health", "--env", "prod", "--for", "3s"]);
    assert!(out.status.code().is_some(), "{}", text(&out));
    let r = assess(&p, "prod");
    let i = item(&r, "5.1.1");
    assert_eq!(i["state"], "fail", "{i}");
    assert!(i["detail"].as_str().unwrap().contains("DOWN now: api"), "{i}");
    assert_eq!(item(&r, "3.2.2")["state"], "fail", "the same rule sets both items");

    let only_up = Project::new(&format!("{PROD}{}", monitor("web", &up.url("/"))), &[]);
    only_up.run(&["health", "--env", "prod", "--for", "3s"]);
    assert_eq!(item(&assess(&only_up, "prod"), "5.1.1")["state"], "pass");
}

#[test]
fn production_with_one_approval_fails_and_the_full_policy_passes() {
    let weak = Project::new("[environments.prod]\nproduction = true\napprovals = 1\n", &[]);
    let r = assess(&weak, "prod");
    let i = item(&r, "7.2.3");
    assert_eq!(i["state"], "fail", "{i}");
    assert!(i["detail"].as_str().unwrap().contains("approvals = 1"), "{i}");
    assert_eq!(item(&r, "G.5")["state"], "fail");
    let strong = Project::new(PROD, &[]);
    assert_eq!(item(&assess(&strong, "prod"), "7.2.3")["state"], "pass");
    let none = Project::new("[environments.staging]\n", &[]);
    assert_eq!(item(&assess(&none, "staging"), "7.2.3")["state"], "unknown");
}

/// One backup row (as `flightdeck db backup` records it), verified `days_ago` (or never).
fn backups_at(p: &Project, days_ago: Option<i64>) {
    let conn = rusqlite::Connection::open(p.db()).unwrap();
    let now = flightdeck::time::now().0;
    let verified = days_ago.map(|d| now - d * 86_400_000_000);
    conn.execute_batch("DELETE FROM backups;").unwrap();
    conn.execute(
        "INSERT INTO backups (database, engine, path, bytes, sha256, schema_version, created_at, verified_at, verify_ok) \
         VALUES ('app.db', 'sqlite', 'app.db.bak', 1, 'ab', '0001', ?1, ?2, ?3)",
        rusqlite::params![now - 11 * 86_400_000_000, verified, verified.map(|_| true)],
    )
    .unwrap();
}

#[test]
fn a_backup_verified_3_days_ago_passes_and_10_days_ago_fails_with_n_7() {
    let p = Project::new(&format!("{PROD}\n[assessment]\nbackup_max_age_days = 7\n"), &[]);
    let r = assess(&p, "prod");
    let i = item(&r, "4.1.3");
    assert_eq!(i["state"], "unknown", "no backup recorded: nothing to judge: {i}");
    assert!(i["detail"].as_str().unwrap().contains("recorded no backup"), "{i}");
    backups_at(&p, None);
    assert_eq!(item(&assess(&p, "prod"), "4.1.3")["state"], "fail", "a backup never verified");
    backups_at(&p, Some(3));
    assert_eq!(item(&assess(&p, "prod"), "4.1.3")["state"], "pass");
    backups_at(&p, Some(10));
    let i = item(&assess(&p, "prod"), "4.1.3").clone();
    assert_eq!(i["state"], "fail", "{i}");
}

#[test]
fn evidence_that_cannot_be_gathered_is_unknown() {
    let p = Project::new(PROD, &[]);
    let r = assess(&p, "prod");
    for id in ["5.2.1", "1.2.2", "8.1.1"] {
        assert_eq!(item(&r, id)["state"], "unknown", "{id}: {}", item(&r, id));
    }
    assert_eq!(item(&r, "8.2.1")["state"], "fail", "the rollback workflow never succeeded");
    assert_eq!(item(&r, "1.1.1")["source"], "none");
}

#[test]
fn an_operator_override_is_stored_audited_and_shown() {
    let p = Project::new("[environments.prod]\nproduction = true\napprovals = 1\n", &[]);
    let out = p.run(&["assess", "set", "7.2.3", "pass", "-m", "policy waived by CAB-12", "--env", "prod"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let r = assess(&p, "prod");
    let i = item(&r, "7.2.3");
    assert_eq!(i["state"], "pass");
    assert_eq!(i["source"], "operator");
    assert_eq!(i["note"], "policy waived by CAB-12");
    assert!(i["detail"].as_str().unwrap().starts_with("overrides evidence:"), "{i}");
    let audit = p.run(&["audit", "--json"]);
    let log = String::from_utf8_lossy(&audit.stdout);
    assert!(log.contains("assess.set") && log.contains("7.2.3"), "{log}");
}

#[test]
fn json_and_markdown_exports_agree() {
    let p = Project::new(PROD, &[]);
    for (id, state) in [("1.1.1", "pass"), ("1.1.2", "partial"), ("1.1.4", "fail"), ("1.1.5", "n/a")] {
        assert_eq!(p.run(&["assess", "set", id, state]).status.code(), Some(0));
    }
    let json_file = p.path().join("a.json");
    let md_file = p.path().join("a.md");
    let out = p.run(&["assess", "--json", "-o", json_file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(p.run(&["assess", "--markdown", "-o", md_file.to_str().unwrap()]).status.code(), Some(0));
    let json: Value = serde_json::from_str(&std::fs::read_to_string(json_file).unwrap()).unwrap();
    let md = std::fs::read_to_string(md_file).unwrap();
    let verdict = if json["ready"] == true { "READY" } else { "NOT READY" };
    let summary =
        format!("Overall **{}** / 100, coverage {} %, **{verdict}**", json["overall"], json["coverage"]);
    assert!(md.contains(&summary), "{summary}\n{md}");
    for s in json["sections"].as_array().unwrap() {
        let n = |k: &str| s[k].as_u64().map_or_else(|| "-".to_string(), |v| v.to_string());
        let row = format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            s["id"].as_str().unwrap(),
            s["title"].as_str().unwrap(),
            n("score"),
            n("coverage"),
            n("applicable"),
            n("pass"),
            n("partial"),
            n("fail"),
            n("na"),
            n("unknown")
        );
        assert!(md.contains(&row), "{row}");
    }
    let one = &json["sections"][0];
    // 1 pass + 1 partial + 1 fail + 1 evidence (1.1.3 unknown: no secrets) + the rest of section 1
    // unknown: (1 + 0.5) / 19 applicable = 7.9 %.
    assert_eq!(one["applicable"], 19);
    assert_eq!(one["score"], 8);
    for i in json["items"].as_array().unwrap() {
        let row = format!(
            "| {} | {} | {} |",
            i["id"].as_str().unwrap(),
            i["state"].as_str().unwrap(),
            i["source"].as_str().unwrap()
        );
        assert!(md.contains(&row), "{row}");
    }
    let hist = p.run(&["assess", "history", "--json"]);
    let rows: Value = serde_json::from_slice(&hist.stdout).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 2, "{rows}");
    assert_eq!(rows[0]["overall"], json["overall"]);
}

#[test]
fn bad_input_exits_2_with_the_file_and_line() {
    let p = Project::new(PROD, &[]);
    let out = p.run(&["assess", "set", "5.2.9", "pass"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("unknown checklist item \"5.2.9\""), "{}", text(&out));
    let out = p.run(&["assess", "set", "5.2.1", "passed"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("unknown state \"passed\""), "{}", text(&out));
    let dup = format!(
        "{PROD}\n[assessment]\n\n[[assessment.items]]\nid = \"P.1\"\nsection = \"5\"\ntext = \"a\"\n\n[[assessment.items]]\nid = \"P.1\"\nsection = \"5\"\ntext = \"b\"\n"
    );
    let d = Project::new(&dup, &[]);
    let out = d.run(&["assess"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let t = text(&out);
    assert!(t.contains("flightdeck.toml:17") && t.contains("duplicate checklist item id \"P.1\""), "{t}");
}

/// `[assessment]` is checked against the checklist when the configuration loads (the hook `assess`
/// installs in `config` at start-up), so a command that never assesses refuses it too, with its line.
#[test]
fn a_bad_assessment_section_is_refused_by_every_command_at_load() {
    let p = Project::new(&format!("{PROD}\n[assessment]\ndisable = [\"99.9\"]\n"), &[]);
    for cmd in ["list", "info"] {
        let out = p.run(&[cmd]);
        assert_eq!(out.status.code(), Some(2), "{cmd}: {}", text(&out));
        let t = text(&out);
        assert!(t.contains("flightdeck.toml:") && t.contains("disable names \"99.9\""), "{cmd}: {t}");
    }
}

/// A monitor covers a service through its explicit `service` key, whatever its name; without the
/// key a monitor named otherwise leaves the service uncovered (a fail), and `monitoring generate`
/// labels the Prometheus job with the service.
#[test]
fn a_monitors_service_key_covers_the_service_it_names() {
    let up = http(Behaviour::Fixed(200, "ok"));
    let config = |key: &str| {
        format!("{PROD}\n[services.checkout]\n\n[monitors.storefront]\nurl = \"{}\"\n{key}", up.url("/"))
    };
    let unnamed = Project::new(&config(""), &[]);
    let i = item(&assess(&unnamed, "prod"), "5.1.1").clone();
    assert_eq!(i["state"], "fail", "{i}");
    assert!(i["detail"].as_str().unwrap().contains("no monitor for service checkout"), "{i}");

    let keyed = Project::new(&config("service = \"checkout\"\n"), &[]);
    let i = item(&assess(&keyed, "prod"), "5.1.1").clone();
    assert!(!i["detail"].as_str().unwrap().contains("no monitor for service"), "covered by its key: {i}");
    assert_eq!(i["state"], "unknown", "covered, no state recorded yet: {i}");
    let dir = keyed.path().join("mon");
    let out = keyed.run(&["monitoring", "generate", "--env", "prod", "--out", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let prom = std::fs::read_to_string(dir.join("prometheus.yml")).unwrap();
    assert!(prom.contains("\"service\": \"checkout\""), "{prom}");
}
