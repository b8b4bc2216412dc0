//! Probes: one attempt to reach a monitor's target, judged by its conditions, with the failure's
//! class. HTTP(S) goes through reqwest (body read only for body conditions, up to `max_body`); TCP
//! is a connect; TLS does its own handshake with tokio-rustls so it can report chain, hostname and
//! expiry separately (reqwest aborts on a failed verification and shows only the leaf); DNS asks
//! the configured server. HTTPS and TLS trust the same roots ([`trust`]). Every message that
//! quotes what a server sent is escaped and cut short ([`excerpt`]).

mod classify;
mod dns;
mod http;
mod tcp;
mod tls;
pub mod trust;

use std::time::Duration;

use crate::health::condition::{Observation, eval_all, excerpt};
use crate::health::monitor::{Monitor, ProbeSpec};
use crate::health::result::{CheckResult, Reason};
use crate::time::{Micros, human_duration};

pub use classify::classify;
pub use http::{Clients, MAX_REDIRECTS, TooManyRedirects};

/// Bytes of a message kept in a result.
const MESSAGE_BYTES: usize = 400;

/// A probe that could not produce an observation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeError {
    /// Its class.
    pub reason: Reason,
    /// What happened.
    pub message: String,
}

impl ProbeError {
    fn new(reason: Reason, message: impl Into<String>) -> ProbeError {
        ProbeError { reason, message: message.into() }
    }
}

/// What a probe saw beyond the observation the conditions read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Raw {
    /// For the conditions.
    pub obs: Observation,
    /// Body bytes read (decoded).
    pub bytes_read: u64,
    /// The body was longer than `max_body`; the rest was not read.
    pub truncated: bool,
    /// A verification problem found by the TLS probe (chain or hostname).
    pub tls_problem: Option<String>,
}

/// Probes `monitor` once; `now` is the wall-clock start (used for certificate expiry).
pub async fn probe(monitor: &Monitor, clients: &Clients, now: Micros) -> CheckResult {
    let started = tokio::time::Instant::now();
    let deadline = started + monitor.timeout;
    let read_body = monitor.conditions.iter().any(crate::health::condition::Condition::reads_body);
    let outcome = match &monitor.probe {
        ProbeSpec::Http(h) => http::probe(h, clients, now, deadline, read_body).await,
        other => match tokio::time::timeout_at(deadline, run(other, clients, now)).await {
            Err(_) => {
                Err(ProbeError::new(Reason::Timeout, format!("no answer within {}", show(monitor.timeout))))
            }
            Ok(r) => r,
        },
    };
    let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    let mut result = CheckResult {
        monitor: monitor.name.clone(),
        environment: monitor.environment.clone(),
        at: now,
        latency_ms: elapsed_ms,
        success: false,
        reason: None,
        message: None,
        status: None,
        bytes_read: 0,
        truncated: false,
        cert_days_left: None,
        conditions: Vec::new(),
    };
    match outcome {
        Err(e) => fail(&mut result, e.reason, &e.message),
        Ok(mut raw) => {
            if !matches!(monitor.probe, ProbeSpec::Http(_)) {
                raw.obs.response_time_ms = elapsed_ms;
            }
            result.latency_ms = raw.obs.response_time_ms;
            judge(monitor, &raw, &mut result);
        }
    }
    result
}

