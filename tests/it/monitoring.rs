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
