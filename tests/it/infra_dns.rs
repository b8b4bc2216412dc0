//! DNS records by the `dns` step against a real BIND 9 `named` (RFC 2136 update with a TSIG key),
//! checked with `dig`; the inventory (`flightdeck env resources`); rollback restoring the old set;
//! a refused key named (BADKEY, BADSIG); `environment-teardown` leaving the inventory empty.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::{LOCAL, Project, ensure_tool, text};

/// A BIND 9 `named` serving zone `ops.test` on a loopback port, updatable with the key in `key`.
pub struct Named {
    child: Child,
    pub port: u16,
    pub dir: tempfile::TempDir,
}

impl Named {
    /// The TSIG key file (`tsig-keygen` output).
    pub fn key(&self) -> PathBuf {
        self.dir.path().join("ops.key")
    }

    /// `dig +short NAME TYPE` at this server, sorted.
    pub fn dig(&self, name: &str, rtype: &str) -> Vec<String> {
        let out = Command::new("dig")
            .args([
                "@127.0.0.1",
                "-p",
                &self.port.to_string(),
                "+short",
                "+norecurse",
                "+time=2",
                name,
                rtype,
            ])
            .output()
            .unwrap();
        let mut v: Vec<String> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| !l.starts_with(';') && !l.trim().is_empty())
            .map(|l| l.trim().to_string())
            .collect();
        v.sort();
        v
    }
}

