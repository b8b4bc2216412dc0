//! A lean HTTP/1.1 keep-alive client for the hot path: the request is built once as bytes, the
//! response head is parsed with `httparse`, the body is skipped by `Content-Length` or chunked
//! framing (read until close otherwise). Written here rather than taken from hyper because hyper's
//! per-request machinery costs more CPU per request than wrk spends in total (see the module doc
//! of `load`).

use std::fmt::Write as _;
use std::net::SocketAddr;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::load::{ErrorClass, Plan};

/// Builds the request bytes once for the whole test.
pub fn request_bytes(plan: &Plan) -> Vec<u8> {
    let mut r = format!("{} {} HTTP/1.1\r\n", plan.method, plan.target.path);
    let has = |name: &str| plan.headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name));
    if !has("host") {
        let _ = write!(r, "Host: {}\r\n", plan.target.authority());
    }
    for (name, value) in &plan.headers {
        let _ = write!(r, "{name}: {value}\r\n");
    }
    if !plan.body.is_empty() && !has("content-length") {
        let _ = write!(r, "Content-Length: {}\r\n", plan.body.len());
    }
    r.push_str("\r\n");
    let mut bytes = r.into_bytes();
    bytes.extend_from_slice(&plan.body);
    bytes
}

/// One keep-alive connection.
#[derive(Debug)]
pub struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
}

/// A response as the statistics need it.
#[derive(Debug, Clone, Copy)]
pub struct Answer {
    pub status: u16,
    pub bytes: u64,
    /// The server will close the connection.
    pub close: bool,
}

impl Conn {
    /// Connects with `TCP_NODELAY`.
    pub async fn connect(addr: SocketAddr) -> Result<Conn, ErrorClass> {
        // A peer that resets during the handshake is a reset, like one that resets later.
        let stream = TcpStream::connect(addr).await.map_err(|e| match ErrorClass::of_io(&e) {
            c @ (ErrorClass::Refused | ErrorClass::Timeout | ErrorClass::Reset) => c,
            _ => ErrorClass::Connect,
        })?;
        let _ = stream.set_nodelay(true);
        Ok(Conn { stream, buf: Vec::with_capacity(8192) })
    }

    /// Sends one request and reads its whole response.
    pub async fn send(&mut self, request: &[u8], head_only: bool) -> Result<Answer, ErrorClass> {
        self.stream.write_all(request).await.map_err(|e| ErrorClass::of_io(&e))?;
        self.buf.clear();
        let (head_len, status, framing, close) = loop {
            self.fill().await?;
            if let Some(head) = parse_head(&self.buf)? {
                break head;
            }
        };
        let no_body = head_only || status == 204 || status == 304 || (100..200).contains(&status);
        let framing = if no_body { Framing::Length(0) } else { framing };
        let total = match framing {
            Framing::Length(n) => self.read_to(head_len + n).await?,
            Framing::Chunked => self.read_chunked(head_len).await?,
            Framing::UntilClose => self.read_until_close().await?,
        };
        let close = close || matches!(framing, Framing::UntilClose);
        Ok(Answer { status, bytes: total as u64, close })
    }

    /// Reads more bytes; end of stream before a complete response is a reset.
    async fn fill(&mut self) -> Result<usize, ErrorClass> {
        if self.buf.capacity() - self.buf.len() < 4096 {
            self.buf.reserve(8192);
        }
        match self.stream.read_buf(&mut self.buf).await {
            Ok(0) => Err(ErrorClass::Reset),
            Ok(n) => Ok(n),
            Err(e) => Err(ErrorClass::of_io(&e)),
        }
    }

    async fn read_to(&mut self, want: usize) -> Result<usize, ErrorClass> {
        while self.buf.len() < want {
            self.fill().await?;
        }
        Ok(want)
    }

