//! Sending the outbox: claim due rows with a lease, send each through its channel within the
//! channel's attempt timeout, log the attempt and schedule the next one.
//!
//! Retry policy: 2xx delivered; 408, 429, 5xx, timeouts and connection errors retried after
//! 1 s × 2ⁿ (n = attempts so far − 1) plus up to 10 % jitter, capped at 5 min, or after the
//! server's `Retry-After` seconds (also capped); any other 4xx fails at once; after `max_attempts`
//! the row is failed with its last error.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio_util::sync::CancellationToken;

use crate::notify::config::{ChannelConfig, ChannelKind};
use crate::notify::{AttemptResult, Delivery, Message, NotifyConfig, discord, scan, slack, smtp, webhook};
use crate::store::notify::{AttemptOutcome, AttemptRecord, NotificationRecord};
use crate::store::{Store, StoreError};
use crate::time::{Micros, now};
use crate::workflow::template::{Outputs, Scope, Template};

/// Longest wait between attempts.
pub const MAX_DELAY_MS: u64 = 300_000;

/// How much longer than the slowest channel's attempt timeout a claim holds its rows: a process
/// killed mid-attempt delays those rows by about this much, never more.
const LEASE_MARGIN: Duration = Duration::from_secs(5);

/// Rows claimed at once.
const CLAIM: usize = 16;

/// Sends the outbox of one store for one project's channels.
#[derive(Debug, Clone)]
pub struct Sender {
    store: Store,
    config: NotifyConfig,
    templates: Option<PathBuf>,
    owner: String,
    /// Values substituted into channel settings (`{{ secrets.X }}`), kept in memory only.
    secrets: BTreeMap<String, String>,
}

impl Sender {
    /// A sender for `store` with the project's `[notify]` config; `project_dir` anchors the
    /// templates directory.
    pub fn new(store: Store, config: NotifyConfig, project_dir: &std::path::Path) -> Sender {
        let templates = config.templates.as_ref().map(|t| project_dir.join(t));
        let owner = format!("{}:{}:{}", crate::identity::hostname(), std::process::id(), now().0);
        Sender { store, config, templates, owner, secrets: BTreeMap::new() }
    }

    /// Values for `{{ secrets.NAME }}` in channel settings.
    #[must_use]
    pub fn with_secrets(mut self, secrets: BTreeMap<String, String>) -> Sender {
        self.secrets = secrets;
        self
    }

    /// The project's `[notify]` config.
    pub fn config(&self) -> &NotifyConfig {
        &self.config
    }

    /// The template directory, if the project has one.
    pub fn templates(&self) -> Option<&std::path::Path> {
        self.templates.as_deref()
    }

    /// Scans the journal for new events, then sends every due row once. Returns rows attempted.
    pub async fn tick(&self) -> Result<usize, StoreError> {
        if !self.config.routes.is_empty() {
            scan::scan(&self.store, &self.config, self.templates.as_deref()).await?;
        }
        self.send_due().await
    }

    /// Sends every row due now (claimed under this sender's lease), concurrently.
    pub async fn send_due(&self) -> Result<usize, StoreError> {
        let t = now();
        let lease =
            self.config.channels.values().map(ChannelConfig::attempt_timeout).max().unwrap_or_default()
                + LEASE_MARGIN;
        let until = Micros(t.0 + i64::try_from(lease.as_micros()).unwrap_or(i64::MAX));
        let rows = self.store.claim_notifications(&self.owner, t, until, CLAIM).await?;
        let n = rows.len();
        let mut set = tokio::task::JoinSet::new();
        for row in rows {
            let me = self.clone();
            set.spawn(async move { me.attempt(row).await });
        }
        while let Some(r) = set.join_next().await {
            match r {
                Ok(Err(e)) => tracing::warn!("notification attempt not recorded: {e}"),
                Err(e) => tracing::warn!("notification task ended abnormally: {e}"),
                Ok(Ok(())) => {}
            }
        }
        Ok(n)
    }

