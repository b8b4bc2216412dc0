//! The demo sandbox: a real HTTP service on 127.0.0.1 that flightdeck can deploy, verify, break and
//! roll back, and the `flightdeck sandbox ...` commands that drive it (the demo workflows call them
//! as `"$FLIGHTDECK" sandbox deploy ...`).
//!
//! - [`state`]: what the service remembers, persisted as JSON;
//! - [`server`]: the hyper service ([`server::start`] in-process, [`server::serve`] in the foreground);
//! - [`client`]: a loopback-only HTTP/1.1 client;
//! - [`commands`], [`ensure`], [`verify`]: the client-side commands (step outputs go through
//!   [`crate::outputs`], shared with `flightdeck db`).

use std::path::PathBuf;

use clap::Subcommand;

use crate::error::Error;
use crate::paths::Paths;

mod app;
pub mod client;
pub mod commands;
pub mod ensure;
pub mod hot;
pub mod server;
pub mod state;
pub mod verify;

#[cfg(test)]
mod tests;

/// The URL the commands use when none is given (the demo's staging sandbox).
pub const DEFAULT_URL: &str = "http://127.0.0.1:7878";

/// `flightdeck sandbox ...`.
#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub enum SandboxCommand {
    /// Run the demo service in the foreground on 127.0.0.1.
    Serve {
        /// Port on 127.0.0.1 (0 picks a free one).
        #[arg(long)]
        port: u16,
        /// State file [default: `DATA_DIR/sandbox/PORT.json`; none for port 0].
        #[arg(long)]
        state: Option<PathBuf>,
        /// Version served when the state file does not exist yet.
        #[arg(long, default_value = "1.0.0")]
        version: String,
    },
    /// Start the service in the background unless something already answers at URL/health.
    Ensure {
        /// Base URL of the service.
        #[arg(long, default_value = DEFAULT_URL)]
        url: String,
        /// Version served by a newly started service with no state yet.
        #[arg(long, default_value = "1.0.0")]
        initial_version: String,
    },
    /// Print the live version and health.
    Status {
        /// Base URL of the service.
        #[arg(long, default_value = DEFAULT_URL)]
        url: String,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
        /// Also write `version=`, `previous=`, `healthy=` and `pid=` to `$FLIGHTDECK_OUTPUT`.
        #[arg(long)]
        outputs: bool,
    },
    /// Roll a version out and wait until it is live.
    Deploy {
        /// Base URL of the service.
        #[arg(long, default_value = DEFAULT_URL)]
        url: String,
        /// The version to roll out (semantic version; a pre-release containing `bad` fails health).
        #[arg(long)]
        version: String,
        /// Longest wait for the rollout.
        #[arg(long, default_value = "60s")]
        timeout: String,
    },
    /// Check /health several times; fail unless every check is UP (with the expected version).
    Verify {
        /// Base URL of the service.
        #[arg(long, default_value = DEFAULT_URL)]
        url: String,
        /// The version that must be live.
        #[arg(long)]
        expect_version: Option<String>,
        /// How many checks.
        #[arg(long, default_value_t = 3)]
        checks: u32,
        /// Pause between checks (`500ms`, `2s`; 20 ms at most with `FLIGHTDECK_DEMO_FAST=1`).
        #[arg(long, default_value = "1s")]
        interval: String,
        /// Longest wait for one answer.
        #[arg(long, default_value = "5s")]
        timeout: String,
    },
    /// Make /health fail until `fix` or the next rollout.
    Break {
        /// Base URL of the service.
        #[arg(long, default_value = DEFAULT_URL)]
        url: String,
    },
    /// Undo `break`.
    Fix {
        /// Base URL of the service.
        #[arg(long, default_value = DEFAULT_URL)]
        url: String,
    },
    /// Delay every non-admin response by MS milliseconds (0 to undo).
    Slow {
        /// Base URL of the service.
        #[arg(long, default_value = DEFAULT_URL)]
        url: String,
        /// Delay in milliseconds (at most 60000).
        #[arg(long)]
        ms: u64,
    },
    /// Make every `GET /` burn CPU in `sandbox_hot_checksum` (a known culprit for profiles).
    Hot {
        /// Base URL of the service.
        #[arg(long, default_value = DEFAULT_URL)]
        url: String,
        /// Turn the switch off again.
        #[arg(long)]
        off: bool,
    },
    /// Stop the service.
    Stop {
        /// Base URL of the service.
        #[arg(long, default_value = DEFAULT_URL)]
        url: String,
    },
}

/// Runs one sandbox command; returns the exit code.
pub async fn run_command(
    cmd: SandboxCommand,
    paths: &Paths,
    shutdown: &crate::shutdown::Shutdown,
) -> Result<i32, Error> {
    match cmd {
        SandboxCommand::Serve { port, state, version } => {
            commands::serve(port, state, version, paths, shutdown).await
        }
        SandboxCommand::Ensure { url, initial_version } => {
            ensure::ensure(&url, &initial_version, paths).await
        }
        SandboxCommand::Status { url, json, outputs } => commands::status(&url, json, outputs).await,
        SandboxCommand::Deploy { url, version, timeout } => commands::deploy(&url, &version, &timeout).await,
        SandboxCommand::Verify { url, expect_version, checks, interval, timeout } => {
            let opts = verify::VerifyOptions::parse(expect_version, checks, &interval, &timeout)?;
            verify::run(&url, &opts).await
        }
        SandboxCommand::Break { url } => commands::admin(&url, "/admin/break").await,
        SandboxCommand::Fix { url } => commands::admin(&url, "/admin/fix").await,
        SandboxCommand::Slow { url, ms } => commands::admin(&url, &format!("/admin/slow?ms={ms}")).await,
        SandboxCommand::Hot { url, off } => {
            commands::admin(&url, if off { "/admin/hot?on=0" } else { "/admin/hot?on=1" }).await
        }
        SandboxCommand::Stop { url } => commands::stop(&url).await,
    }
}

/// Maps a client error to the command's error: a bad URL is invalid input; an unreachable or
/// misbehaving service is a refused precondition, with the command that starts it.
pub fn client_error(e: &client::ClientError, base: &str) -> Error {
    use client::ClientError as C;
    match e {
        C::BadUrl { .. } | C::NotLoopback { .. } => Error::Invalid(e.to_string()),
        C::Unreachable { .. } | C::Timeout { .. } => Error::Precondition(format!(
            "{e}\n  the sandbox is not running there: start it with `flightdeck sandbox ensure --url {base}`"
        )),
        C::BadResponse { .. } => {
            Error::Precondition(format!("{e}\n  is something else listening at {base}?"))
        }
    }
}
