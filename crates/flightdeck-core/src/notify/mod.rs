//! Notifications: people outside the terminal hear when a production deploy waits for approval,
//! fails, is rolled back or finishes, and when an incident opens or resolves.
//!
//! The notifier is one more reader of what runs record: it scans the store's journal for gate and
//! finish events ([`scan`]), renders a message per routed channel ([`message`]), and commits it to an
//! outbox before anything is sent ([`crate::store`]'s `notifications` table, unique per run, event
//! and channel, so nothing reaches a channel twice). [`deliver`] claims due rows with a lease (two
//! processes never send the same row), sends them through their channel ([`webhook`], [`slack`],
//! [`discord`], [`smtp`]) and retries with backoff. A channel failing never fails or blocks the run
//! that raised the event: the delivery log keeps the reason.

use serde::{Deserialize, Serialize};

/// The `[notify]` section's types live in [`crate::config::notify`] (the project config holds them
/// without depending on notifications); re-exported so `notify::config::...` paths keep working.
pub use crate::config::notify as config;
pub mod deliver;
pub mod discord;
pub mod facts;
mod http;
pub mod message;
pub mod notifier;
pub mod scan;
pub mod slack;
pub mod smtp;
pub mod vars;
pub mod webhook;

pub use config::{ChannelConfig, ChannelKind, EventName, NotifyConfig, Route};

/// A rendered message, as stored in the outbox and handed to a channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// The event.
    pub event: EventName,
    /// Subject line (e-mail subject, chat headline).
    pub subject: String,
    /// Plain-text body.
    pub text: String,
    /// The facts behind it (run, workflow, environment, status, gate, ...), sent as JSON by webhooks.
    pub fields: std::collections::BTreeMap<String, String>,
}

/// One delivery handed to a channel: the message and its stable delivery id.
#[derive(Debug, Clone)]
pub struct Delivery<'a> {
    /// Stable across retries (receivers de-duplicate on it).
    pub id: &'a str,
    /// What to send.
    pub message: &'a Message,
}

/// How one attempt went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttemptResult {
    /// The channel took it. The text is the server's reply (HTTP status line, SMTP reply).
    Delivered(String),
    /// A failure worth retrying; `retry_after` is the server's wish, if it said one.
    Retry {
        /// Why.
        error: String,
        /// HTTP status, if any.
        status: Option<u16>,
        /// Seconds the server asked us to wait.
        retry_after: Option<u64>,
    },
    /// A failure that retrying cannot fix (a 404, a refused address, bad config).
    Fatal {
        /// Why.
        error: String,
        /// HTTP status, if any.
        status: Option<u16>,
    },
}
