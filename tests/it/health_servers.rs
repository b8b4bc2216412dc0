//! Real servers on 127.0.0.1 port 0 for the health tests, on plain threads (so they also serve
//! while a test's tokio clock is paused): HTTP with a chosen behaviour, and HTTPS with a
//! certificate made by rcgen. Each stops when dropped; every loop is bounded.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use tokio_rustls::rustls;

/// How the HTTP server answers.
#[derive(Clone)]
pub enum Behaviour {
    /// This status and body.
    Fixed(u16, &'static str),
    /// 200 after a delay.
    Slow(Duration),
    /// Accept, read, and never answer.
    Silent,
    /// 200 with a body of this many bytes, written until the client goes away.
    Huge(usize),
    /// The i-th request gets the i-th status (the last one repeats).
    Script(Vec<u16>),
    /// 200 with this `Content-Encoding` and these (encoded) body bytes.
    Encoded(&'static str, Vec<u8>),
    /// A gzip body that decodes to 1 GiB of zeros (about 1 MB on the wire).
    GzipBomb,
    /// 302 to itself, forever.
    RedirectLoop,
    /// Not HTTP at all: an SSH banner.
    NotHttp,
    /// A status line, then 2 MB of headers.
    HugeHeaders,
    /// Headers at once (Content-Length 100), then no body for 10 s.
    HeadersThenStall,
    /// The whole response one byte a second (the client gives up long before it ends).
    Drip,
    /// Content-Length 100, ten bytes of body, then the connection closes.
    MidClose,
    /// 503 with a reason phrase of non-ASCII bytes and a body of escape sequences, control
    /// characters and invalid UTF-8.
    Garbled,
}

/// A server that stops when dropped.
pub struct Server {
    pub port: u16,
    pub hits: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
}

impl Server {
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

/// Starts an HTTP server; `handle` serves one accepted connection.
fn serve(handle: impl Fn(TcpStream, usize) + Send + Sync + 'static) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let stop = Arc::new(AtomicBool::new(false));
    let hits = Arc::new(AtomicUsize::new(0));
    let (stop2, hits2, handle) = (Arc::clone(&stop), Arc::clone(&hits), Arc::new(handle));
    std::thread::spawn(move || {
        for conn in listener.incoming().take(100_000) {
            if stop2.load(Ordering::SeqCst) {
                return;
            }
            let Ok(conn) = conn else { continue };
            let n = hits2.fetch_add(1, Ordering::SeqCst);
            let handle = Arc::clone(&handle);
            std::thread::spawn(move || handle(conn, n));
        }
    });
    Server { port, hits, stop }
}

/// Reads one request head (bounded), so the client sees its request taken.
fn read_head(conn: &mut impl Read) {
    let mut buf = [0u8; 4096];
    let mut seen = Vec::new();
    for _ in 0..64 {
        match conn.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => seen.extend_from_slice(&buf[..n]),
        }
        if seen.windows(4).any(|w| w == b"\r\n\r\n") {
            return;
        }
    }
}

fn respond(conn: &mut impl Write, status: u16, body: &str) {
    let head = format!(
        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = conn.write_all(head.as_bytes());
    let _ = conn.write_all(body.as_bytes());
}

pub fn http(b: Behaviour) -> Server {
    serve(move |mut conn, n| {
        conn.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        read_head(&mut conn);
        match &b {
            Behaviour::Fixed(status, body) => respond(&mut conn, *status, body),
            Behaviour::Slow(d) => {
                std::thread::sleep(*d);
                respond(&mut conn, 200, r#"{"status":"UP"}"#);
            }
            Behaviour::Silent => std::thread::sleep(Duration::from_secs(30)),
            Behaviour::Huge(len) => {
                let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n");
                let _ = conn.write_all(head.as_bytes());
                let chunk = vec![b'x'; 64 * 1024];
                for _ in 0..len.div_ceil(chunk.len()) {
                    if conn.write_all(&chunk).is_err() {
                        return;
                    }
                }
            }
            Behaviour::Script(statuses) => {
                let status = statuses[n.min(statuses.len() - 1)];
                respond(&mut conn, status, r#"{"status":"UP"}"#);
            }
            hostile => serve_hostile(&mut conn, hostile),
        }
    })
}

/// The hostile behaviours; every write stops at the first error (the client went away).
fn serve_hostile(conn: &mut TcpStream, b: &Behaviour) {
    match b {
        Behaviour::Encoded(encoding, body) => {
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Encoding: {encoding}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = conn.write_all(head.as_bytes()).and_then(|()| conn.write_all(body));
        }
        Behaviour::GzipBomb => {
            let (first, repeat, tail) = gzip_bomb_parts();
            let len = first.len() + repeat.len() * 1023 + tail.len();
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n"
            );
            if conn.write_all(head.as_bytes()).and_then(|()| conn.write_all(&first)).is_err() {
                return;
            }
            for _ in 0..1023 {
                if conn.write_all(&repeat).is_err() {
                    return;
                }
            }
            let _ = conn.write_all(&tail);
        }
        Behaviour::RedirectLoop => {
            let head =
                "HTTP/1.1 302 Found\r\nLocation: /loop\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
            let _ = conn.write_all(head.as_bytes());
        }
        Behaviour::NotHttp => {
            let _ = conn.write_all(b"SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13\r\n");
        }
        Behaviour::HugeHeaders => {
            let pad = "x".repeat(1 << 20);
            let head =
                format!("HTTP/1.1 200 OK\r\nX-Pad-A: {pad}\r\nX-Pad-B: {pad}\r\nContent-Length: 0\r\n\r\n");
            let _ = conn.write_all(head.as_bytes());
        }
        Behaviour::HeadersThenStall => {
            let _ = conn.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n");
            let _ = conn.flush();
            std::thread::sleep(Duration::from_secs(10));
        }
        Behaviour::Drip | Behaviour::MidClose | Behaviour::Garbled => serve_broken(conn, b),
        _ => {}
    }
}

/// The broken answers: dripped, cut short, garbled.
fn serve_broken(conn: &mut TcpStream, b: &Behaviour) {
    match b {
        Behaviour::Drip => {
            for b in b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".iter().take(30) {
                if conn.write_all(&[*b]).is_err() {
                    return;
                }
                std::thread::sleep(Duration::from_secs(1));
            }
        }
        Behaviour::MidClose => {
            let _ = conn.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789");
            let _ = conn.shutdown(std::net::Shutdown::Both);
        }
        Behaviour::Garbled => {
            let body = b"\x1b[2J\x1b]0;pwned\x07\xff\xfe\xc3\x28 DOWN \x9b31m";
            let mut head = b"HTTP/1.1 503 \xff\xfe Bad\r\n".to_vec();
            head.extend(format!("Content-Length: {}\r\nConnection: close\r\n\r\n", body.len()).bytes());
            let _ = conn.write_all(&head).and_then(|()| conn.write_all(body));
        }
        _ => {}
    }
}

/// A gzip stream decoding to 1 GiB of zeros, in three parts: the header with the first MiB, one
/// MiB's deflate block (sent 1023 times: after a full flush the compressor's output for the same
/// input repeats byte for byte, which the helper checks), and the final block with the trailer.
/// The trailer's CRC is not computed: a client that read to the end would fail on it, and the
/// tests would see that as a wrong message.
pub fn gzip_bomb_parts() -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    use flate2::{Compress, Compression, FlushCompress};
    let zeros = vec![0u8; 1 << 20];
    let mut c = Compress::new(Compression::fast(), false);
    let mut block = |input: &[u8], flush| {
        let (start, mut out) = (c.total_in(), Vec::with_capacity(256 * 1024));
        c.compress_vec(input, &mut out, flush).unwrap();
        assert_eq!(c.total_in() - start, input.len() as u64, "one call compresses a MiB of zeros");
        out
    };
    let b1 = block(&zeros, FlushCompress::Full);
    let b2 = block(&zeros, FlushCompress::Full);
    let b3 = block(&zeros, FlushCompress::Full);
    assert_eq!(b2, b3, "a full flush should make the blocks repeat");
    let end = block(&[], FlushCompress::Finish);
    let mut first = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    first.extend_from_slice(&b1);
    let mut tail = end;
    tail.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0]);
    (first, b2, tail)
}

