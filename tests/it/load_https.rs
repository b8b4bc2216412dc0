//! The load generator against real local servers: HTTPS (rustls, SNI, `--insecure`, `--cacert`,
//! HTTP/2 through ALPN) with connection reuse; chunked, close-delimited and 200 MB bodies read to
//! the end in bounded memory; the `#fragment` never sent; and `--json` with oha's key set
//! (compared with a file written by oha 1.16.0, see `fixtures/README.md`).

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::{LOCAL, Project, text};
use crate::health_servers::{ca, leaf};

/// How the raw server answers each request.
#[derive(Clone, Copy)]
enum Reply {
    /// A chunked body with a chunk extension and a trailer; the connection stays open.
    Chunked,
    /// A body of this many bytes without a length, ended by closing the connection.
    UntilClose(usize),
    /// A `Content-Length` body of this many bytes, streamed.
    Length(u64),
    /// A chunked body of this many bytes, streamed in 64 KiB chunks.
    ChunkedLength(u64),
}

const CHUNKED: &str = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n\
                       1a;ext=1\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nX-Trailer: yes\r\n\r\n";

/// A raw HTTP/1.1 server on 127.0.0.1 port 0; records each request line; stops when dropped.
struct Raw {
    addr: SocketAddr,
    lines: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
}

impl Drop for Raw {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

fn raw(reply: Reply) -> Raw {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    let (lines, stop) = (Arc::new(Mutex::new(Vec::new())), Arc::new(AtomicBool::new(false)));
    let (l2, s2) = (Arc::clone(&lines), Arc::clone(&stop));
    std::thread::spawn(move || {
        let deadline = Instant::now() + Duration::from_secs(120);
        while !s2.load(Ordering::SeqCst) && Instant::now() < deadline {
            match listener.accept() {
                Ok((conn, _)) => {
                    let lines = Arc::clone(&l2);
                    std::thread::spawn(move || serve_raw(conn, reply, &lines));
                }
                Err(_) => std::thread::sleep(Duration::from_millis(5)),
            }
        }
    });
    Raw { addr, lines, stop }
}

fn serve_raw(mut conn: TcpStream, reply: Reply, lines: &Mutex<Vec<String>>) {
    conn.set_nonblocking(false).unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    for _ in 0..10_000 {
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            match conn.read(&mut byte) {
                Ok(1) => head.push(byte[0]),
                _ => return,
            }
        }
        let text = String::from_utf8_lossy(&head);
        lines.lock().unwrap().push(text.lines().next().unwrap_or_default().to_string());
        let ok = match reply {
            Reply::Chunked => conn.write_all(CHUNKED.as_bytes()).is_ok(),
            Reply::UntilClose(n) => {
                let _ = conn.write_all(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n");
                let _ = conn.write_all(&vec![b'x'; n]);
                return;
            }
            Reply::Length(n) => stream_body(&mut conn, n, false),
            Reply::ChunkedLength(n) => stream_body(&mut conn, n, true),
        };
        if !ok {
            return;
        }
    }
}

fn stream_body(conn: &mut TcpStream, n: u64, chunked: bool) -> bool {
    let framing =
        if chunked { "Transfer-Encoding: chunked".to_string() } else { format!("Content-Length: {n}") };
    if conn.write_all(format!("HTTP/1.1 200 OK\r\n{framing}\r\n\r\n").as_bytes()).is_err() {
        return false;
    }
    let block = vec![0u8; 64 * 1024];
    let mut left = n;
    while left > 0 {
        let k = usize::try_from(left.min(block.len() as u64)).unwrap();
        let chunk_head = format!("{k:x}\r\n");
        if chunked && conn.write_all(chunk_head.as_bytes()).is_err() {
            return false;
        }
        if conn.write_all(&block[..k]).is_err() || (chunked && conn.write_all(b"\r\n").is_err()) {
            return false;
        }
        left -= k as u64;
    }
    !chunked || conn.write_all(b"0\r\n\r\n").is_ok()
}

fn load_json(p: &Project, args: &[&str]) -> (i32, Value) {
    let mut all = vec!["load"];
    all.extend_from_slice(args);
    all.push("--json");
    let out = p.run(&all);
    let json = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out)));
    (out.status.code().unwrap_or(-1), json)
}

