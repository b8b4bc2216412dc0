//! One monitor → one blackbox module (`http_2xx` with status codes and body regexps from its
//! conditions, `tcp_connect`, TLS, `dns`) and its alerting rules (down for `failure_threshold` ×
//! interval, latency above its `[RESPONSE_TIME]` bound, certificate under its
//! `[CERTIFICATE_EXPIRATION]` bound). Conditions with no equivalent are reported, never dropped.

use serde_json::{Value, json};

use super::MonitoringError;
use crate::config::monitors::MonitorConfig;
use crate::health::condition::{Condition, Op, Operand, Placeholder};
use crate::time::parse_duration;

/// A monitor's blackbox module and probe target.
#[derive(Debug, Clone, PartialEq)]
pub struct Module {
    /// The module's blackbox configuration.
    pub blackbox: Value,
    /// What the exporter probes (URL, `host:port`, or the DNS server).
    pub target: String,
    /// The monitor's interval as written.
    pub interval: String,
    /// `[RESPONSE_TIME] <` bound in milliseconds.
    pub latency_ms: Option<u64>,
    /// `[CERTIFICATE_EXPIRATION] >` bound in milliseconds.
    pub cert_ms: Option<u64>,
}

fn literal(o: &Operand) -> Option<&str> {
    match o {
        Operand::Literal(s) => Some(s),
        _ => None,
    }
}

/// A Go glob (`*UP*`) as an anchored regular expression.
fn glob_regex(glob: &str) -> String {
    let mut re = String::from("^");
    for ch in glob.chars() {
        match ch {
            '*' => re.push_str(".*"),
            c if "\\.+?()[]{}|^$".contains(c) => {
                re.push('\\');
                re.push(c);
            }
            c => re.push(c),
        }
    }
    re.push('$');
    re
}

#[derive(Default)]
struct Http {
    codes: Vec<u16>,
    body: Vec<String>,
    latency_ms: Option<u64>,
    cert_ms: Option<u64>,
}

/// Applies one condition; `Err(why)` when it has no equivalent.
fn apply(c: &Condition, h: &mut Http) -> Result<(), String> {
    let ph = c.left.placeholder();
    let right = &c.right;
    match (ph, c.op, right) {
        (Some(Placeholder::Status), Op::Eq, Operand::Literal(v)) => {
            h.codes.push(v.parse().map_err(|_| format!("status {v:?} is not a number"))?);
        }
        (Some(Placeholder::Status), Op::Eq, Operand::Any(vs)) => {
            for v in vs {
                h.codes.push(v.parse().map_err(|_| format!("status {v:?} is not a number"))?);
            }
        }
        // Blackbox's default: 2xx after following redirects.
        (Some(Placeholder::Status), Op::Lt, Operand::Literal(v)) if v == "300" || v == "400" => {}
        (Some(Placeholder::Body(path)), Op::Eq, Operand::Pattern(p)) if path.is_empty() => {
            h.body.push(glob_regex(p));
        }
        (Some(Placeholder::ResponseTime), Op::Lt | Op::Le, r) => {
            h.latency_ms =
                literal(r).and_then(parse_duration).or_else(|| literal(r).and_then(|s| s.parse().ok()));
            h.latency_ms.ok_or("the bound is not a number")?;
        }
        (Some(Placeholder::CertificateExpiration), Op::Gt | Op::Ge, r) => {
            h.cert_ms = literal(r).and_then(parse_duration);
            h.cert_ms.ok_or("the bound is not a duration")?;
        }
        (Some(Placeholder::Connected), Op::Eq, Operand::Literal(v)) if v == "true" => {}
        _ => return Err("no blackbox or PromQL equivalent".into()),
    }
    Ok(())
}

fn conditions(name: &str, m: &MonitorConfig, out: &mut Vec<String>) -> Http {
    let mut h = Http::default();
    for text in &m.conditions {
        let result = Condition::parse(text).and_then(|c| apply(&c, &mut h));
        if let Err(why) = result {
            out.push(format!("{name}: {text} — {why}"));
        }
    }
    h
}

/// The blackbox module of monitor `name`.
pub fn module(
    name: &str,
    m: &MonitorConfig,
    resolve: &dyn Fn(&str) -> String,
    untranslated: &mut Vec<String>,
) -> Result<Module, MonitoringError> {
    let timeout = m.timeout.clone();
    let h = conditions(name, m, untranslated);
    let (blackbox, target) = if let Some(url) = &m.url {
        let mut http = json!({ "preferred_ip_protocol": "ip4", "method": m.method.clone().unwrap_or_else(|| "GET".into()) });
        if !h.codes.is_empty() {
            http["valid_status_codes"] = json!(h.codes);
        }
        if !h.body.is_empty() {
            http["fail_if_body_not_matches_regexp"] = json!(h.body);
        }
        (json!({ "prober": "http", "timeout": timeout, "http": http }), resolve(url))
    } else if let Some(addr) = m.tcp.as_ref().or(m.tls.as_ref()) {
        let tcp = json!({ "preferred_ip_protocol": "ip4", "tls": m.tls.is_some() });
        (json!({ "prober": "tcp", "timeout": timeout, "tcp": tcp }), resolve(addr))
    } else if let (Some(dns), Some(ns)) = (&m.dns, &m.nameserver) {
        let q = json!({ "query_name": resolve(dns), "query_type": m.record.clone().unwrap_or_else(|| "A".into()), "preferred_ip_protocol": "ip4" });
        (json!({ "prober": "dns", "timeout": timeout, "dns": q }), ns.clone())
    } else {
        return Err(MonitoringError::Invalid(format!(
            "monitor {name} has nothing translatable: it needs url, tcp, tls, or dns with nameserver"
        )));
    };
    Ok(Module {
        blackbox,
        target,
        interval: m.interval.clone(),
        latency_ms: h.latency_ms,
        cert_ms: h.cert_ms,
    })
}

/// The alerting rules of monitor `name`.
pub fn rules(name: &str, m: &MonitorConfig, module: &Module) -> Vec<Value> {
    let every = parse_duration(&m.interval).unwrap_or(30_000) / 1000;
    let down_for = (every * u64::from(m.failure_threshold.max(1))).max(1);
    let sel = format!("job=\"fd-{name}\"");
    let mut out = vec![json!({
        "alert": "FlightdeckMonitorDown",
        "expr": format!("probe_success{{{sel}}} == 0"),
        "for": format!("{down_for}s"),
        "labels": { "severity": "page", "monitor": name },
        "annotations": { "summary": format!("{name} is down (failure_threshold {} × interval {})", m.failure_threshold, m.interval) },
    })];
    if let Some(ms) = module.latency_ms {
        #[allow(clippy::cast_precision_loss)]
        let secs = ms as f64 / 1000.0;
        out.push(json!({
            "alert": "FlightdeckMonitorSlow",
            "expr": format!("probe_duration_seconds{{{sel}}} > {secs}"),
            "labels": { "severity": "warn", "monitor": name },
            "annotations": { "summary": format!("{name} answers slower than {ms} ms") },
        }));
    }
    if let Some(ms) = module.cert_ms {
        out.push(json!({
            "alert": "FlightdeckCertificateExpiring",
            "expr": format!("probe_ssl_earliest_cert_expiry{{{sel}}} - time() < {}", ms / 1000),
            "labels": { "severity": "warn", "monitor": name },
            "annotations": { "summary": format!("{name}'s certificate expires within {} s", ms / 1000) },
        }));
    }
    out
}