fn show(d: Duration) -> String {
    human_duration(i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

fn fail(r: &mut CheckResult, reason: Reason, message: &str) {
    r.success = false;
    r.reason = Some(reason);
    r.message = Some(excerpt(message, MESSAGE_BYTES));
}

/// Whole days until expiry; once expired, whole days since, negative and never 0.
pub fn cert_days_left(ms: i64) -> i64 {
    const DAY: i64 = 86_400_000;
    if ms >= 0 { ms / DAY } else { -((-ms / DAY).max(1)) }
}

/// Fills the result from an observation: conditions, their verdict and the failure class.
fn judge(monitor: &Monitor, raw: &Raw, r: &mut CheckResult) {
    r.status = raw.obs.status;
    r.bytes_read = raw.bytes_read;
    r.truncated = raw.truncated;
    r.cert_days_left = raw.obs.cert_expiration_ms.map(cert_days_left);
    r.conditions = eval_all(&monitor.conditions, &raw.obs);
    if let Some(problem) = &raw.tls_problem {
        return fail(r, Reason::Tls, problem);
    }
    if raw.truncated {
        return body_too_long(monitor, r);
    }
    let failed: Vec<usize> = (0..r.conditions.len()).filter(|i| !r.conditions[*i].passed).collect();
    let Some(first) = failed.first().copied() else {
        r.success = true;
        return;
    };
    let cond = &monitor.conditions[first];
    let reason = if failed.iter().any(|i| monitor.conditions[*i].reads_status()) {
        Reason::Status
    } else if cond.reads_body() {
        Reason::Body
    } else if cond.reads_dns() && matches!(monitor.probe, ProbeSpec::Dns { .. }) {
        Reason::Dns
    } else {
        Reason::Condition
    };
    let c = &r.conditions[first];
    let more = if failed.len() > 1 { format!(" (and {} more)", failed.len() - 1) } else { String::new() };
    let message = format!("{} failed: got {}{more}", c.condition, c.actual);
    fail(r, reason, &message);
}

/// A body over `max_body` with body conditions: DOWN `body`, the body conditions not judged.
fn body_too_long(monitor: &Monitor, r: &mut CheckResult) {
    let max = match &monitor.probe {
        ProbeSpec::Http(h) => h.max_body,
        _ => r.bytes_read,
    };
    for (c, res) in monitor.conditions.iter().zip(r.conditions.iter_mut()) {
        if c.reads_body() {
            res.passed = false;
            res.actual = "(body over max_body)".into();
        }
    }
    let status = r.status.map(|s| format!("HTTP {s}: ")).unwrap_or_default();
    let message = format!("{status}body exceeds {} (max_body = {max}); the rest was not read", size(max));
    fail(r, Reason::Body, &message);
}

/// `1 MiB`, `64 KiB`, `512 B`.
fn size(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 20 && b % (1 << 20) == 0 => format!("{} MiB", b >> 20),
        b if b >= 1 << 10 && b % (1 << 10) == 0 => format!("{} KiB", b >> 10),
        b => format!("{b} B"),
    }
}

async fn run(spec: &ProbeSpec, clients: &Clients, now: Micros) -> Result<Raw, ProbeError> {
    match spec {
        ProbeSpec::Http(_) => Err(ProbeError::new(Reason::Connect, "HTTP probes run through http::probe")),
        ProbeSpec::Tcp { addr } => tcp::probe(addr).await,
        ProbeSpec::Tls { addr, server_name, ca_file } => {
            tls::probe(addr, server_name.as_deref(), ca_file.as_deref(), clients, now).await
        }
        ProbeSpec::Dns { name, nameserver, record } => dns::probe(name, nameserver, record).await,
    }
}

/// Milliseconds from `now` until a certificate's `notAfter`, read from its DER bytes.
pub fn cert_expiration_ms(der: &[u8], now: Micros) -> Option<i64> {
    let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
    let not_after_ms = cert.validity().not_after.timestamp().checked_mul(1000)?;
    Some(not_after_ms - now.0 / 1000)
}

/// An error and its sources as one line: `error sending request: connection refused`.
pub fn chain_text(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![e.to_string()];
    let mut src = e.source();
    while let Some(s) = src {
        let t = s.to_string();
        if !parts.iter().any(|p| p.contains(&t)) {
            parts.push(t);
        }
        src = s.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_left_are_whole_days_and_never_zero_once_expired() {
        const H: i64 = 3_600_000;
        assert_eq!(cert_days_left(47 * H), 1);
        assert_eq!(cert_days_left(23 * H), 0);
        assert_eq!(cert_days_left(-H), -1);
        assert_eq!(cert_days_left(-29 * H), -1, "expired yesterday");
        assert_eq!(cert_days_left(-49 * H), -2);
    }

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(size(1 << 20), "1 MiB");
        assert_eq!(size(65536), "64 KiB");
        assert_eq!(size(1000), "1000 B");
    }
}
