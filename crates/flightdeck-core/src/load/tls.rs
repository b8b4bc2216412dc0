//! HTTPS for the load generator: one rustls client configuration per test (web PKI roots plus an
//! optional CA file, or no verification with `--insecure`), the target's host name as SNI, and
//! [`Stream`], a plain or TLS connection behind one type so the HTTP/1.1 client and the HTTP/2
//! handshake serve both. Sessions are resumed across reconnects by rustls' default session cache.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use tokio_rustls::rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use tokio_rustls::rustls::{self, DigitallySignedStruct, RootCertStore, SignatureScheme};

use crate::load::plan::{LoadPlan, TlsSettings};
use crate::load::{ErrorClass, LoadError};

/// What every HTTPS connection of a test shares.
#[derive(Clone)]
pub struct Tls {
    connector: TlsConnector,
    name: ServerName<'static>,
}

impl std::fmt::Debug for Tls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tls").field("name", &self.name).finish_non_exhaustive()
    }
}

impl Tls {
    /// The TLS set-up of an `https://` plan (`None` for `http://`).
    pub fn of(plan: &LoadPlan) -> Result<Option<Tls>, LoadError> {
        if !plan.target.tls {
            return Ok(None);
        }
        let mut config = client_config(&plan.tls)?;
        config.alpn_protocols = vec![if plan.http2 { b"h2".to_vec() } else { b"http/1.1".to_vec() }];
        let name = ServerName::try_from(plan.target.host.clone()).map_err(|e| {
            LoadError::Invalid(format!("{:?} is not a TLS server name: {e}", plan.target.host))
        })?;
        Ok(Some(Tls { connector: TlsConnector::from(Arc::new(config)), name }))
    }
}

/// The same crypto provider as the health probes' TLS (one place decides it).
use crate::health::probe::trust::provider;

fn client_config(s: &TlsSettings) -> Result<rustls::ClientConfig, LoadError> {
    let bad = |m: String| LoadError::Invalid(m);
    let builder = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| bad(format!("cannot set up TLS: {e}")))?;
    if s.insecure {
        return Ok(builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AcceptAny))
            .with_no_client_auth());
    }
    let mut roots = RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
    if let Some(path) = &s.ca_file {
        let shown = path.display();
        let certs = CertificateDer::pem_file_iter(path)
            .map_err(|e| bad(format!("cannot read --cacert {shown}: {e}")))?;
        let mut n = 0;
        for cert in certs {
            let cert = cert.map_err(|e| bad(format!("--cacert {shown}: {e}")))?;
            roots.add(cert).map_err(|e| bad(format!("--cacert {shown}: {e}")))?;
            n += 1;
        }
        if n == 0 {
            return Err(bad(format!("--cacert {shown}: no PEM certificate in it")));
        }
    }
    Ok(builder.with_root_certificates(roots).with_no_client_auth())
}

/// `--insecure`: every certificate is accepted (signatures are still checked for the handshake).
#[derive(Debug)]
struct AcceptAny;

impl ServerCertVerifier for AcceptAny {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        let algs = provider().signature_verification_algorithms;
        rustls::crypto::verify_tls12_signature(message, cert, dss, &algs)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        let algs = provider().signature_verification_algorithms;
        rustls::crypto::verify_tls13_signature(message, cert, dss, &algs)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        provider().signature_verification_algorithms.supported_schemes()
    }
}

/// A connection: plain TCP or TLS over TCP.
#[derive(Debug)]
pub enum Stream {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

/// Connects to `addr` (with `TCP_NODELAY`), then completes the TLS handshake when `tls` is set.
pub async fn connect(addr: std::net::SocketAddr, tls: Option<&Tls>) -> Result<Stream, ErrorClass> {
    // A peer that resets during the handshake is a reset, like one that resets later.
    let tcp = TcpStream::connect(addr).await.map_err(|e| match ErrorClass::of_io(&e) {
        c @ (ErrorClass::Refused | ErrorClass::Timeout | ErrorClass::Reset) => c,
        _ => ErrorClass::Connect,
    })?;
    let _ = tcp.set_nodelay(true);
    let Some(t) = tls else { return Ok(Stream::Plain(tcp)) };
    let stream = t.connector.connect(t.name.clone(), tcp).await.map_err(|e| match e.kind() {
        io::ErrorKind::InvalidData => ErrorClass::Tls,
        _ => ErrorClass::of_io(&e),
    })?;
    Ok(Stream::Tls(Box::new(stream)))
}

impl AsyncRead for Stream {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_flush(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}
