//! The notification outbox: a notification is committed before it is sent, its key (run, event,
//! channel) is unique so nothing is queued twice, a sender claims rows with a lease so two
//! processes never send the same one, and every attempt is logged.

use rusqlite::{OptionalExtension, Row, params};

use super::{SqliteContext, Store, StoreError};
use crate::time::Micros;

/// Schema: the outbox, its attempts, and the journal cursor of the scanner (started at the end of
/// the journal, so old runs are never announced).
pub(crate) const V_NOTIFY: &str = "
CREATE TABLE notifications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL UNIQUE,
    run TEXT,
    event TEXT NOT NULL,
    channel TEXT NOT NULL,
    subject TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL,
    next_at INTEGER NOT NULL,
    lease_owner TEXT,
    lease_until INTEGER,
    last_error TEXT,
    created_at INTEGER NOT NULL,
    delivered_at INTEGER
);
CREATE INDEX notifications_due ON notifications (state, next_at);
CREATE TABLE notification_attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    notification INTEGER NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
    at INTEGER NOT NULL,
    status INTEGER,
    reply TEXT,
    error TEXT,
    duration_ms INTEGER NOT NULL
);
INSERT OR REPLACE INTO meta (key, value)
    VALUES ('notify.journal_cursor', (SELECT CAST(COALESCE(MAX(rowid), 0) AS TEXT) FROM journal));
";

/// A notification to queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewNotification {
    /// Unique key: `RUN/LIFE.SEQ/CHANNEL`, `incident/ID/EVENT/CHANNEL`, ...
    pub key: String,
    /// The run it is about, if any.
    pub run: Option<String>,
    /// Event name.
    pub event: String,
    /// Channel name (never its URL).
    pub channel: String,
    /// Subject line.
    pub subject: String,
    /// The rendered message as JSON (already redacted).
    pub payload: String,
    /// Attempts before it is marked failed.
    pub max_attempts: u32,
}

/// A row of the outbox.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct NotificationRecord {
    /// Row id.
    pub id: i64,
    /// Unique key (also the delivery id sent to receivers).
    pub key: String,
    /// The run, if any.
    pub run: Option<String>,
    /// Event name.
    pub event: String,
    /// Channel name.
    pub channel: String,
    /// Subject.
    pub subject: String,
    /// Rendered message (JSON).
    #[serde(skip, default)]
    pub payload: String,
    /// `pending`, `delivered` or `failed`.
    pub state: String,
    /// Attempts made.
    pub attempts: u32,
    /// Attempts allowed.
    pub max_attempts: u32,
    /// Next attempt (pending rows).
    pub next_at: Micros,
    /// Last error.
    pub last_error: Option<String>,
    /// Queued at.
    pub created_at: Micros,
    /// Delivered at.
    pub delivered_at: Option<Micros>,
}

/// One attempt, as logged.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AttemptRecord {
    /// When it began.
    pub at: Micros,
    /// HTTP status, if any.
    pub status: Option<u16>,
    /// Server reply (HTTP status line, SMTP reply).
    pub reply: Option<String>,
    /// Error, if it failed.
    pub error: Option<String>,
    /// How long it took.
    pub duration_ms: i64,
}

/// What an attempt decided for its row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttemptOutcome {
    /// Delivered.
    Delivered,
    /// Try again at this time.
    RetryAt(Micros),
    /// Give up.
    Failed,
}

const COLS: &str = "id, key, run, event, channel, subject, payload, state, attempts, max_attempts, next_at, last_error, created_at, delivered_at";

impl Store {
    /// Queues notifications (those whose key exists are ignored) and, when `cursor` is given, moves
    /// the journal scanner's cursor to it, in one transaction. Returns how many were new.
    pub async fn enqueue_notifications(
        &self,
        rows: Vec<NewNotification>,
        cursor: Option<i64>,
    ) -> Result<usize, StoreError> {
        self.write("queueing notifications", move |tx| {
            let now = crate::time::now().0;
            let mut added = 0;
            for n in &rows {
                added += tx
                    .execute(
                        "INSERT OR IGNORE INTO notifications (key, run, event, channel, subject, payload, state, max_attempts, next_at, created_at) \
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'pending', ?7, ?8, ?8)",
                        params![n.key, n.run, n.event, n.channel, n.subject, n.payload, n.max_attempts, now],
                    )
                    .ctx(&format!("queueing notification {}", n.key))?;
            }
            if let Some(c) = cursor {
                tx.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('notify.journal_cursor', ?1)", params![c.to_string()])
                    .ctx("moving the notification cursor")?;
            }
            Ok(added)
        })
        .await
    }

