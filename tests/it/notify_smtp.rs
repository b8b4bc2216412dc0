//! Mail through a real SMTP server (aiosmtpd, from `scripts/install-test-deps.sh`) on 127.0.0.1:
//! STARTTLS and implicit TLS, both with AUTH, certificates from a test CA made with rcgen; the
//! subject and both parts arrive intact, and a wrong password fails with the server's reply.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::{Project, text};

pub struct Sink {
    child: Child,
    port: u16,
    out: PathBuf,
    _dir: tempfile::TempDir,
    ca: PathBuf,
}

impl Drop for Sink {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn python() -> PathBuf {
    // The venv comes from scripts/install-test-deps.sh (run when missing), which installs aiosmtpd.
    crate::secrets_infra::venv_bin("python")
}

pub fn sink(mode: &str) -> Sink {
    let dir = tempfile::tempdir().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params.distinguished_name.push(rcgen::DnType::CommonName, "flightdeck mail test CA");
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = rcgen::Issuer::new(ca_params, ca_key);
    let leaf_key = rcgen::KeyPair::generate().unwrap();
    let leaf = rcgen::CertificateParams::new(vec!["localhost".to_string()])
        .unwrap()
        .signed_by(&leaf_key, &issuer)
        .unwrap();
    let (ca, cert, key, out) = (
        dir.path().join("ca.pem"),
        dir.path().join("cert.pem"),
        dir.path().join("key.pem"),
        dir.path().join("mail.jsonl"),
    );
    std::fs::write(&ca, ca_cert.pem()).unwrap();
    std::fs::write(&cert, leaf.pem()).unwrap();
    std::fs::write(&key, leaf_key.serialize_pem()).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/smtp_sink.py");
    let mut child = Command::new(python())
        .arg(script)
        .args([mode, out.to_str().unwrap(), cert.to_str().unwrap(), key.to_str().unwrap()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let port = line.trim().parse().unwrap_or_else(|_| panic!("smtp sink did not start: {line:?}"));
    Sink { child, port, out, _dir: dir, ca }
}

pub fn mails(s: &Sink, n: usize) -> Vec<Value> {
    let end = Instant::now() + Duration::from_secs(10);
    loop {
        let got: Vec<Value> = std::fs::read_to_string(&s.out)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect();
        if got.len() >= n || Instant::now() > end {
            return got;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

pub fn config(s: &Sink, tls: &str, password: &str) -> String {
    format!(
        "[environments.local]\n[notify.channels.mail]\nkind = \"smtp\"\nserver = \"localhost:{}\"\ntls = \"{tls}\"\nca_file = \"{}\"\n\
         from = \"flightdeck@example.com\"\nto = [\"oncall@example.com\"]\nusername = \"flightdeck\"\npassword = \"{password}\"\ntimeout = \"20s\"\nmax_attempts = 1\n",
        s.port,
        s.ca.display()
    )
}

const STEP: &str = r#"
title = "tell"
[[steps]]
id = "tell"
notify = { channels = ["mail"], subject = "Déployé: web 2.4.0 ✓", message = "Line one <b>not html</b>\nLine two & three", wait = "20s" }
"#;

fn send_through(mode: &str) {
    let s = sink(mode);
    let p = Project::new(&config(&s, mode, "mail-pass-123"), &[("tell.toml", STEP)]);
    let out = p.run(&["run", "tell", "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let got = mails(&s, 1);
    assert_eq!(got.len(), 1, "one mail");
    let m = &got[0];
    assert_eq!(m["subject"], "Déployé: web 2.4.0 ✓");
    // MIME text travels with CRLF line ends (RFC 2045 canonical form).
    assert_eq!(
        m["text"].as_str().unwrap().replace("\r\n", "\n").trim_end(),
        "Line one <b>not html</b>\nLine two & three"
    );
    assert!(m["html"].as_str().unwrap().contains("&lt;b&gt;not html&lt;/b&gt;"), "{m}");
    assert_eq!(m["login"], "flightdeck");
    assert_eq!(m["tls"], true);
    assert_eq!(m["to"][0], "oncall@example.com");
}

#[test]
fn mail_goes_through_starttls_with_auth() {
    send_through("starttls");
}

#[test]
fn mail_goes_through_implicit_tls_with_auth() {
    send_through("implicit");
}

#[test]
fn a_wrong_password_fails_with_the_servers_reply() {
    let s = sink("starttls");
    let p = Project::new(&config(&s, "starttls", "wrong-password"), &[]);
    let out = p.run(&["notify", "test", "mail"]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    let o = String::from_utf8_lossy(&out.stdout);
    assert!(o.contains("✗ mail: failed") && o.contains("535"), "{}", text(&out));
    assert!(!o.contains("wrong-password"), "the password is never printed");
    assert!(mails(&s, 0).is_empty());
    let _ = std::io::stdout().flush();
}
