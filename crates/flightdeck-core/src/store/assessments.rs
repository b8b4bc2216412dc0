//! Readiness assessments: each computed assessment (`assessments`, with its full report as JSON)
//! and item states (`assessment_items`): the operator's settings (no assessment) and each
//! assessment's copy of every item, for history and trends. Also the read-only queries the
//! evidence rules make over other capabilities' tables (monitor states, backups, load baselines).

use rusqlite::{OptionalExtension, Row, params};
use serde::{Deserialize, Serialize};

use super::{SqliteContext, Store, StoreError};
use crate::time::Micros;

/// Schema: assessments and item states.
pub(crate) const V_ASSESSMENTS: &str = "
CREATE TABLE assessments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    environment TEXT NOT NULL,
    overall INTEGER,
    coverage INTEGER,
    ready INTEGER NOT NULL,
    report TEXT NOT NULL
);
CREATE INDEX assessments_env ON assessments (environment, at);
CREATE TABLE assessment_items (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    assessment INTEGER REFERENCES assessments (id) ON DELETE CASCADE,
    environment TEXT NOT NULL,
    item TEXT NOT NULL,
    state TEXT NOT NULL,
    source TEXT NOT NULL,
    note TEXT,
    detail TEXT,
    actor TEXT,
    at INTEGER NOT NULL
);
CREATE INDEX assessment_items_item ON assessment_items (environment, item, at);
CREATE TABLE alerts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    received_at INTEGER NOT NULL,
    fingerprint TEXT NOT NULL,
    alertname TEXT NOT NULL,
    monitor TEXT,
    status TEXT NOT NULL,
    summary TEXT,
    starts_at TEXT NOT NULL,
    ends_at TEXT NOT NULL
);
CREATE INDEX alerts_received ON alerts (received_at);
";

/// An alert received from Alertmanager's webhook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertRecord {
    /// Row id (ignored when adding).
    pub id: i64,
    /// When flightdeck received it.
    pub received_at: Micros,
    /// Alertmanager's fingerprint.
    pub fingerprint: String,
    /// `alertname` label.
    pub alertname: String,
    /// `monitor` label.
    pub monitor: Option<String>,
    /// `firing` or `resolved`.
    pub status: String,
    /// `summary` annotation.
    pub summary: Option<String>,
    /// `startsAt` as sent.
    pub starts_at: String,
    /// `endsAt` as sent.
    pub ends_at: String,
}

/// An item state as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemStateRecord {
    /// Item id.
    pub item: String,
    /// `pass`, `partial`, `fail`, `n/a`, `unknown`.
    pub state: String,
    /// `operator`, `evidence`, `config`, `none`.
    pub source: String,
    /// Operator's note.
    pub note: Option<String>,
    /// Evidence detail.
    pub detail: Option<String>,
    /// Who set it.
    pub actor: Option<String>,
    /// When.
    pub at: Micros,
}

/// One stored assessment (without its report).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssessmentRecord {
    /// Row id.
    pub id: i64,
    /// When.
    pub at: Micros,
    /// Environment.
    pub environment: String,
    /// Overall score.
    pub overall: Option<u32>,
    /// Coverage percent.
    pub coverage: Option<u32>,
    /// Ready.
    pub ready: bool,
}

impl Store {
    /// Records an operator's state for an item of `environment`.
    pub async fn set_assessment_item(
        &self,
        environment: &str,
        r: &ItemStateRecord,
    ) -> Result<(), StoreError> {
        let (env, r) = (environment.to_string(), r.clone());
        self.write("recording an assessment item", move |tx| {
            tx.execute(
                "INSERT INTO assessment_items (assessment, environment, item, state, source, note, detail, actor, at) \
                 VALUES (NULL, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![env, r.item, r.state, r.source, r.note, r.detail, r.actor, r.at.0],
            )
            .ctx(&format!("recording assessment item {}", r.item))?;
            Ok(())
        })
        .await
    }

