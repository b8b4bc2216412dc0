//! `health` and `load` arguments: health monitors and load tests.

use std::path::PathBuf;

use clap::Args;

/// `health`.
#[derive(Debug, Args)]
pub struct HealthArgs {
    /// Environment whose monitors to run (default: the default environment).
    #[arg(long = "env", short = 'e')]
    pub env: Option<String>,
    /// Probe every monitor once, print the results and exit (6 if any failed).
    #[arg(long)]
    pub once: bool,
    /// Stop live mode after this long (`30s`, `5m`); default: until interrupted.
    #[arg(long = "for", value_name = "DURATION")]
    pub duration: Option<String>,
    /// Print JSON (one line per transition in live mode).
    #[arg(long)]
    pub json: bool,
}

/// `load`: flags that oha and wrk users recognise (DESIGN §10 "Load flags").
#[derive(Debug, Args)]
#[allow(clippy::struct_excessive_bools)] // flags are naturally booleans
pub struct LoadArgs {
    /// Target URL (`http[s]://HOST:PORT/PATH`); requests go nowhere else.
    pub url: String,
    /// Draw the live view (the console's Load screen) while the test runs.
    #[arg(long)]
    pub tui: bool,
    /// Run for this long (`10s`, `2m`); default 10s.
    #[arg(short = 'z', value_name = "DURATION")]
    pub duration: Option<String>,
    /// Send this many requests instead of running for a duration.
    #[arg(short = 'n', value_name = "REQUESTS")]
    pub requests: Option<u64>,
    /// Connections (closed model), or the pool for the open model.
    #[arg(short = 'c', value_name = "CONNS", default_value_t = 50)]
    pub connections: usize,
    /// Open model: this many requests per second, latency measured from the intended send time.
    #[arg(short = 'q', value_name = "RATE")]
    pub rate: Option<f64>,
    /// Request body.
    #[arg(short = 'd', value_name = "BODY")]
    pub body: Option<String>,
    /// HTTP method.
    #[arg(short = 'm', value_name = "METHOD", default_value = "GET")]
    pub method: String,
    /// Extra header `Name: value` (repeatable).
    #[arg(short = 'H', value_name = "HEADER")]
    pub headers: Vec<String>,
    /// Worker threads (default: the available cores).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// HTTP/2 over cleartext (prior knowledge).
    #[arg(long)]
    pub http2: bool,
    /// Load profile: baseline, peak, stress, spike or soak.
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// Pass/fail criterion, e.g. `p95 < 500ms`, `error_rate < 1%`, `rps > 100`; append `abort` to
    /// stop the test as soon as it fails (repeatable).
    #[arg(long = "threshold", value_name = "EXPR")]
    pub thresholds: Vec<String>,
    /// Every threshold aborts the test as soon as it fails.
    #[arg(long)]
    pub abort_on_fail: bool,
    /// Request timeout.
    #[arg(long, value_name = "DURATION")]
    pub timeout: Option<String>,
    /// Compare with the saved baseline of this name; a regression exits 7.
    #[arg(long, value_name = "NAME")]
    pub baseline: Option<String>,
    /// Save this run as the baseline of this name.
    #[arg(long, value_name = "NAME")]
    pub save_baseline: Option<String>,
    /// Regression tolerance for `--baseline`, in percent.
    #[arg(long, value_name = "PCT", default_value_t = 10.0)]
    pub tolerance: f64,
    /// Print the summary as JSON (oha's field names) to stdout.
    #[arg(long)]
    pub json: bool,
    /// Write the JSON summary to this file.
    #[arg(short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Environment the target belongs to (a non-loopback target in production needs confirmation).
    #[arg(long = "env", short = 'e')]
    pub env: Option<String>,
    /// Confirm a non-loopback target in a production environment.
    #[arg(long)]
    pub yes: bool,
    /// HTTPS: accept any server certificate (a self-signed test server).
    #[arg(long, short = 'k')]
    pub insecure: bool,
    /// HTTPS: trust the CA certificates in this PEM file besides the usual roots.
    #[arg(long, value_name = "FILE")]
    pub cacert: Option<PathBuf>,
}
