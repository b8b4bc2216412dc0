//! The load generator: closed model (N keep-alive connections) and open model (a constant arrival
//! rate, latency measured from the intended send time), duration or request count, ramp stages,
//! named profiles, thresholds and baselines.
//!
//! [`run`] takes a [`LoadPlan`], publishes a [`Snapshot`] about ten times a second on a `watch` channel
//! (the console's Load screen and the `load` step draw from it) and returns the final [`Report`]. It
//! prints nothing. Workers run on their own OS threads (one current-thread tokio runtime each, sized
//! by `LoadPlan::threads`), record into a local [`stats::Tally`], and the collector merges those tallies:
//! the view never walks raw samples and memory stays flat however long the test runs.
//!
//! HTTP/1.1 keep-alive, plain or over TLS (`tls.rs`: rustls, SNI, `--insecure`, `--cacert`), goes
//! through a lean client (`http1.rs`: pre-built request bytes, `httparse` for the response head,
//! bodies read and discarded in a bounded buffer); hyper's client is not used there because its
//! per-request machinery (channels, body types, header maps) costs more CPU than wrk per request.
//! HTTP/2 (`h2c` prior knowledge, or ALPN `h2` over TLS) goes through hyper.

use serde::{Deserialize, Serialize};

pub mod baseline;
mod collect;
mod engine;
mod http1;
mod http2;
pub mod oha;
pub mod plan;
pub mod report;
pub mod spec;
pub mod stats;
pub mod summary;
pub mod threshold;
pub mod tls;
mod worker;

pub use engine::run;
pub use plan::{LoadPlan, Model, Profile, Stage, Stop, Target};
pub use report::{Ended, Report, Snapshot};
pub use spec::LoadSpec;
pub use threshold::{Threshold, Verdict};

/// Why a request produced no response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorClass {
    /// The connection was refused (nothing listens).
    Refused,
    /// No answer within the request timeout.
    Timeout,
    /// The peer reset or closed the connection mid-request.
    Reset,
    /// Connecting failed for another reason.
    Connect,
    /// The response was not valid HTTP.
    Protocol,
    /// Anything else.
    Other,
    /// The TLS handshake failed (untrusted certificate, wrong name, no common protocol).
    Tls,
}

impl ErrorClass {
    /// Number of classes.
    pub const COUNT: usize = 7;
    /// Every class, in index order.
    pub const ALL: [ErrorClass; ErrorClass::COUNT] = [
        ErrorClass::Refused,
        ErrorClass::Timeout,
        ErrorClass::Reset,
        ErrorClass::Connect,
        ErrorClass::Protocol,
        ErrorClass::Other,
        ErrorClass::Tls,
    ];

    /// Position in [`ErrorClass::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// Classifies an I/O error.
    pub fn of_io(e: &std::io::Error) -> ErrorClass {
        use std::io::ErrorKind as K;
        match e.kind() {
            K::ConnectionRefused => ErrorClass::Refused,
            K::TimedOut => ErrorClass::Timeout,
            K::ConnectionReset | K::ConnectionAborted | K::BrokenPipe | K::UnexpectedEof => ErrorClass::Reset,
            K::InvalidData => ErrorClass::Protocol,
            _ => ErrorClass::Other,
        }
    }
}

/// A load plan that cannot run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoadError {
    /// The URL is not one we can load.
    #[error("bad URL {url:?}: {reason}")]
    BadUrl { url: String, reason: String },
    /// A value in the plan is out of range or malformed.
    #[error("{0}")]
    Invalid(String),
    /// A threshold expression does not parse.
    #[error(
        "bad threshold {expr:?}: {reason} (examples: \"p95 < 500ms\", \"error_rate < 1%\", \"rps > 100\")"
    )]
    Threshold { expr: String, reason: String },
    /// The worker threads could not start.
    #[error("cannot start load worker threads: {0}")]
    Spawn(String),
}
