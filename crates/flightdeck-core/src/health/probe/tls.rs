//! The TLS certificate probe: a handshake with tokio-rustls whose verifier records the real
//! verification's verdict (chain to a trusted root, name match, validity) but lets the handshake
//! finish, so the certificate can still be read with x509-parser and its days to expiry reported
//! even when it is not trusted. It trusts the same roots as HTTPS probes ([`super::trust`]).

use std::path::Path;
use std::sync::{Arc, PoisonError};

use tokio_rustls::TlsConnector;
use tokio_rustls::rustls;
use tokio_rustls::rustls::client::danger::ServerCertVerifier;
use tokio_rustls::rustls::pki_types::ServerName;

use super::trust::{Recording, provider};
use super::{Clients, ProbeError, Raw, cert_expiration_ms, tcp};
use crate::health::condition::Observation;
use crate::health::result::Reason;
use crate::time::Micros;

/// Connects to `addr`, completes a handshake and reports the certificate.
pub async fn probe(
    addr: &str,
    server_name: Option<&str>,
    ca_file: Option<&Path>,
    clients: &Clients,
    now: Micros,
) -> Result<Raw, ProbeError> {
    let host = server_name.unwrap_or_else(|| addr.rsplit_once(':').map_or(addr, |(h, _)| h));
    let name = ServerName::try_from(host.trim_matches(['[', ']']).to_string())
        .map_err(|e| ProbeError::new(Reason::Tls, format!("{host:?} is not a server name: {e}")))?;
    let recording = Arc::new(Recording::new(clients.trust.verifier(ca_file)?));
    let config = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| ProbeError::new(Reason::Tls, e.to_string()))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::clone(&recording) as Arc<dyn ServerCertVerifier>)
        .with_no_client_auth();
    let stream = tcp::connect(addr).await?;
    let ip = stream.peer_addr().ok().map(|a| a.ip().to_string());
    let tls = TlsConnector::from(Arc::new(config))
        .connect(name, stream)
        .await
        .map_err(|e| ProbeError::new(Reason::Tls, format!("TLS handshake with {addr} failed: {e}")))?;
    let leaf = tls.get_ref().1.peer_certificates().and_then(|c| c.first()).map(|c| c.as_ref().to_vec());
    let cert_ms = leaf.as_deref().and_then(|der| cert_expiration_ms(der, now));
    let verdict = recording.verdict.lock().unwrap_or_else(PoisonError::into_inner).take();
    let tls_problem = match verdict {
        Some(Ok(())) => None,
        Some(Err(e)) => Some(format!("certificate of {addr} not trusted for {host}: {e}")),
        None => Some(format!("{addr} presented no certificate")),
    };
    Ok(Raw {
        obs: Observation { connected: true, ip, cert_expiration_ms: cert_ms, ..Observation::default() },
        tls_problem,
        ..Raw::default()
    })
}
