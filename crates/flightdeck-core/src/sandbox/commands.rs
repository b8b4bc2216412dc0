//! The client-side sandbox commands other than `ensure` and `verify`: `serve` (foreground),
//! `status`, `deploy` (roll out and wait), the admin switches and `stop`. They print progress for
//! people and write step outputs to `$FLIGHTDECK_OUTPUT`.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::json;
use tokio_util::sync::CancellationToken;

use crate::error::{Error, exit};
use crate::outputs::write_outputs;
use crate::paths::Paths;
use crate::sandbox::client::{self, LoopbackUrl};
use crate::sandbox::client_error;
use crate::sandbox::server::{self, ServeOptions, demo_fast};
use crate::sandbox::state::{SandboxState, is_version};
use crate::time::{human_duration, parse_duration};

/// Timeout of one admin or state request.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

/// Parses a base URL, refusing non-loopback ones.
pub fn parse_url(url: &str) -> Result<LoopbackUrl, Error> {
    LoopbackUrl::parse(url).map_err(|e| client_error(&e, url))
}

/// Parses a duration flag such as `60s`.
pub fn parse_flag_duration(flag: &str, text: &str) -> Result<Duration, Error> {
    parse_duration(text).map(Duration::from_millis).ok_or_else(|| {
        Error::Invalid(format!("--{flag} {text:?} is not a duration: write e.g. \"500ms\", \"2s\" or \"1m\""))
    })
}

/// The service's process id, from `GET /admin/state` (what a `profile` step targets).
async fn fetch_pid(base: &LoopbackUrl) -> Option<u64> {
    let resp = client::get(&base.join("/admin/state"), REQUEST_TIMEOUT).await.ok()?;
    resp.json()?.get("pid")?.as_u64()
}

/// Reads `GET /admin/state`.
pub async fn fetch_state(base: &LoopbackUrl) -> Result<SandboxState, Error> {
    let url = base.join("/admin/state");
    let resp = client::get(&url, REQUEST_TIMEOUT).await.map_err(|e| client_error(&e, &base.to_string()))?;
    if resp.status != 200 {
        return Err(Error::Precondition(format!("{url} answered {}: {}", resp.status, resp.body.trim())));
    }
    serde_json::from_str(&resp.body).map_err(|e| {
        Error::Precondition(format!("{url} did not answer sandbox state ({e}): is something else listening?"))
    })
}

/// `sandbox serve`: runs the service until Ctrl-C, SIGTERM or `POST /admin/shutdown`.
pub async fn serve(
    port: u16,
    state: Option<PathBuf>,
    version: String,
    paths: &Paths,
    shutdown: &crate::shutdown::Shutdown,
) -> Result<i32, Error> {
    if !is_version(&version) {
        return Err(Error::Invalid(format!("--version {version:?} is not a semantic version such as 1.2.3")));
    }
    let state_file = state.or_else(|| (port != 0).then(|| paths.sandbox_dir.join(format!("{port}.json"))));
    let mut opts = ServeOptions::new(port);
    opts.state_file.clone_from(&state_file);
    opts.initial_version = version;
    // From here a signal stops the server cleanly (before, it ends the process at once).
    shutdown.handle();
    let running = server::start(opts).await.map_err(|e| Error::Precondition(e.to_string()))?;
    let where_ = state_file.map_or_else(|| "memory only".to_string(), |p| p.display().to_string());
    crate::outln!("sandbox listening on {} (state: {where_})", running.url());
    let token = running.shutdown_token();
    tokio::spawn(stop_on_signal(token, shutdown.clone()));
    running.wait().await;
    crate::outln!("sandbox stopped");
    Ok(exit::OK)
}

async fn stop_on_signal(token: CancellationToken, shutdown: crate::shutdown::Shutdown) {
    tokio::select! {
        _ = shutdown.wait() => {}
        () = token.cancelled() => {}
    }
    token.cancel();
}

/// `sandbox status`: prints the version and health; exit 6 when nothing answers.
pub async fn status(url: &str, as_json: bool, outputs: bool) -> Result<i32, Error> {
    let base = parse_url(url)?;
    let health = client::get(&base.join("/health"), REQUEST_TIMEOUT).await;
    let state = match &health {
        Ok(_) => fetch_state(&base).await.ok(),
        Err(_) => None,
    };
    let (code, status, reason) = match &health {
        Ok(r) => {
            let body = r.json().unwrap_or_default();
            let word = body["status"].as_str().unwrap_or("UNKNOWN").to_string();
            (Some(r.status), word, body["reason"].as_str().map(str::to_string))
        }
        Err(e) => (None, "UNREACHABLE".to_string(), Some(e.to_string())),
    };
    let healthy = code == Some(200) && status == "UP";
    let version = state.as_ref().map(|s| s.version.clone()).unwrap_or_default();
    let previous = state.as_ref().and_then(|s| s.previous.clone()).unwrap_or_default();
    if as_json {
        let v = json!({ "url": url, "reachable": code.is_some(), "healthy": healthy, "status": status,
            "http_status": code, "reason": reason, "version": version, "previous": previous, "state": state });
        crate::outln!("{v}");
    } else {
        let version_part = if version.is_empty() { String::new() } else { format!(", version {version}") };
        let previous_part =
            if previous.is_empty() { String::new() } else { format!(" (previous {previous})") };
        let reason_part = reason.as_ref().map(|r| format!(" — {r}")).unwrap_or_default();
        crate::outln!("{url}: {status}{version_part}{previous_part}{reason_part}");
    }
    if outputs {
        let healthy = if healthy { "true" } else { "false" };
        let pid = match &health {
            Ok(_) => fetch_pid(&base).await.map(|p| p.to_string()).unwrap_or_default(),
            Err(_) => String::new(),
        };
        write_outputs(&[
            ("version", &version),
            ("previous", &previous),
            ("healthy", healthy),
            ("pid", &pid),
        ])?;
    }
    Ok(if code.is_some() { exit::OK } else { exit::MONITOR_DOWN })
}