/// A CA and the PEM of its certificate.
pub struct Ca {
    pub issuer: rcgen::Issuer<'static, rcgen::KeyPair>,
    pub pem: String,
}

pub fn ca() -> Ca {
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    params.distinguished_name.push(rcgen::DnType::CommonName, "flightdeck test CA");
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = params.self_signed(&key).unwrap();
    Ca { pem: cert.pem(), issuer: rcgen::Issuer::new(params, key) }
}

/// A leaf for `localhost`, signed by `ca` (or self-signed), valid until `not_after` (y, m, d).
pub fn leaf(ca: Option<&Ca>, not_after: Option<(i32, u8, u8)>) -> (Vec<u8>, Vec<u8>) {
    let mut params = rcgen::CertificateParams::new(vec!["localhost".to_string()]).unwrap();
    if let Some((y, m, d)) = not_after {
        params.not_after = rcgen::date_time_ymd(y, m, d);
    }
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = match ca {
        Some(ca) => params.signed_by(&key, &ca.issuer).unwrap(),
        None => params.self_signed(&key).unwrap(),
    };
    (cert.der().to_vec(), key.serialize_der())
}

/// An HTTPS server presenting `cert` that answers every request with 200 `{"status":"UP"}`.
pub fn https(cert: Vec<u8>, key: Vec<u8>) -> Server {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![cert.into()],
            rustls::pki_types::PrivateKeyDer::Pkcs8(rustls::pki_types::PrivatePkcs8KeyDer::from(key)),
        )
        .unwrap();
    let config = Arc::new(config);
    serve(move |conn, _| {
        conn.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let Ok(session) = rustls::ServerConnection::new(Arc::clone(&config)) else { return };
        let mut tls = rustls::StreamOwned::new(session, conn);
        read_head(&mut tls);
        respond(&mut tls, 200, r#"{"status":"UP"}"#);
        tls.conn.send_close_notify();
        let _ = tls.flush();
    })
}

