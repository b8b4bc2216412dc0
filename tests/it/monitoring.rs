//! `flightdeck monitoring generate`: the monitors of an environment become Prometheus, blackbox and
//! Alertmanager files that the real promtool, amtool and blackbox exporter accept; untranslatable
//! conditions are listed; a file a tool rejects replaces nothing (exit 2, the tool's message shown).

use std::process::Command;

use crate::common::{Project, ensure_tool, text};

const CONFIG: &str = r#"[environments.prod]
production = true
url = "http://127.0.0.1:18080"

[monitors.web]
url = "{{ environment.url }}/health"
interval = "10s"
failure_threshold = 3
conditions = ["[STATUS] == any(200, 204)", "[BODY] == pat(*UP*)", "[RESPONSE_TIME] < 500", "[BODY].db == ok"]

[monitors.db]
tcp = "127.0.0.1:5432"

[monitors.edge]
tls = "127.0.0.1:8443"
conditions = ["[CONNECTED] == true", "[CERTIFICATE_EXPIRATION] > 72h"]

[monitors.names]
dns = "app.test."
nameserver = "127.0.0.1:5353"
"#;

fn tools() {
    for t in ["promtool", "amtool", "prometheus-blackbox-exporter"] {
        ensure_tool(t);
    }
}

#[test]
fn generated_files_pass_promtool_amtool_and_the_blackbox_exporter() {
    tools();
    let p = Project::new(CONFIG, &[]);
    let out_dir = p.path().join("mon");
    let out = p.run(&[
        "monitoring",
        "generate",
        "--env",
        "prod",
        "--out",
        out_dir.to_str().unwrap(),
        "--interval",
        "1",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("untranslated: web: [BODY].db == ok"), "listed, never dropped: {stderr}");
    let prom = std::fs::read_to_string(out_dir.join("prometheus.yml")).unwrap();
    assert!(prom.contains("http://127.0.0.1:18080/health"), "environment values filled in: {prom}");
    let bb = std::fs::read_to_string(out_dir.join("blackbox.yml")).unwrap();
    assert!(bb.contains("\"valid_status_codes\": [\n          200,\n          204"), "{bb}");
    assert!(bb.contains("^.*UP.*$"), "{bb}");
    let rules = std::fs::read_to_string(out_dir.join("rules.yml")).unwrap();
    assert!(
        rules.contains("probe_success{job=\\\"fd-web\\\"} == 0") && rules.contains("\"for\": \"30s\""),
        "{rules}"
    );
    assert!(rules.contains("probe_duration_seconds{job=\\\"fd-web\\\"} > 0.5"), "{rules}");
    assert!(
        rules.contains("probe_ssl_earliest_cert_expiry{job=\\\"fd-edge\\\"} - time() < 259200"),
        "{rules}"
    );

    let check = p.run(&["monitoring", "check", out_dir.to_str().unwrap()]);
    assert_eq!(check.status.code(), Some(0), "{}", text(&check));
    let bb_check = Command::new("prometheus-blackbox-exporter")
        .args(["--config.check", "--config.file"])
        .arg(out_dir.join("blackbox.yml"))
        .output()
        .unwrap();
    assert!(bb_check.status.success(), "{}", text(&bb_check));
}

#[test]
fn a_file_amtool_rejects_replaces_nothing() {
    tools();
    let p = Project::new(CONFIG, &[]);
    let dir = p.path().join("mon");
    let d = dir.to_str().unwrap();
    assert_eq!(p.run(&["monitoring", "generate", "--env", "prod", "--out", d]).status.code(), Some(0));
    let before = std::fs::read_to_string(dir.join("alertmanager.yml")).unwrap();
    let out = p.run(&[
        "monitoring",
        "generate",
        "--env",
        "prod",
        "--out",
        d,
        "--receiver",
        "ftp://127.0.0.1/alerts",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("amtool rejected"), "{}", text(&out));
    assert_eq!(std::fs::read_to_string(dir.join("alertmanager.yml")).unwrap(), before, "previous file kept");
    assert!(!dir.join(".flightdeck-new").exists());
}

/// The notification channels routed from the environment: a webhook, Slack and an e-mail channel
/// (its SMTP server as smarthost) become Alertmanager receivers beside flightdeck's own, each
/// reached by a `continue` route, and the file passes the real `amtool check-config` (run by
/// `generate` before it replaces anything, and again here).
const CHANNELS: &str = r#"
[notify.channels.hook]
kind = "webhook"
url = "http://127.0.0.1:9/hook"

[notify.channels.team]
kind = "slack"
url = "https://hooks.slack.example/services/T1"

[notify.channels.mail]
kind = "smtp"
server = "127.0.0.1:2525"
tls = "none"
from = "flightdeck@example.test"
to = ["oncall@example.test"]

[notify.channels.vault]
kind = "webhook"
url = "{{ secrets.hook_url }}"

[[notify.routes]]
environments = ["prod"]
channels = ["hook", "team", "mail", "vault"]
"#;

#[test]
fn notification_channels_become_alertmanager_receivers_amtool_accepts() {
    tools();
    let cfg = format!(
        "{CONFIG}\n[secret_providers.f]\nkind = \"env\"\n[secrets.hook_url]\nprovider = \"f\"\n{CHANNELS}"
    );
    let p = Project::new(&cfg, &[]);
    let dir = p.path().join("mon");
    let out = p.run(&["monitoring", "generate", "--env", "prod", "--out", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("untranslated: channel vault: `url` is a template"), "{stderr}");
    let am: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("alertmanager.yml")).unwrap()).unwrap();
    let names: Vec<&str> =
        am["receivers"].as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["flightdeck", "notify-hook", "notify-team", "notify-mail"], "{am:#}");
    assert_eq!(am["receivers"][1]["webhook_configs"][0]["url"], "http://127.0.0.1:9/hook");
    assert_eq!(am["receivers"][2]["slack_configs"][0]["api_url"], "https://hooks.slack.example/services/T1");
    let mail = &am["receivers"][3]["email_configs"][0];
    assert_eq!(
        (mail["smarthost"].as_str(), mail["to"].as_str()),
        (Some("127.0.0.1:2525"), Some("oncall@example.test"))
    );
    let routes: Vec<(&str, bool)> = am["route"]["routes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["receiver"].as_str().unwrap(), r["continue"].as_bool().unwrap()))
        .collect();
    assert_eq!(
        routes,
        [("flightdeck", true), ("notify-hook", true), ("notify-team", true), ("notify-mail", true)]
    );
    let check =
        Command::new("amtool").arg("check-config").arg(dir.join("alertmanager.yml")).output().unwrap();
    assert!(check.status.success(), "{}", text(&check));
    let summary = String::from_utf8_lossy(&check.stdout);
    assert!(summary.contains("4 receivers") || summary.contains(" - 4 receivers"), "{summary}");
}
