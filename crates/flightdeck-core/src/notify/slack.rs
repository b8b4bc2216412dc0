//! The Slack-shaped channel: an incoming-webhook body with `text` (the fallback shown in
//! notifications) and `blocks` (a header, the text, and the facts as fields).

use std::time::Duration;

use serde_json::{Value, json};

use crate::notify::{AttemptResult, Delivery, http};

/// The JSON body Slack's incoming webhooks take.
pub fn body(d: &Delivery<'_>) -> Value {
    let m = d.message;
    let fields: Vec<Value> = m
        .fields
        .iter()
        .filter(|(k, _)| ["workflow", "environment", "status", "run", "gate"].contains(&k.as_str()))
        .map(|(k, v)| json!({ "type": "mrkdwn", "text": format!("*{k}*\n{v}") }))
        .collect();
    let mut blocks = vec![
        json!({ "type": "header", "text": { "type": "plain_text", "text": truncate(&m.subject, 150) } }),
        json!({ "type": "section", "text": { "type": "mrkdwn", "text": truncate(&m.text, 3000) } }),
    ];
    if !fields.is_empty() {
        blocks.push(json!({ "type": "section", "fields": fields }));
    }
    json!({ "text": format!("{}\n{}", m.subject, m.text), "blocks": blocks })
}

/// Sends one delivery.
pub async fn send(url: &str, d: &Delivery<'_>, timeout: Duration) -> AttemptResult {
    let headers = vec![("X-Flightdeck-Delivery".to_string(), d.id.to_string())];
    http::post_json(url, &headers, serde_json::to_vec(&body(d)).unwrap_or_default(), timeout).await
}

/// At most `max` characters (Slack rejects longer block texts).
pub(crate) fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}
