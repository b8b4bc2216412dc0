//! End to end against the real servers (real-components.md §6): the blackbox exporter, Alertmanager
//! and Prometheus run with the files `flightdeck monitoring generate` wrote (1 s intervals), each on
//! a free loopback port it picked itself (read back from /proc); `flightdeck sandbox break` brings
//! `FlightdeckMonitorDown` to `flightdeck alerts listen`, and `sandbox fix` resolves it. The time from
//! break to the alert is printed (not asserted: only a 90 s deadline bounds the wait).

use std::io::BufRead;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use crate::common::{Project, Sandbox, ensure_tool, text};

/// A child process killed when dropped.
pub struct Proc(pub Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The TCP port process `pid` listens on, polled from /proc for up to 20 s.
pub fn listening_port(pid: u32) -> u16 {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        let inodes: Vec<String> = std::fs::read_dir(format!("/proc/{pid}/fd"))
            .map(|d| {
                d.filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
                    .filter_map(|l| {
                        l.to_str()?.strip_prefix("socket:[")?.strip_suffix(']').map(str::to_string)
                    })
                    .collect()
            })
            .unwrap_or_default();
        let table = std::fs::read_to_string("/proc/net/tcp").unwrap_or_default();
        for line in table.lines().skip(1) {
            let f: Vec<&str> = line.split_whitespace().collect();
            if f.len() > 9 && f[3] == "0A" && inodes.iter().any(|i| i == f[9]) {
                let port = f[1].rsplit(':').next().and_then(|h| u16::from_str_radix(h, 16).ok());
                if let Some(p) = port {
                    return p;
                }
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("process {pid} did not listen within 20 s");
}

pub fn spawn(cmd: &mut Command) -> Proc {
    Proc(cmd.stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap())
}

/// Lines of a child's stdout, read on a thread until it exits.
pub fn lines(child: &mut Child) -> Receiver<String> {
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        for l in std::io::BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(l);
        }
    });
    rx
}

/// Waits up to `limit` for a line containing `needle`.
pub fn wait_for(rx: &Receiver<String>, needle: &str, limit: Duration) -> Option<String> {
    let deadline = Instant::now() + limit;
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        match rx.recv_timeout(left) {
            Ok(l) if l.contains(needle) => return Some(l),
            Ok(_) => {}
            Err(_) => return None,
        }
    }
    None
}

pub fn path_arg(flag: &str, path: &std::path::Path) -> String {
    format!("{flag}={}", path.display())
}

/// Starts the exporter and Alertmanager on seed files (their ports go into the generated files),
/// generates the files, loads them with `POST /-/reload` (the "apply" step), then starts Prometheus.
fn start_servers(p: &Project, dir: &std::path::Path, receiver: &str) -> Vec<Proc> {
    std::fs::write(dir.join("blackbox.yml"), "modules: {}\n").unwrap();
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
            .arg(path_arg("--storage.path", &dir.join("am-data")))
            .arg("--web.listen-address=127.0.0.1:0")
            .arg("--cluster.listen-address="),
    );
    let (bb_port, am_port) = (listening_port(bb.0.id()), listening_port(am.0.id()));
    let out = p.run(&[
        "monitoring",
        "generate",
        "--env",
        "prod",
        "--out",
        dir.to_str().unwrap(),
        "--interval",
        "1",
        "--blackbox",
        &format!("127.0.0.1:{bb_port}"),
        "--alertmanager",
        &format!("127.0.0.1:{am_port}"),
        "--receiver",
        receiver,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let urls = [format!("http://127.0.0.1:{bb_port}"), format!("http://127.0.0.1:{am_port}")];
    let out = p.run(&["monitoring", "apply", &urls[0], &urls[1]]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let prom = spawn(
        Command::new("prometheus")
            .arg(path_arg("--config.file", &dir.join("prometheus.yml")))
            .arg(path_arg("--storage.tsdb.path", &dir.join("prom-data")))
            .arg("--web.listen-address=127.0.0.1:0"),
    );
    let prom_url = format!("http://127.0.0.1:{}", listening_port(prom.0.id()));
    let out = p.run(&["monitoring", "verify", "--prometheus", &prom_url, "--timeout", "60s"]);
    assert_eq!(out.status.code(), Some(0), "every target up, rules loaded: {}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 targets up, 1 rules loaded"), "{}", text(&out));
    vec![bb, am, prom]
}

#[test]
fn sandbox_break_brings_the_alert_to_the_receiver_and_fix_resolves_it() {
    for t in ["prometheus", "prometheus-blackbox-exporter", "prometheus-alertmanager", "promtool", "amtool"] {
        ensure_tool(t);
    }
    let p0 = Project::new("", &[]);
    let sandbox = Sandbox::start(&p0);
    let config = format!(
        "[environments.prod]\nproduction = true\n\n[monitors.web]\nurl = \"{}/health\"\ninterval = \"1s\"\nfailure_threshold = 1\n",
        sandbox.url
    );
    let p = Project::new(&config, &[]);
    let dir = p.path().join("mon");
    std::fs::create_dir_all(&dir).unwrap();
    let mut listen = p.cmd(&["alerts", "listen", "127.0.0.1:0"]).stdout(Stdio::piped()).spawn().unwrap();
    let rx = lines(&mut listen);
    let _listen = Proc(listen);
    let url = wait_for(&rx, "listening on ", Duration::from_secs(20)).expect("receiver URL");
    let receiver = url.trim_start_matches("listening on ").to_string();

    let _servers = start_servers(&p, &dir, &receiver);
    assert!(
        wait_for(&rx, "FlightdeckMonitorDown", Duration::from_secs(5)).is_none(),
        "no alert while healthy"
    );

    let started = Instant::now();
    assert_eq!(p.run(&["sandbox", "break", "--url", &sandbox.url]).status.code(), Some(0));
    let firing = wait_for(&rx, "firing FlightdeckMonitorDown", Duration::from_secs(90));
    let took = started.elapsed();
    assert!(firing.is_some(), "no firing alert reached the receiver within 90 s");
    eprintln!("monitoring e2e: break → firing alert at the receiver in {:.1} s", took.as_secs_f64());
    assert!(firing.unwrap().contains("monitor=web"));

    let fixed = Instant::now();
    assert_eq!(p.run(&["sandbox", "fix", "--url", &sandbox.url]).status.code(), Some(0));
    let resolved = wait_for(&rx, "resolved FlightdeckMonitorDown", Duration::from_secs(90));
    assert!(resolved.is_some(), "the alert was not resolved within 90 s of sandbox fix");
    eprintln!("monitoring e2e: fix → resolved at the receiver in {:.1} s", fixed.elapsed().as_secs_f64());
    let stored = p.run(&["alerts", "list", "--json"]);
    let rows: serde_json::Value = serde_json::from_slice(&stored.stdout).unwrap();
    let statuses: Vec<&str> = rows.as_array().unwrap().iter().filter_map(|r| r["status"].as_str()).collect();
    assert!(statuses.contains(&"firing") && statuses.contains(&"resolved"), "{rows}");
}
