//! `sandbox ensure`: makes sure the demo service answers at a URL. When nothing answers, it starts
//! `flightdeck sandbox serve` detached from this process (its own process group, output to
//! `DATA_DIR/sandbox/PORT.log`, state in `DATA_DIR/sandbox/PORT.json`) and waits up to 5 s for it.

use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::error::{Error, exit};
use crate::paths::Paths;
use crate::sandbox::client::{self, LoopbackUrl};
use crate::sandbox::commands::parse_url;
use crate::sandbox::state::is_version;

/// How long a newly started service has to answer.
const START_WAIT: Duration = Duration::from_secs(5);

/// `sandbox ensure`.
pub async fn ensure(url: &str, initial_version: &str, paths: &Paths) -> Result<i32, Error> {
    let base = parse_url(url)?;
    if !is_version(initial_version) {
        return Err(Error::Invalid(format!(
            "--initial-version {initial_version:?} is not a semantic version such as 1.0.0"
        )));
    }
    if let Some(line) = answers(&base).await {
        crate::outln!("sandbox at {url} is running: {line}");
        return Ok(exit::OK);
    }
    if base.port() == 0 {
        return Err(Error::Invalid(format!("{url} has port 0: give the port the sandbox should listen on")));
    }
    let mut child = spawn_server(base.port(), initial_version, &paths.sandbox_dir)?;
    let log = log_file(&paths.sandbox_dir, base.port());
    let started = Instant::now();
    while started.elapsed() < START_WAIT {
        if let Some(line) = answers(&base).await {
            crate::outln!("started the sandbox at {url} (pid {}, log {}): {line}", child.id(), log.display());
            return Ok(exit::OK);
        }
        if let Ok(Some(status)) = child.try_wait() {
            return Err(Error::Precondition(format!(
                "the sandbox exited at start ({status}); its log {} says:\n{}",
                log.display(),
                log_tail(&log)
            )));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(Error::Precondition(format!(
        "the sandbox started (pid {}) but did not answer at {url} within 5 s; see {}",
        child.id(),
        log.display()
    )))
}

/// `Some(summary)` when something answers HTTP at `URL/health` (healthy or not).
async fn answers(base: &LoopbackUrl) -> Option<String> {
    let resp = client::get(&base.join("/health"), Duration::from_secs(1)).await.ok()?;
    let body = resp.json().unwrap_or_default();
    let status = body["status"].as_str().unwrap_or("answered");
    let version = body["version"].as_str().unwrap_or("?");
    Some(format!("{status}, version {version}"))
}

/// The log file of the sandbox on `port`.
pub fn log_file(sandbox_dir: &Path, port: u16) -> std::path::PathBuf {
    sandbox_dir.join(format!("{port}.log"))
}

/// Starts `CURRENT_EXE sandbox serve` in its own process group, so it outlives this command and
/// is not hit by the terminal's Ctrl-C.
fn spawn_server(port: u16, initial_version: &str, dir: &Path) -> Result<Child, Error> {
    std::fs::create_dir_all(dir)
        .map_err(|e| Error::io(format!("cannot create the sandbox directory {}", dir.display()), e))?;
    let exe = std::env::current_exe().map_err(|e| Error::io("cannot find the flightdeck binary", e))?;
    let log_path = log_file(dir, port);
    let open_log = || {
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log_path)
            .map_err(|e| Error::io(format!("cannot open the sandbox log {}", log_path.display()), e))
    };
    let (out, err) = (open_log()?, open_log()?);
    let state = dir.join(format!("{port}.json"));
    Command::new(&exe)
        .args(["sandbox", "serve", "--port", &port.to_string(), "--version", initial_version])
        .arg("--state")
        .arg(&state)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .process_group(0)
        .spawn()
        .map_err(|e| Error::io(format!("cannot start {} sandbox serve", exe.display()), e))
}

/// The last lines of a log file, for an error message.
fn log_tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(5)..].iter().map(|l| format!("  {l}")).collect::<Vec<_>>().join("\n")
}
