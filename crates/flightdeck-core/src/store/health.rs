//! Health monitor state transitions, written by the health scheduler so that they appear in the
//! run and incident timeline.

use rusqlite::{Row, params};
use serde::{Deserialize, Serialize};

use super::{SqliteContext, Store, StoreError};
use crate::time::Micros;

/// One stored transition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthTransitionRecord {
    /// Row id (ignored when adding).
    pub id: i64,
    /// When.
    pub at: Micros,
    /// Monitor name.
    pub monitor: String,
    /// Environment.
    pub environment: String,
    /// State before (`UP`, `DOWN`, `PENDING`, `MAINTENANCE`).
    pub from_state: String,
    /// State after.
    pub to_state: String,
    /// `UP`, `DOWN`, `PENDING`, `MAINTENANCE` or `RECOVERED_AFTER_RETRY`.
    pub kind: String,
    /// Failure class of the result that caused it.
    pub reason: Option<String>,
    /// Its message.
    pub message: Option<String>,
}

const COLS: &str = "id, at, monitor, environment, from_state, to_state, kind, reason, message";

impl Store {
    /// Appends a transition; returns its row id.
    pub async fn add_health_transition(&self, t: &HealthTransitionRecord) -> Result<i64, StoreError> {
        let t = t.clone();
        self.write("recording a health transition", move |tx| {
            tx.execute(
                "INSERT INTO health_transitions (at, monitor, environment, from_state, to_state, kind, reason, message) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![t.at.0, t.monitor, t.environment, t.from_state, t.to_state, t.kind, t.reason, t.message],
            )
            .ctx("recording a health transition")?;
            Ok(tx.last_insert_rowid())
        })
        .await
    }

    /// Transitions since `since` (all if `None`), oldest first, at most `limit` (0: all).
    pub fn health_transitions(
        &self,
        since: Option<Micros>,
        limit: usize,
    ) -> Result<Vec<HealthTransitionRecord>, StoreError> {
        let what = "reading health transitions";
        let conn = self.reader();
        let mut stmt = conn
            .prepare_cached(&format!(
                "SELECT {COLS} FROM health_transitions WHERE at >= ?1 ORDER BY id LIMIT ?2"
            ))
            .ctx(what)?;
        let limit = if limit == 0 { -1 } else { i64::try_from(limit).unwrap_or(i64::MAX) };
        let rows = stmt.query_map(params![since.map_or(i64::MIN, |s| s.0), limit], from_row).ctx(what)?;
        rows.collect::<Result<_, _>>().ctx(what)
    }
}

fn from_row(r: &Row<'_>) -> rusqlite::Result<HealthTransitionRecord> {
    Ok(HealthTransitionRecord {
        id: r.get(0)?,
        at: Micros(r.get(1)?),
        monitor: r.get(2)?,
        environment: r.get(3)?,
        from_state: r.get(4)?,
        to_state: r.get(5)?,
        kind: r.get(6)?,
        reason: r.get(7)?,
        message: r.get(8)?,
    })
}
