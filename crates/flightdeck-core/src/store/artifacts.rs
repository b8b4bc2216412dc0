//! Container images flightdeck built and pushed (`artifacts`): image, tags, the digest the registry
//! reported, the SBOM kept with the run and the scan gate's summary. The same migration adds the
//! image digest to the deployment ledger, so a deploy records what it shipped.

use rusqlite::{Row, params};
use serde::{Deserialize, Serialize};

use super::{SqliteContext, Store, StoreError};
use crate::time::Micros;

/// Schema: one row per pushed image, and the ledger's `digest` column.
pub(crate) const V_ARTIFACTS: &str = "
CREATE TABLE artifacts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    image TEXT NOT NULL,
    tags TEXT NOT NULL,
    digest TEXT NOT NULL,
    sbom_path TEXT,
    scan_summary TEXT NOT NULL,
    run TEXT,
    created_at INTEGER NOT NULL
);
CREATE INDEX artifacts_created ON artifacts (created_at);
ALTER TABLE deployments ADD COLUMN digest TEXT;
";

/// A pushed image to record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewArtifact {
    /// Repository pushed to, without tag (`127.0.0.1:5000/web`).
    pub image: String,
    /// Tags pushed.
    pub tags: Vec<String>,
    /// `sha256:...` as the registry reported it (`Docker-Content-Digest`).
    pub digest: String,
    /// The `CycloneDX` SBOM file kept with the run.
    pub sbom_path: Option<String>,
    /// The scan gate's summary (counts per severity, blocking ids, override) as JSON.
    pub scan_summary: serde_json::Value,
    /// The run that pushed it.
    pub run: Option<String>,
}

/// A recorded image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArtifactRecord {
    /// Row id.
    pub id: i64,
    /// What was recorded.
    #[serde(flatten)]
    pub artifact: NewArtifact,
    /// When.
    pub created_at: Micros,
}

const COLS: &str = "id, image, tags, digest, sbom_path, scan_summary, run, created_at";

impl Store {
    /// Records a pushed image; returns its id.
    pub async fn add_artifact(&self, a: &NewArtifact, at: Micros) -> Result<i64, StoreError> {
        let a = a.clone();
        let tags = serde_json::to_string(&a.tags).unwrap_or_default();
        let summary = a.scan_summary.to_string();
        self.write("recording an image", move |tx| {
            tx.execute(
                "INSERT INTO artifacts (image, tags, digest, sbom_path, scan_summary, run, created_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![a.image, tags, a.digest, a.sbom_path, summary, a.run, at.0],
            )
            .ctx(&format!("recording image {}@{}", a.image, a.digest))?;
            Ok(tx.last_insert_rowid())
        })
        .await
    }

    /// Every recorded image, newest first.
    pub fn artifacts(&self) -> Result<Vec<ArtifactRecord>, StoreError> {
        let what = "reading the recorded images";
        let conn = self.reader();
        let mut stmt = conn
            .prepare_cached(&format!("SELECT {COLS} FROM artifacts ORDER BY created_at DESC, id DESC"))
            .ctx(what)?;
        let rows = stmt.query_map([], artifact_from_row).ctx(what)?;
        rows.collect::<Result<_, _>>().ctx(what)
    }
}

fn artifact_from_row(row: &Row<'_>) -> rusqlite::Result<ArtifactRecord> {
    let tags: String = row.get(2)?;
    let summary: String = row.get(5)?;
    Ok(ArtifactRecord {
        id: row.get(0)?,
        artifact: NewArtifact {
            image: row.get(1)?,
            tags: serde_json::from_str(&tags).unwrap_or_default(),
            digest: row.get(3)?,
            sbom_path: row.get(4)?,
            scan_summary: serde_json::from_str(&summary).unwrap_or(serde_json::Value::String(summary)),
            run: row.get(6)?,
        },
        created_at: Micros(row.get(7)?),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::store::records::DeploymentRecord;

    #[tokio::test]
    async fn artifacts_and_ledger_digests_round_trip() {
        let dir = tempfile::TempDir::new().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let a = |image: &str, digest: &str| NewArtifact {
            image: image.into(),
            tags: vec!["1.0.0".into(), "abc123".into()],
            digest: digest.into(),
            sbom_path: Some("/x/sbom.cdx.json".into()),
            scan_summary: serde_json::json!({ "verdict": "overridden", "blocking": ["OSV-1"] }),
            run: Some("r1".into()),
        };
        store.add_artifact(&a("reg/web", "sha256:01"), Micros(10)).await.unwrap();
        store.add_artifact(&a("reg/api", "sha256:02"), Micros(20)).await.unwrap();
        let all = store.artifacts().unwrap();
        assert_eq!(
            all.iter().map(|r| r.artifact.clone()).collect::<Vec<_>>(),
            vec![a("reg/api", "sha256:02"), a("reg/web", "sha256:01")]
        );
        let dep = DeploymentRecord {
            id: "d1".into(),
            service: "web".into(),
            environment: "production".into(),
            production: true,
            sha: None,
            version: None,
            kind: "normal".into(),
            status: "succeeded".into(),
            started_at: Micros(1),
            finished_at: Micros(2),
            run: None,
            remediates: None,
            actor: None,
            digest: Some("sha256:01".into()),
        };
        store.add_deployment(&dep).await.unwrap();
        assert_eq!(store.deployments().unwrap(), vec![dep]);
    }
}
