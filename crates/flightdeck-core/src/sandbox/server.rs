//! The demo sandbox HTTP service (hyper 1, HTTP/1.1, one request per connection), bound to
//! 127.0.0.1 only. It serves a version, reports health, and takes admin requests that deploy a
//! version (a rollout of [`default_rollout`]), break it, fix it, slow it down or shut it down.
//! [`start`] runs it in-process (tests, the console); [`serve`] runs it in the foreground. This file
//! binds and accepts; what each request does is in `app`.

use std::convert::Infallible;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::task::{JoinHandle, JoinSet};
use tokio_util::sync::CancellationToken;

use crate::sandbox::app::App;
use crate::sandbox::state::{SandboxState, StateError};

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