    async fn read_until_close(&mut self) -> Result<usize, ErrorClass> {
        loop {
            match self.stream.read_buf(&mut self.buf).await {
                Ok(0) => return Ok(self.buf.len()),
                Ok(_) => {
                    if self.buf.len() > 1 << 20 {
                        self.buf.clear();
                    }
                }
                Err(e) => return Err(ErrorClass::of_io(&e)),
            }
        }
    }

    /// Skips a chunked body; returns the bytes of the whole response.
    async fn read_chunked(&mut self, mut at: usize) -> Result<usize, ErrorClass> {
        loop {
            let line_end = loop {
                if let Some(i) = find_crlf(&self.buf[at..]) {
                    break at + i;
                }
                self.fill().await?;
            };
            let size_text = std::str::from_utf8(&self.buf[at..line_end]).map_err(|_| ErrorClass::Protocol)?;
            let size_text = size_text.split(';').next().unwrap_or_default().trim();
            let size = usize::from_str_radix(size_text, 16).map_err(|_| ErrorClass::Protocol)?;
            at = line_end + 2;
            if size == 0 {
                // Trailers are not supported: expect the final CRLF.
                return self.read_to(at + 2).await;
            }
            self.read_to(at + size + 2).await?;
            at += size + 2;
        }
    }
}

/// How a body is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Framing {
    Length(usize),
    Chunked,
    UntilClose,
}

type Head = (usize, u16, Framing, bool);

/// Parses a response head: `None` while incomplete.
fn parse_head(buf: &[u8]) -> Result<Option<Head>, ErrorClass> {
    let mut headers = [httparse::EMPTY_HEADER; 48];
    let mut resp = httparse::Response::new(&mut headers);
    let len = match resp.parse(buf) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(_) => return Err(ErrorClass::Protocol),
    };
    let status = resp.code.unwrap_or(0);
    let mut framing = Framing::UntilClose;
    let mut close = resp.version == Some(0);
    for h in resp.headers.iter() {
        if h.name.eq_ignore_ascii_case("content-length") {
            let n = std::str::from_utf8(h.value).ok().and_then(|v| v.trim().parse().ok());
            framing = Framing::Length(n.ok_or(ErrorClass::Protocol)?);
        } else if h.name.eq_ignore_ascii_case("transfer-encoding") && contains_token(h.value, b"chunked") {
            framing = Framing::Chunked;
        } else if h.name.eq_ignore_ascii_case("connection") {
            close = contains_token(h.value, b"close") || (close && !contains_token(h.value, b"keep-alive"));
        }
    }
    Ok(Some((len, status, framing, close)))
}

fn contains_token(value: &[u8], token: &[u8]) -> bool {
    value.split(|b| *b == b',').any(|t| t.trim_ascii().eq_ignore_ascii_case(token))
}

fn find_crlf(b: &[u8]) -> Option<usize> {
    b.windows(2).position(|w| w == b"\r\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_heads() {
        let h = parse_head(b"HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\r\nHello").unwrap().unwrap();
        assert_eq!(h, (39, 200, Framing::Length(13), false));
        let h =
            parse_head(b"HTTP/1.1 503 x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n").unwrap();
        assert_eq!(h.map(|h| (h.1, h.2, h.3)), Some((503, Framing::Chunked, true)));
        assert_eq!(parse_head(b"HTTP/1.1 200 OK\r\nContent-Le").unwrap(), None);
        assert_eq!(parse_head(b"garbage\r\n\r\n"), Err(ErrorClass::Protocol));
    }

    #[test]
    fn builds_the_request_once() {
        let mut plan = Plan::new(crate::load::Target::parse("http://127.0.0.1:8080/x").unwrap());
        plan.method = "POST".into();
        plan.body = b"{}".to_vec();
        plan.headers.push(("X-A".into(), "1".into()));
        let r = String::from_utf8(request_bytes(&plan)).unwrap();
        assert_eq!(r, "POST /x HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nX-A: 1\r\nContent-Length: 2\r\n\r\n{}");
    }
}
