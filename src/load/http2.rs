//! HTTP/2 over cleartext (prior knowledge) through hyper's client connection: one HTTP/2
//! connection per load connection, one request in flight on each.

use std::net::SocketAddr;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http2::SendRequest;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpStream;

use crate::load::http1::Answer;
use crate::load::{ErrorClass, Plan};

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
    pub fn new(plan: &Plan) -> Result<Template, crate::load::LoadError> {
        let bad =
            |e: String| crate::load::LoadError::Invalid(format!("cannot build the HTTP/2 request: {e}"));
        let method = hyper::Method::from_bytes(plan.method.as_bytes()).map_err(|e| bad(e.to_string()))?;
        let uri: hyper::Uri = format!("http://{}{}", plan.target.authority(), plan.target.path)
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
    pub async fn connect(addr: SocketAddr) -> Result<Conn, ErrorClass> {
        let stream = TcpStream::connect(addr).await.map_err(|e| ErrorClass::of_io(&e))?;
        let _ = stream.set_nodelay(true);
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
        let resp = self.sender.send_request(req).await.map_err(|e| classify(&e))?;
        let status = resp.status().as_u16();
        let body = resp.into_body().collect().await.map_err(|e| classify(&e))?;
        Ok(Answer { status, bytes: body.to_bytes().len() as u64, close: false })
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
