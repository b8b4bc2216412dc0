//! What a load test does: the [`Target`], the model (closed or open), when it stops, ramp stages,
//! the named profiles as stage presets, and the request itself.

use std::net::IpAddr;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::load::{LoadError, Threshold};

/// Where requests go: only this host and port, over HTTP or HTTPS.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    /// The URL as the operator wrote it.
    pub url: String,
    /// Host name or IP address (no brackets).
    pub host: String,
    /// TCP port.
    pub port: u16,
    /// Path and query (`/` at least); never the `#fragment`, which is not sent.
    pub path: String,
    /// HTTPS (TLS with the host name as SNI).
    #[serde(default)]
    pub tls: bool,
}

impl Target {
    /// Parses `http[s]://HOST[:PORT][/PATH][?QUERY]` with `url::Url` (a `#fragment` is dropped, as a
    /// browser does; credentials in the URL are refused).
    pub fn parse(url: &str) -> Result<Target, LoadError> {
        let bad = |reason: &str| LoadError::BadUrl { url: url.to_string(), reason: reason.to_string() };
        let u = url::Url::parse(url).map_err(|e| bad(&format!("{e}; write it as http://HOST:PORT/PATH")))?;
        let tls = match u.scheme() {
            "http" => false,
            "https" => true,
            scheme => return Err(bad(&format!("unsupported scheme {scheme:?}; use http:// or https://"))),
        };
        if !u.username().is_empty() || u.password().is_some() {
            return Err(bad("credentials in the URL are not sent; pass -H \"Authorization: ...\" instead"));
        }
        let host = match u.host() {
            Some(url::Host::Domain(d)) => d.to_string(),
            Some(url::Host::Ipv4(a)) => a.to_string(),
            Some(url::Host::Ipv6(a)) => a.to_string(),
            None => return Err(bad("no host")),
        };
        let port = u.port_or_known_default().ok_or_else(|| bad("no port"))?;
        let path = match u.query() {
            Some(q) => format!("{}?{q}", u.path()),
            None => u.path().to_string(),
        };
        Ok(Target { url: url.to_string(), host, port, path, tls })
    }

    /// The `Host` header value.
    pub fn authority(&self) -> String {
        let host = if self.host.contains(':') { format!("[{}]", self.host) } else { self.host.clone() };
        let default = if self.tls { 443 } else { 80 };
        if self.port == default { host } else { format!("{host}:{}", self.port) }
    }

    /// True if the host is `localhost` or a loopback address.
    pub fn is_loopback(&self) -> bool {
        self.host.eq_ignore_ascii_case("localhost")
            || self.host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
    }
}

/// How HTTPS connections check the server.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsSettings {
    /// Accept any certificate (a self-signed test server).
    pub insecure: bool,
    /// Trust the certificates in this PEM file besides the web PKI roots.
    pub ca_file: Option<std::path::PathBuf>,
}

/// How load is applied.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "model")]
pub enum Model {
    /// `connections` connections, each sending its next request when the last one answered.
    Closed,
    /// A constant arrival rate (requests per second) spread over the connections; latency is
    /// measured from when each request should have been sent.
    Open { rate: f64 },
}

/// When a test stops (cancellation and abort-on-fail stop it earlier).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stop {
    /// After this long.
    Duration(Duration),
    /// After this many requests (responses plus errors).
    Requests(u64),
}

/// A ramp stage: over `duration`, move linearly from the previous target to `target` (connections
/// in the closed model, requests per second in the open one). The first stage starts from 0.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Stage {
    pub duration: Duration,
    pub target: f64,
}

/// The value the stages ask for `elapsed` into the test (the last target after the stages end).
pub fn stage_value(stages: &[Stage], elapsed: Duration) -> Option<f64> {
    let mut start = Duration::ZERO;
    let mut from = 0.0;
    for s in stages {
        let end = start + s.duration;
        if elapsed < end {
            let frac = elapsed.saturating_sub(start).as_secs_f64() / s.duration.as_secs_f64().max(1e-9);
            return Some(from + (s.target - from) * frac);
        }
        start = end;
        from = s.target;
    }
    stages.last().map(|s| s.target)
}

/// The named load profiles of the load-testing workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Profile {
    /// Steady load at the given level for the whole duration (no ramp).
    Baseline,
    /// Ramp up to the level, hold it, ramp down.
    Peak,
    /// Climb in steps to twice the level and hold there.
    Stress,
    /// A fifth of the level, a sudden jump to three times it, and back.
    Spike,
    /// The level held for a long time (default one hour).
    Soak,
}

