//! The one set of trusted roots every HTTPS and TLS probe uses: the web PKI roots (webpki-roots),
//! plus the operating system's store (rustls-native-certs, which honours `SSL_CERT_FILE` and
//! `SSL_CERT_DIR`), plus a monitor's `ca_file`. So a private CA installed in the OS store is
//! trusted by `url` and `tls` monitors alike. Verifiers and rustls client configs are built once
//! per `ca_file` and shared.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use tokio_rustls::rustls::client::WebPkiServerVerifier;
use tokio_rustls::rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use tokio_rustls::rustls::{self, DigitallySignedStruct, RootCertStore, SignatureScheme};

use super::ProbeError;
use crate::health::result::Reason;

/// Verifiers by `ca_file`, built once.
#[derive(Debug, Default, Clone)]
pub struct Trust {
    verifiers: Arc<Mutex<HashMap<Option<PathBuf>, Arc<WebPkiServerVerifier>>>>,
}

/// The OS store's certificates, read once per process (unreadable entries are skipped).
fn native_roots() -> &'static [CertificateDer<'static>] {
    static ROOTS: OnceLock<Vec<CertificateDer<'static>>> = OnceLock::new();
    ROOTS.get_or_init(|| rustls_native_certs::load_native_certs().certs)
}

/// The crypto provider every probe uses.
pub fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

fn tls_err(message: String) -> ProbeError {
    ProbeError::new(Reason::Tls, message)
}

impl Trust {
    /// The verifier trusting web PKI + OS roots + `ca_file`.
    pub fn verifier(&self, ca_file: Option<&Path>) -> Result<Arc<WebPkiServerVerifier>, ProbeError> {
        let key = ca_file.map(Path::to_path_buf);
        let mut map = self.verifiers.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(v) = map.get(&key) {
            return Ok(Arc::clone(v));
        }
        let mut roots = RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
        let _ = roots.add_parsable_certificates(native_roots().iter().cloned());
        if let Some(path) = ca_file {
            let shown = path.display();
            let certs = CertificateDer::pem_file_iter(path)
                .map_err(|e| tls_err(format!("cannot read ca_file {shown}: {e}")))?;
            for cert in certs {
                let cert = cert.map_err(|e| tls_err(format!("ca_file {shown}: {e}")))?;
                roots.add(cert).map_err(|e| tls_err(format!("ca_file {shown}: {e}")))?;
            }
        }
        let v = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider())
            .build()
            .map_err(|e| tls_err(format!("cannot build the certificate verifier: {e}")))?;
        map.insert(key, Arc::clone(&v));
        Ok(v)
    }

    /// A rustls client config for HTTPS probes: verified against these roots, or (insecure)
    /// accepting any certificate while still checking handshake signatures.
    pub fn client_config(
        &self,
        ca_file: Option<&Path>,
        insecure: bool,
    ) -> Result<rustls::ClientConfig, ProbeError> {
        let inner = self.verifier(ca_file)?;
        let verifier: Arc<dyn ServerCertVerifier> =
            if insecure { Arc::new(Recording::new(inner)) } else { inner };
        Ok(rustls::ClientConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .map_err(|e| tls_err(e.to_string()))?
            .dangerous()
            .with_custom_certificate_verifier(verifier)
            .with_no_client_auth())
    }
}

/// Records the real verifier's verdict and accepts, so the handshake completes and the
/// certificate can be read even when it is not trusted.
#[derive(Debug)]
pub struct Recording {
    inner: Arc<WebPkiServerVerifier>,
    /// The verdict of the last certificate seen.
    pub verdict: Mutex<Option<Result<(), rustls::Error>>>,
}

impl Recording {
    /// Wraps a real verifier.
    pub fn new(inner: Arc<WebPkiServerVerifier>) -> Recording {
        Recording { inner, verdict: Mutex::new(None) }
    }
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
