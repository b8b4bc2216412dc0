//! The `monitoring-setup` workflow end to end (`flightdeck run monitoring-setup --yes`) against the
//! real Prometheus, blackbox exporter and Alertmanager of real-components.md §6, each on a loopback
//! port it picked itself and started on seed files in the directory the workflow writes to. The
//! project has two monitors: `web` on the demo sandbox and `backend` (`service = "api"`) on
//! Prometheus's own health endpoint. After the run, Prometheus's HTTP API shows the generated
//! targets (labelled with their services) up and the rules loaded, Alertmanager's shows the
//! generated receiver, the workflow's test alert has reached `flightdeck alerts listen`, and
//! `flightdeck sandbox break` brings `FlightdeckMonitorDown` for `web` (only) to the same receiver,
//! and `flightdeck sandbox fix` brings it there resolved (both stored by the listener). Every wait is
//! bounded.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::{Project, Sandbox, ensure_tool, text};
use crate::monitoring_e2e::{Proc, lines, listening_port, path_arg, spawn, wait_for};

/// `GET url` with curl, parsed as JSON.
fn get_json(url: &str) -> Value {
    let out = Command::new("curl").args(["-fsS", "--max-time", "10", url]).output().unwrap();
    assert!(out.status.success(), "GET {url}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The servers, started on seed files in `dir` (the files the workflow replaces and reloads).
fn start_servers(dir: &std::path::Path, receiver: &str) -> (Vec<Proc>, [u16; 3]) {
    std::fs::write(dir.join("blackbox.yml"), "modules: {}\n").unwrap();
    std::fs::write(dir.join("prometheus.yml"), "global:\n  scrape_interval: 1s\n").unwrap();
    let seed = format!(
        "route:\n  receiver: x\nreceivers:\n  - name: x\n    webhook_configs:\n      - url: {receiver}\n"
    );
    std::fs::write(dir.join("alertmanager.yml"), seed).unwrap();
    let bb = spawn(
        Command::new("prometheus-blackbox-exporter")
            .arg(path_arg("--config.file", &dir.join("blackbox.yml")))
            .arg("--web.listen-address=127.0.0.1:0"),
    );
    let am = spawn(
        Command::new("prometheus-alertmanager")
            .arg(path_arg("--config.file", &dir.join("alertmanager.yml")))
            .arg(path_arg("--storage.path", &dir.with_file_name("am-data")))
            .arg("--web.listen-address=127.0.0.1:0")
            .arg("--cluster.listen-address="),
    );
    let prom = spawn(
        Command::new("prometheus")
            .arg(path_arg("--config.file", &dir.join("prometheus.yml")))
            .arg(path_arg("--storage.tsdb.path", &dir.with_file_name("prom-data")))
            .arg("--web.listen-address=127.0.0.1:0")
            .arg("--web.enable-lifecycle"),
    );
    let ports = [listening_port(bb.0.id()), listening_port(am.0.id()), listening_port(prom.0.id())];
    (vec![bb, am, prom], ports)
}

/// Polls Prometheus's `/api/v1/targets` up to 60 s until both monitors' targets are up.
fn targets_up(prom: &str) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let t = get_json(&format!("{prom}/api/v1/targets"));
        let active = t["data"]["activeTargets"].as_array().cloned().unwrap_or_default();
        if active.len() == 2 && active.iter().all(|a| a["health"] == "up") {
            return active;
        }
        assert!(Instant::now() < deadline, "targets not all up within 60 s: {t:#}");
        std::thread::sleep(Duration::from_millis(300));
    }
}

