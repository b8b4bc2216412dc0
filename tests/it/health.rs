//! `flightdeck health --once --json` against real servers on 127.0.0.1 started by the test: each
//! case yields the right state and failure reason. And the demo deploy: a bad build fails its
//! `check` step and rolls back.

use std::time::Duration;

use serde_json::Value;

use crate::common::{Project, events, text};
use crate::health_servers::{Behaviour, ca, closed_port, http, https, leaf};

/// Runs `health --once --json` with `monitors` (TOML) and returns the exit code and the results.
fn once(monitors: &str) -> (Option<i32>, Vec<Value>, String) {
    let p = Project::new(&format!("[environments.local]\n{monitors}"), &[]);
    let out = p.run(&["health", "--once", "--json"]);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    let results = doc["results"].as_array().cloned().unwrap_or_default();
    (out.status.code(), results, text(&out))
}

#[test]
fn healthy_server_is_up_with_every_condition_passing() {
    let s = http(Behaviour::Fixed(200, r#"{"status":"UP","items":[{"id":7}]}"#));
    let (code, r, t) = once(&format!(
        "[monitors.web]\nurl = \"{}\"\nconditions = [\"[STATUS] == 200\", \"[BODY].status == UP\", \"[BODY].items[0].id == 7\", \"len([BODY].items) > 0\"]\n",
        s.url("/health")
    ));
    assert_eq!(code, Some(0), "{t}");
    assert_eq!(r[0]["success"], true, "{t}");
    let conds = r[0]["conditions"].as_array().unwrap();
    assert_eq!(conds.len(), 4);
    assert!(conds.iter().all(|c| c["passed"] == true), "{t}");
    assert_eq!(r[0]["status"], 200);
}

#[test]
fn server_errors_fail_with_reason_status() {
    let s = http(Behaviour::Fixed(500, r#"{"status":"DOWN"}"#));
    let (code, r, t) = once(&format!(
        "[monitors.web]\nurl = \"{}\"\nconditions = [\"[STATUS] == 200\", \"[BODY].status == UP\"]\n",
        s.url("/health")
    ));
    assert_eq!(code, Some(6), "{t}");
    assert_eq!(r[0]["reason"], "status", "{t}");
    assert_eq!(r[0]["conditions"][0]["actual"], "500");
    assert_eq!(r[0]["conditions"][1]["passed"], false);
}

#[test]
fn a_wrong_body_fails_with_reason_body() {
    let s = http(Behaviour::Fixed(200, r#"{"status":"DEGRADED"}"#));
    let (code, r, t) =
        once(&format!("[monitors.web]\nurl = \"{}\"\nconditions = [\"[BODY].status == UP\"]\n", s.url("/")));
    assert_eq!(code, Some(6), "{t}");
    assert_eq!(r[0]["reason"], "body", "{t}");
    assert!(r[0]["message"].as_str().unwrap().contains("DEGRADED"), "{t}");
}

#[test]
fn slow_responses_past_the_timeout_fail_with_reason_timeout() {
    let s = http(Behaviour::Slow(Duration::from_secs(5)));
    let (code, r, t) = once(&format!("[monitors.web]\nurl = \"{}\"\ntimeout = \"400ms\"\n", s.url("/")));
    assert_eq!(code, Some(6), "{t}");
    assert_eq!(r[0]["reason"], "timeout", "{t}");
    assert!(r[0]["latency_ms"].as_u64().unwrap() < 4000, "{t}");
}

#[test]
fn a_server_that_accepts_and_never_answers_times_out() {
    let s = http(Behaviour::Silent);
    let (code, r, t) = once(&format!("[monitors.web]\nurl = \"{}\"\ntimeout = \"400ms\"\n", s.url("/")));
    assert_eq!(code, Some(6), "{t}");
    assert_eq!(r[0]["reason"], "timeout", "{t}");
    assert_eq!(s.hits.load(std::sync::atomic::Ordering::SeqCst), 1, "the probe never connected");
}

#[test]
fn connection_refused_fails_with_reason_connect() {
    let closed = closed_port();
    let port = closed.port();
    let (code, r, t) = once(&format!(
        "[monitors.web]\nurl = \"http://127.0.0.1:{port}/\"\n[monitors.tcp]\ntcp = \"127.0.0.1:{port}\"\n"
    ));
    assert_eq!(code, Some(6), "{t}");
    assert_eq!(r.len(), 2);
    assert!(r.iter().all(|x| x["reason"] == "connect"), "{t}");
}

#[test]
fn tcp_monitor_is_up_when_the_port_accepts() {
    let s = http(Behaviour::Fixed(200, "{}"));
    let (code, r, t) = once(&format!("[monitors.tcp]\ntcp = \"127.0.0.1:{}\"\n", s.port));
    assert_eq!(code, Some(0), "{t}");
    assert_eq!(r[0]["conditions"][0]["condition"], "[CONNECTED] == true");
}

#[test]
fn a_self_signed_certificate_fails_with_reason_tls() {
    let (cert, key) = leaf(None, None);
    let s = https(cert, key);
    let (code, r, t) = once(&format!(
        "[monitors.https]\nurl = \"https://localhost:{0}/\"\n[monitors.cert]\ntls = \"localhost:{0}\"\n",
        s.port
    ));
    assert_eq!(code, Some(6), "{t}");
    let cert = r.iter().find(|x| x["monitor"] == "cert").unwrap();
    let web = r.iter().find(|x| x["monitor"] == "https").unwrap();
    assert_eq!(web["reason"], "tls", "{t}");
    assert_eq!(cert["reason"], "tls", "{t}");
    assert!(cert["message"].as_str().unwrap().contains("not trusted"), "{t}");
    assert!(cert["cert_days_left"].as_i64().unwrap() > 365, "{t}");
}

#[test]
fn a_certificate_expiring_in_two_days_fails_its_expiry_condition() {
    let authority = ca();
    let in_two_days = jiff::Timestamp::from_second(jiff::Timestamp::now().as_second() + 2 * 86_400).unwrap();
    let ymd: Vec<u32> =
        in_two_days.strftime("%Y-%m-%d").to_string().split('-').map(|x| x.parse().unwrap()).collect();
    let expiry =
        (i32::try_from(ymd[0]).unwrap(), u8::try_from(ymd[1]).unwrap(), u8::try_from(ymd[2]).unwrap());
    let (cert, key) = leaf(Some(&authority), Some(expiry));
    let s = https(cert, key);
    let p = Project::new("", &[]);
    std::fs::write(p.path().join("ca.pem"), &authority.pem).unwrap();
    let config = format!(
        "[environments.local]\n\
         [monitors.cert]\ntls = \"localhost:{0}\"\nca_file = \"ca.pem\"\nconditions = [\"[CERTIFICATE_EXPIRATION] > 72h\"]\n\
         [monitors.https]\nurl = \"https://localhost:{0}/\"\nca_file = \"ca.pem\"\nconditions = [\"[STATUS] == 200\", \"[CERTIFICATE_EXPIRATION] > 72h\"]\n\
         [monitors.day]\ntls = \"localhost:{0}\"\nca_file = \"ca.pem\"\nconditions = [\"[CERTIFICATE_EXPIRATION] > 24h\"]\n",
        s.port
    );
    std::fs::write(p.path().join("flightdeck.toml"), config).unwrap();
    let out = p.run(&["health", "--once", "--json"]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(6), "{t}");
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let by = |name: &str| {
        doc["results"].as_array().unwrap().iter().find(|x| x["monitor"] == name).unwrap().clone()
    };
    for name in ["cert", "https"] {
        let r = by(name);
        assert_eq!(r["reason"], "condition", "{name}: {t}");
        let days = r["cert_days_left"].as_i64().unwrap();
        assert!((1..=2).contains(&days), "{name}: {days} days: {t}");
    }
    assert_eq!(by("day")["success"], true, "chain and hostname are valid through ca_file: {t}");
}

/// The monitor is disabled (exit 2 when nothing is down), its problem on stderr with file and line.
#[test]
fn a_bad_config_condition_is_a_usage_error_naming_the_line() {
    let p = Project::new(
        "[environments.local]\n[monitors.web]\nurl = \"http://127.0.0.1:1/\"\nconditions = [\"[STAUTS] == 200\"]\n",
        &[],
    );
    let out = p.run(&["health", "--once"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("flightdeck.toml:4") && err.contains("did you mean [STATUS]"), "{err}");
}

#[test]
fn a_bad_deploy_fails_its_check_and_rolls_back() {
    // The sandbox binds port 0 and reports its URL; the workflow's `sandbox ensure` finds it running.
    let p = Project::new("", &[]);
    let sandbox = crate::common::Sandbox::start(&p);
    let url = sandbox.url.clone();
    let config = format!("[environments.local]\nallow_root_approval = true\nurl = \"{url}\"\n");
    std::fs::write(p.path().join("flightdeck.toml"), config).unwrap();
    let deploy = |v: &str| {
        p.run(&["run", "deploy", "-p", &format!("version={v}"), "-p", "migrate=false", "--yes", "--json"])
    };
    let good = deploy("1.1.0");
    let stop = || p.run(&["sandbox", "stop", "--url", &url]);
    if good.status.code() != Some(0) {
        stop();
        panic!("{}", text(&good));
    }
    let bad = deploy("2.0.0-bad");
    let status = p.run(&["sandbox", "status", "--url", &url, "--json"]);
    stop();
    assert_eq!(bad.status.code(), Some(3), "{}", text(&bad));
    let ev = events(&bad);
    let verify = ev.iter().find(|e| e["event"] == "step_finished" && e["step"] == "verify").unwrap();
    assert_eq!(verify["status"], "failed");
    assert!(verify["message"].as_str().unwrap().contains("(status)"), "{verify}");
    assert!(ev.iter().any(|e| e["event"] == "step_progress" && e["step"] == "verify"));
    assert_eq!(ev.last().unwrap()["status"], "rolled_back");
    let live: Value = serde_json::from_slice(&status.stdout).unwrap_or(Value::Null);
    assert_eq!(live["version"], "1.1.0", "{}", text(&status));
    let ok = events(&good);
    let progress = ok.iter().filter(|e| e["event"] == "step_progress" && e["step"] == "verify").count();
    assert!(progress >= 2, "the check probed {progress} times");
}

const CHECK_TASK: &str = r#"
title = "gate on health"
[[steps]]
id = "verify"
uses = "check-health"
with = { monitor = "web", for = "500ms" }
on_fail = "rollback"

[[steps]]
id = "after"
run = "echo after >> trace"
"#;

#[test]
fn the_check_health_task_passes_on_a_healthy_monitor_and_fails_on_a_sick_one() {
    let ok = http(Behaviour::Fixed(200, r#"{"status":"UP"}"#));
    let sick = http(Behaviour::Script(vec![200, 200, 500]));
    for (server, code) in [(&ok, 0), (&sick, 3)] {
        let config = format!(
            "[environments.local]\nallow_root_approval = true\n[monitors.web]\nurl = \"{}\"\ninterval = \"100ms\"\nconditions = [\"[STATUS] == 200\"]\n",
            server.url("/health")
        );
        let p = Project::new(&config, &[("gate.toml", CHECK_TASK)]);
        let out = p.run(&["run", "gate", "--json"]);
        assert_eq!(out.status.code(), Some(code), "{}", text(&out));
        let ev = events(&out);
        let probes: Vec<&Value> =
            ev.iter().filter(|e| e["event"] == "step_progress" && e["step"] == "verify.check").collect();
        if code == 0 {
            assert!(probes.len() >= 3, "{} probes", probes.len());
            assert!(probes.iter().all(|e| e["data"]["result"]["success"] == true));
            assert_eq!(p.read("trace"), "after\n");
        } else {
            assert_eq!(probes.len(), 3, "stops at the first failing probe");
            assert_eq!(probes[2]["data"]["result"]["reason"], "status");
            assert_eq!(p.read("trace"), "");
        }
    }
}

#[test]
fn a_check_naming_an_unknown_monitor_fails_with_the_known_ones() {
    let p = Project::new(
        "[environments.local]\n[monitors.api]\ntcp = \"127.0.0.1:1\"\n",
        &[(
            "gate.toml",
            "title = \"g\"\n[[steps]]\nid = \"c\"\ncheck = { monitor = \"web\", for = \"1s\" }\n",
        )],
    );
    let out = p.run(&["run", "gate", "--json"]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    let ev = events(&out);
    let done = ev.iter().find(|e| e["event"] == "step_finished").unwrap();
    assert!(
        done["message"].as_str().unwrap().contains("no monitor \"web\"")
            && done["message"].as_str().unwrap().contains("api"),
        "{done}"
    );
}

#[test]
fn check_steps_with_bad_values_are_refused_at_validation() {
    for (action, needle) in [
        ("check = { monitor = \"web\" }", "for"),
        ("check = { monitor = \"web\", url = \"http://x\", for = \"1s\" }", "not both"),
        ("check = { url = \"http://x\", for = \"soon\" }", "not a duration"),
        ("check = { url = \"http://x\", for = \"1s\", conditions = [\"[STATSU] == 200\"] }", "[STATUS]"),
        ("check = \"web\"", "must be a table"),
    ] {
        let wf = format!("title = \"g\"\n[[steps]]\nid = \"c\"\n{action}\n");
        let p = Project::new("[environments.local]\n", &[("gate.toml", &wf)]);
        let out = p.run(&["validate"]);
        assert_eq!(out.status.code(), Some(2), "{action}: {}", text(&out));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(needle) && err.contains("gate.toml:4"), "{action}: {err}");
    }
}

#[test]
fn dns_monitors_ask_their_own_nameserver() {
    let (port, stop) = crate::health_servers::dns();
    let (code, r, t) = once(&format!(
        "[monitors.app]\ndns = \"app.test\"\nnameserver = \"127.0.0.1:{port}\"\nconditions = [\"[DNS_RCODE] == NOERROR\", \"[IP] == 10.0.0.7\"]\n\
         [monitors.gone]\ndns = \"gone.test\"\nnameserver = \"127.0.0.1:{port}\"\ntimeout = \"3s\"\n"
    ));
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    assert_eq!(code, Some(6), "{t}");
    let app = r.iter().find(|x| x["monitor"] == "app").unwrap();
    let gone = r.iter().find(|x| x["monitor"] == "gone").unwrap();
    assert_eq!(app["success"], true, "{t}");
    assert_eq!(gone["reason"], "dns", "{t}");
    assert_eq!(gone["conditions"][0]["actual"], "NXDOMAIN", "{t}");
}
