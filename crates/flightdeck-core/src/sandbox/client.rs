//! The sandbox commands' HTTP client: reqwest with a loopback-only policy on top. URLs are parsed
//! with `url::Url` and must be `http://` on a loopback host (`127.0.0.0/8`, `::1`, `localhost`,
//! which is pinned to 127.0.0.1 rather than looked up), so a typo in a workflow cannot send admin
//! requests to a real host; the client ignores proxy variables, follows no redirects, reads at most
//! 1 MiB of a body and puts one timeout on the whole exchange.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::OnceLock;
use std::time::Duration;

use url::{Host, Url};

/// The largest response read, in bytes.
const MAX_RESPONSE: usize = 1 << 20;

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
    #[error("cannot reach {url}: {why}")]
    Unreachable {
        /// The URL requested.
        url: String,
        /// The cause (the innermost error).
        why: String,
    },
    /// No complete answer in time.
    #[error("no answer from {url} within {ms} ms")]
    Timeout {
        /// The URL requested.
        url: String,
        /// The timeout.
        ms: u128,
    },
    /// The answer is not HTTP as this client reads it.
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

/// A parsed `http://` URL on a loopback host (no user name, no fragment).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoopbackUrl(Url);

impl LoopbackUrl {
    /// Parses `url`, refusing schemes other than `http` and hosts that are not loopback.
    pub fn parse(url: &str) -> Result<LoopbackUrl, ClientError> {
        let bad = |why: &str| ClientError::BadUrl { url: url.to_string(), why: why.to_string() };
        let mut parsed = Url::parse(url).map_err(|e| bad(&e.to_string()))?;
        if parsed.scheme() != "http" {
            return Err(bad("only http:// URLs are supported"));
        }
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err(bad("user names in URLs are not supported"));
        }
        let loopback = match parsed.host() {
            Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
            Some(Host::Ipv4(ip)) => ip.is_loopback(),
            Some(Host::Ipv6(ip)) => ip.is_loopback(),
            None => return Err(bad("the URL has no host")),
        };
        if !loopback {
            return Err(ClientError::NotLoopback { url: url.to_string() });
        }
        parsed.set_fragment(None);
        Ok(LoopbackUrl(parsed))
    }

    /// The host as written (`127.0.0.1`, `localhost`, `::1` without brackets).
    pub fn host(&self) -> String {
        match self.0.host() {
            Some(Host::Ipv6(ip)) => ip.to_string(),
            Some(h) => h.to_string(),
            None => String::new(),
        }
    }

    /// The port (80 when not written).
    pub fn port(&self) -> u16 {
        self.0.port_or_known_default().unwrap_or(80)
    }

    /// The path, starting with `/`.
    pub fn path(&self) -> &str {
        self.0.path()
    }

    /// The URL with `path` (starting with `/`, optionally `?query`) appended to this URL's path.
    #[must_use]
    pub fn join(&self, path: &str) -> LoopbackUrl {
        let (path, query) = path.split_once('?').map_or((path, None), |(p, q)| (p, Some(q)));
        let mut url = self.0.clone();
        let base = url.path().trim_end_matches('/').to_string();
        url.set_path(&format!("{base}{path}"));
        url.set_query(query);
        LoopbackUrl(url)
    }
}

impl std::fmt::Display for LoopbackUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0.as_str())
    }
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
    request(reqwest::Method::GET, url, timeout).await
}

/// `POST url` (empty body) with a timeout on the whole exchange.
pub async fn post(url: &LoopbackUrl, timeout: Duration) -> Result<HttpResponse, ClientError> {
    request(reqwest::Method::POST, url, timeout).await
}

/// The one client: no proxies, no redirects, `localhost` pinned to 127.0.0.1 (port from the URL).
fn client() -> Result<&'static reqwest::Client, String> {
    static CLIENT: OnceLock<Result<reqwest::Client, String>> = OnceLock::new();
    CLIENT
        .get_or_init(|| {
            reqwest::Client::builder()
                .no_proxy()
                .redirect(reqwest::redirect::Policy::none())
                .resolve("localhost", SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0))
                .user_agent("flightdeck-sandbox")
                .build()
                .map_err(|e| chain_text(&e))
        })
        .as_ref()
        .map_err(Clone::clone)
}

async fn request(
    method: reqwest::Method,
    url: &LoopbackUrl,
    timeout: Duration,
) -> Result<HttpResponse, ClientError> {
    let text = url.to_string();
    let client = client().map_err(|why| ClientError::Unreachable { url: text.clone(), why })?;
    let exchange = async {
        let mut resp = client.request(method, url.0.clone()).send().await?;
        let status = resp.status().as_u16();
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await? {
            let room = MAX_RESPONSE - body.len();
            body.extend_from_slice(&chunk[..chunk.len().min(room)]);
            if chunk.len() >= room {
                break;
            }
        }
        Ok::<_, reqwest::Error>(HttpResponse { status, body: String::from_utf8_lossy(&body).into_owned() })
    };
    match tokio::time::timeout(timeout, exchange).await {
        Err(_) => Err(ClientError::Timeout { url: text, ms: timeout.as_millis() }),
        Ok(Err(e)) if e.is_connect() => Err(ClientError::Unreachable { url: text, why: innermost(&e) }),
        Ok(Err(e)) => Err(ClientError::BadResponse { url: text, why: chain_text(&e) }),
        Ok(Ok(resp)) => Ok(resp),
    }
}

