//! The DORA ledger's incidents (opened, resolved, linked to the deployment that caused them) and
//! releases.

use rusqlite::{OptionalExtension, Row, params};

use super::{SqliteContext, Store, StoreError};
use crate::store::records::{IncidentRecord, ReleaseRecord};
use crate::time::Micros;

const INCIDENT_COLS: &str = "id, service, environment, severity, title, started_at, detected_at, mitigated_at, resolved_at, caused_by";

const RELEASE_COLS: &str = "id, service, version, tag, sha, created_at";

impl Store {
    /// Adds an incident, or replaces the one with the same id.
    pub async fn add_incident(&self, i: &IncidentRecord) -> Result<(), StoreError> {
        let i = i.clone();
        self.write("recording an incident", move |tx| upsert(tx, &i)).await
    }

    /// Marks an incident resolved at `at` (and mitigated at `mitigated`, if given and not yet set).
    /// Returns false when there is no such incident.
    pub async fn resolve_incident(
        &self,
        id: &str,
        at: Micros,
        mitigated: Option<Micros>,
    ) -> Result<bool, StoreError> {
        let id = id.to_string();
        self.write("resolving an incident", move |tx| {
            let n = tx
                .execute(
                    "UPDATE incidents SET resolved_at = ?2, \
                     mitigated_at = COALESCE(mitigated_at, ?3, ?2) WHERE id = ?1",
                    params![id, at.0, mitigated.map(|m| m.0)],
                )
                .ctx(&format!("resolving incident {id}"))?;
            Ok(n > 0)
        })
        .await
    }

    /// One incident.
    pub fn incident(&self, id: &str) -> Result<Option<IncidentRecord>, StoreError> {
        let what = format!("reading incident {id}");
        let conn = self.reader();
        let mut stmt = conn
            .prepare_cached(&format!("SELECT {INCIDENT_COLS} FROM incidents WHERE id = ?1"))
            .ctx(&what)?;
        stmt.query_row([id], incident_from_row).optional().ctx(&what)
    }

    /// Every incident, oldest start first.
    pub fn incidents(&self) -> Result<Vec<IncidentRecord>, StoreError> {
        let what = "reading the incidents";
        let conn = self.reader();
        let mut stmt = conn
            .prepare_cached(&format!("SELECT {INCIDENT_COLS} FROM incidents ORDER BY started_at, id"))
            .ctx(what)?;
        let rows = stmt.query_map([], incident_from_row).ctx(what)?;
        rows.collect::<Result<_, _>>().ctx(what)
    }

    /// Adds a release, or replaces the one with the same id.
    pub async fn add_release(&self, r: &ReleaseRecord) -> Result<(), StoreError> {
        let r = r.clone();
        self.write("recording a release", move |tx| {
            tx.execute(
                &format!("INSERT OR REPLACE INTO releases ({RELEASE_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"),
                params![r.id, r.service, r.version, r.tag, r.sha, r.created_at.0],
            )
            .ctx(&format!("recording release {}", r.id))?;
            Ok(())
        })
        .await
    }

    /// Every release, oldest first.
    pub fn releases(&self) -> Result<Vec<ReleaseRecord>, StoreError> {
        let what = "reading the releases";
        let conn = self.reader();
        let mut stmt = conn
            .prepare_cached(&format!("SELECT {RELEASE_COLS} FROM releases ORDER BY created_at, id"))
            .ctx(what)?;
        let rows = stmt
            .query_map([], |row| {
                Ok(ReleaseRecord {
                    id: row.get(0)?,
                    service: row.get(1)?,
                    version: row.get(2)?,
                    tag: row.get(3)?,
                    sha: row.get(4)?,
                    created_at: Micros(row.get(5)?),
                })
            })
            .ctx(what)?;
        rows.collect::<Result<_, _>>().ctx(what)
    }
}

fn incident_from_row(row: &Row<'_>) -> rusqlite::Result<IncidentRecord> {
    let opt =
        |i: usize| -> rusqlite::Result<Option<Micros>> { Ok(row.get::<_, Option<i64>>(i)?.map(Micros)) };
    Ok(IncidentRecord {
        id: row.get(0)?,
        service: row.get(1)?,
        environment: row.get(2)?,
        severity: row.get(3)?,
        title: row.get(4)?,
        started_at: Micros(row.get(5)?),
        detected_at: opt(6)?,
        mitigated_at: opt(7)?,
        resolved_at: opt(8)?,
        caused_by: row.get(9)?,
    })
}

/// Inserts `i`, or replaces the incident with the same id, within `tx`.
pub(super) fn upsert(tx: &rusqlite::Transaction<'_>, i: &IncidentRecord) -> Result<(), StoreError> {
    tx.execute(
        &format!(
            "INSERT OR REPLACE INTO incidents ({INCIDENT_COLS}) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
        ),
        params![
            i.id,
            i.service,
            i.environment,
            i.severity,
            i.title,
            i.started_at.0,
            i.detected_at.map(|m| m.0),
            i.mitigated_at.map(|m| m.0),
            i.resolved_at.map(|m| m.0),
            i.caused_by,
        ],
    )
    .ctx(&format!("recording incident {}", i.id))?;
    Ok(())
}
