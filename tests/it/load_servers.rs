//! Real local servers for the load tests, all on 127.0.0.1 port 0: a hyper HTTP/1.1 keep-alive
//! server whose status and delay are chosen per request, a server that resets every connection,
//! and a port where nothing listens.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use http_body_util::Full;
use hyper::body::Bytes;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio_util::sync::CancellationToken;

/// Per request number (from 0): the status to answer and how long to wait first.
pub type Behaviour = dyn Fn(u64) -> (u16, Duration) + Send + Sync;

/// A running server; stopped when dropped.
pub struct Server {
    pub addr: SocketAddr,
    pub served: Arc<AtomicU64>,
    stop: CancellationToken,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

impl Server {
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }
}

/// An HTTP/1.1 keep-alive server answering `hello` with the behaviour's status after its delay.
pub fn http(behaviour: impl Fn(u64) -> (u16, Duration) + Send + Sync + 'static) -> Server {
    serve(false, behaviour)
}

/// The same server speaking HTTP/2 over cleartext (prior knowledge).
pub fn http2(behaviour: impl Fn(u64) -> (u16, Duration) + Send + Sync + 'static) -> Server {
    serve(true, behaviour)
}

fn serve(h2: bool, behaviour: impl Fn(u64) -> (u16, Duration) + Send + Sync + 'static) -> Server {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    let served = Arc::new(AtomicU64::new(0));
    let stop = CancellationToken::new();
    let behaviour: Arc<Behaviour> = Arc::new(behaviour);
    let (count, token) = (Arc::clone(&served), stop.clone());
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            loop {
                let (stream, _) = tokio::select! {
                    () = token.cancelled() => return,
                    r = listener.accept() => match r { Ok(s) => s, Err(_) => continue },
                };
                let (count, behaviour) = (Arc::clone(&count), Arc::clone(&behaviour));
                let token = token.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |_req| {
                        let n = count.fetch_add(1, Ordering::SeqCst);
                        let (status, delay) = behaviour(n);
                        async move {
                            tokio::time::sleep(delay).await;
                            let mut resp = hyper::Response::new(Full::new(Bytes::from_static(b"hello")));
                            *resp.status_mut() = hyper::StatusCode::from_u16(status).unwrap();
                            Ok::<_, Infallible>(resp)
                        }
                    });
                    let io = TokioIo::new(stream);
                    if h2 {
                        let conn = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
                            .serve_connection(io, service);
                        tokio::select! { () = token.cancelled() => {}, _ = conn => {} }
                    } else {
                        let conn = hyper::server::conn::http1::Builder::new().serve_connection(io, service);
                        tokio::select! { () = token.cancelled() => {}, _ = conn => {} }
                    }
                });
            }
        });
    });
    Server { addr, served, stop }
}

/// A server that accepts, reads the request, and resets the connection (`SO_LINGER` 0).
pub fn resetting() -> Server {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    let stop = CancellationToken::new();
    let token = stop.clone();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            loop {
                let (stream, _) = tokio::select! {
                    () = token.cancelled() => return,
                    r = listener.accept() => match r { Ok(s) => s, Err(_) => continue },
                };
                tokio::spawn(async move {
                    let mut buf = [0u8; 1024];
                    let _ = tokio::time::timeout(Duration::from_secs(2), stream.readable()).await;
                    let _ = stream.try_read(&mut buf);
                    let _ = stream.set_zero_linger();
                    drop(stream);
                });
            }
        });
    });
    Server { addr, served: Arc::new(AtomicU64::new(0)), stop }
}

/// A loopback URL that refuses connections, and the held socket that keeps its port (see [`crate::health_servers::ClosedPort`]).
pub fn refused_url() -> (String, crate::health_servers::ClosedPort) {
    let closed = crate::health_servers::closed_port();
    (format!("http://127.0.0.1:{}/", closed.port()), closed)
}
