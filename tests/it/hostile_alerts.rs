//! Hostile Alertmanager-style POSTs to `flightdeck alerts listen`: escape sequences, bidi and
//! zero-width characters in labels and annotations, a forged status, huge alerts, too many alerts
//! in one POST, deep JSON nesting and an oversized body. The receiver refuses what it must with a
//! 4xx, stores every text cut to its cap, and nothing untrusted reaches stdout raw.

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use serde_json::{Value, json};

use crate::alerts_console::post_body;
use crate::common::{Project, text};
use crate::hostile_notify::assert_terminal_safe;

const EVIL: &str =
    "\x1b]52;c;cHduZWQ=\x07\x1b[2J\x1b]8;;http://evil/\x07x\x1b]8;;\x07\u{9b}31m\u{202e}kO\u{200b}";

fn alert(status: &str, name: &str, summary: &str) -> Value {
    json!({ "status": status, "labels": { "alertname": name, "monitor": EVIL },
            "annotations": { "summary": summary }, "startsAt": EVIL, "fingerprint": EVIL })
}

fn post(addr: &str, alerts: &[Value]) -> String {
    post_body(addr, &json!({ "version": "4", "alerts": alerts }).to_string())
}

#[test]
fn hostile_webhooks_are_refused_or_stored_cut_and_nothing_raw_is_printed() {
    let p = Project::new("[environments.local]\n", &[]);
    let mut listen =
        p.cmd(&["alerts", "listen", "127.0.0.1:0", "--for", "60s"]).stdout(Stdio::piped()).spawn().unwrap();
    let mut out = BufReader::new(listen.stdout.take().unwrap());
    let mut first = String::new();
    out.read_line(&mut first).unwrap();
    let addr =
        first.trim().trim_start_matches("listening on http://").trim_end_matches("/alerts").to_string();

    let huge = "A".repeat(100_000);
    assert!(post(&addr, &[alert("firing", &format!("Disk{EVIL}"), &huge)]).contains(" 200 "));
    let forged = post(&addr, &[alert("\x1b[2Jfiring", "forged", "x")]);
    assert!(forged.contains(" 400 "), "a status other than firing/resolved is refused: {forged}");
    let many: Vec<Value> = (0..1001).map(|i| alert("firing", &format!("many{i}"), "s")).collect();
    assert!(post(&addr, &many).contains(" 413 "), "1001 alerts in one POST are refused");
    let deep = format!("{{\"x\":{}{},\"alerts\":[]}}", "[".repeat(100_000), "]".repeat(100_000));
    let answer = post_body(&addr, &deep);
    // Ignored or refused, never a stack overflow: the receiver answers and keeps serving.
    assert!(answer.contains(" 200 ") || answer.contains(" 400 "), "{answer:?}");
    let big = format!("{{\"alerts\":[],\"pad\":\"{}\"}}", "p".repeat(2 << 20));
    assert!(post_body(&addr, &big).contains(" 413 "), "a body over 1 MiB is refused");
    assert!(post(&addr, &[alert("resolved", "after", "still serving")]).contains(" 200 "));

    let list = p.run(&["alerts", "list", "--json"]);
    assert!(list.status.success(), "{}", text(&list));
    assert_terminal_safe("alerts list --json", &list.stdout);
    let rows: Vec<Value> = serde_json::from_slice(&list.stdout).unwrap();
    let names: Vec<&str> = rows.iter().map(|r| r["alertname"].as_str().unwrap()).collect();
    assert_eq!(rows.len(), 2, "only the two good POSTs were stored: {names:?}");
    let summary = rows[1]["summary"].as_str().unwrap();
    assert!(summary.chars().count() <= 1025 && summary.ends_with('…'), "summary cut: {}", summary.len());
    let plain = p.run(&["alerts", "list"]);
    assert_terminal_safe("alerts list", &plain.stdout);
    assert!(String::from_utf8_lossy(&plain.stdout).contains("\\u001b]52"), "{}", text(&plain));

    listen.kill().unwrap();
    let _ = listen.wait();
    let mut printed = Vec::new();
    std::io::Read::read_to_end(&mut out, &mut printed).unwrap();
    assert_terminal_safe("alerts listen", &printed);
    assert!(String::from_utf8_lossy(&printed).contains("Disk"), "{}", String::from_utf8_lossy(&printed));
}
