//! Hostile Prometheus servers behind `monitoring verify` and the readiness assessment's
//! `prometheus_rules` evidence: an endless answer, a redirect elsewhere, and escape sequences in
//! target labels. Memory stays bounded (the answer is cut at its cap), the reason names the URL,
//! and nothing raw reaches the terminal.

use std::io::Write;
use std::net::TcpStream;

use serde_json::Value;

use crate::common::{Project, text};
use crate::hostile_notify::{RawServer, assert_terminal_safe, read_head};

fn endless(mut s: TcpStream) {
    read_head(&mut s);
    let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n");
    let _ = s.write_all(br#"{"status":"success","data":{"groups":["#);
    let group = br#"{"name":"g","rules":[{"health":"ok","name":"r"}]},"#.repeat(1000);
    // At most about 2 GiB, or until the client hangs up.
    for _ in 0..40_000 {
        if s.write_all(&group).is_err() {
            return;
        }
    }
}

fn hostile_targets(mut s: TcpStream) {
    read_head(&mut s);
    let body = serde_json::json!({ "status": "success", "data": { "activeTargets": [
        { "labels": { "job": "web\x1b]52;c;cHduZWQ=\x07\u{202e}" }, "health": "down\x1b[2J" } ] } })
    .to_string();
    let _ = write!(s, "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len());
}

fn redirect(mut s: TcpStream) {
    read_head(&mut s);
    let _ = s.write_all(
        b"HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:1/api/v1/rules\r\nContent-Length: 0\r\n\r\n",
    );
}

#[test]
fn monitoring_verify_cuts_an_endless_answer_and_shows_hostile_labels_escaped() {
    let p = Project::new("[environments.local]\n", &[]);
    let srv = RawServer::start(endless);
    let out = p.run(&["monitoring", "verify", "--prometheus", &srv.url(""), "--timeout", "1s"]);
    assert_eq!(out.status.code(), Some(6), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&srv.url("/api/v1/targets")) && err.contains("answer over 32 MiB"), "{err}");
    let srv = RawServer::start(hostile_targets);
    let out = p.run(&["monitoring", "verify", "--prometheus", &srv.url(""), "--timeout", "1s"]);
    assert_eq!(out.status.code(), Some(6), "{}", text(&out));
    assert_terminal_safe("monitoring verify stderr", &out.stderr);
    assert!(String::from_utf8_lossy(&out.stderr).contains("targets not up: web"), "{}", text(&out));
}

fn prometheus_item(url: &str) -> Value {
    let p = Project::new(
        &format!("[environments.prod]\nproduction = true\n\n[assessment]\nprometheus = \"{url}\"\n"),
        &[],
    );
    let out = p.run(&["assess", "--env", "prod", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_terminal_safe("assess --json", &out.stdout);
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    r["items"].as_array().unwrap().iter().find(|i| i["id"] == "5.2.1").unwrap().clone()
}

#[test]
fn assess_reports_an_endless_or_redirecting_prometheus_as_unknown_with_the_reason() {
    let srv = RawServer::start(endless);
    let item = prometheus_item(&srv.url(""));
    assert_eq!(item["state"], "unknown", "{item}");
    assert!(item.to_string().contains("answer over 32 MiB"), "{item}");
    let srv = RawServer::start(redirect);
    let item = prometheus_item(&srv.url(""));
    assert_eq!(item["state"], "unknown", "{item}");
    assert!(item.to_string().contains("redirects are not followed"), "{item}");
}
