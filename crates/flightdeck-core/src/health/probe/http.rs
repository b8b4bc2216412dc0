//! The HTTP(S) probe: one request through a shared reqwest client (keep-alive pools are reused
//! between probes) whose TLS trusts [`super::trust`]'s roots. `[RESPONSE_TIME]` is the time to the
//! response headers, as in Gatus. The body is read only when a condition reads it, decoded
//! (gzip, br, deflate) chunk by chunk, at most `max_body` decoded bytes, before the monitor's
//! deadline; a longer body is reported as such and never judged truncated.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use reqwest::redirect::Policy;
use tokio::time::Instant;

use super::trust::Trust;
use super::{ProbeError, Raw, cert_expiration_ms, classify};
use crate::health::condition::Observation;
use crate::health::monitor::HttpSpec;
use crate::health::result::Reason;
use crate::time::Micros;

/// Redirects followed before a probe fails with `redirect`.
pub const MAX_REDIRECTS: usize = 10;

type ClientKey = (bool, bool, Option<PathBuf>);

/// Clients and TLS verifiers shared by every probe, built once per distinct TLS/redirect setting.
#[derive(Debug, Default, Clone)]
pub struct Clients {
    http: Arc<Mutex<HashMap<ClientKey, reqwest::Client>>>,
    pub(super) trust: Trust,
}

/// The redirect limit was passed.
#[derive(Debug, thiserror::Error)]
#[error("too many redirects ({0})")]
pub struct TooManyRedirects(pub usize);

impl Clients {
    /// A new, empty set.
    pub fn new() -> Clients {
        Clients::default()
    }

    fn client(&self, spec: &HttpSpec) -> Result<reqwest::Client, ProbeError> {
        let key = (spec.follow_redirects, spec.insecure, spec.ca_file.clone());
        let mut map = self.http.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(c) = map.get(&key) {
            return Ok(c.clone());
        }
        let policy = if spec.follow_redirects {
            Policy::custom(|attempt| {
                if attempt.previous().len() > MAX_REDIRECTS {
                    attempt.error(TooManyRedirects(MAX_REDIRECTS))
                } else {
                    attempt.follow()
                }
            })
        } else {
            Policy::none()
        };
        let tls = self.trust.client_config(spec.ca_file.as_deref(), spec.insecure)?;
        let client = reqwest::Client::builder()
            .redirect(policy)
            .tls_info(true)
            .tls_backend_preconfigured(tls)
            .user_agent(concat!("flightdeck-health/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ProbeError::new(Reason::Connect, format!("cannot build the HTTP client: {e}")))?;
        map.insert(key, client.clone());
        Ok(client)
    }
}

/// Sends the request and, when `read_body`, reads the body up to `max_body` before `deadline`.
pub async fn probe(
    spec: &HttpSpec,
    clients: &Clients,
    now: Micros,
    deadline: Instant,
    read_body: bool,
) -> Result<Raw, ProbeError> {
    let client = clients.client(spec)?;
    let method = reqwest::Method::from_bytes(spec.method.as_bytes())
        .map_err(|_| ProbeError::new(Reason::Connect, format!("bad HTTP method {:?}", spec.method)))?;
    let mut req = client.request(method, &spec.url);
    for (k, v) in &spec.headers {
        req = req.header(k, v);
    }
    if let Some(body) = &spec.body {
        req = req.body(body.clone());
    }
    let started = Instant::now();
    let mut resp = match tokio::time::timeout_at(deadline, req.send()).await {
        Err(_) => return Err(timeout("no response headers", started)),
        Ok(r) => r.map_err(|e| classify(&e))?,
    };
    let headers_ms = millis(started.elapsed());
    let cert_ms = resp
        .extensions()
        .get::<reqwest::tls::TlsInfo>()
        .and_then(|i| i.peer_certificate())
        .and_then(|der| cert_expiration_ms(der, now));
    let status = resp.status().as_u16();
    let ip = resp.remote_addr().map(|a| a.ip().to_string());
    let (body, truncated) = if read_body {
        match tokio::time::timeout_at(deadline, read_capped(&mut resp, spec.max_body)).await {
            Err(_) => {
                return Err(timeout(
                    &format!("HTTP {status} after {headers_ms}ms, but the body was not complete"),
                    started,
                ));
            }
            Ok(r) => r?,
        }
    } else {
        (Vec::new(), false)
    };
    Ok(Raw {
        bytes_read: body.len() as u64,
        truncated,
        obs: Observation {
            status: Some(status),
            response_time_ms: headers_ms,
            body,
            connected: true,
            cert_expiration_ms: cert_ms,
            ip,
            dns_rcode: None,
        },
        tls_problem: None,
    })
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

fn timeout(what: &str, started: Instant) -> ProbeError {
    let waited =
        crate::time::human_duration(i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX));
    ProbeError::new(Reason::Timeout, format!("{what} within the timeout ({waited})"))
}

/// Reads at most `max` decoded bytes; true if more was on offer (the rest is never read).
async fn read_capped(resp: &mut reqwest::Response, max: u64) -> Result<(Vec<u8>, bool), ProbeError> {
    let cap = usize::try_from(max).unwrap_or(usize::MAX);
    crate::http_guard::read_capped(resp, cap).await.map_err(|e| {
        let mut err = classify(&e);
        if !matches!(err.reason, Reason::Timeout | Reason::Protocol) {
            err.reason = Reason::Body;
            err.message = format!("cannot read the body: {}", err.message);
        }
        err
    })
}
