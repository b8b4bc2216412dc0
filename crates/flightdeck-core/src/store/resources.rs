//! The inventory of what flightdeck created in an environment: containers, balancer servers, DNS
//! records, certificates, infrastructure-as-code applies. A row is added when a step creates a resource and marked
//! removed (never deleted) when a step or `environment-teardown` removes it, so `flightdeck env
//! resources ENV` lists what is live and teardown removes it in reverse creation order.

use rusqlite::{Row, params};
use serde::{Deserialize, Serialize};

use super::{SqliteContext, Store, StoreError};
use crate::time::Micros;

/// Schema: one row per created resource.
pub(crate) const V_RESOURCES: &str = "
CREATE TABLE resources (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    environment TEXT NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    detail TEXT NOT NULL,
    run TEXT,
    step TEXT,
    created_at INTEGER NOT NULL,
    removed_at INTEGER,
    removed_by_run TEXT
);
CREATE INDEX resources_live ON resources (environment, removed_at);
";

/// A resource to record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewResource {
    /// Environment it belongs to.
    pub environment: String,
    /// Kind: `container`, `balancer_server`, `dns_record`, `certificate`, `iac_apply`, ...
    pub kind: String,
    /// A name unique enough for an operator: `podman:web-blue`, `A app.ops.test.`, ...
    pub name: String,
    /// What teardown needs to remove it, as JSON (never a secret).
    pub detail: serde_json::Value,
    /// The run that created it.
    pub run: Option<String>,
    /// The step that created it.
    pub step: Option<String>,
}

/// A recorded resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceRecord {
    /// Row id.
    pub id: i64,
    /// Environment it belongs to.
    pub environment: String,
    /// Kind (see [`NewResource::kind`]).
    pub kind: String,
    /// Name.
    pub name: String,
    /// Detail as JSON.
    pub detail: serde_json::Value,
    /// The run that created it.
    pub run: Option<String>,
    /// The step that created it.
    pub step: Option<String>,
    /// When it was created.
    pub created_at: Micros,
    /// When it was removed, if it was.
    pub removed_at: Option<Micros>,
    /// The run that removed it.
    pub removed_by_run: Option<String>,
}

const COLS: &str = "id, environment, kind, name, detail, run, step, created_at, removed_at, removed_by_run";

impl Store {
    /// Records a created resource; returns its id.
    pub async fn add_resource(&self, r: &NewResource, at: Micros) -> Result<i64, StoreError> {
        let r = r.clone();
        let detail = r.detail.to_string();
        self.write("recording a resource", move |tx| {
            tx.execute(
                "INSERT INTO resources (environment, kind, name, detail, run, step, created_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![r.environment, r.kind, r.name, detail, r.run, r.step, at.0],
            )
            .ctx(&format!("recording resource {} {}", r.kind, r.name))?;
            Ok(tx.last_insert_rowid())
        })
        .await
    }

    /// Marks a resource removed (by `run`, if given). Returns false when it was unknown or already
    /// removed.
    pub async fn remove_resource(
        &self,
        id: i64,
        at: Micros,
        run: Option<String>,
    ) -> Result<bool, StoreError> {
        self.write("marking a resource removed", move |tx| {
            let n = tx
                .execute(
                    "UPDATE resources SET removed_at = ?2, removed_by_run = ?3 \
                     WHERE id = ?1 AND removed_at IS NULL",
                    params![id, at.0, run],
                )
                .ctx(&format!("marking resource {id} removed"))?;
            Ok(n > 0)
        })
        .await
    }

    /// Replaces the detail of a live resource (a kept container gains its `keep_until`). Returns
    /// false when it was unknown or already removed.
    pub async fn set_resource_detail(&self, id: i64, detail: &serde_json::Value) -> Result<bool, StoreError> {
        let detail = detail.to_string();
        self.write("updating a resource", move |tx| {
            let n = tx
                .execute(
                    "UPDATE resources SET detail = ?2 WHERE id = ?1 AND removed_at IS NULL",
                    params![id, detail],
                )
                .ctx(&format!("updating resource {id}"))?;
            Ok(n > 0)
        })
        .await
    }

    /// The resources of `environment`, oldest first; removed ones only with `include_removed`.
    pub fn resources(
        &self,
        environment: &str,
        include_removed: bool,
    ) -> Result<Vec<ResourceRecord>, StoreError> {
        let what = format!("reading the resources of {environment}");
        let conn = self.reader();
        let filter = if include_removed { "" } else { " AND removed_at IS NULL" };
        let mut stmt = conn
            .prepare_cached(&format!(
                "SELECT {COLS} FROM resources WHERE environment = ?1{filter} ORDER BY created_at, id"
            ))
            .ctx(&what)?;
        let rows = stmt.query_map([environment], resource_from_row).ctx(&what)?;
        rows.collect::<Result<_, _>>().ctx(&what)
    }
}

fn resource_from_row(row: &Row<'_>) -> rusqlite::Result<ResourceRecord> {
    let detail: String = row.get(4)?;
    Ok(ResourceRecord {
        id: row.get(0)?,
        environment: row.get(1)?,
        kind: row.get(2)?,
        name: row.get(3)?,
        detail: serde_json::from_str(&detail).unwrap_or(serde_json::Value::String(detail)),
        run: row.get(5)?,
        step: row.get(6)?,
        created_at: Micros(row.get(7)?),
        removed_at: row.get::<_, Option<i64>>(8)?.map(Micros),
        removed_by_run: row.get(9)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn resources_are_listed_per_environment_until_removed() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let new = |env: &str, name: &str| NewResource {
            environment: env.into(),
            kind: "dns_record".into(),
            name: name.into(),
            detail: serde_json::json!({ "zone": "ops.test." }),
            run: Some("r1".into()),
            step: Some("dns".into()),
        };
        let a = store.add_resource(&new("staging", "A app.ops.test."), Micros(10)).await.unwrap();
        store.add_resource(&new("staging", "TXT x.ops.test."), Micros(20)).await.unwrap();
        store.add_resource(&new("production", "A app.ops.test."), Micros(30)).await.unwrap();
        let names = |v: Vec<ResourceRecord>| v.into_iter().map(|r| r.name).collect::<Vec<_>>();
        assert_eq!(names(store.resources("staging", false).unwrap()), ["A app.ops.test.", "TXT x.ops.test."]);
        assert!(store.remove_resource(a, Micros(40), Some("r2".into())).await.unwrap());
        assert!(!store.remove_resource(a, Micros(50), None).await.unwrap(), "removed twice");
        assert_eq!(names(store.resources("staging", false).unwrap()), ["TXT x.ops.test."]);
        let all = store.resources("staging", true).unwrap();
        assert_eq!(all[0].removed_at, Some(Micros(40)));
        assert_eq!(all[0].removed_by_run.as_deref(), Some("r2"));
        assert_eq!(all[0].detail["zone"], "ops.test.");
    }
}