    /// The newest operator state of each item of `environment`.
    pub fn operator_item_states(&self, environment: &str) -> Result<Vec<ItemStateRecord>, StoreError> {
        let what = "reading operator assessment states";
        let conn = self.reader();
        let mut stmt = conn
            .prepare_cached(
                "SELECT item, state, source, note, detail, actor, at FROM assessment_items a \
                 WHERE assessment IS NULL AND environment = ?1 AND id = (SELECT MAX(id) FROM assessment_items b \
                 WHERE b.assessment IS NULL AND b.environment = a.environment AND b.item = a.item) ORDER BY item",
            )
            .ctx(what)?;
        let rows = stmt.query_map([environment], item_from_row).ctx(what)?;
        rows.collect::<Result<_, _>>().ctx(what)
    }

    /// Stores a computed assessment with its items; returns its id.
    pub async fn save_assessment(
        &self,
        rec: &AssessmentRecord,
        report_json: String,
        items: Vec<ItemStateRecord>,
    ) -> Result<i64, StoreError> {
        let rec = rec.clone();
        self.write("saving an assessment", move |tx| {
            tx.execute(
                "INSERT INTO assessments (at, environment, overall, coverage, ready, report) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![rec.at.0, rec.environment, rec.overall, rec.coverage, rec.ready, report_json],
            )
            .ctx("saving an assessment")?;
            let id = tx.last_insert_rowid();
            let mut stmt = tx
                .prepare_cached(
                    "INSERT INTO assessment_items (assessment, environment, item, state, source, note, detail, actor, at) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                )
                .ctx("saving assessment items")?;
            for r in items {
                stmt.execute(params![id, rec.environment, r.item, r.state, r.source, r.note, r.detail, r.actor, r.at.0])
                    .ctx("saving assessment items")?;
            }
            Ok(id)
        })
        .await
    }

    /// Stored assessments, newest first (of one environment if given), at most `limit` (0: all).
    pub fn assessments(
        &self,
        environment: Option<&str>,
        limit: usize,
    ) -> Result<Vec<AssessmentRecord>, StoreError> {
        let what = "reading assessments";
        let conn = self.reader();
        let limit = if limit == 0 { -1 } else { i64::try_from(limit).unwrap_or(i64::MAX) };
        let mut stmt = conn
            .prepare_cached(
                "SELECT id, at, environment, overall, coverage, ready FROM assessments \
                 WHERE ?1 IS NULL OR environment = ?1 ORDER BY id DESC LIMIT ?2",
            )
            .ctx(what)?;
        let rows = stmt
            .query_map(params![environment, limit], |r| {
                Ok(AssessmentRecord {
                    id: r.get(0)?,
                    at: Micros(r.get(1)?),
                    environment: r.get(2)?,
                    overall: r.get(3)?,
                    coverage: r.get(4)?,
                    ready: r.get(5)?,
                })
            })
            .ctx(what)?;
        rows.collect::<Result<_, _>>().ctx(what)
    }

    /// The report JSON of the newest assessment (of one environment if given).
    pub fn latest_assessment_report(&self, environment: Option<&str>) -> Result<Option<String>, StoreError> {
        let conn = self.reader();
        conn.query_row(
            "SELECT report FROM assessments WHERE ?1 IS NULL OR environment = ?1 ORDER BY id DESC LIMIT 1",
            [environment],
            |r| r.get(0),
        )
        .optional()
        .ctx("reading the latest assessment")
    }

    /// The newest state (`UP`, `DOWN`, ...) of each monitor in `environment`, with its time.
    pub fn monitor_states(&self, environment: &str) -> Result<Vec<(String, String, Micros)>, StoreError> {
        let what = "reading monitor states";
        let conn = self.reader();
        let mut stmt = conn
            .prepare_cached(
                "SELECT monitor, to_state, at FROM health_transitions h WHERE environment = ?1 AND id = \
                 (SELECT MAX(id) FROM health_transitions g WHERE g.environment = h.environment AND g.monitor = h.monitor)",
            )
            .ctx(what)?;
        let rows =
            stmt.query_map([environment], |r| Ok((r.get(0)?, r.get(1)?, Micros(r.get(2)?)))).ctx(what)?;
        rows.collect::<Result<_, _>>().ctx(what)
    }

    /// Whether a table exists (capabilities of other branches may not have landed).
    pub fn has_table(&self, name: &str) -> Result<bool, StoreError> {
        let conn = self.reader();
        conn.query_row("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?1", [name], |r| {
            r.get::<_, i64>(0)
        })
        .map(|n| n > 0)
        .ctx("reading the schema")
    }

    /// The newest `verified_at` of the `backups` table: `Err` when the table or column is absent.
    pub fn newest_verified_backup(&self) -> Result<Option<Micros>, StoreError> {
        let conn = self.reader();
        conn.query_row(
            "SELECT MAX(verified_at) FROM backups WHERE verify_ok = 1 AND pruned_at IS NULL",
            [],
            |r| r.get::<_, Option<i64>>(0),
        )
        .map(|v| v.map(Micros))
        .ctx("reading verified backups")
    }

    /// How many backups flightdeck has recorded (pruned ones included).
    pub fn backup_count(&self) -> Result<i64, StoreError> {
        let conn = self.reader();
        conn.query_row("SELECT COUNT(*) FROM backups", [], |r| r.get(0)).ctx("counting backups")
    }

    /// Each load baseline: name, URL, and whether the newest result for its URL passed.
    pub fn baseline_status(&self) -> Result<Vec<(String, String, bool)>, StoreError> {
        let what = "reading load baselines";
        let conn = self.reader();
        let mut stmt = conn
            .prepare_cached(
                "SELECT b.name, r.url, (SELECT passed FROM load_results n WHERE n.url = r.url ORDER BY at DESC, id DESC LIMIT 1) \
                 FROM load_baselines b JOIN load_results r ON r.id = b.result ORDER BY b.name",
            )
            .ctx(what)?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).ctx(what)?;
        rows.collect::<Result<_, _>>().ctx(what)
    }
}

