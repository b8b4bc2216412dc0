//! HTTP/2 through hyper's client connection (cleartext prior knowledge, or TLS with ALPN `h2`): one
//! HTTP/2 connection per load connection, one request in flight on each; bodies are counted frame
//! by frame and dropped, never collected.

use std::net::SocketAddr;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http2::SendRequest;
use hyper_util::rt::{TokioExecutor, TokioIo};

use crate::load::http1::Answer;
use crate::load::tls::{self, Tls};
use crate::load::{ErrorClass, LoadPlan};

/// One HTTP/2 connection.
#[derive(Debug)]
pub struct Conn {
    sender: SendRequest<Full<Bytes>>,
}

/// The parts of a request that are the same every time.
#[derive(Debug, Clone)]
pub struct Template {
    method: hyper::Method,
    uri: hyper::Uri,
    headers: hyper::HeaderMap,
    body: Bytes,
}

impl Template {
    /// Builds the request template from the plan.
    pub fn new(plan: &LoadPlan) -> Result<Template, crate::load::LoadError> {
        let bad =
            |e: String| crate::load::LoadError::Invalid(format!("cannot build the HTTP/2 request: {e}"));
        let method = hyper::Method::from_bytes(plan.method.as_bytes()).map_err(|e| bad(e.to_string()))?;
        let scheme = if plan.target.tls { "https" } else { "http" };
        let uri: hyper::Uri = format!("{scheme}://{}{}", plan.target.authority(), plan.target.path)
            .parse()
            .map_err(|e: hyper::http::uri::InvalidUri| bad(e.to_string()))?;
        let mut headers = hyper::HeaderMap::new();
        for (name, value) in &plan.headers {
            if name.eq_ignore_ascii_case("host") {
                continue;
            }
            let n = hyper::header::HeaderName::from_bytes(name.as_bytes()).map_err(|e| bad(e.to_string()))?;
            let v = hyper::header::HeaderValue::from_str(value).map_err(|e| bad(e.to_string()))?;
            headers.append(n, v);
        }
        Ok(Template { method, uri, headers, body: Bytes::from(plan.body.clone()) })
    }
}

impl Conn {
    /// Connects and performs the HTTP/2 handshake.
    pub async fn connect(addr: SocketAddr, tls: Option<&Tls>) -> Result<Conn, ErrorClass> {
        let stream = tls::connect(addr, tls).await?;
        let (sender, conn) =
            hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(stream))
                .await
                .map_err(|e| classify(&e))?;
        tokio::spawn(async move {
            let _ = conn.await;
        });
        Ok(Conn { sender })
    }

    /// Sends one request and reads its whole body.
    pub async fn send(&mut self, t: &Template) -> Result<Answer, ErrorClass> {
        let mut req = hyper::Request::new(Full::new(t.body.clone()));
        *req.method_mut() = t.method.clone();
        *req.uri_mut() = t.uri.clone();
        *req.headers_mut() = t.headers.clone();
        self.sender.ready().await.map_err(|e| classify(&e))?;
        let start = std::time::Instant::now();
        let resp = self.sender.send_request(req).await.map_err(|e| classify(&e))?;
        let first_byte_us = u64::try_from(start.elapsed().as_micros()).unwrap_or(u64::MAX);
        let status = resp.status().as_u16();
        let mut body = resp.into_body();
        let mut bytes = 0u64;
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|e| classify(&e))?;
            bytes += frame.data_ref().map_or(0, |d| d.len() as u64);
        }
        Ok(Answer { status, bytes, close: false, first_byte_us })
    }
}

/// Maps a hyper error to an error class.
fn classify(e: &hyper::Error) -> ErrorClass {
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            return ErrorClass::of_io(io);
        }
        source = s.source();
    }
    if e.is_parse() {
        ErrorClass::Protocol
    } else if e.is_incomplete_message() || e.is_canceled() || e.is_closed() {
        ErrorClass::Reset
    } else if e.is_timeout() {
        ErrorClass::Timeout
    } else {
        ErrorClass::Other
    }
}
