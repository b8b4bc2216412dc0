//! The `cert` step against a real pebble ACME server whose validation resolves names through a real
//! BIND `named`: a certificate for a name flightdeck first created there by RFC 2136 update, its
//! HTTP-01 challenge answered by flightdeck's own listener; renewal skipped while far from expiry;
//! a DNS-01 challenge answered by a TXT record flightdeck adds to BIND (and removes again); teardown
//! revoking it and leaving the inventory empty; an unreachable ACME directory named.

use std::os::unix::fs::PermissionsExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::{LOCAL, Project, ensure_tool, text};
use crate::infra_dns::{Named, dns_workflow, named, teardown_workflow};

struct Pebble {
    child: Child,
    dir: tempfile::TempDir,
    port: u16,
    http_port: u16,
}

impl Drop for Pebble {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn port(salt: u32) -> u16 {
    let n = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
    20_000 + u16::try_from((n.wrapping_mul(salt + 7) ^ std::process::id()) % 30_000).unwrap()
}

fn openssl(dir: &std::path::Path, args: &[&str]) {
    let out = Command::new("openssl").args(args).current_dir(dir).output().unwrap();
    assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// A CA and a 127.0.0.1 leaf for pebble's own HTTPS listener.
fn listener_cert(dir: &std::path::Path) {
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            "/CN=fd test ca",
        ],
    );
    openssl(
        dir,
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "key.pem",
            "-out",
            "leaf.csr",
            "-subj",
            "/CN=127.0.0.1",
        ],
    );
    std::fs::write(dir.join("san.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n").unwrap();
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "leaf.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "cert.pem",
            "-days",
            "2",
            "-extfile",
            "san.ext",
        ],
    );
}

