//! Applying and verifying against running servers: `POST /-/reload` to each, then poll
//! Prometheus until every target is `up` in `/api/v1/targets` and rules are loaded.

use std::time::{Duration, Instant};

use serde_json::Value;

use super::MonitoringError;

fn client() -> Result<reqwest::Client, MonitoringError> {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| MonitoringError::Invalid(e.to_string()))
}

/// `POST BASE/-/reload` to each base URL; an error names the server and its answer.
pub async fn reload(bases: &[String]) -> Result<(), MonitoringError> {
    let c = client()?;
    for base in bases {
        let url = format!("{}/-/reload", base.trim_end_matches('/'));
        let mut r = c.post(&url).send().await.map_err(|e| MonitoringError::Invalid(format!("{url}: {e}")))?;
        if !r.status().is_success() {
            let status = r.status();
            let (body, _) = crate::http_guard::read_capped(&mut r, 300).await.unwrap_or_default();
            let body = String::from_utf8_lossy(&body);
            return Err(MonitoringError::Invalid(format!(
                "{url}: {status} {}",
                crate::sanitize::one_line(body.trim())
            )));
        }
    }
    Ok(())
}

/// The largest answer read from Prometheus (targets or rules of a large installation fit).
const MAX_ANSWER: usize = 32 << 20;

async fn get(c: &reqwest::Client, url: &str) -> Result<Value, String> {
    crate::http_guard::get_json(c, url, MAX_ANSWER).await
}

/// One look: `Ok(summary)` when every active target is up and rules are loaded, else why not.
async fn look(c: &reqwest::Client, base: &str) -> Result<String, String> {
    let t = get(c, &format!("{base}/api/v1/targets")).await?;
    let targets = t["data"]["activeTargets"].as_array().cloned().unwrap_or_default();
    if targets.is_empty() {
        return Err("no active targets".into());
    }
    let down: Vec<String> = targets
        .iter()
        .filter(|x| x["health"] != "up")
        .map(|x| {
            format!("{} {}", x["labels"]["job"].as_str().unwrap_or("?"), x["health"].as_str().unwrap_or("?"))
        })
        .collect();
    if !down.is_empty() {
        return Err(format!("targets not up: {}", down.join(", ")));
    }
    let r = get(c, &format!("{base}/api/v1/rules")).await?;
    let rules: usize = r["data"]["groups"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|g| g["rules"].as_array().map_or(0, Vec::len))
        .sum();
    if rules == 0 {
        return Err("no rules loaded".into());
    }
    Ok(format!("{} targets up, {rules} rules loaded", targets.len()))
}

/// Polls Prometheus at `base` every 500 ms until [`look`] succeeds or `limit` passes.
pub async fn verify(base: &str, limit: Duration) -> Result<String, MonitoringError> {
    let c = client()?;
    let base = base.trim_end_matches('/');
    let deadline = Instant::now() + limit;
    loop {
        match look(&c, base).await {
            Ok(s) => return Ok(s),
            Err(why) if Instant::now() >= deadline => {
                return Err(MonitoringError::Invalid(format!("{base}: {why} after {} s", limit.as_secs())));
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(500)).await,
        }
    }
}