    /// Sends one row and records the attempt.
    async fn attempt(&self, row: NotificationRecord) -> Result<(), StoreError> {
        let started = now();
        let clock = Instant::now();
        let result = match self.config.channels.get(&row.channel) {
            None => AttemptResult::Fatal {
                error: format!("channel {:?} is no longer configured in [notify.channels]", row.channel),
                status: None,
            },
            Some(ch) => match serde_json::from_str::<Message>(&row.payload) {
                Err(e) => {
                    AttemptResult::Fatal { error: format!("stored message unreadable: {e}"), status: None }
                }
                Ok(msg) => self.send_one(ch, &Delivery { id: &row.key, message: &msg }).await,
            },
        };
        let duration_ms = i64::try_from(clock.elapsed().as_millis()).unwrap_or(i64::MAX);
        let (outcome, record) = judge(&row, &result, started, duration_ms);
        self.store.record_attempt(row.id, record, outcome).await
    }

    /// Sends one delivery through `ch` (settings rendered from `{{ env.* }}` / `{{ secrets.* }}`).
    pub async fn send_one(&self, ch: &ChannelConfig, d: &Delivery<'_>) -> AttemptResult {
        let ch = match self.rendered(ch) {
            Ok(c) => c,
            Err(e) => return AttemptResult::Fatal { error: e, status: None },
        };
        let timeout = ch.attempt_timeout();
        let url = ch.url.clone().unwrap_or_default();
        match ch.kind {
            ChannelKind::Webhook => {
                let headers: Vec<(String, String)> =
                    ch.headers.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
                webhook::send(&url, ch.secret.as_deref(), &headers, d, timeout).await
            }
            ChannelKind::Slack => slack::send(&url, d, timeout).await,
            ChannelKind::Discord => discord::send(&url, d, timeout).await,
            ChannelKind::Smtp => smtp::send(&ch, d, timeout).await,
        }
    }

    fn rendered(&self, ch: &ChannelConfig) -> Result<ChannelConfig, String> {
        let r = |s: &str| self.render_setting(s);
        let mut c = ch.clone();
        c.url = ch.url.as_deref().map(r).transpose()?;
        c.secret = ch.secret.as_deref().map(r).transpose()?;
        c.password = ch.password.as_deref().map(r).transpose()?;
        c.username = ch.username.as_deref().map(r).transpose()?;
        c.server = ch.server.as_deref().map(r).transpose()?;
        c.headers = ch.headers.iter().map(|(k, v)| Ok((k.clone(), r(v)?))).collect::<Result<_, String>>()?;
        if let Some(u) = &c.url
            && !(u.starts_with("http://") || u.starts_with("https://"))
        {
            return Err("the channel's url does not render to an http(s) URL".into());
        }
        Ok(c)
    }

    fn render_setting(&self, text: &str) -> Result<String, String> {
        let empty = BTreeMap::new();
        let outputs = Outputs::new();
        let scope = Scope {
            params: &empty,
            environment: &empty,
            outputs: &outputs,
            step_prefix: None,
            secrets: &self.secrets,
            run: &empty,
        };
        // The error names the variable, never a value.
        Template::new(text).render(&scope, false).map_err(|e| format!("channel setting: {e}"))
    }

    /// Runs until `cancel`: scans and sends every `poll`, and sooner when a retry falls due.
    pub async fn run(&self, cancel: CancellationToken, poll: Duration) {
        loop {
            if let Err(e) = self.tick().await {
                tracing::warn!("notifications: {e}");
            }
            let wait = self.until_next(poll);
            tokio::select! {
                () = cancel.cancelled() => return,
                () = tokio::time::sleep(wait) => {}
            }
        }
    }

    /// Sends until nothing is pending or `limit` has passed. Returns the rows still pending.
    pub async fn flush(&self, limit: Duration) -> Result<usize, StoreError> {
        let deadline = Instant::now() + limit;
        loop {
            self.tick().await?;
            let pending = self.store.notifications(100_000)?.iter().filter(|r| r.state == "pending").count();
            if pending == 0 || Instant::now() >= deadline {
                return Ok(pending);
            }
            let wait = self
                .until_next(Duration::from_millis(200))
                .min(deadline.saturating_duration_since(Instant::now()));
            tokio::time::sleep(wait.max(Duration::from_millis(20))).await;
        }
    }