#[test]
fn the_monitoring_setup_workflow_loads_real_servers_and_a_broken_sandbox_alerts() {
    for t in [
        "prometheus",
        "prometheus-blackbox-exporter",
        "prometheus-alertmanager",
        "promtool",
        "amtool",
        "curl",
    ] {
        ensure_tool(t);
    }
    let p0 = Project::new("", &[]);
    let sandbox = Sandbox::start(&p0);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("mon");
    std::fs::create_dir_all(&dir).unwrap();

    // The receiver first: its URL goes into the seed and the generated Alertmanager config.
    let listener = Project::new("", &[]);
    let mut listen =
        listener.cmd(&["alerts", "listen", "127.0.0.1:0"]).stdout(Stdio::piped()).spawn().unwrap();
    let rx = lines(&mut listen);
    let _listen = Proc(listen);
    let url = wait_for(&rx, "listening on ", Duration::from_secs(20)).expect("receiver URL");
    let receiver = url.trim_start_matches("listening on ").to_string();
    let (_servers, [bb, am, prom]) = start_servers(&dir, &receiver);
    let prom_url = format!("http://127.0.0.1:{prom}");

    let config = format!(
        "[environments.ops]\nallow_root_approval = true\n\n[monitors.web]\nurl = \"{}/health\"\n\
         interval = \"1s\"\nfailure_threshold = 1\n\n[monitors.backend]\nservice = \"api\"\n\
         url = \"{prom_url}/-/healthy\"\ninterval = \"1s\"\n",
        sandbox.url
    );
    let p = Project::new(&config, &[]);
    let params = [
        format!("dir={}", dir.display()),
        format!("prometheus={prom_url}"),
        format!("alertmanager=127.0.0.1:{am}"),
        format!("blackbox=127.0.0.1:{bb}"),
        format!("receiver={receiver}"),
        "interval=1".to_string(),
    ];
    let mut args = vec!["run", "monitoring-setup", "--env", "ops", "--yes"];
    for p in &params {
        args.extend(["-p", p.as_str()]);
    }
    let out = p.run(&args);
    let all = text(&out);
    assert_eq!(out.status.code(), Some(0), "the workflow: {all}");
    // The approval names the files that change: the seed's three differ, rules.yml is new.
    assert!(all.contains("Changed: ") && all.contains("rules.yml (new)"), "the approval: {all}");
    assert!(all.contains("prometheus.yml") && all.contains("alertmanager.yml"), "the approval: {all}");
    check_loaded(&prom_url, am, &receiver);
    // The workflow's test alert went through Alertmanager to flightdeck.
    assert!(
        wait_for(&rx, "FlightdeckTestAlert", Duration::from_secs(30)).is_some(),
        "the test alert did not reach the receiver"
    );

    let started = Instant::now();
    assert_eq!(p.run(&["sandbox", "break", "--url", &sandbox.url]).status.code(), Some(0));
    let firing = wait_for(&rx, "firing FlightdeckMonitorDown", Duration::from_secs(90));
    let firing = firing.expect("no firing alert reached the receiver within 90 s of sandbox break");
    eprintln!("monitoring-setup: break → firing alert in {:.1} s", started.elapsed().as_secs_f64());
    assert!(firing.contains("monitor=web") && !firing.contains("monitor=backend"), "{firing}");

    fix_resolves(&p, &listener, &sandbox.url, &rx);
}

/// `sandbox fix`: the same alert reaches the receiver resolved, and the listener stored both states.
fn fix_resolves(p: &Project, listener: &Project, sandbox: &str, rx: &std::sync::mpsc::Receiver<String>) {
    let fixed = Instant::now();
    assert_eq!(p.run(&["sandbox", "fix", "--url", sandbox]).status.code(), Some(0));
    let resolved = wait_for(rx, "resolved FlightdeckMonitorDown", Duration::from_secs(90));
    let resolved = resolved.expect("the alert was not resolved at the receiver within 90 s of sandbox fix");
    eprintln!("monitoring-setup: fix → resolved alert in {:.1} s", fixed.elapsed().as_secs_f64());
    assert!(resolved.contains("monitor=web") && !resolved.contains("monitor=backend"), "{resolved}");
    let stored = listener.run(&["alerts", "list", "--json"]);
    assert_eq!(stored.status.code(), Some(0), "{}", text(&stored));
    let rows: Value = serde_json::from_slice(&stored.stdout).unwrap();
    let statuses: Vec<&str> = rows
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["alertname"] == "FlightdeckMonitorDown" && r["monitor"] == "web")
        .filter_map(|r| r["status"].as_str())
        .collect();
    assert!(statuses.contains(&"firing") && statuses.contains(&"resolved"), "{rows:#}");
}

/// Prometheus loaded the generated scrape jobs (services as labels) and rules; Alertmanager the
/// generated config (flightdeck's receiver, with resolved alerts sent).
fn check_loaded(prom_url: &str, am: u16, receiver: &str) {
    let active = targets_up(prom_url);
    let mut jobs: Vec<(String, String)> = active
        .iter()
        .map(|a| {
            let l = &a["labels"];
            (l["monitor"].as_str().unwrap_or("").into(), l["service"].as_str().unwrap_or("").into())
        })
        .collect();
    jobs.sort();
    assert_eq!(jobs, [("backend".into(), "api".into()), ("web".into(), "web".into())], "{active:#?}");
    let rules = get_json(&format!("{prom_url}/api/v1/rules"));
    let names: Vec<String> = rules["data"]["groups"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["rules"].as_array().cloned().unwrap_or_default())
        .map(|r| {
            format!("{} {}", r["name"].as_str().unwrap_or(""), r["labels"]["monitor"].as_str().unwrap_or(""))
        })
        .collect();
    for want in ["FlightdeckMonitorDown web", "FlightdeckMonitorDown backend"] {
        assert!(names.iter().any(|n| n == want), "{want} not loaded: {names:?}");
    }
    // Alertmanager loaded the generated config: flightdeck's receiver with send_resolved.
    let status = get_json(&format!("http://127.0.0.1:{am}/api/v2/status"));
    let original = status["config"]["original"].as_str().unwrap();
    assert!(original.contains("name: flightdeck") && original.contains(receiver), "{original}");
    assert!(original.contains("send_resolved: true"), "{original}");
}
