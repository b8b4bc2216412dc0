//! The demo sandbox HTTP service (hyper 1, HTTP/1.1, one request per connection), bound to
//! 127.0.0.1 only. It serves a version, reports health, and takes admin requests that deploy a
//! version (a rollout of [`default_rollout`]), break it, fix it, slow it down or shut it down.
//! [`start`] runs it in-process (tests, the console); [`serve`] runs it in the foreground.

use std::convert::Infallible;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::task::{JoinHandle, JoinSet};
use tokio_util::sync::CancellationToken;

use crate::sandbox::state::{MAX_SLOW_MS, SandboxState, StateError, is_version};

/// The longest one connection may live (bounds slow responses and idle clients).
const CONNECTION_LIMIT: Duration = Duration::from_secs(120);

/// Errors starting the service.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The port could not be bound.
    #[error("cannot listen on 127.0.0.1:{port}: {source} (is another sandbox already running there?)")]
    Bind {
        /// The port asked for.
        port: u16,
        /// The cause.
        source: std::io::Error,
    },
    /// The state file could not be read or written.
    #[error(transparent)]
    State(#[from] StateError),
}

/// How to run the service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServeOptions {
    /// Port on 127.0.0.1 (0 picks a free one).
    pub port: u16,
    /// Where the state lives between restarts (none: memory only).
    pub state_file: Option<PathBuf>,
    /// The version served when there is no state file yet.
    pub initial_version: String,
    /// How long a rollout takes.
    pub rollout: Duration,
}

impl ServeOptions {
    /// Options for `port` with no state file, version 1.0.0 and the default rollout time.
    pub fn new(port: u16) -> ServeOptions {
        ServeOptions { port, state_file: None, initial_version: "1.0.0".into(), rollout: default_rollout() }
    }
}

/// Whether `FLIGHTDECK_DEMO_FAST=1` asks for the demo's waits to shrink to milliseconds.
pub fn demo_fast() -> bool {
    std::env::var("FLIGHTDECK_DEMO_FAST").is_ok_and(|v| v == "1")
}

/// A rollout takes 2 s, or 20 ms with `FLIGHTDECK_DEMO_FAST=1`.
pub fn default_rollout() -> Duration {
    if demo_fast() { Duration::from_millis(20) } else { Duration::from_secs(2) }
}

/// A service running in this process.
#[derive(Debug)]
pub struct RunningSandbox {
    /// The address it listens on.
    pub addr: SocketAddr,
    shutdown: CancellationToken,
    task: JoinHandle<()>,
}

impl RunningSandbox {
    /// Its base URL, `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A token that stops it when cancelled.
    pub fn shutdown_token(&self) -> CancellationToken {
        self.shutdown.clone()
    }

    /// Waits until it stops (after `POST /admin/shutdown` or a cancelled token).
    pub async fn wait(self) {
        if let Err(e) = self.task.await {
            tracing::warn!(error = %e, "the sandbox server task ended abnormally");
        }
    }

    /// Stops it and waits until it has.
    pub async fn stop(self) {
        self.shutdown.cancel();
        self.wait().await;
    }
}

/// Binds 127.0.0.1:`port`, loads or creates the state and serves in a background task.
pub async fn start(opts: ServeOptions) -> Result<RunningSandbox, ServeError> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, opts.port))
        .await
        .map_err(|source| ServeError::Bind { port: opts.port, source })?;
    let addr = listener.local_addr().map_err(|source| ServeError::Bind { port: opts.port, source })?;
    let state = match &opts.state_file {
        Some(path) => SandboxState::load(path)?.unwrap_or_else(|| SandboxState::new(&opts.initial_version)),
        None => SandboxState::new(&opts.initial_version),
    };
    if let Some(path) = &opts.state_file {
        state.save(path)?;
    }
    let shutdown = CancellationToken::new();
    let app = App::new(state, opts, shutdown.clone());
    app.resume_rollout();
    let task = tokio::spawn(accept_loop(listener, app, shutdown.clone()));
    Ok(RunningSandbox { addr, shutdown, task })
}

/// Runs the service in the foreground until `POST /admin/shutdown` or until `shutdown` is cancelled.
pub async fn serve(opts: ServeOptions, shutdown: CancellationToken) -> Result<(), ServeError> {
    let running = start(opts).await?;
    let token = running.shutdown_token();
    tokio::spawn(async move {
        shutdown.cancelled().await;
        token.cancel();
    });
    running.wait().await;
    Ok(())
}