impl Drop for Named {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn random_port() -> u16 {
    let n = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
    20_000 + u16::try_from((n ^ std::process::id()) % 30_000).unwrap()
}

fn write_config(dir: &Path, port: u16, nonce: &str) {
    let d = dir.display();
    let key = Command::new("tsig-keygen").args(["-a", "hmac-sha256", "ops-key"]).output().unwrap();
    assert!(key.status.success(), "tsig-keygen failed");
    std::fs::write(dir.join("ops.key"), &key.stdout).unwrap();
    let conf = format!(
        "include \"{d}/ops.key\";\noptions {{ directory \"{d}\"; listen-on port {port} {{ 127.0.0.1; }}; \
         listen-on-v6 {{ none; }}; pid-file \"{d}/named.pid\"; recursion no; dnssec-validation no; }};\n\
         zone \"ops.test\" {{ type primary; file \"{d}/ops.test.zone\"; allow-update {{ key \"ops-key\"; }}; }};\n"
    );
    std::fs::write(dir.join("named.conf"), conf).unwrap();
    let zone = format!(
        "$TTL 60\n@ IN SOA ns.ops.test. {nonce}.ops.test. 1 60 60 600 60\n@ IN NS ns.ops.test.\nns IN A 127.0.0.1\n"
    );
    std::fs::write(dir.join("ops.test.zone"), zone).unwrap();
}

/// Starts `named` on a random port (retrying others); ready once it answers its own SOA.
pub fn named() -> Named {
    for t in ["named", "nsupdate", "dig", "tsig-keygen"] {
        ensure_tool(t);
    }
    for attempt in 0..10 {
        let dir = tempfile::tempdir().unwrap();
        let port = random_port();
        let nonce = format!("fd{}x{attempt}", std::process::id());
        write_config(dir.path(), port, &nonce);
        let log = std::fs::File::create(dir.path().join("named.log")).unwrap();
        let child = Command::new("named")
            .args(["-g", "-u", "root", "-c"])
            .arg(dir.path().join("named.conf"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap();
        let mut n = Named { child, port, dir };
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline && n.child.try_wait().unwrap().is_none() {
            if n.dig("ops.test", "SOA").iter().any(|l| l.contains(&nonce)) {
                return n;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        drop(n);
    }
    panic!("named did not start on any of 10 ports");
}

/// A workflow of `dns` steps (TOML bodies of `[[steps]]`).
pub fn dns_workflow(steps: &[&str]) -> String {
    let mut w = String::from("title = \"dns\"\n");
    for s in steps {
        w.push_str("\n[[steps]]\n");
        w.push_str(s);
        w.push('\n');
    }
    w
}

fn dns_step(id: &str, n: &Named, body: &str) -> String {
    format!(
        "id = \"{id}\"\ndns = {{ server = \"127.0.0.1:{}\", key = \"{}\", zone = \"ops.test\", {body} }}",
        n.port,
        n.key().display()
    )
}

pub fn teardown_workflow() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("workflows/environment-teardown.toml"))
        .unwrap()
}

fn resources(p: &Project) -> serde_json::Value {
    let out = p.run(&["env", "resources", "local", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn dns_records_are_created_checked_listed_and_torn_down() {
    let n = named();
    let rec_a = dns_step(
        "a",
        &n,
        "name = \"app.ops.test\", type = \"A\", values = [\"127.0.0.10\", \"127.0.0.11\"], action = \"add\"",
    );
    let rec_cname = dns_step("c", &n, "name = \"www.ops.test\", type = \"CNAME\", value = \"app.ops.test\"");
    let rec_txt = dns_step(
        "t",
        &n,
        "name = \"_acme-challenge.app.ops.test\", type = \"TXT\", value = \"tok \\\"q\\\" 1\"",
    );
    let wf = dns_workflow(&[&rec_a, &rec_cname, &rec_txt]);
    let p = Project::new(LOCAL, &[("dns.toml", &wf), ("environment-teardown.toml", &teardown_workflow())]);
    let out = p.run(&["run", "dns", "--env", "local", "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(n.dig("app.ops.test", "A"), ["127.0.0.10", "127.0.0.11"]);
    assert_eq!(n.dig("www.ops.test", "CNAME"), ["app.ops.test."]);
    assert_eq!(n.dig("_acme-challenge.app.ops.test", "TXT"), ["\"tok \\\"q\\\" 1\""]);
    let rows = resources(&p);
    let names: Vec<&str> = rows.as_array().unwrap().iter().map(|x| x["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["A app.ops.test.", "CNAME www.ops.test.", "TXT _acme-challenge.app.ops.test."]);
    let listing = p.run(&["env", "resources", "local"]);
    assert!(String::from_utf8_lossy(&listing.stdout).contains("dns_record"), "{}", text(&listing));

    let out = p.run(&["run", "environment-teardown", "--env", "local", "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(n.dig("app.ops.test", "A").is_empty());
    assert!(n.dig("www.ops.test", "CNAME").is_empty());
    assert!(n.dig("_acme-challenge.app.ops.test", "TXT").is_empty());
    assert_eq!(resources(&p), serde_json::json!([]));
}

#[test]
fn a_failed_run_rolls_a_replaced_record_back_to_the_old_set() {
    let n = named();
    let first = dns_step("a", &n, "name = \"app.ops.test\", value = \"127.0.0.5\"");
    let p1 = Project::new(LOCAL, &[("one.toml", &dns_workflow(&[&first]))]);
    assert_eq!(p1.run(&["run", "one", "--env", "local", "--yes"]).status.code(), Some(0));
    let key = n.key().display().to_string();
    let replace = format!(
        "{}\nrollback = 'nsupdate -k {key} {{{{ steps.a.outputs.restore }}}}'",
        dns_step("a", &n, "name = \"app.ops.test\", value = \"127.0.0.6\"")
    );
    let fail = "id = \"boom\"\non_fail = \"rollback\"\nrun = 'test \"{{ steps.a.outputs.old }}\" = 127.0.0.5 && exit 1'";
    let p = Project::new(LOCAL, &[("two.toml", &dns_workflow(&[&replace, fail]))]);
    let out = p.run(&["run", "two", "--env", "local", "--yes"]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("rolled back")
            || String::from_utf8_lossy(&out.stdout).contains("rolled back"),
        "{}",
        text(&out)
    );
    assert_eq!(n.dig("app.ops.test", "A"), ["127.0.0.5"], "the old set is back");
}

#[test]
fn a_refused_tsig_key_is_named() {
    let n = named();
    let other = Command::new("tsig-keygen").args(["-a", "hmac-sha256", "stranger-key"]).output().unwrap();
    let badkey = n.dir.path().join("stranger.key");
    std::fs::write(&badkey, &other.stdout).unwrap();
    let good = std::fs::read_to_string(n.key()).unwrap();
    let secret_at = good.find("secret \"").unwrap() + 8;
    let badsig = n.dir.path().join("badsig.key");
    std::fs::write(
        &badsig,
        format!("{}AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\";\n}};\n", &good[..secret_at]),
    )
    .unwrap();
    for (key, code) in [(&badkey, "BADKEY"), (&badsig, "BADSIG")] {
        let step = format!(
            "id = \"a\"\ndns = {{ server = \"127.0.0.1:{}\", key = \"{}\", name = \"x.ops.test\", value = \"127.0.0.9\" }}",
            n.port,
            key.display()
        );
        let p = Project::new(LOCAL, &[("bad.toml", &dns_workflow(&[&step]))]);
        let out = p.run(&["run", "bad", "--env", "local", "--yes"]);
        assert_eq!(out.status.code(), Some(3), "{}", text(&out));
        assert!(text(&out).contains(code), "{code} not named:\n{}", text(&out));
        assert!(n.dig("x.ops.test", "A").is_empty(), "a refused update changed the zone");
        assert_eq!(resources(&p), serde_json::json!([]));
    }
}
