//! The HTTP(S) probe: one request through a shared reqwest client (keep-alive pools are reused
//! between probes), the body read chunk by chunk up to `max_body`, the leaf certificate's expiry
//! read from reqwest's TLS info.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

use reqwest::redirect::Policy;
use tokio_rustls::rustls;

use super::{ProbeError, Raw, cert_expiration_ms, chain_text};
use crate::health::condition::Observation;
use crate::health::monitor::HttpSpec;
use crate::health::result::Reason;
use crate::time::Micros;

type ClientKey = (bool, bool, Option<PathBuf>);

/// Clients and TLS verifiers shared by every probe, built once per distinct TLS/redirect setting.
#[derive(Debug, Default, Clone)]
pub struct Clients {
    http: Arc<Mutex<HashMap<ClientKey, reqwest::Client>>>,
    pub(super) verifiers: Arc<Mutex<HashMap<Option<PathBuf>, Arc<rustls::client::WebPkiServerVerifier>>>>,
}

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
        let mut b = reqwest::Client::builder()
            .redirect(if spec.follow_redirects { Policy::limited(10) } else { Policy::none() })
            .tls_info(true)
            .user_agent(concat!("flightdeck-health/", env!("CARGO_PKG_VERSION")))
            .tls_danger_accept_invalid_certs(spec.insecure);
        if let Some(path) = &spec.ca_file {
            let pem = std::fs::read(path).map_err(|e| {
                ProbeError::new(Reason::Tls, format!("cannot read ca_file {}: {e}", path.display()))
            })?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem)
                .map_err(|e| ProbeError::new(Reason::Tls, format!("ca_file {}: {e}", path.display())))?;
            b = b.tls_certs_merge(certs);
        }
        let client = b
            .build()
            .map_err(|e| ProbeError::new(Reason::Connect, format!("cannot build the HTTP client: {e}")))?;
        map.insert(key, client.clone());
        Ok(client)
    }
}

/// Sends the request and reads the body up to `max_body`.
pub async fn probe(spec: &HttpSpec, clients: &Clients, now: Micros) -> Result<Raw, ProbeError> {
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
    let mut resp = req.send().await.map_err(|e| classify(&e))?;
    let cert_ms = resp
        .extensions()
        .get::<reqwest::tls::TlsInfo>()
        .and_then(|i| i.peer_certificate())
        .and_then(|der| cert_expiration_ms(der, now));
    let status = resp.status().as_u16();
    let ip = resp.remote_addr().map(|a| a.ip().to_string());
    let (body, truncated) = read_capped(&mut resp, spec.max_body).await?;
    Ok(Raw {
        bytes_read: body.len() as u64,
        truncated,
        obs: Observation {
            status: Some(status),
            response_time_ms: 0,
            body,
            connected: true,
            cert_expiration_ms: cert_ms,
            ip,
            dns_rcode: None,
        },
        tls_problem: None,
    })
}

/// Reads at most `max` bytes; true if more was on offer (the rest is never read).
async fn read_capped(resp: &mut reqwest::Response, max: u64) -> Result<(Vec<u8>, bool), ProbeError> {
    let cap = usize::try_from(max).unwrap_or(usize::MAX);
    let mut body = Vec::with_capacity(cap.min(64 * 1024));
    while let Some(chunk) = resp.chunk().await.map_err(|e| {
        let mut err = classify(&e);
        if !matches!(err.reason, Reason::Timeout) {
            err.reason = Reason::Body;
        }
        err
    })? {
        let room = cap - body.len();
        if chunk.len() > room {
            body.extend_from_slice(&chunk[..room]);
            return Ok((body, true));
        }
        body.extend_from_slice(&chunk);
    }
    Ok((body, false))
}

/// The class of a reqwest error, found by walking its sources.
fn classify(e: &reqwest::Error) -> ProbeError {
    let text = chain_text(e);
    let lower = text.to_ascii_lowercase();
    let mut reason = if e.is_timeout() { Reason::Timeout } else { Reason::Connect };
    let mut src: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(s) = src {
        if s.downcast_ref::<rustls::Error>().is_some()
            || s.downcast_ref::<std::io::Error>()
                .and_then(|io| io.get_ref())
                .is_some_and(|inner| inner.downcast_ref::<rustls::Error>().is_some())
        {
            reason = Reason::Tls;
        }
        src = s.source();
    }
    if reason == Reason::Connect {
        if lower.contains("dns error") || lower.contains("failed to lookup address") {
            reason = Reason::Dns;
        } else if lower.contains("certificate") || lower.contains("handshake") || lower.contains("tls") {
            reason = Reason::Tls;
        } else if e.is_body() || e.is_decode() {
            reason = Reason::Body;
        }
    }
    ProbeError::new(reason, text)
}
