//! The HTTP side shared by the webhook-shaped channels: one POST with a timeout, its outcome
//! classified for the retry policy (2xx delivered; 408, 429 and 5xx retried, honouring
//! `Retry-After`; any other 4xx fatal; connection errors and timeouts retried).

use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

use crate::notify::AttemptResult;

/// POSTs `body` (JSON) to `url` with `headers`, within `timeout`.
pub async fn post_json(
    url: &str,
    headers: &[(String, String)],
    body: Vec<u8>,
    timeout: Duration,
) -> AttemptResult {
    let client = match reqwest::Client::builder()
        .timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            return AttemptResult::Fatal { error: format!("cannot build an HTTP client: {e}"), status: None };
        }
    };
    let mut map = HeaderMap::new();
    map.insert(reqwest::header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    for (k, v) in headers {
        match (HeaderName::from_bytes(k.as_bytes()), HeaderValue::from_str(v)) {
            (Ok(k), Ok(v)) => {
                map.insert(k, v);
            }
            _ => {
                return AttemptResult::Fatal {
                    error: format!("header {k:?} is not a valid HTTP header"),
                    status: None,
                };
            }
        }
    }
    match client.post(url).headers(map).body(body).send().await {
        Ok(resp) => classify(&resp),
        Err(e) if e.is_timeout() => AttemptResult::Retry {
            error: format!(
                "{} timed out: no answer within {} (check that the URL is right and the receiver is up; \
                 `timeout` in the channel's settings raises the limit)",
                host_of(url),
                crate::time::human_duration(i64::try_from(timeout.as_millis()).unwrap_or(i64::MAX))
            ),
            status: None,
            retry_after: None,
        },
        Err(e) if e.is_builder() => AttemptResult::Fatal { error: format!("bad URL: {e}"), status: None },
        Err(e) if root_cause(&e).contains("certificate") => AttemptResult::Fatal {
            error: format!(
                "{}'s TLS certificate is not trusted ({}): fix the receiver's certificate (flightdeck \
                 never skips verification); retrying would not help",
                host_of(url),
                root_cause(&e)
            ),
            status: None,
        },
        Err(e) => AttemptResult::Retry {
            error: format!("cannot reach {}: {}", host_of(url), root_cause(&e)),
            status: None,
            retry_after: None,
        },
    }
}

fn classify(resp: &reqwest::Response) -> AttemptResult {
    let status = resp.status();
    let code = status.as_u16();
    let line = format!("HTTP {code} {}", status.canonical_reason().unwrap_or(""));
    if status.is_success() {
        return AttemptResult::Delivered(line.trim_end().to_string());
    }
    if status.is_redirection() {
        let to = crate::sanitize::one_line(&crate::http_guard::location(resp)).into_owned();
        let error = format!(
            "{} redirected to {to:?}: redirects are not followed (set the channel's url to the final address)",
            line.trim_end()
        );
        return AttemptResult::Fatal { error, status: Some(code) };
    }
    let retry_after = resp
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if code == 408 || code == 429 || status.is_server_error() {
        AttemptResult::Retry { error: line.trim_end().to_string(), status: Some(code), retry_after }
    } else {
        AttemptResult::Fatal { error: line.trim_end().to_string(), status: Some(code) }
    }
}

fn host_of(url: &str) -> String {
    reqwest::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_else(|| "the server".into())
}

fn root_cause(e: &dyn std::error::Error) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}