async fn accept_loop(listener: TcpListener, app: App, shutdown: CancellationToken) {
    let mut conns = JoinSet::new();
    loop {
        tokio::select! {
            () = shutdown.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    let app = app.clone();
                    conns.spawn(async move {
                        let service = service_fn(move |req| {
                            let app = app.clone();
                            async move { Ok::<_, Infallible>(app.handle(req).await) }
                        });
                        let conn = hyper::server::conn::http1::Builder::new()
                            .keep_alive(false)
                            .serve_connection(TokioIo::new(stream), service);
                        // A client that hangs up or misbehaves only ends its own connection.
                        let _ = tokio::time::timeout(CONNECTION_LIMIT, conn).await;
                    });
                }
                Err(e) => {
                    crate::errln!("sandbox: accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
        }
        while conns.try_join_next().is_some() {}
    }
    drop(listener);
    let drain = async { while conns.join_next().await.is_some() {} };
    if tokio::time::timeout(Duration::from_secs(2), drain).await.is_err() {
        conns.abort_all();
    }
}

/// The shared service state behind every connection.
#[derive(Clone)]
struct App {
    state: Arc<Mutex<SandboxState>>,
    state_file: Option<Arc<PathBuf>>,
    rollout: Duration,
    generation: Arc<AtomicU64>,
    shutdown: CancellationToken,
    /// The hot switch (`sandbox::hot`): `GET /` burns CPU in a named function.
    hot: Arc<AtomicBool>,
}

impl App {
    fn new(state: SandboxState, opts: ServeOptions, shutdown: CancellationToken) -> App {
        App {
            state: Arc::new(Mutex::new(state)),
            state_file: opts.state_file.map(Arc::new),
            rollout: opts.rollout,
            generation: Arc::new(AtomicU64::new(0)),
            shutdown,
            hot: Arc::new(AtomicBool::new(false)),
        }
    }

    fn lock(&self) -> MutexGuard<'_, SandboxState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Saves the state; a failure is logged, the service keeps its state in memory.
    fn persist(&self, state: &SandboxState) {
        if let Some(path) = &self.state_file
            && let Err(e) = state.save(path)
        {
            crate::errln!("sandbox: {e}");
        }
    }

    fn snapshot(&self) -> SandboxState {
        self.lock().clone()
    }

    /// A rollout interrupted by a restart carries on.
    fn resume_rollout(&self) {
        let target = self.lock().rolling_out.clone();
        if let Some(to) = target {
            self.spawn_rollout(to);
        }
    }

    fn spawn_rollout(&self, to: String) {
        let generation = self.generation.fetch_add(1, Ordering::SeqCst) + 1;
        let app = self.clone();
        tokio::spawn(async move {
            tokio::select! {
                () = app.shutdown.cancelled() => return,
                () = tokio::time::sleep(app.rollout) => {}
            }
            if app.generation.load(Ordering::SeqCst) != generation {
                return; // a newer deploy superseded this one
            }
            let mut state = app.lock();
            if state.rolling_out.as_deref() == Some(to.as_str()) {
                state.finish_rollout(&to, crate::time::now().to_rfc3339());
                app.persist(&state);
            }
        });
    }

    async fn handle(&self, req: Request<Incoming>) -> Response<Full<Bytes>> {
        let path = req.uri().path().to_string();
        let query = req.uri().query().unwrap_or_default().to_string();
        let method = req.method().clone();
        if !path.starts_with("/admin/") {
            self.delay().await;
        }
        match (method, path.as_str()) {
            (Method::GET, "/") => {
                if self.hot.load(Ordering::Relaxed) {
                    crate::sandbox::hot::sandbox_hot_checksum(
                        self.generation.load(Ordering::Relaxed),
                        crate::sandbox::hot::ROUNDS,
                    );
                }
                self.page()
            }
            (Method::GET, "/health") => self.health(),
            (Method::GET, "/version") => {
                json_response(StatusCode::OK, &json!({ "version": self.snapshot().version }))
            }
            (Method::GET, "/admin/state") => {
                let mut body = json!(self.snapshot());
                body["pid"] = json!(std::process::id()); // the target of a profile step
                json_response(StatusCode::OK, &body)
            }
            (Method::POST, "/admin/deploy") => self.deploy(query_value(&query, "version")),
            (Method::POST, "/admin/break") => self.set_broken(true),
            (Method::POST, "/admin/fix") => self.set_broken(false),
            (Method::POST, "/admin/slow") => self.slow(query_value(&query, "ms")),
            (Method::POST, "/admin/hot") => {
                let on = query_value(&query, "on").as_deref() != Some("0");
                self.hot.store(on, Ordering::Relaxed);
                json_response(StatusCode::OK, &json!({ "hot": on }))
            }
            (Method::POST, "/admin/shutdown") => {
                self.shutdown.cancel();
                json_response(StatusCode::OK, &json!({ "status": "STOPPING" }))
            }
            (_, p) if ROUTES.contains(&p) => {
                error(StatusCode::METHOD_NOT_ALLOWED, "wrong method for this path")
            }
            _ => error(StatusCode::NOT_FOUND, "no such path; try /, /health, /version or /admin/state"),
        }
    }

    async fn delay(&self) {
        let ms = self.lock().slow_ms;
        if ms > 0 {
            tokio::select! {
                () = self.shutdown.cancelled() => {}
                () = tokio::time::sleep(Duration::from_millis(ms)) => {}
            }
        }
    }

    fn page(&self) -> Response<Full<Bytes>> {
        let s = self.snapshot();
        let h = s.health();
        let text = format!(
            "flightdeck demo sandbox\nversion {} ({})\nprevious {}\n\nGET /health, GET /version, GET /admin/state\n",
            s.version,
            h.status,
            s.previous.as_deref().unwrap_or("none")
        );
        response(StatusCode::OK, "text/plain; charset=utf-8", text)
    }

    fn health(&self) -> Response<Full<Bytes>> {
        let s = self.snapshot();
        let h = s.health();
        let mut body = json!({ "status": h.status, "version": s.version });
        if let Some(reason) = h.reason {
            body["reason"] = Value::String(reason);
        }
        if let Some(to) = s.rolling_out {
            body["target"] = Value::String(to);
        }
        json_response(StatusCode::from_u16(h.code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR), &body)
    }

    fn deploy(&self, version: Option<String>) -> Response<Full<Bytes>> {
        let Some(version) = version.filter(|v| is_version(v)) else {
            return error(
                StatusCode::BAD_REQUEST,
                "give a semantic version: POST /admin/deploy?version=1.2.3",
            );
        };
        let mut state = self.lock();
        if state.version == version && state.rolling_out.is_none() {
            return json_response(StatusCode::OK, &json!({ "status": "LIVE", "version": version }));
        }
        let from = state.version.clone();
        state.rolling_out = Some(version.clone());
        self.persist(&state);
        drop(state);
        self.spawn_rollout(version.clone());
        let ms = u64::try_from(self.rollout.as_millis()).unwrap_or(u64::MAX);
        json_response(
            StatusCode::ACCEPTED,
            &json!({ "status": "DEPLOYING", "from": from, "to": version, "rollout_ms": ms }),
        )
    }

    fn set_broken(&self, broken: bool) -> Response<Full<Bytes>> {
        let mut state = self.lock();
        state.broken = broken;
        self.persist(&state);
        json_response(StatusCode::OK, &json!({ "broken": broken, "version": state.version }))
    }

    fn slow(&self, ms: Option<String>) -> Response<Full<Bytes>> {
        let Some(ms) = ms.and_then(|m| m.parse::<u64>().ok()).filter(|m| *m <= MAX_SLOW_MS) else {
            return error(
                StatusCode::BAD_REQUEST,
                "give a delay in milliseconds, 0 to 60000: POST /admin/slow?ms=500",
            );
        };
        let mut state = self.lock();
        state.slow_ms = ms;
        self.persist(&state);
        json_response(StatusCode::OK, &json!({ "slow_ms": ms }))
    }
}

const ROUTES: &[&str] = &[
    "/",
    "/health",
    "/version",
    "/admin/state",
    "/admin/deploy",
    "/admin/break",
    "/admin/fix",
    "/admin/slow",
    "/admin/hot",
    "/admin/shutdown",
];

/// The value of `key` in a query string (no percent-decoding: versions and numbers need none).
fn query_value(query: &str, key: &str) -> Option<String> {
    query.split('&').filter_map(|kv| kv.split_once('=')).find(|(k, _)| *k == key).map(|(_, v)| v.to_string())
}

fn response(code: StatusCode, content_type: &str, body: String) -> Response<Full<Bytes>> {
    let mut resp = Response::new(Full::new(Bytes::from(body)));
    *resp.status_mut() = code;
    if let Ok(v) = hyper::header::HeaderValue::from_str(content_type) {
        resp.headers_mut().insert(hyper::header::CONTENT_TYPE, v);
    }
    resp
}

fn json_response(code: StatusCode, body: &Value) -> Response<Full<Bytes>> {
    response(code, "application/json", format!("{body}\n"))
}

fn error(code: StatusCode, message: &str) -> Response<Full<Bytes>> {
    json_response(code, &json!({ "error": message }))
}