#[test]
fn chunked_and_close_delimited_bodies_are_read_to_their_end() {
    let p = Project::new(LOCAL, &[]);
    let s = raw(Reply::Chunked);
    let (code, j) =
        load_json(&p, &[&format!("http://{}/c", s.addr), "-n", "30", "-c", "2", "--threads", "1"]);
    assert_eq!(code, 0, "{j}");
    assert_eq!(j["statusCodeDistribution"]["200"], 30, "{j}");
    assert_eq!(j["errorDistribution"], serde_json::json!({}), "{j}");
    assert_eq!(j["summary"]["totalData"], 30 * CHUNKED.len(), "every byte, trailer included");
    assert_eq!(s.lines.lock().unwrap().len(), 30, "keep-alive after a chunked body");

    let s = raw(Reply::UntilClose(100_000));
    let (code, j) = load_json(&p, &[&format!("http://{}/", s.addr), "-n", "10", "-c", "2"]);
    assert_eq!(code, 0, "{j}");
    assert_eq!(j["statusCodeDistribution"]["200"], 10, "{j}");
    let head = "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n".len();
    assert_eq!(j["summary"]["totalData"], 10 * (head + 100_000), "read until the close");
}

#[test]
fn the_fragment_is_never_sent() {
    let p = Project::new(LOCAL, &[]);
    let s = raw(Reply::Chunked);
    let (code, _) = load_json(&p, &[&format!("http://{}/a/b?x=1#section-2", s.addr), "-n", "1", "-c", "1"]);
    assert_eq!(code, 0);
    assert_eq!(s.lines.lock().unwrap().as_slice(), ["GET /a/b?x=1 HTTP/1.1"]);
}

/// The largest resident set of process `pid` seen until it exits, in kB.
fn peak_rss_kb(child: &mut std::process::Child) -> u64 {
    let mut peak = 0;
    let deadline = Instant::now() + Duration::from_secs(240);
    while child.try_wait().unwrap().is_none() && Instant::now() < deadline {
        let status = std::fs::read_to_string(format!("/proc/{}/status", child.id())).unwrap_or_default();
        let rss = status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.split_whitespace().next()?.parse().ok());
        peak = peak.max(rss.unwrap_or(0));
        std::thread::sleep(Duration::from_millis(20));
    }
    peak
}

/// Runs `flightdeck load` against `reply` (4 requests on 4 connections) and returns the JSON and
/// the peak resident set in kB.
fn big_bodies(reply: Reply) -> (Value, u64) {
    let p = Project::new(LOCAL, &[]);
    let s = raw(reply);
    let url = format!("http://{}/big", s.addr);
    let mut child = p
        .cmd(&["load", &url, "-n", "4", "-c", "4", "--threads", "2", "--json", "--timeout", "200s"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let peak = peak_rss_kb(&mut child);
    let out = child.wait_with_output().unwrap();
    let j: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out)));
    (j, peak)
}

#[test]
fn two_hundred_megabyte_bodies_stay_in_bounded_memory() {
    let body: u64 = 200 * 1024 * 1024;
    for reply in [Reply::Length(body), Reply::ChunkedLength(body)] {
        let (j, peak) = big_bodies(reply);
        assert_eq!(j["statusCodeDistribution"]["200"], 4, "{j}");
        assert_eq!(j["errorDistribution"], serde_json::json!({}), "{j}");
        assert!(j["summary"]["totalData"].as_u64().unwrap() > 4 * body, "{j}");
        // Buffering one body whole would take 200 MB; four connections reading at once, 800 MB.
        assert!(peak > 0 && peak < 100 * 1024, "peak resident set {peak} kB");
    }
}

