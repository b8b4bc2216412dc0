//! Incident events (append-only; each written with its audit entry in one transaction, and the
//! incident's row updated in the same transaction) and the runs linked to an incident.

use rusqlite::{Row, params};

use super::incident_records::{EventKind, IncidentChange, IncidentEvent};
use super::{NewAudit, SqliteContext, Store, StoreError};
use crate::identity::Operator;

/// The migration that adds `incident_events`.
pub const V_INCIDENT_EVENTS: &str = "
CREATE TABLE incident_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    incident TEXT NOT NULL,
    at INTEGER NOT NULL,
    uid INTEGER NOT NULL,
    actor TEXT NOT NULL,
    kind TEXT NOT NULL,
    text TEXT NOT NULL,
    data TEXT NOT NULL,
    late INTEGER NOT NULL
);
CREATE INDEX incident_events_incident ON incident_events (incident, id);
CREATE TRIGGER incident_events_no_update BEFORE UPDATE ON incident_events
    BEGIN SELECT RAISE(ABORT, 'incident events are append-only'); END;
CREATE TRIGGER incident_events_no_delete BEFORE DELETE ON incident_events
    BEGIN SELECT RAISE(ABORT, 'incident events are append-only'); END;
";

const COLS: &str = "id, incident, at, uid, actor, kind, text, data, late";

impl Store {
    /// Applies `change` by `who`: upserts the incident row, appends the event and its audit entry
    /// (`incident.<kind>`), all in one transaction. Returns the stored event.
    pub async fn apply_incident_change(
        &self,
        change: &IncidentChange,
        who: &Operator,
    ) -> Result<IncidentEvent, StoreError> {
        let key = super::chainkey::load_or_create_key(self.data_dir())?;
        let (c, who) = (change.clone(), who.clone());
        let i = c.incident.clone();
        let (event, rec) = self
            .write("recording an incident event", move |tx| {
                super::incidents::upsert(tx, &i)?;
                let data = serde_json::to_string(&c.data)
                    .map_err(|source| StoreError::Json { what: "incident event data".into(), source })?;
                tx.execute(
                    "INSERT INTO incident_events (incident, at, uid, actor, kind, text, data, late) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                    params![i.id, c.at.0, who.uid, who.name, c.kind.as_str(), c.text, data, c.late],
                )
                .ctx(&format!("recording an event of incident {}", i.id))?;
                let id = tx.last_insert_rowid();
                let detail =
                    serde_json::json!({ "incident": i.id, "text": c.text, "data": c.data, "late": c.late });
                let audit = NewAudit {
                    at: c.at,
                    uid: who.uid,
                    actor: who.name.clone(),
                    action: format!("incident.{}", c.kind.as_str()),
                    run: (c.kind == EventKind::LinkedRun).then(|| c.text.clone()),
                    detail,
                };
                let rec = super::audit::append(tx, &key, audit)?;
                let event = IncidentEvent {
                    id,
                    incident: i.id.clone(),
                    at: c.at,
                    uid: who.uid,
                    actor: who.name.clone(),
                    kind: c.kind,
                    text: c.text.clone(),
                    data: c.data.clone(),
                    late: c.late,
                };
                Ok((event, rec))
            })
            .await?;
        self.head_after_commit(rec.seq, &rec.hash);
        Ok(event)
    }

    /// An incident's events, oldest first.
    pub fn incident_events(&self, incident: &str) -> Result<Vec<IncidentEvent>, StoreError> {
        let what = format!("reading the events of incident {incident}");
        let conn = self.reader();
        let mut stmt = conn
            .prepare_cached(&format!(
                "SELECT {COLS} FROM incident_events WHERE incident = ?1 ORDER BY at, id"
            ))
            .ctx(&what)?;
        let rows = stmt.query_map([incident], event_from_row).ctx(&what)?;
        rows.collect::<Result<_, _>>().ctx(&what)
    }

    /// The highest incident event id (0 when none): a cheap change marker for pollers.
    pub fn incident_events_mark(&self) -> Result<i64, StoreError> {
        let what = "reading the newest incident event";
        let conn = self.reader();
        let mut stmt = conn.prepare_cached("SELECT COALESCE(MAX(id), 0) FROM incident_events").ctx(what)?;
        stmt.query_row([], |r| r.get(0)).ctx(what)
    }

    /// The runs linked to `target` with `rel` (`incident`), in id order.
    pub fn runs_linked_to(&self, rel: &str, target: &str) -> Result<Vec<String>, StoreError> {
        let what = format!("reading the runs linked to {target}");
        let conn = self.reader();
        let mut stmt = conn
            .prepare_cached("SELECT run FROM run_links WHERE rel = ?1 AND target = ?2 ORDER BY run")
            .ctx(&what)?;
        let rows = stmt.query_map([rel, target], |r| r.get(0)).ctx(&what)?;
        rows.collect::<Result<_, _>>().ctx(&what)
    }
}

fn event_from_row(row: &Row<'_>) -> rusqlite::Result<IncidentEvent> {
    let kind: String = row.get(5)?;
    let data: String = row.get(7)?;
    Ok(IncidentEvent {
        id: row.get(0)?,
        incident: row.get(1)?,
        at: crate::time::Micros(row.get(2)?),
        uid: row.get(3)?,
        actor: row.get(4)?,
        kind: EventKind::parse(&kind).unwrap_or(EventKind::Note),
        text: row.get(6)?,
        data: serde_json::from_str(&data).unwrap_or(serde_json::Value::Null),
        late: row.get(8)?,
    })
}
