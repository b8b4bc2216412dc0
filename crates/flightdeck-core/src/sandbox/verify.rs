//! `sandbox verify`: the demo's post-deploy verification (until the `check` step kind lands). It
//! asks `/health` several times and fails, naming the status and reason, unless every answer is
//! `UP` with the expected version.

use std::time::{Duration, Instant};

use crate::error::{Error, exit};
use crate::sandbox::client::{self, LoopbackUrl};
use crate::sandbox::commands::{parse_flag_duration, parse_url};
use crate::sandbox::server::demo_fast;

/// What `verify` checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyOptions {
    /// The version that must be live.
    pub expect_version: Option<String>,
    /// How many checks (at least 1).
    pub checks: u32,
    /// Pause between checks.
    pub interval: Duration,
    /// Longest wait for one answer.
    pub timeout: Duration,
}

impl VerifyOptions {
    /// Builds the options from the flags (`interval` is capped at 20 ms with `FLIGHTDECK_DEMO_FAST=1`).
    pub fn parse(
        expect_version: Option<String>,
        checks: u32,
        interval: &str,
        timeout: &str,
    ) -> Result<Self, Error> {
        if checks == 0 {
            return Err(Error::Invalid("--checks 0 would verify nothing: give at least 1".into()));
        }
        let mut interval = parse_flag_duration("interval", interval)?;
        if demo_fast() {
            interval = interval.min(Duration::from_millis(20));
        }
        let timeout = parse_flag_duration("timeout", timeout)?;
        Ok(VerifyOptions {
            expect_version: expect_version.filter(|v| !v.is_empty()),
            checks,
            interval,
            timeout,
        })
    }
}

/// Runs the checks, printing one line each; exit 0 when all pass, 6 (monitor down) otherwise.
pub async fn run(url: &str, opts: &VerifyOptions) -> Result<i32, Error> {
    let base = parse_url(url)?;
    for i in 1..=opts.checks {
        let started = Instant::now();
        match check(&base, opts).await {
            Ok(line) => {
                crate::outln!("check {i}/{}: {line} ({} ms)", opts.checks, started.elapsed().as_millis());
            }
            Err(why) => {
                crate::errln!("error: check {i}/{} of {url}/health failed: {why}", opts.checks);
                return Ok(exit::MONITOR_DOWN);
            }
        }
        if i < opts.checks {
            tokio::time::sleep(opts.interval).await;
        }
    }
    crate::outln!("verified {url}: {} of {} checks UP", opts.checks, opts.checks);
    Ok(exit::OK)
}

/// One check: `Ok(summary)` or `Err(why it failed)`.
pub async fn check(base: &LoopbackUrl, opts: &VerifyOptions) -> Result<String, String> {
    let resp = client::get(&base.join("/health"), opts.timeout).await.map_err(|e| e.to_string())?;
    let body = resp.json().unwrap_or_default();
    let status = body["status"].as_str().unwrap_or("(no status)");
    let version = body["version"].as_str().unwrap_or("(no version)");
    if resp.status != 200 || status != "UP" {
        let reason = body["reason"].as_str().map(|r| format!(": {r}")).unwrap_or_default();
        return Err(format!("HTTP {} {status}{reason}", resp.status));
    }
    if let Some(expected) = &opts.expect_version
        && version != expected
    {
        return Err(format!("version {version} is live, expected {expected}"));
    }
    Ok(format!("UP, version {version}"))
}