/// An HTTPS keep-alive server (hyper over tokio-rustls) on `localhost` port 0: counts the TLS
/// connections it accepts and records the SNI names it is sent and the protocols ALPN settled on
/// (`alpn:h2`, `alpn:http/1.1`); HTTP/2 when the client asks for `h2`.
struct Tls {
    addr: SocketAddr,
    accepted: Arc<AtomicU64>,
    sni: Arc<Mutex<BTreeSet<String>>>,
    stop: tokio_util::sync::CancellationToken,
}

impl Drop for Tls {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

fn tls_server(cert: Vec<u8>, key: Vec<u8>) -> Tls {
    use tokio_rustls::rustls;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![cert.into()],
            rustls::pki_types::PrivateKeyDer::Pkcs8(rustls::pki_types::PrivatePkcs8KeyDer::from(key)),
        )
        .unwrap();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    // `localhost` as the load generator will resolve it (the first address).
    let listener = TcpListener::bind("localhost:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    let (accepted, sni) = (Arc::new(AtomicU64::new(0)), Arc::new(Mutex::new(BTreeSet::new())));
    let stop = tokio_util::sync::CancellationToken::new();
    let (a2, s2, token) = (Arc::clone(&accepted), Arc::clone(&sni), stop.clone());
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            loop {
                let (tcp, _) = tokio::select! {
                    () = token.cancelled() => return,
                    r = listener.accept() => match r { Ok(s) => s, Err(_) => continue },
                };
                let (acceptor, a, s) = (acceptor.clone(), Arc::clone(&a2), Arc::clone(&s2));
                tokio::spawn(async move {
                    let Ok(stream) = acceptor.accept(tcp).await else { return };
                    a.fetch_add(1, Ordering::SeqCst);
                    if let Some(name) = stream.get_ref().1.server_name() {
                        s.lock().unwrap().insert(name.to_string());
                    }
                    let h2 = stream.get_ref().1.alpn_protocol() == Some(b"h2".as_slice());
                    s.lock().unwrap().insert(format!("alpn:{}", if h2 { "h2" } else { "http/1.1" }));
                    let service = hyper::service::service_fn(|_req| async {
                        Ok::<_, std::convert::Infallible>(hyper::Response::new(http_body_util::Full::new(
                            hyper::body::Bytes::from_static(b"secure hello"),
                        )))
                    });
                    let io = hyper_util::rt::TokioIo::new(stream);
                    if h2 {
                        let builder =
                            hyper::server::conn::http2::Builder::new(hyper_util::rt::TokioExecutor::new());
                        let _ = builder.serve_connection(io, service).await;
                    } else {
                        let _ =
                            hyper::server::conn::http1::Builder::new().serve_connection(io, service).await;
                    }
                });
            }
        });
    });
    Tls { addr, accepted, sni, stop }
}

