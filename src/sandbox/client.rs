//! A small HTTP/1.1 client for the sandbox commands: one request per connection (`Connection:
//! close`), over a tokio `TcpStream`, with a timeout on the whole exchange.
//!
//! Written by hand rather than with reqwest because it only ever talks to the demo service on this
//! machine: it accepts `http://` URLs whose host is a loopback address (`127.0.0.0/8`, `::1`,
//! `localhost`) and refuses everything else, so a typo in a workflow cannot send admin requests to
//! a real host.

use std::net::IpAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The largest response read, in bytes.
const MAX_RESPONSE: u64 = 1 << 20;

/// Errors from parsing a URL or talking to the service.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The URL is not `http://HOST[:PORT][/PATH]`.
    #[error("{url:?} is not a URL the sandbox client understands: {why}")]
    BadUrl {
        /// The URL given.
        url: String,
        /// What is wrong.
        why: String,
    },
    /// The host is not a loopback address.
    #[error("{url:?} is not on this machine: the sandbox client only talks to 127.0.0.1, ::1 or localhost")]
    NotLoopback {
        /// The URL given.
        url: String,
    },
    /// Nothing answered, or the connection broke.
    #[error("cannot reach {url}: {source}")]
    Unreachable {
        /// The URL requested.
        url: String,
        /// The cause.
        source: std::io::Error,
    },
    /// No complete answer in time.
    #[error("no answer from {url} within {ms} ms")]
    Timeout {
        /// The URL requested.
        url: String,
        /// The timeout.
        ms: u128,
    },
    /// The answer is not HTTP/1.x as this client reads it.
    #[error("bad answer from {url}: {why}")]
    BadResponse {
        /// The URL requested.
        url: String,
        /// What is wrong.
        why: String,
    },
}

impl ClientError {
    /// Whether the service could not be reached at all (as opposed to answering badly).
    pub fn is_unreachable(&self) -> bool {
        matches!(self, ClientError::Unreachable { .. } | ClientError::Timeout { .. })
    }
}

/// A parsed `http://` URL on a loopback host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoopbackUrl {
    /// The host as written (`127.0.0.1`, `localhost`, `::1`).
    pub host: String,
    /// The port (80 when not written).
    pub port: u16,
    /// The path, starting with `/` (query included).
    pub path: String,
}

impl LoopbackUrl {
    /// Parses `url`, refusing schemes other than `http` and hosts that are not loopback.
    pub fn parse(url: &str) -> Result<LoopbackUrl, ClientError> {
        let bad = |why: &str| ClientError::BadUrl { url: url.to_string(), why: why.to_string() };
        let rest = url.strip_prefix("http://").ok_or_else(|| bad("only http:// URLs are supported"))?;
        let (authority, path) = rest.find('/').map_or((rest, "/"), |i| (&rest[..i], &rest[i..]));
        if authority.contains('@') {
            return Err(bad("user names in URLs are not supported"));
        }
        let (host, port) = split_host_port(authority).ok_or_else(|| bad("the host or port is malformed"))?;
        if !is_loopback_host(host) {
            return Err(ClientError::NotLoopback { url: url.to_string() });
        }
        Ok(LoopbackUrl { host: host.to_string(), port, path: path.to_string() })
    }

    /// The URL with `path` (starting with `/`) appended to this URL's path.
    #[must_use]
    pub fn join(&self, path: &str) -> LoopbackUrl {
        let base = self.path.trim_end_matches('/');
        LoopbackUrl { host: self.host.clone(), port: self.port, path: format!("{base}{path}") }
    }

    fn authority(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

impl std::fmt::Display for LoopbackUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "http://{}{}", self.authority(), self.path)
    }
}

fn split_host_port(authority: &str) -> Option<(&str, u16)> {
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        (host, after.strip_prefix(':'))
    } else {
        match authority.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    let port = match port {
        Some(p) => p.parse().ok()?,
        None => 80,
    };
    (!host.is_empty()).then_some((host, port))
}

fn is_loopback_host(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost") || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// An HTTP answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// The status code.
    pub status: u16,
    /// The body as text (lossy UTF-8).
    pub body: String,
}

impl HttpResponse {
    /// The body as JSON, if it is JSON.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_str(&self.body).ok()
    }
}

/// `GET url` with a timeout on the whole exchange.
pub async fn get(url: &LoopbackUrl, timeout: Duration) -> Result<HttpResponse, ClientError> {
    request("GET", url, timeout).await
}

/// `POST url` (empty body) with a timeout on the whole exchange.
pub async fn post(url: &LoopbackUrl, timeout: Duration) -> Result<HttpResponse, ClientError> {
    request("POST", url, timeout).await
}

