//! The demo sandbox's requests: what each route does to the shared state (serve the page, report
//! health, deploy a version with a timed rollout, break, fix, slow down, shut down), and the
//! responses. [`super::server`] binds, accepts and hands every request to [`App::handle`].

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::{Method, Request, Response, StatusCode};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use crate::sandbox::server::ServeOptions;
use crate::sandbox::state::{MAX_SLOW_MS, SandboxState, is_version};

/// The shared service state behind every connection.
#[derive(Clone)]
pub(super) struct App {
    state: Arc<Mutex<SandboxState>>,
    state_file: Option<Arc<PathBuf>>,
    rollout: Duration,
    generation: Arc<AtomicU64>,
    shutdown: CancellationToken,
    /// The hot switch (`sandbox::hot`): `GET /` burns CPU in a named function.
    hot: Arc<AtomicBool>,
}

impl App {
    pub(super) fn new(state: SandboxState, opts: ServeOptions, shutdown: CancellationToken) -> App {
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
    pub(super) fn resume_rollout(&self) {
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

    pub(super) async fn handle(&self, req: Request<Incoming>) -> Response<Full<Bytes>> {
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
