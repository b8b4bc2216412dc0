//! `flightdeck health --once` against hostile and unusual servers on 127.0.0.1 (issue 13, "Health
//! against hostile servers"): bodies over `max_body` and a gzip bomb in bounded memory, encoded
//! bodies, a redirect loop, answers that are not HTTP, 2 MB of headers, response time to the
//! headers, an expired certificate, one root store for HTTPS and TLS, a bad condition that disables
//! only its monitor, and Gatus's condition rules end to end.

use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;
use std::process::Output;

use serde_json::Value;

use crate::common::{Project, bin, text};
use crate::health_servers::{Behaviour, ca, http, https, leaf};

/// A project whose flightdeck.toml is `[environments.local]` plus `monitors`.
fn project(monitors: &str) -> Project {
    Project::new(&format!("[environments.local]\n{monitors}"), &[])
}

/// `health --once --json`: exit code, the document, and everything for messages.
fn once(p: &Project) -> (Option<i32>, Value, String) {
    let out = p.run(&["health", "--once", "--json"]);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.code(), doc, text(&out))
}

fn result<'a>(doc: &'a Value, name: &str) -> &'a Value {
    doc["results"].as_array().and_then(|r| r.iter().find(|x| x["monitor"] == name)).unwrap_or(&Value::Null)
}

/// Runs `health --once --json` under `/usr/bin/time` and returns the output and the peak RSS in kB.
/// `scripts/install-test-deps.sh` installs `time`; without it this test fails rather than skip.
fn once_measured(p: &Project) -> (Output, u64) {
    let time = Path::new("/usr/bin/time");
    assert!(time.exists(), "/usr/bin/time is missing: run scripts/install-test-deps.sh (package `time`)");
    let rss_file = p.path().join("rss");
    let out = std::process::Command::new(time)
        .arg("-f")
        .arg("%M")
        .arg("-o")
        .arg(&rss_file)
        .arg(bin())
        .args(["health", "--once", "--json"])
        .current_dir(p.path())
        .env("FLIGHTDECK_HOME", p.home.path())
        .output()
        .unwrap();
    // GNU time writes "Command exited with non-zero status N" before the figure when N != 0.
    let report = std::fs::read_to_string(&rss_file).unwrap();
    let kb = report.lines().last().unwrap_or_default().trim().parse().unwrap();
    eprintln!("health --once peak RSS: {kb} kB");
    (out, kb)
}

#[test]
fn a_body_over_max_body_is_down_body_in_bounded_memory_and_unread_without_body_conditions() {
    let s = http(Behaviour::Huge(50 << 20));
    let p = project(&format!(
        "[monitors.big]\nurl = \"{0}\"\nmax_body = 65536\ntimeout = \"20s\"\nconditions = [\"[STATUS] == 200\", \"[BODY] == pat(*x*)\"]\n\
         [monitors.status]\nurl = \"{0}\"\ntimeout = \"20s\"\nconditions = [\"[STATUS] == 200\"]\n",
        s.url("/")
    ));
    let (out, kb) = once_measured(&p);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let t = text(&out);
    assert_eq!(out.status.code(), Some(6), "{t}");
    let big = result(&doc, "big");
    assert_eq!((big["success"].as_bool(), big["reason"].as_str()), (Some(false), Some("body")), "{t}");
    assert!(big["message"].as_str().unwrap().contains("body exceeds 64 KiB"), "{t}");
    assert_eq!(big["truncated"], true, "{t}");
    let read = big["bytes_read"].as_u64().unwrap();
    assert!(read > 0 && read <= 65536, "read {read} bytes");
    assert_eq!(big["conditions"][1]["passed"], false, "never judged on a cut body: {t}");
    let status = result(&doc, "status");
    assert_eq!((status["success"].as_bool(), status["bytes_read"].as_u64()), (Some(true), Some(0)), "{t}");
    assert!(kb < 45 * 1024, "peak RSS {kb} kB: the body was not bounded");
}