impl Profile {
    /// Every profile name.
    pub const NAMES: [&'static str; 5] = ["baseline", "peak", "stress", "spike", "soak"];

    /// Parses a profile name.
    pub fn parse(name: &str) -> Result<Profile, LoadError> {
        Ok(match name {
            "baseline" => Profile::Baseline,
            "peak" => Profile::Peak,
            "stress" => Profile::Stress,
            "spike" => Profile::Spike,
            "soak" => Profile::Soak,
            _ => {
                return Err(LoadError::Invalid(format!(
                    "unknown profile {name:?}: expected one of {}",
                    Profile::NAMES.join(", ")
                )));
            }
        })
    }

    /// The duration used when the operator gives none.
    pub fn default_duration(self) -> Duration {
        match self {
            Profile::Soak => Duration::from_secs(3600),
            _ => Duration::from_secs(60),
        }
    }

    /// The stages of this profile for a total `duration` and a `level` (connections or rate).
    pub fn stages(self, duration: Duration, level: f64) -> Vec<Stage> {
        let shape: &[(f64, f64)] = match self {
            Profile::Baseline => return Vec::new(),
            Profile::Peak => &[(0.1, 1.0), (0.8, 1.0), (0.1, 0.0)],
            Profile::Stress => &[(0.2, 1.0), (0.2, 1.5), (0.2, 2.0), (0.3, 2.0), (0.1, 0.0)],
            Profile::Spike => &[(0.1, 0.2), (0.2, 0.2), (0.05, 3.0), (0.2, 3.0), (0.05, 0.2), (0.4, 0.2)],
            Profile::Soak => &[(0.05, 1.0), (0.9, 1.0), (0.05, 0.0)],
        };
        shape
            .iter()
            .map(|&(share, f)| Stage { duration: duration.mul_f64(share), target: level * f })
            .collect()
    }
}

/// A whole load test.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadPlan {
    /// Where requests go.
    pub target: Target,
    /// HTTP method.
    pub method: String,
    /// Extra request headers (`Host` is set from the URL unless given here).
    pub headers: Vec<(String, String)>,
    /// Request body (empty: none).
    pub body: Vec<u8>,
    /// Connections (in a ramp: the most that are open at once).
    pub connections: usize,
    /// Closed or open model.
    pub model: Model,
    /// When to stop.
    pub stop: Stop,
    /// Ramp stages (empty: a constant level).
    pub stages: Vec<Stage>,
    /// Worker threads.
    pub threads: usize,
    /// A request with no answer after this long counts as a timeout.
    pub timeout: Duration,
    /// HTTP/2 over cleartext (prior knowledge) instead of HTTP/1.1.
    pub http2: bool,
    /// Certificate checks for `https://` targets.
    pub tls: TlsSettings,
    /// Pass/fail criteria.
    pub thresholds: Vec<Threshold>,
    /// How often a snapshot is published.
    pub snapshot_every: Duration,
}

impl LoadPlan {
    /// A closed-model plan of 50 connections for 10 s, GET, one thread per available core.
    pub fn new(target: Target) -> LoadPlan {
        LoadPlan {
            target,
            method: "GET".into(),
            headers: Vec::new(),
            body: Vec::new(),
            connections: 50,
            model: Model::Closed,
            stop: Stop::Duration(Duration::from_secs(10)),
            stages: Vec::new(),
            threads: std::thread::available_parallelism().map_or(1, std::num::NonZero::get),
            timeout: Duration::from_secs(20),
            http2: false,
            tls: TlsSettings::default(),
            thresholds: Vec::new(),
            snapshot_every: Duration::from_millis(100),
        }
    }

    /// Applies a profile: its stages over the plan's duration (or the profile's default).
    pub fn apply_profile(&mut self, profile: Profile, duration_given: bool) {
        let duration = match self.stop {
            Stop::Duration(d) if duration_given => d,
            _ => profile.default_duration(),
        };
        self.stop = Stop::Duration(duration);
        #[allow(clippy::cast_precision_loss)]
        let level = match self.model {
            Model::Closed => self.connections as f64,
            Model::Open { rate } => rate,
        };
        self.stages = profile.stages(duration, level);
        if let Model::Closed = self.model {
            let most = self.stages.iter().map(|s| s.target).fold(level, f64::max);
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let most = most.ceil() as usize;
            self.connections = most.max(1);
        }
    }

    /// Checks the plan's values.
    pub fn validate(&self) -> Result<(), LoadError> {
        let bad = |m: String| Err(LoadError::Invalid(m));
        if self.connections == 0 {
            return bad("connections must be at least 1".into());
        }
        if self.threads == 0 {
            return bad("threads must be at least 1".into());
        }
        if let Model::Open { rate } = self.model
            && !(rate > 0.0 && rate.is_finite())
        {
            return bad(format!("rate must be a positive number of requests per second, not {rate}"));
        }
        if matches!(self.stop, Stop::Requests(0)) {
            return bad("the request count must be at least 1".into());
        }
        if !self.method.bytes().all(|b| b.is_ascii_uppercase() || b == b'-') || self.method.is_empty() {
            return bad(format!("bad HTTP method {:?}: use e.g. GET, POST, PUT", self.method));
        }
        for (name, value) in &self.headers {
            if name.is_empty() || name.bytes().any(|b| b <= b' ' || b == b':') || value.contains(['\r', '\n'])
            {
                return bad(format!("bad header {name:?}: {value:?}"));
            }
        }
        Ok(())
    }

    /// The planned duration, if the plan stops on time.
    pub fn planned_duration(&self) -> Option<Duration> {
        match self.stop {
            Stop::Duration(d) => Some(d),
            Stop::Requests(_) => None,
        }
    }
}

/// Parses a `Name: value` header argument.
pub fn parse_header(text: &str) -> Result<(String, String), LoadError> {
    let (name, value) = text
        .split_once(':')
        .ok_or_else(|| LoadError::Invalid(format!("bad header {text:?}: write it as \"Name: value\"")))?;
    Ok((name.trim().to_string(), value.trim().to_string()))
}

#[cfg(test)]
mod tests;
