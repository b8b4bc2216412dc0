//! Approvals recorded at gates (by the engine or by `flightdeck approve` from another terminal, polled
//! by a waiting engine), the deployment ledger DORA reads, and links between runs.

use rusqlite::{Row, params};

use super::{SqliteContext, Store, StoreError};
use crate::store::records::{ApprovalRecord, DeploymentRecord};
use crate::time::Micros;

const APPROVAL_COLS: &str = "id, run, gate, uid, name, decision, value, comment, at";

const DEPLOYMENT_COLS: &str = "id, service, environment, production, sha, version, kind, status, started_at, finished_at, run, remediates, actor, digest";

impl Store {
    /// Records an approval or rejection (its `id` is ignored) and returns the new row id.
    pub async fn add_approval(&self, a: &ApprovalRecord) -> Result<i64, StoreError> {
        let a = a.clone();
        self.write("recording an approval", move |tx| {
            tx.execute(
                "INSERT INTO approvals (run, gate, uid, name, decision, value, comment, at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![a.run, a.gate, a.uid, a.name, a.decision, a.value, a.comment, a.at.0],
            )
            .ctx(&format!("recording an approval of gate {} of run {}", a.gate, a.run))?;
            Ok(tx.last_insert_rowid())
        })
        .await
    }

    /// A run's approvals, at one gate or at all, oldest first.
    pub fn approvals(&self, run: &str, gate: Option<&str>) -> Result<Vec<ApprovalRecord>, StoreError> {
        let what = format!("reading the approvals of run {run}");
        let conn = self.reader();
        let mut stmt = conn
            .prepare_cached(&format!(
                "SELECT {APPROVAL_COLS} FROM approvals WHERE run = ?1 AND (?2 IS NULL OR gate = ?2) ORDER BY id"
            ))
            .ctx(&what)?;
        let rows = stmt.query_map(params![run, gate], approval_from_row).ctx(&what)?;
        rows.collect::<Result<_, _>>().ctx(&what)
    }

    /// Approvals at a gate with an id above `after_id`, oldest first (for polling).
    pub fn approvals_after(
        &self,
        run: &str,
        gate: &str,
        after_id: i64,
    ) -> Result<Vec<ApprovalRecord>, StoreError> {
        let what = format!("polling the approvals of gate {gate} of run {run}");
        let conn = self.reader();
        let mut stmt = conn
            .prepare_cached(&format!(
                "SELECT {APPROVAL_COLS} FROM approvals WHERE run = ?1 AND gate = ?2 AND id > ?3 ORDER BY id"
            ))
            .ctx(&what)?;
        let rows = stmt.query_map(params![run, gate, after_id], approval_from_row).ctx(&what)?;
        rows.collect::<Result<_, _>>().ctx(&what)
    }

    /// Adds a deployment to the ledger, or replaces the one with the same id.
    pub async fn add_deployment(&self, d: &DeploymentRecord) -> Result<(), StoreError> {
        self.add_deployments(std::slice::from_ref(d)).await
    }

    /// Adds (or replaces) several deployments in one transaction, for imports.
    pub async fn add_deployments(&self, ds: &[DeploymentRecord]) -> Result<(), StoreError> {
        let ds = ds.to_vec();
        self.write("recording deployments", move |tx| {
            let mut stmt = tx
                .prepare_cached(&format!(
                    "INSERT OR REPLACE INTO deployments ({DEPLOYMENT_COLS}) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)"
                ))
                .ctx("preparing to record deployments")?;
            for d in &ds {
                stmt.execute(params![
                    d.id,
                    d.service,
                    d.environment,
                    d.production,
                    d.sha,
                    d.version,
                    d.kind,
                    d.status,
                    d.started_at.0,
                    d.finished_at.0,
                    d.run,
                    d.remediates,
                    d.actor,
                    d.digest,
                ])
                .ctx(&format!("recording deployment {}", d.id))?;
            }
            Ok(())
        })
        .await
    }

    /// The ledger, in order of finish.
    pub fn deployments(&self) -> Result<Vec<DeploymentRecord>, StoreError> {
        let what = "reading the deployment ledger";
        let conn = self.reader();
        let mut stmt = conn
            .prepare_cached(&format!("SELECT {DEPLOYMENT_COLS} FROM deployments ORDER BY finished_at, id"))
            .ctx(what)?;
        let rows = stmt.query_map([], deployment_from_row).ctx(what)?;
        rows.collect::<Result<_, _>>().ctx(what)
    }

    /// Links `run` to `target` by `rel` (`remediates`, `retried-from`, `hotfix-of`); linking twice is
    /// harmless.
    pub async fn link_runs(&self, run: &str, rel: &str, target: &str) -> Result<(), StoreError> {
        let (run, rel, target) = (run.to_string(), rel.to_string(), target.to_string());
        self.write("linking runs", move |tx| {
            tx.execute(
                "INSERT OR IGNORE INTO run_links (run, rel, target) VALUES (?1, ?2, ?3)",
                params![run, rel, target],
            )
            .ctx(&format!("linking run {run} {rel} {target}"))?;
            Ok(())
        })
        .await
    }

    /// The links from `run`, as `(rel, target)` pairs in order of rel then target.
    pub fn run_links(&self, run: &str) -> Result<Vec<(String, String)>, StoreError> {
        let what = format!("reading the links of run {run}");
        let conn = self.reader();
        let mut stmt = conn
            .prepare_cached("SELECT rel, target FROM run_links WHERE run = ?1 ORDER BY rel, target")
            .ctx(&what)?;
        let rows = stmt.query_map([run], |row| Ok((row.get(0)?, row.get(1)?))).ctx(&what)?;
        rows.collect::<Result<_, _>>().ctx(&what)
    }
}

fn approval_from_row(row: &Row<'_>) -> rusqlite::Result<ApprovalRecord> {
    Ok(ApprovalRecord {
        id: row.get(0)?,
        run: row.get(1)?,
        gate: row.get(2)?,
        uid: row.get(3)?,
        name: row.get(4)?,
        decision: row.get(5)?,
        value: row.get(6)?,
        comment: row.get(7)?,
        at: Micros(row.get(8)?),
    })
}

fn deployment_from_row(row: &Row<'_>) -> rusqlite::Result<DeploymentRecord> {
    Ok(DeploymentRecord {
        id: row.get(0)?,
        service: row.get(1)?,
        environment: row.get(2)?,
        production: row.get(3)?,
        sha: row.get(4)?,
        version: row.get(5)?,
        kind: row.get(6)?,
        status: row.get(7)?,
        started_at: Micros(row.get(8)?),
        finished_at: Micros(row.get(9)?),
        run: row.get(10)?,
        remediates: row.get(11)?,
        actor: row.get(12)?,
        digest: row.get(13)?,
    })
}
