//! The generic webhook channel: the message as JSON, signed so the receiver can trust it.
//!
//! Headers: `X-Flightdeck-Delivery` (stable across retries), `X-Flightdeck-Timestamp` (Unix
//! seconds), and, when the channel has a `secret`, `X-Flightdeck-Signature: sha256=HEX` where HEX is
//! HMAC-SHA256 under the secret of `timestamp "." body`. Receivers recompute it over the raw body
//! and reject a stale timestamp.

use std::time::Duration;

use hmac::{Hmac, Mac};
use serde_json::json;
use sha2::Sha256;

use crate::notify::{AttemptResult, Delivery, http};

/// The signature header's value for `body` sent at `timestamp` under `secret`.
pub fn signature(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else {
        // HMAC takes keys of any length; this arm is unreachable in practice.
        return String::new();
    };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// The JSON body of a delivery.
pub fn body(d: &Delivery<'_>) -> Vec<u8> {
    let m = d.message;
    let v = json!({
        "delivery": d.id,
        "event": m.event,
        "subject": m.subject,
        "text": m.text,
        "fields": m.fields,
    });
    serde_json::to_vec(&v).unwrap_or_default()
}

/// Sends one delivery.
pub async fn send(
    url: &str,
    secret: Option<&str>,
    extra: &[(String, String)],
    d: &Delivery<'_>,
    timeout: Duration,
) -> AttemptResult {
    let body = body(d);
    let ts = jiff::Timestamp::now().as_second();
    let mut headers = extra.to_vec();
    headers.push(("X-Flightdeck-Delivery".into(), d.id.to_string()));
    headers.push(("X-Flightdeck-Timestamp".into(), ts.to_string()));
    if let Some(s) = secret {
        headers.push(("X-Flightdeck-Signature".into(), signature(s.as_bytes(), ts, &body)));
    }
    http::post_json(url, &headers, body, timeout).await
}