impl Store {
    /// Stores a received alert.
    pub async fn add_alert(&self, a: &AlertRecord) -> Result<i64, StoreError> {
        let a = a.clone();
        self.write("recording an alert", move |tx| {
            tx.execute(
                "INSERT INTO alerts (received_at, fingerprint, alertname, monitor, status, summary, starts_at, ends_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![a.received_at.0, a.fingerprint, a.alertname, a.monitor, a.status, a.summary, a.starts_at, a.ends_at],
            )
            .ctx("recording an alert")?;
            Ok(tx.last_insert_rowid())
        })
        .await
    }

    /// Stores `alerts` in one transaction and drops all but the newest `keep` alerts, so a flood
    /// of webhooks cannot grow the store without bound.
    pub async fn add_alerts(&self, alerts: Vec<AlertRecord>, keep: i64) -> Result<(), StoreError> {
        self.write("recording alerts", move |tx| {
            for a in &alerts {
                tx.execute(
                    "INSERT INTO alerts (received_at, fingerprint, alertname, monitor, status, summary, starts_at, ends_at) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                    params![a.received_at.0, a.fingerprint, a.alertname, a.monitor, a.status, a.summary, a.starts_at, a.ends_at],
                )
                .ctx("recording an alert")?;
            }
            tx.execute("DELETE FROM alerts WHERE id <= (SELECT MAX(id) FROM alerts) - ?1", params![keep])
                .ctx("dropping the oldest alerts")?;
            Ok(())
        })
        .await
    }

    /// The newest `limit` received alerts, newest first.
    pub fn alerts(&self, limit: usize) -> Result<Vec<AlertRecord>, StoreError> {
        let what = "reading alerts";
        let conn = self.reader();
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut stmt = conn
            .prepare_cached(
                "SELECT id, received_at, fingerprint, alertname, monitor, status, summary, starts_at, ends_at \
                 FROM alerts ORDER BY id DESC LIMIT ?1",
            )
            .ctx(what)?;
        let rows = stmt
            .query_map([limit], |r| {
                Ok(AlertRecord {
                    id: r.get(0)?,
                    received_at: Micros(r.get(1)?),
                    fingerprint: r.get(2)?,
                    alertname: r.get(3)?,
                    monitor: r.get(4)?,
                    status: r.get(5)?,
                    summary: r.get(6)?,
                    starts_at: r.get(7)?,
                    ends_at: r.get(8)?,
                })
            })
            .ctx(what)?;
        rows.collect::<Result<_, _>>().ctx(what)
    }
}

fn item_from_row(r: &Row<'_>) -> rusqlite::Result<ItemStateRecord> {
    Ok(ItemStateRecord {
        item: r.get(0)?,
        state: r.get(1)?,
        source: r.get(2)?,
        note: r.get(3)?,
        detail: r.get(4)?,
        actor: r.get(5)?,
        at: Micros(r.get(6)?),
    })
}
