//! The TLS certificate probe: a handshake with tokio-rustls whose verifier records the real
//! verification's verdict (chain to a trusted root, name match, validity) but lets the handshake
//! finish, so the certificate can still be read with x509-parser and its days to expiry reported
//! even when it is not trusted.

use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::client::WebPkiServerVerifier;
use tokio_rustls::rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use tokio_rustls::rustls::{self, DigitallySignedStruct, RootCertStore, SignatureScheme};

use super::{Clients, ProbeError, Raw, cert_expiration_ms, tcp};
use crate::health::condition::Observation;
use crate::health::result::Reason;
use crate::time::Micros;

/// Records the real verifier's verdict and accepts, so the handshake completes.
#[derive(Debug)]
struct Recording {
    inner: Arc<WebPkiServerVerifier>,
    verdict: Mutex<Option<Result<(), rustls::Error>>>,
}

impl ServerCertVerifier for Recording {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let verdict = self
            .inner
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
            .map(|_| ());
        *self.verdict.lock().unwrap_or_else(PoisonError::into_inner) = Some(verdict);
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// The verifier for a `ca_file` (web PKI roots plus its certificates), built once and shared.
fn verifier(clients: &Clients, ca_file: Option<&Path>) -> Result<Arc<WebPkiServerVerifier>, ProbeError> {
    let key = ca_file.map(Path::to_path_buf);
    let mut map = clients.verifiers.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(v) = map.get(&key) {
        return Ok(Arc::clone(v));
    }
    let mut roots = RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
    if let Some(path) = ca_file {
        let certs = CertificateDer::pem_file_iter(path).map_err(|e| {
            ProbeError::new(Reason::Tls, format!("cannot read ca_file {}: {e}", path.display()))
        })?;
        for cert in certs {
            let cert =
                cert.map_err(|e| ProbeError::new(Reason::Tls, format!("ca_file {}: {e}", path.display())))?;
            roots
                .add(cert)
                .map_err(|e| ProbeError::new(Reason::Tls, format!("ca_file {}: {e}", path.display())))?;
        }
    }
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let v = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
        .build()
        .map_err(|e| ProbeError::new(Reason::Tls, format!("cannot build the certificate verifier: {e}")))?;
    map.insert(key, Arc::clone(&v));
    Ok(v)
}

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
    let recording = Arc::new(Recording { inner: verifier(clients, ca_file)?, verdict: Mutex::new(None) });
    let config =
        rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::aws_lc_rs::default_provider()))
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