    fn until_next(&self, poll: Duration) -> Duration {
        match self.store.next_notification_due() {
            Ok(Some(at)) => {
                let ms = u64::try_from(at.millis_since(now()).max(0)).unwrap_or(0);
                poll.min(Duration::from_millis(ms.max(10)))
            }
            _ => poll,
        }
    }
}

/// The next step for a row after `result`, and the attempt to log.
fn judge(
    row: &NotificationRecord,
    result: &AttemptResult,
    at: Micros,
    duration_ms: i64,
) -> (AttemptOutcome, AttemptRecord) {
    let attempts_done = row.attempts + 1;
    let rec = |status, reply: Option<String>, error: Option<String>| AttemptRecord {
        at,
        status,
        reply,
        error,
        duration_ms,
    };
    match result {
        AttemptResult::Delivered(reply) => {
            (AttemptOutcome::Delivered, rec(status_of(reply), Some(shown(reply)), None))
        }
        AttemptResult::Fatal { error, status } => {
            (AttemptOutcome::Failed, rec(*status, None, Some(shown(error))))
        }
        AttemptResult::Retry { error, status, retry_after } => {
            if attempts_done >= row.max_attempts {
                let e = format!("{} (gave up after {attempts_done} attempts)", shown(error));
                return (AttemptOutcome::Failed, rec(*status, None, Some(e)));
            }
            let ms = retry_after.map_or_else(
                || backoff_ms(attempts_done, jitter_seed()),
                |s| s.saturating_mul(1000).min(MAX_DELAY_MS),
            );
            let next = Micros(now().0 + i64::try_from(ms * 1000).unwrap_or(i64::MAX));
            (AttemptOutcome::RetryAt(next), rec(*status, None, Some(shown(error))))
        }
    }
}

/// Longest server reply or error kept for an attempt (a hostile server's text is cut here).
const MAX_REPLY_CHARS: usize = 1000;

/// A server's reply or an error as stored: one line, control and bidi characters made visible
/// (it is shown on consoles and in `notify list`), at most [`MAX_REPLY_CHARS`] characters.
fn shown(text: &str) -> String {
    let line = crate::sanitize::one_line(text);
    match line.char_indices().nth(MAX_REPLY_CHARS) {
        Some((i, _)) => format!("{}… (cut)", &line[..i]),
        None => line.into_owned(),
    }
}

/// Delay before attempt `done + 1`: 1 s × 2^(done − 1), capped at 5 min, plus `seed` mod 10 %.
pub fn backoff_ms(done: u32, seed: u64) -> u64 {
    let base = 1000u64.saturating_mul(1u64 << done.saturating_sub(1).min(20)).min(MAX_DELAY_MS);
    let jitter = if base >= 10 { seed % (base / 10) } else { 0 };
    (base + jitter).min(MAX_DELAY_MS)
}

fn jitter_seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_i64(now().0);
    h.finish()
}

fn status_of(reply: &str) -> Option<u16> {
    reply.strip_prefix("HTTP ").and_then(|r| r.split(' ').next()).and_then(|c| c.parse().ok())
}

/// The facts of a stored message, for listings (`fields` of its JSON payload).
pub fn payload_fields(payload: &str) -> BTreeMap<String, Value> {
    serde_json::from_str::<Value>(payload)
        .ok()
        .and_then(|v| v.get("fields").and_then(Value::as_object).cloned())
        .map(|m| m.into_iter().collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_one_second_with_at_most_ten_percent_jitter_and_caps_at_five_minutes() {
        assert_eq!(backoff_ms(1, 0), 1000);
        assert_eq!(backoff_ms(2, 0), 2000);
        assert_eq!(backoff_ms(3, 0), 4000);
        assert_eq!(backoff_ms(1, 99), 1099);
        assert_eq!(backoff_ms(1, 100), 1000, "jitter is seed mod 10 % of the base");
        assert_eq!(backoff_ms(9, 0), 256_000);
        assert_eq!(backoff_ms(10, 0), MAX_DELAY_MS);
        assert_eq!(backoff_ms(40, u64::MAX), MAX_DELAY_MS);
    }

    #[test]
    fn http_status_is_read_from_the_reply_line() {
        assert_eq!(status_of("HTTP 204 No Content"), Some(204));
        assert_eq!(status_of("250 2.0.0 accepted"), None);
    }
}
