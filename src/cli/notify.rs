//! `notify` arguments: notification channels, deliveries and the outbox.

use clap::{Args, Subcommand};

use super::JsonFlag;

/// `flightdeck notify ...`.
#[derive(Debug, Subcommand)]
pub enum NotifyCommand {
    /// Validate `[notify]` in flightdeck.toml: channels, routes, templates.
    Check(JsonFlag),
    /// Send a test message to one channel, or to every channel.
    Test(NotifyTestArgs),
    /// Deliveries, newest first: state, attempts, next retry, last error.
    List(NotifyListArgs),
    /// Send everything pending now (and wait for retries up to `--timeout`).
    Flush(NotifyFlushArgs),
    /// Put a delivered or failed notification back in the queue and send it.
    Resend(NotifyResendArgs),
}

/// `notify test`.
#[derive(Debug, Args)]
pub struct NotifyTestArgs {
    /// Channel name (default: every channel).
    pub channel: Option<String>,
    /// How long to wait for delivery, retries included.
    #[arg(long, default_value = "30s")]
    pub timeout: String,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// `notify list`.
#[derive(Debug, Args)]
pub struct NotifyListArgs {
    /// Show the attempts of this notification id.
    pub id: Option<i64>,
    /// Most rows shown.
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// `notify flush`.
#[derive(Debug, Args)]
pub struct NotifyFlushArgs {
    /// How long to keep retrying before leaving the rest for later.
    #[arg(long, default_value = "60s")]
    pub timeout: String,
}

/// `notify resend`.
#[derive(Debug, Args)]
pub struct NotifyResendArgs {
    /// Notification id (from `notify list`).
    pub id: i64,
    /// How long to wait for delivery.
    #[arg(long, default_value = "30s")]
    pub timeout: String,
}