    /// The journal scanner's cursor (a journal rowid).
    pub fn notify_cursor(&self) -> Result<i64, StoreError> {
        let conn = self.reader();
        let v: Option<String> = conn
            .query_row("SELECT value FROM meta WHERE key = 'notify.journal_cursor'", [], |r| r.get(0))
            .optional()
            .ctx("reading the notification cursor")?;
        Ok(v.and_then(|s| s.parse().ok()).unwrap_or(0))
    }

    /// Journal rows after `cursor` whose event is one of `kinds`: (rowid, run, event JSON), oldest first.
    pub fn journal_after(
        &self,
        cursor: i64,
        kinds: &[&str],
        limit: usize,
    ) -> Result<Vec<(i64, String, String)>, StoreError> {
        let conn = self.reader();
        let list = kinds.iter().map(|k| format!("'{}'", k.replace('\'', ""))).collect::<Vec<_>>().join(", ");
        let sql = format!(
            "SELECT rowid, run, event FROM journal WHERE rowid > ?1 AND json_extract(event, '$.event') IN ({list}) ORDER BY rowid LIMIT ?2"
        );
        let mut stmt = conn.prepare(&sql).ctx("scanning the journal")?;
        let rows = stmt
            .query_map(params![cursor, i64::try_from(limit).unwrap_or(i64::MAX)], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .ctx("scanning the journal")?;
        rows.collect::<rusqlite::Result<Vec<_>>>().ctx("scanning the journal")
    }

    /// The highest journal rowid (the scanner's end).
    pub fn journal_end(&self) -> Result<i64, StoreError> {
        let conn = self.reader();
        conn.query_row("SELECT COALESCE(MAX(rowid), 0) FROM journal", [], |r| r.get(0))
            .ctx("reading the journal's end")
    }

    /// Claims up to `limit` due pending rows for `owner` until `lease_until`; no other claimer gets
    /// them before the lease runs out.
    pub async fn claim_notifications(
        &self,
        owner: &str,
        now: Micros,
        lease_until: Micros,
        limit: usize,
    ) -> Result<Vec<NotificationRecord>, StoreError> {
        let owner = owner.to_string();
        self.write("claiming notifications", move |tx| {
            let ids: Vec<i64> = {
                let mut stmt = tx
                    .prepare(
                        "SELECT id FROM notifications WHERE state = 'pending' AND next_at <= ?1 \
                         AND (lease_until IS NULL OR lease_until < ?1) ORDER BY next_at, id LIMIT ?2",
                    )
                    .ctx("finding due notifications")?;
                let rows = stmt
                    .query_map(params![now.0, i64::try_from(limit).unwrap_or(i64::MAX)], |r| r.get(0))
                    .ctx("finding due notifications")?;
                rows.collect::<rusqlite::Result<Vec<i64>>>().ctx("finding due notifications")?
            };
            let mut out = Vec::new();
            for id in ids {
                tx.execute(
                    "UPDATE notifications SET lease_owner = ?2, lease_until = ?3 WHERE id = ?1",
                    params![id, owner, lease_until.0],
                )
                .ctx("claiming a notification")?;
                let rec = tx
                    .query_row(
                        &format!("SELECT {COLS} FROM notifications WHERE id = ?1"),
                        params![id],
                        record,
                    )
                    .ctx("reading a claimed notification")?;
                out.push(rec);
            }
            Ok(out)
        })
        .await
    }

    /// Logs one attempt and applies its outcome, releasing the lease, in one transaction.
    pub async fn record_attempt(
        &self,
        id: i64,
        attempt: AttemptRecord,
        outcome: AttemptOutcome,
    ) -> Result<(), StoreError> {
        self.write("recording a notification attempt", move |tx| {
            tx.execute(
                "INSERT INTO notification_attempts (notification, at, status, reply, error, duration_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![id, attempt.at.0, attempt.status, attempt.reply, attempt.error, attempt.duration_ms],
            )
            .ctx("logging a notification attempt")?;
            let (state, next, delivered) = match outcome {
                AttemptOutcome::Delivered => ("delivered", None, Some(crate::time::now().0)),
                AttemptOutcome::RetryAt(at) => ("pending", Some(at.0), None),
                AttemptOutcome::Failed => ("failed", None, None),
            };
            tx.execute(
                "UPDATE notifications SET attempts = attempts + 1, state = ?2, next_at = COALESCE(?3, next_at), \
                 delivered_at = ?4, last_error = ?5, lease_owner = NULL, lease_until = NULL WHERE id = ?1",
                params![id, state, next, delivered, attempt.error],
            )
            .ctx("updating a notification")?;
            Ok(())
        })
        .await
    }

    /// Puts a delivered or failed notification back in the queue, due now. False if there is none.
    pub async fn resend_notification(&self, id: i64) -> Result<bool, StoreError> {
        self.write("re-queueing a notification", move |tx| {
            let n = tx
                .execute(
                    "UPDATE notifications SET state = 'pending', attempts = 0, next_at = ?2, lease_owner = NULL, lease_until = NULL WHERE id = ?1",
                    params![id, crate::time::now().0],
                )
                .ctx("re-queueing a notification")?;
            Ok(n > 0)
        })
        .await
    }

    /// The newest notifications first (at most `limit`).
    pub fn notifications(&self, limit: usize) -> Result<Vec<NotificationRecord>, StoreError> {
        let conn = self.reader();
        let mut stmt = conn
            .prepare(&format!("SELECT {COLS} FROM notifications ORDER BY id DESC LIMIT ?1"))
            .ctx("listing notifications")?;
        let rows = stmt
            .query_map(params![i64::try_from(limit).unwrap_or(i64::MAX)], record)
            .ctx("listing notifications")?;
        rows.collect::<rusqlite::Result<Vec<_>>>().ctx("listing notifications")
    }

    /// One notification by id.
    pub fn notification(&self, id: i64) -> Result<Option<NotificationRecord>, StoreError> {
        let conn = self.reader();
        conn.query_row(&format!("SELECT {COLS} FROM notifications WHERE id = ?1"), params![id], record)
            .optional()
            .ctx("reading a notification")
    }

    /// The attempts of one notification, oldest first.
    pub fn notification_attempts(&self, id: i64) -> Result<Vec<AttemptRecord>, StoreError> {
        let conn = self.reader();
        let mut stmt = conn
            .prepare("SELECT at, status, reply, error, duration_ms FROM notification_attempts WHERE notification = ?1 ORDER BY id")
            .ctx("reading notification attempts")?;
        let rows = stmt
            .query_map(params![id], |r| {
                Ok(AttemptRecord {
                    at: Micros(r.get(0)?),
                    status: r.get(1)?,
                    reply: r.get(2)?,
                    error: r.get(3)?,
                    duration_ms: r.get(4)?,
                })
            })
            .ctx("reading notification attempts")?;
        rows.collect::<rusqlite::Result<Vec<_>>>().ctx("reading notification attempts")
    }

    /// The soonest next attempt among pending rows, if any.
    pub fn next_notification_due(&self) -> Result<Option<Micros>, StoreError> {
        let conn = self.reader();
        let v: Option<i64> = conn
            .query_row("SELECT MIN(MAX(next_at, COALESCE(lease_until, 0))) FROM notifications WHERE state = 'pending'", [], |r| r.get(0))
            .ctx("reading the notification queue")?;
        Ok(v.map(Micros))
    }
}

fn record(r: &Row<'_>) -> rusqlite::Result<NotificationRecord> {
    Ok(NotificationRecord {
        id: r.get(0)?,
        key: r.get(1)?,
        run: r.get(2)?,
        event: r.get(3)?,
        channel: r.get(4)?,
        subject: r.get(5)?,
        payload: r.get(6)?,
        state: r.get(7)?,
        attempts: r.get(8)?,
        max_attempts: r.get(9)?,
        next_at: Micros(r.get(10)?),
        last_error: r.get(11)?,
        created_at: Micros(r.get(12)?),
        delivered_at: r.get::<_, Option<i64>>(13)?.map(Micros),
    })
}
