//! Notification targets that attack: a 429 with an absurd `Retry-After`, SMTP servers that answer
//! with escape sequences, never greet or stall mid-DATA, and a webhook that redirects to itself.
//! Each fails with a clear reason naming the server, nothing panics, and no byte a terminal obeys
//! reaches stdout or stderr.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

use serde_json::Value;

use crate::common::{Project, text};

/// A raw TCP server on 127.0.0.1 port 0; each connection is handed to `serve` on its own thread.
pub struct RawServer {
    pub port: u16,
}

impl RawServer {
    pub fn start(serve: fn(TcpStream)) -> RawServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                std::thread::spawn(move || serve(stream));
            }
        });
        RawServer { port }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }
}

/// Reads an HTTP request's head (the body is ignored) within 5 s.
pub fn read_head(s: &mut TcpStream) {
    s.set_read_timeout(Some(Duration::from_secs(5))).ok();
    let mut buf = [0u8; 4096];
    let mut head = Vec::new();
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
}

/// Bytes a terminal obeys: ESC, BEL, the 8-bit CSI/OSC/ST, and the bidi overrides.
pub fn assert_terminal_safe(what: &str, bytes: &[u8]) {
    let s = String::from_utf8_lossy(bytes);
    for bad in ['\x1b', '\x07', '\u{9b}', '\u{9d}', '\u{9c}', '\u{202e}', '\u{2066}', '\u{200b}'] {
        assert!(!s.contains(bad), "{what} contains raw {bad:?}: {s:?}");
    }
    assert!(!s.contains("panicked"), "{what}: {s}");
}

const EVIL: &str = "\x1b]52;c;cHduZWQ=\x07\x1b[2J\x1b]8;;http://evil/\x07click\x1b]8;;\x07 \u{202e}lanigiro";

fn smtp_channel(port: u16) -> String {
    format!(
        "[environments.local]\n[notify.channels.mail]\nkind = \"smtp\"\nserver = \"127.0.0.1:{port}\"\ntls = \"none\"\n\
         from = \"flightdeck@example.com\"\nto = [\"oncall@example.com\"]\ntimeout = \"700ms\"\nmax_attempts = 1\n"
    )
}

fn evil_smtp(mut s: TcpStream) {
    let _ = s.write_all(b"220 mail.example ESMTP\r\n");
    let mut r = BufReader::new(s.try_clone().unwrap());
    let mut line = String::new();
    let _ = r.read_line(&mut line);
    let _ = s.write_all(format!("554 5.7.1 {EVIL}\r\n").as_bytes());
}

#[test]
fn an_smtp_server_answering_with_escape_sequences_reaches_no_terminal_raw() {
    let srv = RawServer::start(evil_smtp);
    let p = Project::new(&smtp_channel(srv.port), &[]);
    let out = p.run(&["notify", "test", "mail", "--timeout", "5s"]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert_terminal_safe("notify test stdout", &out.stdout);
    assert_terminal_safe("notify test stderr", &out.stderr);
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(shown.contains(&format!("127.0.0.1:{}", srv.port)), "names the server: {shown}");
    assert!(shown.contains("\\u001b]52"), "the escape is shown, not obeyed: {shown}");
    for args in [&["notify", "list"][..], &["notify", "list", "--json"][..], &["notify", "list", "1"][..]] {
        let out = p.run(args);
        assert!(out.status.success(), "{}", text(&out));
        assert_terminal_safe("notify list", &out.stdout);
    }
}

fn silent(s: TcpStream) {
    // Accepts and never says 220.
    std::thread::sleep(Duration::from_secs(8));
    drop(s);
}

fn stalls_mid_data(mut s: TcpStream) {
    let _ = s.write_all(b"220 mail.example ESMTP\r\n");
    let mut r = BufReader::new(s.try_clone().unwrap());
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let up = line.to_ascii_uppercase();
        let answer: &[u8] = if up.starts_with("EHLO") {
            b"250-mail.example\r\n250 8BITMIME\r\n"
        } else if up.starts_with("DATA") {
            b"354 go ahead\r\n"
        } else if up.starts_with("QUIT") {
            return;
        } else if up.starts_with("MAIL") || up.starts_with("RCPT") {
            b"250 ok\r\n"
        } else {
            // Message text: swallow it and never answer the final dot.
            continue;
        };
        let _ = s.write_all(answer);
    }
}

