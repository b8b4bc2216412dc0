//! `[alerts] listen` honoured by an open console (issue 20): the console, in a real terminal
//! (tmux, private socket), binds the configured address (port 0 here: it shows the port it got),
//! receives Alertmanager's webhook JSON posted to it, and its Health screen lists the alert live,
//! firing and then resolved, without a key pressed.

use std::io::{Read, Write};

use crate::common::{Project, bin};
use crate::e2e_tmux::Tmux;

const CONFIG: &str =
    "[environments.staging]\nallow_root_approval = true\n\n[alerts]\nlisten = \"127.0.0.1:0\"\n";

/// Posts one Alertmanager webhook with `status` to `addr`; the HTTP status line.
fn post(addr: &str, status: &str) -> String {
    let body = format!(
        r#"{{"version":"4","status":"{status}","alerts":[{{"status":"{status}","labels":{{"alertname":"FdWebDown","monitor":"web"}},"annotations":{{"summary":"web answers 502"}},"startsAt":"2026-12-04T03:00:00Z"}}]}}"#
    );
    post_body(addr, &body)
}

/// Posts `body` as JSON to `addr`'s `/alerts`; the HTTP status line.
pub(crate) fn post_body(addr: &str, body: &str) -> String {
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(10))).unwrap();
    let req = format!(
        "POST /alerts HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).unwrap();
    let mut answer = String::new();
    let _ = s.read_to_string(&mut answer);
    answer.lines().next().unwrap_or_default().to_string()
}

#[test]
fn an_open_console_receives_alertmanager_webhooks_and_lists_them_live() {
    crate::common::ensure_tool("tmux");
    let p = Project::new(CONFIG, &[]);
    let tmux = Tmux { socket: format!("fd-alerts-{}", std::process::id()) };
    let line = format!(
        "cd {} && TERM=xterm-256color FLIGHTDECK_HOME={} {}; sleep 5",
        p.path().display(),
        p.home.path().display(),
        bin().display()
    );
    let out = tmux.cmd(&["new-session", "-d", "-s", "fd", "-x", "120", "-y", "30", &line]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let screen = tmux.wait_for("receiving Alertmanager webhooks on http://");
    let addr = screen
        .split("receiving Alertmanager webhooks on http://")
        .nth(1)
        .and_then(|rest| rest.split("/alerts").next())
        .unwrap()
        .to_string();
    assert!(addr.starts_with("127.0.0.1:") && !addr.ends_with(":0"), "the bound port is shown: {addr}");
    tmux.keys(&["H"]);
    assert!(!tmux.screen().contains("FdWebDown"), "{}", tmux.screen());

    assert!(post(&addr, "firing").contains(" 200 "), "the console's receiver accepted the webhook");
    let shown = tmux.wait_for("FdWebDown web");
    assert!(shown.contains("firing") && shown.contains("web answers 502"), "{shown}");
    assert!(post(&addr, "resolved").contains(" 200 "));
    let shown = tmux.wait_for("resolved");
    assert!(shown.contains("alerts from Alertmanager"), "{shown}");
    // Stored too: the CLI lists both.
    let listed = p.run(&["alerts", "list", "--json"]);
    let rows: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    assert_eq!(rows.as_array().map(Vec::len), Some(2), "{rows:#}");
}