/// The innermost cause of an error (for a refused connection: "Connection refused (os error 111)").
fn innermost(e: &(dyn std::error::Error + 'static)) -> String {
    let mut last: &(dyn std::error::Error + 'static) = e;
    while let Some(next) = last.source() {
        last = next;
    }
    last.to_string()
}

/// An error and its causes, joined by `: `.
fn chain_text(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![e.to_string()];
    let mut src = e.source();
    while let Some(s) = src {
        parts.push(s.to_string());
        src = s.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[test]
    fn parses_loopback_urls() {
        let u = LoopbackUrl::parse("http://127.0.0.1:7878").unwrap();
        assert_eq!((u.host().as_str(), u.port(), u.path()), ("127.0.0.1", 7878, "/"));
        assert_eq!(u.join("/health").to_string(), "http://127.0.0.1:7878/health");
        assert_eq!(u.join("/admin/slow?ms=5").to_string(), "http://127.0.0.1:7878/admin/slow?ms=5");
        let v6 = LoopbackUrl::parse("http://[::1]:9000/base/").unwrap();
        assert_eq!((v6.host().as_str(), v6.port()), ("::1", 9000));
        assert_eq!(v6.join("/health").to_string(), "http://[::1]:9000/base/health");
        assert_eq!(LoopbackUrl::parse("http://localhost/").unwrap().port(), 80);
        assert_eq!(LoopbackUrl::parse("http://127.8.9.10:1").unwrap().port(), 1);
        let frag = LoopbackUrl::parse("http://127.0.0.1:1/base#frag").unwrap();
        assert_eq!(frag.join("/health").to_string(), "http://127.0.0.1:1/base/health");
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

    /// A one-shot server on 127.0.0.1 port 0 that answers `reply` and hands back the request head.
    async fn one_shot(reply: Vec<u8>) -> (std::net::SocketAddr, tokio::task::JoinHandle<String>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            let (mut s, _) = listener.accept().await.unwrap();
            let mut head = Vec::new();
            let mut buf = [0u8; 1024];
            while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                let n = s.read(&mut buf).await.unwrap();
                assert!(n > 0, "client hung up before the end of the request head");
                head.extend_from_slice(&buf[..n]);
            }
            s.write_all(&reply).await.unwrap();
            s.shutdown().await.unwrap();
            String::from_utf8_lossy(&head).into_owned()
        });
        (addr, task)
    }

    #[tokio::test]
    async fn reads_status_and_body_and_sends_no_fragment() {
        let reply = b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 4\r\n\r\nDOWNextra".to_vec();
        let (addr, head) = one_shot(reply).await;
        let url = LoopbackUrl::parse(&format!("http://localhost:{}/base#frag", addr.port())).unwrap();
        let r = get(&url.join("/health"), Duration::from_secs(5)).await.unwrap();
        assert_eq!(r, HttpResponse { status: 500, body: "DOWN".into() });
        let head = head.await.unwrap();
        assert!(head.starts_with("GET /base/health HTTP/1.1\r\n"), "{head}");
        assert!(!head.contains("frag"), "{head}");
    }

    #[tokio::test]
    async fn reads_chunked_bodies_and_caps_large_ones() {
        let chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n0\r\n\r\n".to_vec();
        let (addr, _head) = one_shot(chunked).await;
        let r = get(&LoopbackUrl::parse(&format!("http://{addr}/")).unwrap(), Duration::from_secs(5)).await;
        assert_eq!(r.unwrap().body, "abcd");
        let mut big = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", 3 * MAX_RESPONSE).into_bytes();
        big.resize(big.len() + 3 * MAX_RESPONSE, b'x');
        let (addr, _head) = one_shot(big).await;
        let r = get(&LoopbackUrl::parse(&format!("http://{addr}/")).unwrap(), Duration::from_secs(5)).await;
        assert_eq!(r.unwrap().body.len(), MAX_RESPONSE);
    }

    #[tokio::test]
    async fn a_foreign_protocol_is_a_bad_response() {
        let (addr, _head) = one_shot(b"SSH-2.0-OpenSSH_9.2\r\n\r\n".to_vec()).await;
        let url = LoopbackUrl::parse(&format!("http://{addr}/health")).unwrap();
        let err = get(&url, Duration::from_secs(5)).await.unwrap_err();
        assert!(matches!(err, ClientError::BadResponse { .. }), "{err}");
        assert!(!err.is_unreachable());
    }

    #[tokio::test]
    async fn unreachable_port_is_reported_as_such() {
        // A socket bound but not listening holds the port (no other process can take it) and
        // refuses connections.
        let held = tokio::net::TcpSocket::new_v4().unwrap();
        held.bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let port = held.local_addr().unwrap().port();
        let url = LoopbackUrl::parse(&format!("http://127.0.0.1:{port}/health")).unwrap();
        let err = get(&url, Duration::from_secs(2)).await.unwrap_err();
        assert!(matches!(err, ClientError::Unreachable { .. }), "{err}");
        assert!(err.to_string().contains(&port.to_string()), "{err}");
        assert!(err.to_string().contains("refused"), "{err}");
        drop(held);
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
