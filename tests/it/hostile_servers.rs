//! Health checks and the load engine against hostile servers on 127.0.0.1 port 0, beyond
//! `health_hostile.rs`: a server that drips its answer one byte a second, one that closes the
//! connection mid-body, one whose reason phrase and body are garbage bytes and escape sequences,
//! and (for `load`) servers that never finish an answer. Every failure has a clear reason, nothing
//! raw reaches the terminal, and a load test in which nothing was answered fails.

use serde_json::Value;

use crate::common::{Project, text};
use crate::health_servers::{Behaviour, closed_port, http, https, leaf};

fn result<'a>(doc: &'a Value, name: &str) -> &'a Value {
    doc["results"].as_array().and_then(|r| r.iter().find(|x| x["monitor"] == name)).unwrap_or(&Value::Null)
}

#[test]
fn health_drip_mid_close_and_garbage_fail_with_clear_reasons_and_nothing_raw_is_printed() {
    let (drip, cut, garbled) = (http(Behaviour::Drip), http(Behaviour::MidClose), http(Behaviour::Garbled));
    let p = Project::new(
        &format!(
            "[environments.local]\n\
             [monitors.drip]\nurl = \"{}\"\ntimeout = \"2s\"\n\
             [monitors.cut]\nurl = \"{}\"\nconditions = [\"[STATUS] == 200\", \"[BODY] == x\"]\n\
             [monitors.garbled]\nurl = \"{}\"\nconditions = [\"[STATUS] == 200\", \"[BODY] == UP\"]\n",
            drip.url("/"),
            cut.url("/"),
            garbled.url("/")
        ),
        &[],
    );
    let out = p.run(&["health", "--once", "--json"]);
    assert_eq!(out.status.code(), Some(6), "{}", text(&out));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let drip = result(&doc, "drip");
    assert_eq!(drip["reason"], "timeout", "{doc}");
    assert!(drip["message"].as_str().unwrap().contains("no response headers within the timeout"), "{doc}");
    let cut = result(&doc, "cut");
    assert_eq!(cut["reason"], "protocol", "{doc}");
    assert!(cut["message"].as_str().unwrap().contains("closed the connection mid-response"), "{doc}");
    let garbled = result(&doc, "garbled");
    assert_eq!(garbled["reason"], "status", "a 503 with a strange reason phrase is still a 503: {doc}");

    let plain = p.run(&["health", "--once"]);
    let stdout = String::from_utf8_lossy(&plain.stdout);
    assert!(stdout.contains("garbled") && stdout.contains("503"), "{stdout}");
    assert!(!stdout.chars().any(|c| c.is_control() && c != '\n'), "{stdout:?}");
    let all = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(!all.contains('\u{1b}') && !all.contains('\u{7}'), "{all:?}");
}

/// `load -z 1s` against servers that never complete an answer: no response and no error to
/// count, so the requests in flight when the time is up are reported (oha's "aborted due to
/// deadline") and the test fails with exit 7 saying the server answered nothing.
#[test]
fn load_against_servers_that_never_finish_an_answer_fails_saying_so() {
    let p = Project::new("", &[]);
    for b in [Behaviour::Silent, Behaviour::Drip, Behaviour::HeadersThenStall] {
        let s = http(b);
        let out = p.run(&["load", &s.url("/"), "-z", "1s", "-c", "2", "--threads", "1", "--json"]);
        let j: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out)));
        assert_eq!(out.status.code(), Some(7), "{}", text(&out));
        assert_eq!(j["errorDistribution"]["aborted due to deadline"], 2, "{j}");
        assert_eq!(j["flightdeck"]["stats"]["requests"], 0, "{j}");
        assert_eq!(j["flightdeck"]["passed"], false, "{j}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("no request was answered"), "{stderr}");
    }
}

/// A body cut short is an error (never a response), and a garbled reason phrase still counts
/// its status; the text summary stays free of raw control characters.
#[test]
fn load_counts_a_cut_body_as_an_error_and_a_garbled_503_as_a_503() {
    let p = Project::new("", &[]);
    let cut = http(Behaviour::MidClose);
    let out = p.run(&["load", &cut.url("/"), "-n", "4", "-c", "1", "--json"]);
    let j: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out)));
    assert_eq!(j["flightdeck"]["stats"]["responses"], 0, "{j}");
    assert_eq!(j["flightdeck"]["stats"]["errors"], 4, "{j}");

    let garbled = http(Behaviour::Garbled);
    let out = p.run(&["load", &garbled.url("/"), "-n", "3", "-c", "1"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("[503] 3 responses"), "{}", text(&out));
    assert!(!stdout.contains('\u{1b}'), "{stdout:?}");
}

/// Every request failing (a self-signed or expired certificate, a refused port) is no pass:
/// the test measured no server. It exits 7 naming the error classes; with `-k` the self-signed
/// server is load-tested normally. A server that accepts and never starts the TLS handshake
/// is a timeout for the health check, with its own words.
#[test]
fn load_where_every_request_fails_exits_7_and_a_stalled_handshake_times_out_health() {
    let p = Project::new("[environments.local]\n", &[]);
    let (cert, key) = leaf(None, None);
    let self_signed = https(cert, key);
    let expired = {
        let (cert, key) = leaf(None, Some((2020, 1, 1)));
        https(cert, key)
    };
    let closed = closed_port();
    for (url, class) in [
        (format!("https://localhost:{}/", self_signed.port), "tls"),
        (format!("https://localhost:{}/", expired.port), "tls"),
        (format!("http://127.0.0.1:{}/", closed.port()), "refused"),
    ] {
        let out = p.run(&["load", &url, "-n", "3", "-c", "1", "--json"]);
        let j: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out)));
        assert_eq!(out.status.code(), Some(7), "{url}: {}", text(&out));
        assert_eq!(j["errorDistribution"][class], 3, "{j}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(&format!("no request was answered: all 3 failed (3 {class})")), "{stderr}");
    }
    let url = format!("https://localhost:{}/", self_signed.port);
    let out = p.run(&["load", &url, "-n", "3", "-c", "1", "-k", "--json"]);
    assert_eq!(out.status.code(), Some(0), "-k trusts a self-signed server: {}", text(&out));

    let silent = http(Behaviour::Silent);
    let p = Project::new(
        &format!(
            "[environments.local]\n[monitors.https]\nurl = \"https://localhost:{0}/\"\ntimeout = \"1s\"\n\
             [monitors.tls]\ntls = \"localhost:{0}\"\ntimeout = \"1s\"\n",
            silent.port
        ),
        &[],
    );
    let out = p.run(&["health", "--once", "--json"]);
    assert_eq!(out.status.code(), Some(6), "{}", text(&out));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    for name in ["https", "tls"] {
        assert_eq!(result(&doc, name)["reason"], "timeout", "{doc}");
    }
}
