//! The Discord-shaped channel: a webhook body with `content` and one embed holding the subject,
//! the text and the facts.

use std::time::Duration;

use serde_json::{Value, json};

use crate::notify::slack::truncate;
use crate::notify::{AttemptResult, Delivery, EventName, http};

/// The JSON body Discord's webhooks take.
pub fn body(d: &Delivery<'_>) -> Value {
    let m = d.message;
    let fields: Vec<Value> = m
        .fields
        .iter()
        .filter(|(k, _)| ["workflow", "environment", "status", "run", "gate"].contains(&k.as_str()))
        .map(|(k, v)| json!({ "name": k, "value": truncate(v, 1024), "inline": true }))
        .collect();
    json!({
        "content": truncate(&m.subject, 2000),
        "embeds": [{
            "title": truncate(&m.subject, 256),
            "description": truncate(&m.text, 4096),
            "color": colour(m.event),
            "fields": fields,
        }],
        "allowed_mentions": { "parse": [] },
    })
}

fn colour(e: EventName) -> u32 {
    match e {
        EventName::Failed | EventName::IncidentOpened => 0x00d7_3a49,
        EventName::RolledBack | EventName::ApprovalWaiting => 0x00db_ab09,
        EventName::Finished | EventName::IncidentResolved => 0x0028_a745,
        EventName::Message | EventName::Test => 0x0058_6069,
    }
}

/// Sends one delivery.
pub async fn send(url: &str, d: &Delivery<'_>, timeout: Duration) -> AttemptResult {
    let headers = vec![("X-Flightdeck-Delivery".to_string(), d.id.to_string())];
    http::post_json(url, &headers, serde_json::to_vec(&body(d)).unwrap_or_default(), timeout).await
}