#[test]
fn https_checks_the_certificate_sends_sni_and_reuses_connections() {
    let p = Project::new(LOCAL, &[]);
    let authority = ca();
    let (cert, key) = leaf(Some(&authority), None);
    let s = tls_server(cert, key);
    let url = format!("https://localhost:{}/", s.addr.port());

    let (_, j) = load_json(&p, &[&url, "-n", "3", "-c", "1"]);
    assert_eq!(j["errorDistribution"]["tls"], 3, "an unknown CA fails the handshake: {j}");
    assert!(j["statusCodeDistribution"].as_object().unwrap().is_empty(), "{j}");

    let ca_file = p.path().join("ca.pem");
    std::fs::write(&ca_file, &authority.pem).unwrap();
    let before = s.accepted.load(Ordering::SeqCst);
    let (code, j) = load_json(&p, &[&url, "--cacert", ca_file.to_str().unwrap(), "-n", "40", "-c", "2"]);
    assert_eq!(code, 0, "{j}");
    assert_eq!(j["statusCodeDistribution"]["200"], 40, "{j}");
    assert_eq!(s.accepted.load(Ordering::SeqCst) - before, 2, "two connections, each reused");
    assert!(s.sni.lock().unwrap().contains("localhost"), "SNI names the host");
    assert!(!s.sni.lock().unwrap().contains("alpn:h2"), "HTTP/1.1 asks for http/1.1");
    let before = s.accepted.load(Ordering::SeqCst);
    let ca_arg = ca_file.to_str().unwrap();
    let (code, j) = load_json(&p, &[&url, "--cacert", ca_arg, "--http2", "-n", "20", "-c", "2"]);
    assert_eq!(code, 0, "{j}");
    assert_eq!(j["statusCodeDistribution"]["200"], 20, "HTTP/2 over TLS (ALPN h2): {j}");
    assert_eq!(s.accepted.load(Ordering::SeqCst) - before, 2);
    assert!(s.sni.lock().unwrap().contains("alpn:h2"), "{:?}", s.sni.lock().unwrap());
    assert!(j["details"]["DNSDialup"]["slowest"].as_f64().unwrap() > 0.0, "connect (TCP + TLS) is timed");

    let (self_cert, self_key) = leaf(None, None);
    let insecure = tls_server(self_cert, self_key);
    let url = format!("https://localhost:{}/", insecure.addr.port());
    let (code, j) = load_json(&p, &[&url, "--insecure", "-n", "10", "-c", "1"]);
    assert_eq!(code, 0, "{j}");
    assert_eq!(j["statusCodeDistribution"]["200"], 10, "--insecure accepts a self-signed certificate: {j}");

    let out = p.run(&["load", &url, "--cacert", "/nonexistent/ca.pem", "-n", "1"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/ca.pem"), "{}", text(&out));
}

/// Key paths of a JSON document; the children of maps keyed by data (histogram bins, status
/// codes, error names) are not part of the shape.
fn shape(v: &Value, prefix: &str, out: &mut BTreeSet<String>) {
    let Value::Object(map) = v else { return };
    for (k, child) in map {
        let path = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
        out.insert(path.clone());
        let data_keyed = k.ends_with("Histogram") || k.ends_with("Distribution") || k == "flightdeck";
        if !data_keyed {
            shape(child, &path, out);
        }
    }
}

#[test]
fn json_has_ohas_keys_and_flightdecks_own_under_flightdeck() {
    let fixture: Value =
        serde_json::from_str(include_str!("fixtures/oha-1.16.0.json")).expect("the oha fixture parses");
    let p = Project::new(LOCAL, &[]);
    let s = raw(Reply::Chunked);
    let (code, j) = load_json(&p, &[&format!("http://{}/", s.addr), "-n", "200", "-c", "2"]);
    assert_eq!(code, 0, "{j}");
    let (mut ours, mut oha) = (BTreeSet::new(), BTreeSet::new());
    shape(&j, "", &mut ours);
    shape(&fixture, "", &mut oha);
    let missing: Vec<&String> = oha.difference(&ours).collect();
    assert!(missing.is_empty(), "keys oha writes that flightdeck does not: {missing:?}");
    let extra: Vec<&String> = ours.difference(&oha).collect();
    assert_eq!(extra, ["flightdeck"], "flightdeck's own figures stay under one key");
    assert_eq!(j["flightdeck"]["passed"], true);
    assert_eq!(j["responseTimeHistogram"].as_object().unwrap().len(), 11, "oha's 11 bins");
    let bins: u64 =
        j["responseTimeHistogram"].as_object().unwrap().values().map(|v| v.as_u64().unwrap()).sum();
    assert_eq!(bins, 200, "every response in one bin");
    let p50 = j["latencyPercentiles"]["p50"].as_f64().unwrap();
    let p9999 = j["latencyPercentiles"]["p99.99"].as_f64().unwrap();
    assert!(p50 > 0.0 && p50 <= p9999, "{j}");
    assert!(j["firstBytePercentiles"]["p50"].as_f64().unwrap() > 0.0, "{j}");
    assert_eq!(j["flightdeck"]["stats"]["requests"], 200);
}