/// `sandbox deploy`: starts a rollout and waits until the version is live.
pub async fn deploy(url: &str, version: &str, timeout: &str) -> Result<i32, Error> {
    let base = parse_url(url)?;
    let limit = parse_flag_duration("timeout", timeout)?;
    if version.trim().is_empty() {
        return Err(Error::Invalid(
            "no version to deploy (--version is empty): when rolling back, the sandbox may have no previous version".into(),
        ));
    }
    if !is_version(version) {
        return Err(Error::Invalid(format!("--version {version:?} is not a semantic version such as 1.2.3")));
    }
    let before = fetch_state(&base).await?;
    let resp = client::post(&base.join(&format!("/admin/deploy?version={version}")), REQUEST_TIMEOUT)
        .await
        .map_err(|e| client_error(&e, url))?;
    match resp.status {
        200 => crate::outln!("{version} is already live on {url}"),
        202 => crate::outln!("rolling out {} → {version} on {url}", before.version),
        code => {
            return Err(Error::Precondition(format!(
                "{url} refused the deploy ({code}): {}",
                resp.body.trim()
            )));
        }
    }
    let started = Instant::now();
    if resp.status == 202 && !wait_live(&base, version, limit).await? {
        crate::errln!(
            "error: {version} was not live on {url} after {}",
            human_duration(millis(started.elapsed()))
        );
        return Ok(exit::STEP_FAILED);
    }
    let after = fetch_state(&base).await?;
    let health = after.health();
    crate::outln!(
        "{version} is live on {url} (was {}) after {}",
        before.version,
        human_duration(millis(started.elapsed()))
    );
    if health.status != "UP" {
        crate::outln!("warning: /health says {}: {}", health.status, health.reason.unwrap_or_default());
    }
    write_outputs(&[("previous", &before.version), ("version", version)])?;
    Ok(exit::OK)
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// Polls the state until `version` is live; false when `limit` passes first. A rollout superseded
/// by another deploy is an error.
async fn wait_live(base: &LoopbackUrl, version: &str, limit: Duration) -> Result<bool, Error> {
    let poll = if demo_fast() { Duration::from_millis(10) } else { Duration::from_millis(100) };
    let started = Instant::now();
    let mut last_print = Instant::now();
    while started.elapsed() < limit {
        let s = fetch_state(base).await?;
        match s.rolling_out.as_deref() {
            None if s.version == version => return Ok(true),
            Some(other) if other != version => {
                return Err(Error::Precondition(format!(
                    "the rollout of {version} was superseded by a deploy of {other}"
                )));
            }
            None => {
                return Err(Error::Precondition(format!(
                    "the rollout of {version} ended with {} live: was the service restarted?",
                    s.version
                )));
            }
            Some(_) => {}
        }
        if last_print.elapsed() >= Duration::from_secs(1) {
            crate::outln!("  still rolling out {version} … {}", human_duration(millis(started.elapsed())));
            last_print = Instant::now();
        }
        tokio::time::sleep(poll).await;
    }
    Ok(false)
}

/// `sandbox break|fix|slow`: one admin request; prints the answer.
pub async fn admin(url: &str, path: &str) -> Result<i32, Error> {
    let base = parse_url(url)?;
    let resp = client::post(&base.join(path), REQUEST_TIMEOUT).await.map_err(|e| client_error(&e, url))?;
    if resp.status != 200 {
        return Err(Error::Invalid(format!("{url}{path} answered {}: {}", resp.status, resp.body.trim())));
    }
    crate::outln!("{url}{path}: {}", resp.body.trim());
    Ok(exit::OK)
}

/// `sandbox stop`: asks the service to shut down and waits (up to 3 s) until it stops answering.
pub async fn stop(url: &str) -> Result<i32, Error> {
    let base = parse_url(url)?;
    match client::post(&base.join("/admin/shutdown"), REQUEST_TIMEOUT).await {
        Err(e) if e.is_unreachable() => {
            crate::outln!("nothing is running at {url}");
            return Ok(exit::OK);
        }
        Err(e) => return Err(client_error(&e, url)),
        Ok(_) => {}
    }
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(3) {
        if client::get(&base.join("/health"), Duration::from_millis(500)).await.is_err() {
            crate::outln!("sandbox at {url} stopped");
            return Ok(exit::OK);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    crate::errln!("error: the sandbox at {url} still answers 3 s after being asked to stop");
    Ok(exit::STEP_FAILED)
}
