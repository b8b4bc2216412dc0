//! `alerts` and `monitoring` arguments: Alertmanager's webhook and the generated Prometheus configuration.

use std::path::PathBuf;

use clap::{Args, Subcommand};

/// `alerts ...`.
#[derive(Debug, Subcommand)]
pub enum AlertsCommand {
    /// Receive Alertmanager's webhook on ADDR (`POST /alerts`); store and print each alert.
    Listen(AlertsListenArgs),
    /// Received alerts, newest first.
    List(AlertsListArgs),
}

/// `alerts listen ADDR`.
#[derive(Debug, Args)]
pub struct AlertsListenArgs {
    /// `host:port` to listen on (port 0 picks a free one; the URL is printed).
    #[arg(default_value = "127.0.0.1:9095")]
    pub addr: String,
    /// Stop after this long (`30s`); default: until interrupted.
    #[arg(long = "for", value_name = "DURATION")]
    pub duration: Option<String>,
}

/// `alerts list`.
#[derive(Debug, Args)]
pub struct AlertsListArgs {
    /// At most this many.
    #[arg(short = 'n', long, default_value_t = 50)]
    pub limit: usize,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// `monitoring ...`.
#[derive(Debug, Subcommand)]
pub enum MonitoringCommand {
    /// Write prometheus.yml, rules.yml, blackbox.yml and alertmanager.yml for an environment's
    /// monitors, checked with promtool and amtool (nothing is replaced when a check fails).
    Generate(MonitoringGenerateArgs),
    /// Check a directory's files with promtool and amtool.
    Check(MonitoringCheckArgs),
    /// Load the files in use: `POST /-/reload` to each server URL given.
    Apply(MonitoringApplyArgs),
    /// Poll Prometheus until every target is up and rules are loaded; exit 6 if not in time.
    Verify(MonitoringVerifyArgs),
}

/// `monitoring apply URL...`.
#[derive(Debug, Args)]
pub struct MonitoringApplyArgs {
    /// Base URLs of Prometheus, Alertmanager and the blackbox exporter.
    #[arg(required = true)]
    pub urls: Vec<String>,
}

/// `monitoring verify --prometheus URL`.
#[derive(Debug, Args)]
pub struct MonitoringVerifyArgs {
    /// Prometheus's base URL.
    #[arg(long, default_value = "http://127.0.0.1:9090")]
    pub prometheus: String,
    /// How long to wait (`60s`).
    #[arg(long, default_value = "60s")]
    pub timeout: String,
}

/// `monitoring generate`.
#[derive(Debug, Args)]
pub struct MonitoringGenerateArgs {
    /// Environment whose monitors are translated.
    #[arg(long = "env", short = 'e')]
    pub env: Option<String>,
    /// Directory to write the files to.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// The blackbox exporter's address.
    #[arg(long, default_value = "127.0.0.1:9115")]
    pub blackbox: String,
    /// Alertmanager's address.
    #[arg(long, default_value = "127.0.0.1:9093")]
    pub alertmanager: String,
    /// flightdeck's webhook receiver URL (`flightdeck alerts listen`).
    #[arg(long, default_value = "http://127.0.0.1:9095/alerts")]
    pub receiver: String,
    /// Scrape, evaluation and group-wait interval in seconds.
    #[arg(long, default_value_t = 15)]
    pub interval: u64,
}

/// `monitoring check DIR`.
#[derive(Debug, Args)]
pub struct MonitoringCheckArgs {
    /// Directory holding prometheus.yml, rules.yml and alertmanager.yml.
    pub dir: PathBuf,
}