#[test]
fn a_gzip_bomb_is_down_body_in_bounded_memory() {
    let s = http(Behaviour::GzipBomb);
    let p = project(&format!(
        "[monitors.bomb]\nurl = \"{}\"\ntimeout = \"30s\"\nconditions = [\"[BODY] == pat(*ok*)\"]\n",
        s.url("/")
    ));
    let (out, kb) = once_measured(&p);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let t = text(&out);
    let bomb = result(&doc, "bomb");
    assert_eq!(bomb["reason"], "body", "{t}");
    assert!(bomb["message"].as_str().unwrap().contains("body exceeds 1 MiB"), "{t}");
    assert_eq!(bomb["bytes_read"].as_u64(), Some(1 << 20), "the cap applies to the decoded size: {t}");
    assert!(kb < 60 * 1024, "peak RSS {kb} kB decoding a 1 GiB bomb");
    assert!(bomb["conditions"][0]["actual"].as_str().unwrap().len() < 64, "{t}");
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn zlib(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn brotli(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut w = brotli::CompressorWriter::new(&mut out, 4096, 5, 22);
        w.write_all(data).unwrap();
    }
    out
}

#[test]
fn gzip_br_and_deflate_bodies_are_decoded_before_the_conditions() {
    let body = br#"{"status":"UP","items":[1,2,3]}"#;
    let servers = [
        ("gz", http(Behaviour::Encoded("gzip", gzip(body)))),
        ("br", http(Behaviour::Encoded("br", brotli(body)))),
        ("deflate", http(Behaviour::Encoded("deflate", zlib(body)))),
    ];
    let mut monitors = String::new();
    for (name, s) in &servers {
        let _ = write!(
            monitors,
            "[monitors.{name}]\nurl = \"{}\"\nconditions = [\"[BODY].status == UP\", \"len([BODY].items) == 3\"]\n",
            s.url("/")
        );
    }
    let (code, doc, t) = once(&project(&monitors));
    assert_eq!(code, Some(0), "{t}");
    for (name, _) in &servers {
        let r = result(&doc, name);
        assert_eq!(r["success"], true, "{name}: {t}");
        assert_eq!(r["bytes_read"].as_u64(), Some(body.len() as u64), "{name}: decoded size: {t}");
    }
}

#[test]
fn a_redirect_loop_fails_as_redirect_with_the_same_message_every_time() {
    let s = http(Behaviour::RedirectLoop);
    let p = project(&format!("[monitors.loop]\nurl = \"{}\"\n", s.url("/loop")));
    let (code, first, t) = once(&p);
    let (_, second, _) = once(&p);
    assert_eq!(code, Some(6), "{t}");
    let r = result(&first, "loop");
    assert_eq!(r["reason"], "redirect", "{t}");
    assert_eq!(r["message"], "too many redirects (10)", "{t}");
    assert_eq!(result(&second, "loop")["message"], r["message"]);
    assert_eq!(s.hits.load(std::sync::atomic::Ordering::SeqCst), 22, "1 request + 10 redirects, twice");
}

#[test]
fn answers_that_are_not_http_and_2_mb_of_headers_are_protocol_failures() {
    let ssh = http(Behaviour::NotHttp);
    let huge = http(Behaviour::HugeHeaders);
    let p = project(&format!(
        "[monitors.ssh]\nurl = \"{}\"\n[monitors.huge]\nurl = \"{}\"\n",
        ssh.url("/"),
        huge.url("/")
    ));
    let (code, doc, t) = once(&p);
    assert_eq!(code, Some(6), "{t}");
    let (ssh, huge) = (result(&doc, "ssh"), result(&doc, "huge"));
    assert_eq!(ssh["reason"], "protocol", "{t}");
    assert!(ssh["message"].as_str().unwrap().contains("not HTTP"), "{t}");
    assert_eq!(huge["reason"], "protocol", "{t}");
    assert!(huge["message"].as_str().unwrap().contains("too large"), "{t}");
    assert!(huge["message"].as_str().unwrap().len() < 500, "{t}");
}

/// Gatus measures `[RESPONSE_TIME]` to the response headers; the body, when a condition reads it,
/// must arrive within what is left of `timeout`.
#[test]
fn response_time_is_to_the_headers_and_the_body_has_the_rest_of_the_timeout() {
    let s = http(Behaviour::HeadersThenStall);
    let p = project(&format!(
        "[monitors.headers]\nurl = \"{0}\"\ntimeout = \"3s\"\nconditions = [\"[STATUS] == 200\", \"[RESPONSE_TIME] < 3s\"]\n\
         [monitors.body]\nurl = \"{0}\"\ntimeout = \"700ms\"\nconditions = [\"[STATUS] == 200\", \"[BODY] == x\"]\n",
        s.url("/")
    ));
    let (code, doc, t) = once(&p);
    assert_eq!(code, Some(6), "{t}");
    assert_eq!(result(&doc, "headers")["success"], true, "the stalled body is not awaited: {t}");
    let body = result(&doc, "body");
    assert_eq!(body["reason"], "timeout", "{t}");
    let msg = body["message"].as_str().unwrap();
    assert!(msg.contains("HTTP 200") && msg.contains("body was not complete"), "{t}");
}

fn ymd(days_from_now: i64) -> (i32, u8, u8) {
    let t =
        jiff::Timestamp::from_second(jiff::Timestamp::now().as_second() + days_from_now * 86_400).unwrap();
    let p: Vec<u32> = t.strftime("%Y-%m-%d").to_string().split('-').map(|x| x.parse().unwrap()).collect();
    (i32::try_from(p[0]).unwrap(), u8::try_from(p[1]).unwrap(), u8::try_from(p[2]).unwrap())
}

#[test]
fn a_certificate_that_expired_yesterday_has_minus_one_days_left() {
    let authority = ca();
    let (cert, key) = leaf(Some(&authority), Some(ymd(-1)));
    let s = https(cert, key);
    let p = project("");
    std::fs::write(p.path().join("ca.pem"), &authority.pem).unwrap();
    std::fs::write(
        p.path().join("flightdeck.toml"),
        format!(
            "[environments.local]\n[monitors.cert]\ntls = \"localhost:{0}\"\nca_file = \"ca.pem\"\n",
            s.port
        ),
    )
    .unwrap();
    let (code, doc, t) = once(&p);
    assert_eq!(code, Some(6), "{t}");
    let cert = result(&doc, "cert");
    assert_eq!(cert["reason"], "tls", "{t}");
    assert!(cert["message"].as_str().unwrap().to_ascii_lowercase().contains("expired"), "{t}");
    assert_eq!(cert["cert_days_left"], -1, "{t}");
}

/// One root store: a private CA reached through the OS store (`SSL_CERT_FILE`, read by
/// rustls-native-certs) is trusted by `url` and `tls` monitors alike, and by neither without it.
#[test]
fn a_private_ca_in_the_os_store_is_trusted_by_https_and_tls_monitors_alike() {
    let authority = ca();
    let (cert, key) = leaf(Some(&authority), None);
    let s = https(cert, key);
    let p = project(&format!(
        "[monitors.web]\nurl = \"https://localhost:{0}/\"\nconditions = [\"[STATUS] == 200\", \"[BODY].status == UP\"]\n\
         [monitors.cert]\ntls = \"localhost:{0}\"\n",
        s.port
    ));
    let bundle = p.path().join("os-store.pem");
    std::fs::write(&bundle, &authority.pem).unwrap();
    let with = p
        .cmd(&["health", "--once", "--json"])
        .env("SSL_CERT_FILE", &bundle)
        .env_remove("SSL_CERT_DIR")
        .output()
        .unwrap();
    let without = p
        .cmd(&["health", "--once", "--json"])
        .env("SSL_CERT_FILE", p.path().join("none.pem"))
        .env("SSL_CERT_DIR", p.path().join("no-dir"))
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&with.stdout).unwrap();
    assert_eq!(with.status.code(), Some(0), "{}", text(&with));
    assert!(["web", "cert"].iter().all(|m| result(&doc, m)["success"] == true), "{}", text(&with));
    let doc: Value = serde_json::from_slice(&without.stdout).unwrap();
    assert_eq!(without.status.code(), Some(6), "{}", text(&without));
    assert!(["web", "cert"].iter().all(|m| result(&doc, m)["reason"] == "tls"), "{}", text(&without));
}

