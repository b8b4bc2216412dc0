//! A lean HTTP/1.1 keep-alive client for the hot path, plain or over TLS: the request is built once
//! as bytes, the response head is parsed with `httparse`, the body is read and discarded by
//! `Content-Length` or chunked framing (until close otherwise) in a bounded buffer. Written here rather than taken from hyper because hyper's
//! per-request machinery costs more CPU per request than wrk spends in total (see the module doc
//! of `load`).

use std::fmt::Write as _;
use std::net::SocketAddr;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::load::tls::{self, Stream, Tls};
use crate::load::{ErrorClass, LoadPlan};

/// Builds the request bytes once for the whole test.
pub fn request_bytes(plan: &LoadPlan) -> Vec<u8> {
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

/// The longest response head accepted.
const MAX_HEAD: usize = 64 * 1024;
/// Bytes read at a time; with a head, the most a connection ever holds.
const READ_CHUNK: usize = 16 * 1024;

/// One keep-alive connection. Bodies are read and discarded: the buffer holds at most one head and
/// one read (`MAX_HEAD` + `READ_CHUNK`), whatever the body's size or framing.
#[derive(Debug)]
pub struct Conn {
    stream: Stream,
    buf: Vec<u8>,
}

/// A response as the statistics need it.
#[derive(Debug, Clone, Copy)]
pub struct Answer {
    pub status: u16,
    pub bytes: u64,
    /// The server will close the connection.
    pub close: bool,
    /// Microseconds from sending the request to its first response byte.
    pub first_byte_us: u64,
}

impl Conn {
    /// Connects (and completes the TLS handshake for HTTPS).
    pub async fn connect(addr: SocketAddr, tls: Option<&Tls>) -> Result<Conn, ErrorClass> {
        let stream = tls::connect(addr, tls).await?;
        Ok(Conn { stream, buf: Vec::with_capacity(READ_CHUNK) })
    }

    /// Sends one request and reads its whole response, keeping none of the body.
    pub async fn send(&mut self, request: &[u8], head_only: bool) -> Result<Answer, ErrorClass> {
        self.stream.write_all(request).await.map_err(|e| ErrorClass::of_io(&e))?;
        let start = std::time::Instant::now();
        self.buf.clear();
        let mut first_byte_us = None;
        let (head_len, status, framing, close) = loop {
            self.fill().await?;
            first_byte_us
                .get_or_insert_with(|| u64::try_from(start.elapsed().as_micros()).unwrap_or(u64::MAX));
            if let Some(head) = parse_head(&self.buf)? {
                break head;
            }
            if self.buf.len() > MAX_HEAD {
                return Err(ErrorClass::Protocol);
            }
        };
        self.buf.drain(..head_len);
        let no_body = head_only || status == 204 || status == 304 || (100..200).contains(&status);
        let framing = if no_body { Framing::Length(0) } else { framing };
        let body = match framing {
            Framing::Length(n) => self.skip(n as u64).await?,
            Framing::Chunked => self.skip_chunked().await?,
            Framing::UntilClose => self.skip_until_close().await?,
        };
        let close = close || matches!(framing, Framing::UntilClose);
        let first_byte_us = first_byte_us.unwrap_or(0);
        Ok(Answer { status, bytes: head_len as u64 + body, close, first_byte_us })
    }

    /// Reads more bytes (at most [`READ_CHUNK`]); end of stream before a complete response is a reset.
    async fn fill(&mut self) -> Result<usize, ErrorClass> {
        self.buf.reserve(READ_CHUNK);
        let mut limited = (&mut self.stream).take(READ_CHUNK as u64);
        match limited.read_buf(&mut self.buf).await {
            Ok(0) => Err(ErrorClass::Reset),
            Ok(n) => Ok(n),
            Err(e) => Err(ErrorClass::of_io(&e)),
        }
    }

    /// Consumes `n` body bytes (those buffered first, then fresh reads); returns `n`.
    async fn skip(&mut self, n: u64) -> Result<u64, ErrorClass> {
        let mut left = n;
        loop {
            let take = usize::try_from(left).unwrap_or(usize::MAX).min(self.buf.len());
            self.buf.drain(..take);
            left -= take as u64;
            if left == 0 {
                return Ok(n);
            }
            self.fill().await?;
        }
    }

    /// Consumes a body delimited by the end of the connection.
    async fn skip_until_close(&mut self) -> Result<u64, ErrorClass> {
        let mut total = self.buf.len() as u64;
        loop {
            self.buf.clear();
            match self.fill().await {
                Ok(n) => total += n as u64,
                Err(ErrorClass::Reset) => return Ok(total),
                Err(e) => return Err(e),
            }
        }
    }

    /// One CRLF-terminated line from the buffer (reading more as needed), consumed; its length
    /// without the CRLF is returned with its text.
    async fn line(&mut self) -> Result<(usize, String), ErrorClass> {
        let end = loop {
            if let Some(i) = find_crlf(&self.buf) {
                break i;
            }
            if self.buf.len() > MAX_HEAD {
                return Err(ErrorClass::Protocol);
            }
            self.fill().await?;
        };
        let text = String::from_utf8_lossy(&self.buf[..end]).into_owned();
        self.buf.drain(..end + 2);
        Ok((end, text))
    }

    /// Consumes a chunked body and its trailers; returns its size on the wire.
    async fn skip_chunked(&mut self) -> Result<u64, ErrorClass> {
        let mut total = 0u64;
        loop {
            let (len, text) = self.line().await?;
            total += len as u64 + 2;
            let size_text = text.split(';').next().unwrap_or_default().trim();
            let size = u64::from_str_radix(size_text, 16).map_err(|_| ErrorClass::Protocol)?;
            if size == 0 {
                // Trailer lines up to the empty line.
                loop {
                    let (len, _) = self.line().await?;
                    total += len as u64 + 2;
                    if len == 0 {
                        return Ok(total);
                    }
                }
            }
            total += self.skip(size).await?;
            let (len, _) = self.line().await?;
            if len != 0 {
                return Err(ErrorClass::Protocol);
            }
            total += 2;
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
        let mut plan = LoadPlan::new(crate::load::Target::parse("http://127.0.0.1:8080/x").unwrap());
        plan.method = "POST".into();
        plan.body = b"{}".to_vec();
        plan.headers.push(("X-A".into(), "1".into()));
        let r = String::from_utf8(request_bytes(&plan)).unwrap();
        assert_eq!(r, "POST /x HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nX-A: 1\r\nContent-Length: 2\r\n\r\n{}");
    }
}