fn pebble(dns: &Named) -> Pebble {
    ensure_tool("pebble");
    ensure_tool("openssl");
    for attempt in 0..10 {
        let dir = tempfile::tempdir().unwrap();
        listener_cert(dir.path());
        let (p, m, h, t) = (port(attempt), port(attempt + 100), port(attempt + 200), port(attempt + 300));
        let cfg = format!(
            "{{\"pebble\":{{\"listenAddress\":\"127.0.0.1:{p}\",\"managementListenAddress\":\"127.0.0.1:{m}\",\"certificate\":\"cert.pem\",\"privateKey\":\"key.pem\",\"httpPort\":{h},\"tlsPort\":{t},\"ocspResponderURL\":\"\",\"externalAccountBindingRequired\":false}}}}"
        );
        std::fs::write(dir.path().join("pebble.json"), cfg).unwrap();
        let log = std::fs::File::create(dir.path().join("pebble.log")).unwrap();
        let child = Command::new("pebble")
            .args(["-config", "pebble.json", "-dnsserver", &format!("127.0.0.1:{}", dns.port)])
            .env("PEBBLE_VA_NOSLEEP", "1")
            .env("PEBBLE_WFE_NONCEREJECT", "0")
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap();
        let mut pb = Pebble { child, dir, port: p, http_port: h };
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline && pb.child.try_wait().unwrap().is_none() {
            let logged = std::fs::read_to_string(pb.dir.path().join("pebble.log")).unwrap_or_default();
            if logged.contains("Listening on") && std::net::TcpStream::connect(("127.0.0.1", p)).is_ok() {
                return pb;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        drop(pb);
    }
    panic!("pebble did not start on any of 10 port sets");
}

fn cert_step(pb: &Pebble, directory: &str) -> String {
    format!(
        "id = \"cert\"\ncert = {{ directory = \"{directory}\", ca = \"{}\", names = [\"app.ops.test\"], http = \"127.0.0.1:{}\" }}",
        pb.dir.path().join("ca.pem").display(),
        pb.http_port
    )
}

#[test]
fn a_certificate_from_pebble_for_a_name_first_created_in_bind() {
    let dns = named();
    let pb = pebble(&dns);
    let record_a = format!(
        "id = \"a\"\ndns = {{ server = \"127.0.0.1:{}\", key = \"{}\", name = \"app.ops.test\", value = \"127.0.0.1\" }}",
        dns.port,
        dns.key().display()
    );
    let cert = cert_step(&pb, &format!("https://127.0.0.1:{}/dir", pb.port));
    let wf = dns_workflow(&[&record_a, &cert]);
    let p = Project::new(LOCAL, &[("tls.toml", &wf), ("environment-teardown.toml", &teardown_workflow())]);
    let out = p.run(&["run", "tls", "--env", "local", "--yes"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\n{}",
        text(&out),
        std::fs::read_to_string(pb.dir.path().join("pebble.log")).unwrap_or_default()
    );
    assert_eq!(dns.dig("app.ops.test", "A"), ["127.0.0.1"]);
    let home = p.home.path().join("certs/app.ops.test");
    let shown = Command::new("openssl")
        .args(["x509", "-noout", "-text", "-in"])
        .arg(home.join("cert.pem"))
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&shown.stdout).contains("DNS:app.ops.test"),
        "{}",
        String::from_utf8_lossy(&shown.stdout)
    );
    let mode = std::fs::metadata(home.join("key.pem")).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "the key is not private");
    let issued = std::fs::read(home.join("cert.pem")).unwrap();

    // Far from expiry: a second run keeps the certificate.
    let out = p.run(&["run", "tls", "--env", "local", "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(std::fs::read(home.join("cert.pem")).unwrap(), issued, "renewed although far from expiry");
    let listing = p.run(&["env", "resources", "local", "--json"]);
    let rows: serde_json::Value = serde_json::from_slice(&listing.stdout).unwrap();
    let kinds: Vec<&str> = rows.as_array().unwrap().iter().map(|row| row["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["dns_record", "certificate"], "{rows}");
    let days = rows[1]["days_left"].as_i64().unwrap_or_else(|| panic!("no days_left: {rows}"));
    assert!(days > 30, "pebble's certificate has years left: {rows}");
    assert!(rows[1]["not_after"].as_str().is_some(), "{rows}");
    assert!(rows[0].get("days_left").is_none(), "only certificates have days left: {rows}");
    let listing = p.run(&["env", "resources", "local"]);
    assert!(text(&listing).contains(&format!("{days} days left")), "{}", text(&listing));

    let out = p.run(&["run", "environment-teardown", "--env", "local", "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(dns.dig("app.ops.test", "A").is_empty());
    assert!(!home.join("key.pem").exists());
    let listing = p.run(&["env", "resources", "local", "--json"]);
    assert_eq!(String::from_utf8_lossy(&listing.stdout).trim(), "[]");
    // Global reverse creation order: the certificate is revoked before its name's record is deleted.
    let all = p.run(&["env", "resources", "local", "--all", "--json"]);
    let rows: serde_json::Value = serde_json::from_slice(&all.stdout).unwrap();
    let removed = |kind: &str| {
        rows.as_array().unwrap().iter().find(|r| r["kind"] == kind).unwrap()["removed_at"].as_i64().unwrap()
    };
    assert!(removed("certificate") < removed("dns_record"), "{rows}");
}

#[test]
fn an_unreachable_acme_directory_is_named() {
    let dns = named();
    let pb = pebble(&dns);
    let wf = dns_workflow(&[&cert_step(&pb, "https://127.0.0.1:9/dir")]);
    let p = Project::new(LOCAL, &[("tls.toml", &wf)]);
    let out = p.run(&["run", "tls", "--env", "local", "--yes"]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert!(text(&out).contains("ACME directory https://127.0.0.1:9/dir unreachable"), "{}", text(&out));
}

#[test]
fn a_dns01_challenge_is_answered_by_a_txt_record_in_bind() {
    let dns = named();
    let pb = pebble(&dns);
    // pebble resolves `_acme-challenge.dns01.ops.test` through this BIND only (`-dnsserver`), and
    // validates for real (no PEBBLE_VA_ALWAYS_VALID): the TXT record flightdeck adds must answer.
    let cert = format!(
        "id = \"cert\"\ncert = {{ directory = \"https://127.0.0.1:{}/dir\", ca = \"{}\", names = [\"dns01.ops.test\"], \
         dns = {{ server = \"127.0.0.1:{}\", key = \"{}\", zone = \"ops.test\" }} }}",
        pb.port,
        pb.dir.path().join("ca.pem").display(),
        dns.port,
        dns.key().display()
    );
    let p = Project::new(LOCAL, &[("tls.toml", &dns_workflow(&[&cert]))]);
    let serial = || -> u64 {
        let soa = dns.dig("ops.test", "SOA");
        soa.first()
            .and_then(|s| s.split_whitespace().nth(2))
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{soa:?}"))
    };
    let before = serial();
    let out = p.run(&["run", "tls", "--env", "local", "--yes"]);
    let log = std::fs::read_to_string(pb.dir.path().join("pebble.log")).unwrap_or_default();
    assert_eq!(out.status.code(), Some(0), "{}\n{log}", text(&out));
    assert!(
        serial() >= before + 2,
        "the TXT record was added and removed by RFC 2136 updates (SOA serial {before} → {})",
        serial()
    );
    let home = p.home.path().join("certs/dns01.ops.test");
    let shown = Command::new("openssl")
        .args(["x509", "-noout", "-text", "-in"])
        .arg(home.join("cert.pem"))
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&shown.stdout).contains("DNS:dns01.ops.test"),
        "{}",
        String::from_utf8_lossy(&shown.stdout)
    );
    assert!(dns.dig("_acme-challenge.dns01.ops.test", "TXT").is_empty(), "the challenge record was removed");
    let listing = p.run(&["env", "resources", "local", "--json"]);
    let rows: serde_json::Value = serde_json::from_slice(&listing.stdout).unwrap();
    let kinds: Vec<&str> = rows.as_array().unwrap().iter().map(|r| r["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["certificate"], "the challenge TXT is not an inventory resource: {rows}");
}