/// A port on 127.0.0.1 that refuses connections: a socket bound to it but not listening, held
/// until dropped, so no other process can take the port meanwhile (unlike bind-then-close).
pub struct ClosedPort(tokio::net::TcpSocket);

impl ClosedPort {
    pub fn port(&self) -> u16 {
        self.0.local_addr().unwrap().port()
    }
}

pub fn closed_port() -> ClosedPort {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    ClosedPort(socket)
}

/// A UDP DNS server: `app.test.` A is 10.0.0.7, every other name is NXDOMAIN. Returns its port.
pub fn dns() -> (u16, Arc<AtomicBool>) {
    use hickory_resolver::proto::op::{Message, OpCode, ResponseCode};
    use hickory_resolver::proto::rr::{RData, Record, rdata::A};
    let sock = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    sock.set_read_timeout(Some(Duration::from_millis(200))).unwrap();
    let port = sock.local_addr().unwrap().port();
    let stop = Arc::new(AtomicBool::new(false));
    let stop2 = Arc::clone(&stop);
    std::thread::spawn(move || {
        let mut buf = [0u8; 2048];
        for _ in 0..3000 {
            if stop2.load(Ordering::SeqCst) {
                return;
            }
            let Ok((n, peer)) = sock.recv_from(&mut buf) else { continue };
            let Ok(query) = Message::from_vec(&buf[..n]) else { continue };
            let mut resp = Message::response(query.metadata.id, OpCode::Query);
            resp.metadata.recursion_available = true;
            resp.metadata.recursion_desired = query.metadata.recursion_desired;
            for q in &query.queries {
                resp.add_query(q.clone());
                if q.name().to_ascii() == "app.test." {
                    resp.add_answer(Record::from_rdata(q.name().clone(), 60, RData::A(A::new(10, 0, 0, 7))));
                } else {
                    resp.metadata.response_code = ResponseCode::NXDomain;
                }
            }
            if let Ok(bytes) = resp.to_vec() {
                let _ = sock.send_to(&bytes, peer);
            }
        }
    });
    (port, stop)
}
