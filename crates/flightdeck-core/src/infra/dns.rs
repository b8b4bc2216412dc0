//! DNS records by RFC 2136 dynamic update signed with TSIG (`nsupdate -k KEYFILE`), checked by a
//! query (`dig`). A refused key or signature is named in the error (BADKEY, BADSIG, BADTIME).

use std::fmt::Write as _;

use crate::engine::StepCx;
use crate::infra::Tool;

/// Record types the `dns` step manages.
pub const TYPES: [&str; 3] = ["A", "CNAME", "TXT"];

/// Where and how to update: the authoritative server, its TSIG key file, the zone.
#[derive(Debug, Clone)]
pub struct Server {
    /// `IP:PORT` (port 53 when absent).
    pub addr: String,
    /// Path of the key file `nsupdate -k` reads (`tsig-keygen` output).
    pub key: String,
    /// The zone (None: nsupdate finds it from the SOA).
    pub zone: Option<String>,
}

impl Server {
    fn ip_port(&self) -> (String, String) {
        match self.addr.rsplit_once(':') {
            Some((ip, port)) if port.chars().all(|c| c.is_ascii_digit()) && !ip.is_empty() => {
                (ip.trim_matches(['[', ']']).to_string(), port.to_string())
            }
            _ => (self.addr.clone(), "53".into()),
        }
    }
}

/// A fully-qualified name with its trailing dot.
pub fn fqdn(name: &str) -> String {
    let n = name.trim().to_ascii_lowercase();
    if n.ends_with('.') { n } else { format!("{n}.") }
}

/// Rejects text that could break out of one nsupdate line.
pub fn check_text(what: &str, v: &str) -> Result<(), String> {
    if v.chars().any(char::is_control) || v.is_empty() {
        return Err(format!("dns: {what} {v:?} is empty or holds a control character"));
    }
    Ok(())
}

/// A value as nsupdate takes it (TXT quoted, CNAME fully qualified).
fn rdata(rtype: &str, v: &str) -> String {
    match rtype {
        "TXT" => format!("\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\"")),
        "CNAME" => fqdn(v),
        _ => v.to_string(),
    }
}

/// A value as dig prints it, normalised for comparison.
fn normalise(rtype: &str, v: &str) -> String {
    match rtype {
        "TXT" => {
            let mut out = String::new();
            let mut in_q = false;
            let mut esc = false;
            for c in v.chars() {
                match (esc, in_q, c) {
                    (true, _, _) => {
                        out.push(c);
                        esc = false;
                    }
                    (false, true, '\\') => esc = true,
                    (false, _, '"') => in_q = !in_q,
                    (false, true, _) => out.push(c),
                    _ => {}
                }
            }
            out
        }
        "CNAME" => fqdn(v),
        _ => v.trim().to_string(),
    }
}

/// The values a name has, sorted.
pub async fn query(cx: &mut StepCx, srv: &Server, name: &str, rtype: &str) -> Result<Vec<String>, String> {
    let (ip, port) = srv.ip_port();
    let tool = Tool::new(
        "dig",
        [
            format!("@{ip}"),
            "-p".into(),
            port,
            "+short".into(),
            "+norecurse".into(),
            "+time=2".into(),
            "+tries=2".into(),
            name.to_string(),
            rtype.to_string(),
        ],
    );
    let out = tool.run(cx).await?;
    if !out.ok() {
        return Err(format!(
            "dig @{} {name} {rtype} failed: {}",
            srv.addr,
            first_line(&out.stdout, &out.stderr)
        ));
    }
    if out.stdout.contains(";; connection timed out") || out.stdout.contains("communications error") {
        return Err(format!("no answer from the DNS server {}: {}", srv.addr, first_line(&out.stdout, "")));
    }
    let mut v: Vec<String> = out
        .stdout
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with(';'))
        .map(|l| normalise(rtype, l))
        .collect();
    v.sort();
    v.dedup();
    Ok(v)
}

fn first_line(a: &str, b: &str) -> String {
    a.lines().chain(b.lines()).find(|l| !l.trim().is_empty()).unwrap_or("no output").to_string()
}

/// One change: the nsupdate lines (without `send`).
#[derive(Debug, Clone, Default)]
pub struct Change {
    lines: Vec<String>,
}

impl Change {
    /// Deletes every record of the type at the name.
    pub fn delete_all(&mut self, name: &str, rtype: &str) {
        self.lines.push(format!("update delete {name} {rtype}"));
    }
    /// Deletes one value.
    pub fn delete(&mut self, name: &str, rtype: &str, v: &str) {
        self.lines.push(format!("update delete {name} {rtype} {}", rdata(rtype, v)));
    }
    /// Adds one value.
    pub fn add(&mut self, name: &str, ttl: u32, rtype: &str, v: &str) {
        self.lines.push(format!("update add {name} {ttl} {rtype} {}", rdata(rtype, v)));
    }
    /// The nsupdate script for a server.
    pub fn script(&self, srv: &Server) -> String {
        let (ip, port) = srv.ip_port();
        let mut s = format!("server {ip} {port}\n");
        if let Some(z) = &srv.zone {
            let _ = writeln!(s, "zone {}", fqdn(z));
        }
        for l in &self.lines {
            let _ = writeln!(s, "{l}");
        }
        s.push_str("send\n");
        s
    }
}

/// Sends a signed update; the error names a refused key or signature.
pub async fn update(cx: &mut StepCx, srv: &Server, change: &Change, what: &str) -> Result<(), String> {
    let key = crate::infra::project_path(cx, &srv.key);
    if !key.is_file() {
        return Err(format!(
            "dns: TSIG key file {} not found: create it with `tsig-keygen NAME > FILE`",
            key.display()
        ));
    }
    let mut tool =
        Tool::new("nsupdate", ["-k".to_string(), key.display().to_string(), "-t".into(), "10".into()]);
    tool.stdin = Some(change.script(srv));
    let out = tool.run(cx).await?;
    if out.ok() {
        return Ok(());
    }
    let all = format!("{}\n{}", out.stdout, out.stderr);
    let reason = ["BADKEY", "BADSIG", "BADTIME", "NOTAUTH", "REFUSED", "NOTZONE", "SERVFAIL"]
        .iter()
        .find(|c| all.contains(*c))
        .copied();
    let hint = match reason {
        Some("BADKEY") => {
            "BADKEY: the server does not know the TSIG key named in the key file (check the key name and `allow-update`)"
        }
        Some("BADSIG") => {
            "BADSIG: the server rejected the TSIG signature (the key's secret or algorithm differs from the server's)"
        }
        Some("BADTIME") => {
            "BADTIME: the clocks of this host and the DNS server differ by more than the TSIG fudge"
        }
        Some("REFUSED") => "REFUSED: the server does not allow this key to update the zone (`allow-update`)",
        Some("NOTAUTH") => "NOTAUTH: the server is not authoritative for the zone or refused the key",
        Some("NOTZONE") => "NOTZONE: the name is not inside the zone",
        _ => "",
    };
    let detail = first_line(&out.stderr, &out.stdout);
    Err(format!(
        "DNS update ({what}) at {} with key {} failed: {hint}{}{detail}",
        srv.addr,
        key.display(),
        if hint.is_empty() { "" } else { " — " }
    ))
}
