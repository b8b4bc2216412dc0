//! The ledger's CSV export carries the image digest as its last column, and a CSV import reads it
//! back: a deployment that shipped an image keeps its digest through export and import.

use serde_json::Value;

use crate::common::{LOCAL, Project, text};

const DIGEST: &str = "sha256:3f2a1b8c9d0e4f5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c";

#[test]
fn csv_export_has_the_digest_column_and_import_reads_it() {
    let p = Project::new(LOCAL, &[]);
    let line = serde_json::json!({
        "id": "dep-1", "service": "web", "environment": "local", "production": false,
        "sha": "0123456789abcdef0123456789abcdef01234567", "version": "1.0.0", "kind": "normal",
        "status": "succeeded", "started_at": 1_700_000_000_000_000_i64,
        "finished_at": 1_700_000_060_000_000_i64, "run": null, "remediates": null, "actor": "diana",
        "digest": DIGEST
    });
    let second = serde_json::json!({
        "id": "dep-2", "service": "web", "environment": "local", "production": false,
        "sha": null, "version": "1.0.1", "kind": "normal", "status": "succeeded",
        "started_at": 1_700_000_100_000_000_i64, "finished_at": 1_700_000_160_000_000_i64,
        "run": null, "remediates": null, "actor": null
    });
    let jsonl = p.path().join("in.jsonl");
    std::fs::write(&jsonl, format!("{line}\n{second}\n")).unwrap();
    let o = p.run(&["ledger", "import", jsonl.to_str().unwrap(), "--allow-unknown-sha"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));

    let o = p.run(&["ledger", "export", "--format", "csv"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let csv = String::from_utf8(o.stdout).unwrap();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(header.last(), Some(&"digest"), "{csv}");
    assert_eq!(header.len(), 14, "the documented columns, digest appended: {csv}");
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let with = rows.iter().find(|r| r[0] == "dep-1").unwrap_or_else(|| panic!("dep-1 exported: {csv}"));
    assert_eq!(with[13], DIGEST, "{csv}");
    let without = rows.iter().find(|r| r[0] == "dep-2").unwrap();
    assert_eq!(without[13], "", "no digest, empty cell: {csv}");

    let q = Project::new(LOCAL, &[]);
    let file = q.path().join("ledger.csv");
    std::fs::write(&file, &csv).unwrap();
    let o = q.run(&["ledger", "import", file.to_str().unwrap(), "--allow-unknown-sha"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let listed: Value = serde_json::from_slice(&q.run(&["ledger", "list", "--json"]).stdout).unwrap();
    let dep1 = listed.as_array().unwrap().iter().find(|d| d["id"] == "dep-1").unwrap();
    assert_eq!(dep1["digest"], DIGEST, "{listed}");
    let dep2 = listed.as_array().unwrap().iter().find(|d| d["id"] == "dep-2").unwrap();
    assert!(dep2.get("digest").is_none_or(Value::is_null), "{listed}");
}