#[test]
fn smtp_servers_that_never_greet_or_stall_mid_data_time_out_naming_the_server() {
    for serve in [silent as fn(TcpStream), stalls_mid_data] {
        let srv = RawServer::start(serve);
        let p = Project::new(&smtp_channel(srv.port), &[]);
        let out = p.run(&["notify", "test", "mail", "--timeout", "3s"]);
        assert_eq!(out.status.code(), Some(3), "{}", text(&out));
        let shown = String::from_utf8_lossy(&out.stdout);
        assert!(
            shown.contains(&format!("SMTP server 127.0.0.1:{} did not finish the exchange within", srv.port)),
            "{}",
            text(&out)
        );
        assert_terminal_safe("stderr", &out.stderr);
    }
}

fn absurd_retry_after(mut s: TcpStream) {
    read_head(&mut s);
    let _ = s.write_all(
        b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 18446744073709551615\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    );
}

#[test]
fn a_429_with_an_absurd_retry_after_is_retried_within_five_minutes_without_a_panic() {
    let srv = RawServer::start(absurd_retry_after);
    let p = Project::new(
        &format!(
            "[environments.local]\n[notify.channels.ops]\nkind = \"webhook\"\nurl = \"{}\"\ntimeout = \"2s\"\n",
            srv.url("/hook")
        ),
        &[],
    );
    let before = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap();
    let out = p.run(&["notify", "test", "ops", "--timeout", "1s"]);
    assert_eq!(out.status.code(), Some(3), "pending, not a crash: {}", text(&out));
    assert_terminal_safe("stderr", &out.stderr);
    let out = p.run(&["notify", "list", "--json"]);
    let rows: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows[0]["state"], "pending", "{rows}");
    let next = rows[0]["next_at"].as_i64().expect("next_at in microseconds");
    let wait_s = (next - i64::try_from(before.as_micros()).unwrap()) / 1_000_000;
    assert!((250..=310).contains(&wait_s), "Retry-After is capped at 5 min: {wait_s} s");
}

fn redirect_loop(mut s: TcpStream) {
    read_head(&mut s);
    let _ = s.write_all(
        b"HTTP/1.1 302 Found\r\nLocation: /hook\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    );
}

#[test]
fn a_webhook_redirecting_to_itself_fails_once_saying_redirects_are_not_followed() {
    let srv = RawServer::start(redirect_loop);
    let p = Project::new(
        &format!(
            "[environments.local]\n[notify.channels.ops]\nkind = \"webhook\"\nurl = \"{}\"\ntimeout = \"2s\"\n",
            srv.url("/hook")
        ),
        &[],
    );
    let out = p.run(&["notify", "test", "ops", "--timeout", "5s"]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(shown.contains("HTTP 302") && shown.contains("redirects are not followed"), "{}", text(&out));
}

#[test]
fn a_webhook_with_an_untrusted_certificate_fails_at_once_saying_so() {
    let (cert, key) = crate::health_servers::leaf(None, None);
    let srv = crate::health_servers::https(cert, key);
    let url = format!("https://127.0.0.1:{}/hook", srv.port);
    let p = Project::new(
        &format!(
            "[environments.local]\n[notify.channels.ops]\nkind = \"webhook\"\nurl = \"{url}\"\ntimeout = \"2s\"\n"
        ),
        &[],
    );
    let out = p.run(&["notify", "test", "ops", "--timeout", "5s"]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(shown.contains("✗ ops: failed: 127.0.0.1's TLS certificate is not trusted"), "{}", text(&out));
    let rows: Value = serde_json::from_slice(&p.run(&["notify", "list", "--json"]).stdout).unwrap();
    assert_eq!(rows[0]["attempts"], 1, "not retried: {rows}");
}
