//! Probes: one attempt to reach a monitor's target, judged by its conditions, with the failure's
//! class. HTTP(S) goes through reqwest (body read up to `max_body`); TCP is a connect; TLS does its
//! own handshake with tokio-rustls so it can report chain, hostname and expiry separately (reqwest
//! aborts on a failed verification and shows only the leaf); DNS asks the configured server.

mod dns;
mod http;
mod tcp;
mod tls;

use std::time::Duration;

use crate::health::condition::{Observation, eval_all};
use crate::health::monitor::{Monitor, ProbeSpec};
use crate::health::result::{CheckResult, Reason};
use crate::time::{Micros, human_duration};

pub use http::Clients;

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
    /// Body bytes read.
    pub bytes_read: u64,
    /// The body was cut at `max_body`.
    pub truncated: bool,
    /// A verification problem found by the TLS probe (chain or hostname).
    pub tls_problem: Option<String>,
}

/// Probes `monitor` once; `now` is the wall-clock start (used for certificate expiry).
pub async fn probe(monitor: &Monitor, clients: &Clients, now: Micros) -> CheckResult {
    let started = tokio::time::Instant::now();
    let outcome = tokio::time::timeout(monitor.timeout, run(&monitor.probe, clients, now)).await;
    let latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    let mut result = CheckResult {
        monitor: monitor.name.clone(),
        environment: monitor.environment.clone(),
        at: now,
        latency_ms,
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
        Err(_) => fail(&mut result, Reason::Timeout, format!("no answer within {}", show(monitor.timeout))),
        Ok(Err(e)) => fail(&mut result, e.reason, e.message),
        Ok(Ok(mut raw)) => {
            raw.obs.response_time_ms = latency_ms;
            judge(monitor, &raw, &mut result);
        }
    }
    result
}

fn show(d: Duration) -> String {
    human_duration(i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

fn fail(r: &mut CheckResult, reason: Reason, message: String) {
    r.success = false;
    r.reason = Some(reason);
    r.message = Some(message);
}

/// Fills the result from an observation: conditions, their verdict and the failure class.
fn judge(monitor: &Monitor, raw: &Raw, r: &mut CheckResult) {
    r.status = raw.obs.status;
    r.bytes_read = raw.bytes_read;
    r.truncated = raw.truncated;
    r.cert_days_left = raw.obs.cert_expiration_ms.map(|ms| ms.div_euclid(86_400_000));
    r.conditions = eval_all(&monitor.conditions, &raw.obs);
    if let Some(problem) = &raw.tls_problem {
        return fail(r, Reason::Tls, problem.clone());
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
    } else if matches!(
        cond.placeholder,
        crate::health::condition::Placeholder::DnsRcode | crate::health::condition::Placeholder::Ip
    ) && matches!(monitor.probe, ProbeSpec::Dns { .. })
    {
        Reason::Dns
    } else {
        Reason::Condition
    };
    let c = &r.conditions[first];
    let more = if failed.len() > 1 { format!(" (and {} more)", failed.len() - 1) } else { String::new() };
    let truncated =
        if raw.truncated && reason == Reason::Body { " (body truncated at max_body)" } else { "" };
    fail(r, reason, format!("{} failed: got {}{more}{truncated}", c.condition, c.actual));
}

async fn run(spec: &ProbeSpec, clients: &Clients, now: Micros) -> Result<Raw, ProbeError> {
    match spec {
        ProbeSpec::Http(h) => http::probe(h, clients, now).await,
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
