//! One probe's result: latency, what was seen, each condition's pass/fail and, when it failed, the
//! class of the reason (as the Prometheus blackbox exporter reports why, not only that, it failed).

use serde::{Deserialize, Serialize};

use crate::health::condition::ConditionResult;
use crate::time::Micros;

/// Why a probe failed, by class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// The name did not resolve (or the DNS server failed).
    Dns,
    /// No connection: refused, unreachable, reset.
    Connect,
    /// The TLS handshake failed or the certificate is not trusted for this name.
    Tls,
    /// No answer within the monitor's timeout.
    Timeout,
    /// Redirects past the limit (a loop).
    Redirect,
    /// The answer is not valid HTTP (not HTTP at all, headers too large, closed mid-response).
    Protocol,
    /// A condition on the HTTP status failed.
    Status,
    /// A condition on the body failed, or the body could not be read.
    Body,
    /// Another condition failed (response time, certificate expiry, ...).
    Condition,
    /// The monitor's configuration is invalid, so it is not probed.
    Config,
}

impl Reason {
    /// The word shown (`dns`, `connect`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Dns => "dns",
            Reason::Connect => "connect",
            Reason::Tls => "tls",
            Reason::Timeout => "timeout",
            Reason::Redirect => "redirect",
            Reason::Protocol => "protocol",
            Reason::Status => "status",
            Reason::Body => "body",
            Reason::Condition => "condition",
            Reason::Config => "config",
        }
    }
}

/// The result of one probe of one monitor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckResult {
    /// Monitor name.
    pub monitor: String,
    /// Environment.
    pub environment: String,
    /// When the probe started.
    pub at: Micros,
    /// How long it took, in milliseconds.
    pub latency_ms: u64,
    /// Whether every condition held (and the probe itself worked).
    pub success: bool,
    /// The class of the failure, if it failed.
    pub reason: Option<Reason>,
    /// The failure in words.
    pub message: Option<String>,
    /// HTTP status, if any.
    pub status: Option<u16>,
    /// Body bytes read, after decoding (never more than the monitor's `max_body`; 0 when no
    /// condition reads the body).
    pub bytes_read: u64,
    /// True if the body was longer than `max_body` and the rest was not read.
    pub truncated: bool,
    /// Whole days until the leaf certificate expires, when one was seen; once expired, whole days
    /// since, negative and never 0 (expired yesterday: -1).
    pub cert_days_left: Option<i64>,
    /// Each condition's outcome (empty when the probe failed before any could be judged).
    pub conditions: Vec<ConditionResult>,
}

impl CheckResult {
    /// A one-line summary: `UP 12ms 200` or `DOWN timeout: no answer within 2s`.
    pub fn line(&self) -> String {
        let status = self.status.map(|s| format!(" {s}")).unwrap_or_default();
        if self.success {
            format!("ok {}ms{status}", self.latency_ms)
        } else {
            let reason = self.reason.map_or("failed", Reason::as_str);
            format!("{reason} {}ms{status}: {}", self.latency_ms, self.message.as_deref().unwrap_or(""))
        }
    }
}