#[test]
fn a_bad_condition_disables_only_its_monitor_with_file_and_line() {
    let s = http(Behaviour::Fixed(200, r#"{"status":"UP"}"#));
    let p = project(&format!(
        "[monitors.good]\nurl = \"{0}\"\n[monitors.bad]\nurl = \"{0}\"\nconditions = [\n  \"[STATUS] == 200\",\n  \"[BODY].status == pat([UP)\",\n]\n",
        s.url("/")
    ));
    let (code, doc, t) = once(&p);
    assert_eq!(code, Some(2), "nothing down, one disabled: {t}");
    assert_eq!(result(&doc, "good")["success"], true, "{t}");
    let disabled = &doc["disabled"][0];
    assert_eq!(disabled["name"], "bad", "{t}");
    let problem = disabled["problem"].as_str().unwrap();
    assert!(problem.contains("flightdeck.toml:8: ") && problem.contains("syntax error in pattern"), "{t}");
    let info = p.run(&["info"]);
    assert_eq!(info.status.code(), Some(0), "one bad monitor no longer stops the project: {}", text(&info));
    let validate = p.run(&["validate"]);
    assert_eq!(validate.status.code(), Some(2), "{}", text(&validate));
    assert!(String::from_utf8_lossy(&validate.stderr).contains("flightdeck.toml:8"), "{}", text(&validate));
    let plain = p.run(&["health", "--once"]);
    assert!(
        String::from_utf8_lossy(&plain.stdout).contains("bad              DISABLED config: "),
        "{}",
        text(&plain)
    );
}

/// Gatus's rules against a real server (`condition.go` `isEqual` and
/// `sanitizeAndResolveNumericalWithContext`, `placeholder.go` `ResolvePlaceholder`), and a hostile
/// body quoted escaped and short in plain output.
#[test]
fn gatus_rules_hold_against_a_real_server_and_hostile_bodies_are_quoted_safely() {
    let raw = http(Behaviour::Fixed(200, "123"));
    let doc = http(Behaviour::Fixed(200, r#"{"balance":"123.40000000000005","a":"x","b":"x","hex":"0x1F"}"#));
    let evil = http(Behaviour::Fixed(200, "\u{1b}]0;pwned\u{7}\u{1b}[2J DOWN"));
    let p = project(&format!(
        "[monitors.raw]\nurl = \"{}\"\nconditions = [\"[BODY] < 124\", \"[body] == 123\", \"len([BODY]) == 3\"]\n\
         [monitors.doc]\nurl = \"{}\"\nconditions = [\"[BODY].balance > 100\", \"[BODY].a == [BODY].b\", \"[BODY].hex == 31\", \"[BODY].missing != 1\", \"any(200, 429) == [STATUS]\", \"[CERTIFICATE_EXPIRATION] == 0\"]\n\
         [monitors.evil]\nurl = \"{}\"\nconditions = [\"[BODY] == UP\"]\n",
        raw.url("/"),
        doc.url("/"),
        evil.url("/")
    ));
    let (_, d, t) = once(&p);
    assert_eq!(result(&d, "raw")["success"], true, "{t}");
    assert_eq!(result(&d, "doc")["success"], true, "{t}");
    let plain = p.run(&["health", "--once"]);
    let stdout = String::from_utf8_lossy(&plain.stdout);
    assert!(!stdout.contains('\u{1b}') && !stdout.contains('\u{7}'), "{stdout:?}");
    assert!(stdout.contains("\\u001b]0;pwned"), "{stdout}");
}

#[test]
fn a_check_naming_a_disabled_monitor_fails_with_its_problem() {
    let p = Project::new(
        "[environments.local]\n[monitors.web]\ntcp = \"127.0.0.1:1\"\nconditions = [\"[CONNECTED] == pat([yes)\"]\n",
        &[(
            "gate.toml",
            "title = \"g\"\n[[steps]]\nid = \"c\"\ncheck = { monitor = \"web\", for = \"1s\" }\n",
        )],
    );
    let out = p.run(&["run", "gate", "--json"]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    let ev = crate::common::events(&out);
    let done = ev.iter().find(|e| e["event"] == "step_finished").unwrap();
    let msg = done["message"].as_str().unwrap();
    assert!(msg.contains("monitor \"web\" is disabled") && msg.contains("flightdeck.toml:4"), "{done}");
}