async fn request(method: &str, url: &LoopbackUrl, timeout: Duration) -> Result<HttpResponse, ClientError> {
    let text = url.to_string();
    let exchange = async {
        let host = if url.host.eq_ignore_ascii_case("localhost") { "127.0.0.1" } else { url.host.as_str() };
        let mut stream = TcpStream::connect((host, url.port)).await?;
        let head = format!(
            "{method} {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: flightdeck-sandbox\r\nAccept: */*\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            url.path,
            url.authority()
        );
        stream.write_all(head.as_bytes()).await?;
        let mut raw = Vec::new();
        (&mut stream).take(MAX_RESPONSE).read_to_end(&mut raw).await?;
        Ok::<_, std::io::Error>(raw)
    };
    let raw = match tokio::time::timeout(timeout, exchange).await {
        Err(_) => return Err(ClientError::Timeout { url: text, ms: timeout.as_millis() }),
        Ok(Err(source)) => return Err(ClientError::Unreachable { url: text, source }),
        Ok(Ok(raw)) => raw,
    };
    parse_response(&raw).map_err(|why| ClientError::BadResponse { url: text, why })
}

/// Parses a complete HTTP/1.x response read until the server closed the connection.
pub fn parse_response(raw: &[u8]) -> Result<HttpResponse, String> {
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n").ok_or("no end of headers")?;
    let head = String::from_utf8_lossy(&raw[..end]);
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let mut parts = status_line.splitn(3, ' ');
    let (version, code) = (parts.next().unwrap_or_default(), parts.next().unwrap_or_default());
    if !version.starts_with("HTTP/1.") {
        return Err(format!("status line {status_line:?} is not HTTP/1.x"));
    }
    let status: u16 = code.parse().map_err(|_| format!("status line {status_line:?} has no status code"))?;
    let mut body = &raw[end + 4..];
    for line in lines {
        let Some((name, value)) = line.split_once(':') else { continue };
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            let len: usize = value.parse().map_err(|_| format!("bad Content-Length {value:?}"))?;
            if body.len() < len {
                return Err(format!("body cut short: {} of {len} bytes", body.len()));
            }
            body = &body[..len];
        } else if name.eq_ignore_ascii_case("transfer-encoding") && !value.eq_ignore_ascii_case("identity") {
            return Err(format!("Transfer-Encoding {value:?} is not supported"));
        }
    }
    Ok(HttpResponse { status, body: String::from_utf8_lossy(body).into_owned() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_loopback_urls() {
        let u = LoopbackUrl::parse("http://127.0.0.1:7878").unwrap();
        assert_eq!((u.host.as_str(), u.port, u.path.as_str()), ("127.0.0.1", 7878, "/"));
        assert_eq!(u.join("/health").to_string(), "http://127.0.0.1:7878/health");
        let v6 = LoopbackUrl::parse("http://[::1]:9000/base/").unwrap();
        assert_eq!(v6.join("/health").to_string(), "http://[::1]:9000/base/health");
        assert_eq!(LoopbackUrl::parse("http://localhost/").unwrap().port, 80);
        assert_eq!(LoopbackUrl::parse("http://127.8.9.10:1").unwrap().port, 1);
    }

    #[test]
    fn refuses_other_hosts_and_schemes() {
        for url in
            ["http://example.com:7878", "http://10.0.0.1/", "http://0.0.0.0:80", "http://[2001:db8::1]/"]
        {
            let err = LoopbackUrl::parse(url).unwrap_err();
            assert!(matches!(err, ClientError::NotLoopback { .. }), "{url}: {err}");
            assert!(err.to_string().contains("only talks to 127.0.0.1"), "{err}");
        }
        for url in [
            "https://127.0.0.1/",
            "127.0.0.1:7878",
            "http://127.0.0.1:port/",
            "http://user@127.0.0.1/",
            "http://",
        ] {
            assert!(matches!(LoopbackUrl::parse(url), Err(ClientError::BadUrl { .. })), "{url}");
        }
    }

    #[test]
    fn parses_responses() {
        let r = parse_response(b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 4\r\n\r\nDOWNextra")
            .unwrap();
        assert_eq!(r, HttpResponse { status: 500, body: "DOWN".into() });
        let r = parse_response(b"HTTP/1.0 200 OK\r\n\r\nall of it").unwrap();
        assert_eq!(r.body, "all of it");
        assert!(parse_response(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort").is_err());
        assert!(parse_response(b"SSH-2.0-OpenSSH\r\n\r\n").is_err());
        assert!(
            parse_response(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n0\r\n\r\n")
                .is_err()
        );
    }

    #[tokio::test]
    async fn unreachable_port_is_reported_as_such() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        let url = LoopbackUrl::parse(&format!("http://127.0.0.1:{port}/health")).unwrap();
        let err = get(&url, Duration::from_secs(2)).await.unwrap_err();
        assert!(err.is_unreachable(), "{err}");
        assert!(err.to_string().contains(&port.to_string()));
    }

    #[tokio::test]
    async fn silent_server_times_out() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let hold = tokio::spawn(async move {
            let (_s, _) = listener.accept().await.unwrap();
            tokio::time::sleep(Duration::from_secs(5)).await;
        });
        let url = LoopbackUrl::parse(&format!("http://{addr}/")).unwrap();
        let err = get(&url, Duration::from_millis(200)).await.unwrap_err();
        assert!(matches!(err, ClientError::Timeout { .. }), "{err}");
        hold.abort();
    }
}
