//! Hostile `OpenBao` servers: a redirect to another server (which must not receive the token), an
//! endless JSON answer, and errors that echo the token and the value being written. Each fails
//! with a message naming the secret and the provider, and no secret is ever printed.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU16, AtomicUsize, Ordering};
use std::time::Duration;

use crate::common::{Project, text};
use crate::hostile_notify::{RawServer, assert_terminal_safe};

const TOKEN: &str = "hostile-test-token-4242";

fn config(url: &str) -> String {
    format!(
        "[environments.local]\nallow_root_approval = true\n\n[secret_providers.bao]\nkind = \"openbao\"\naddress = \"{url}\"\n\
         token = \"{TOKEN}\"\n\n[secrets.db_password]\nprovider = \"bao\"\npath = \"payments/db\"\nkey = \"password\"\n"
    )
}

/// Reads one HTTP request: its head and its body (by Content-Length), within 5 s.
fn read_request(s: &mut TcpStream) -> (String, Vec<u8>) {
    s.set_read_timeout(Some(Duration::from_secs(5))).ok();
    let mut data = Vec::new();
    let mut buf = [0u8; 8192];
    let end = loop {
        if let Some(i) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        match s.read(&mut buf) {
            Ok(0) | Err(_) => return (String::from_utf8_lossy(&data).into_owned(), Vec::new()),
            Ok(n) => data.extend_from_slice(&buf[..n]),
        }
    };
    let head = String::from_utf8_lossy(&data[..end]).into_owned();
    let len = head
        .lines()
        .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().to_string()))
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = data[end..].to_vec();
    while body.len() < len {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => body.extend_from_slice(&buf[..n]),
        }
    }
    (head, body)
}

fn respond(s: &mut TcpStream, status: &str, body: &str) {
    let _ = write!(
        s,
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
}

fn check(p: &Project) -> (Option<i32>, String) {
    let out = p.run(&["secrets", "check", "db_password"]);
    assert_terminal_safe("secrets check stdout", &out.stdout);
    assert_terminal_safe("secrets check stderr", &out.stderr);
    (out.status.code(), text(&out))
}

static OTHER_PORT: AtomicU16 = AtomicU16::new(0);
static OTHER_HITS: AtomicUsize = AtomicUsize::new(0);

fn other_server(mut s: TcpStream) {
    let (head, _) = read_request(&mut s);
    if !head.is_empty() {
        OTHER_HITS.fetch_add(1, Ordering::SeqCst);
    }
    respond(&mut s, "200 OK", r#"{"data":{"data":{"password":"stolen-but-fine"},"metadata":{"version":1}}}"#);
}

fn redirecting(mut s: TcpStream) {
    let (head, _) = read_request(&mut s);
    let path = head.split_whitespace().nth(1).unwrap_or("/").to_string();
    let port = OTHER_PORT.load(Ordering::SeqCst);
    let _ = write!(
        s,
        "HTTP/1.1 307 Temporary Redirect\r\nLocation: http://127.0.0.1:{port}{path}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
}

#[test]
fn a_redirect_to_another_server_is_not_followed_and_the_token_stays_home() {
    let other = RawServer::start(other_server);
    OTHER_PORT.store(other.port, Ordering::SeqCst);
    let srv = RawServer::start(redirecting);
    let p = Project::new(&config(&srv.url("")), &[]);
    let (code, msg) = check(&p);
    assert_eq!(code, Some(8), "{msg}");
    assert!(msg.contains("db_password") && msg.contains("bao"), "{msg}");
    assert!(msg.contains("redirect to another server is not followed"), "{msg}");
    assert_eq!(OTHER_HITS.load(Ordering::SeqCst), 0, "the other server got a request (and the token)");
}

fn endless(mut s: TcpStream) {
    let _ = read_request(&mut s);
    let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n");
    let _ = s.write_all(br#"{"data":{"data":{"password":""#);
    let chunk = vec![b'a'; 1 << 16];
    // At most 2 GiB, or until the client hangs up.
    for _ in 0..(1 << 15) {
        if s.write_all(&chunk).is_err() {
            return;
        }
    }
}

#[test]
fn an_endless_answer_is_cut_at_its_cap_with_a_clear_reason() {
    let srv = RawServer::start(endless);
    let p = Project::new(&config(&srv.url("")), &[]);
    let (code, msg) = check(&p);
    assert_eq!(code, Some(8), "{msg}");
    assert!(msg.contains("db_password") && msg.contains("an answer over 4 MiB"), "{msg}");
}

static WRITTEN: Mutex<Vec<String>> = Mutex::new(Vec::new());

fn echoing(mut s: TcpStream) {
    let (head, body) = read_request(&mut s);
    let body = String::from_utf8_lossy(&body).into_owned();
    let token = head
        .lines()
        .find_map(|l| l.strip_prefix("x-vault-token: ").or_else(|| l.strip_prefix("X-Vault-Token: ")))
        .unwrap_or("")
        .to_string();
    if head.starts_with("GET") && head.contains("/data/") {
        let ok = r#"{"data":{"data":{"password":"initial-password-1"},"metadata":{"version":1,"created_time":"2026-01-01T00:00:00Z"}}}"#;
        return respond(&mut s, "200 OK", ok);
    }
    if head.starts_with("GET") {
        let meta = r#"{"data":{"current_version":1,"versions":{"1":{"created_time":"2026-01-01T00:00:00Z","deletion_time":"","destroyed":false}}}}"#;
        return respond(&mut s, "200 OK", meta);
    }
    WRITTEN.lock().unwrap().push(body.clone());
    let words =
        serde_json::json!({ "errors": [format!("cannot store {body} for token {token} \x1b]0;pwned\x07")] });
    respond(&mut s, "500 Internal Server Error", &words.to_string());
}

#[test]
fn a_server_echoing_the_written_value_and_the_token_in_its_error_has_both_redacted() {
    let srv = RawServer::start(echoing);
    let p = Project::new(&config(&srv.url("")), &[]);
    let out = p.run(&["secrets", "rotate", "db_password"]);
    let msg = text(&out);
    assert_terminal_safe("secrets rotate stdout", &out.stdout);
    assert_terminal_safe("secrets rotate stderr", &out.stderr);
    assert_ne!(out.status.code(), Some(0), "{msg}");
    let written = WRITTEN.lock().unwrap().clone();
    assert!(!written.is_empty(), "the rotation wrote nothing: {msg}");
    let sent: serde_json::Value = serde_json::from_str(&written[0]).unwrap();
    let value = sent["data"]["password"].as_str().unwrap().to_string();
    assert!(value.len() >= 8, "{sent}");
    assert!(msg.contains("500") && msg.contains("[redacted]"), "{msg}");
    assert!(!msg.contains(&value), "the written value is printed: {msg}");
    assert!(!msg.contains(TOKEN), "the token is printed: {msg}");
}
