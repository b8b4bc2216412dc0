//! Load test results and named baselines (tables `load_results`, `load_baselines`): the rows only.
//! The reports are JSON text written and read by `load::baseline`, which owns their meaning.

use rusqlite::{OptionalExtension, params};

use super::{SqliteContext, Store, StoreError};

/// A finished load test to keep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLoadResult {
    /// When it finished (UTC microseconds).
    pub at: i64,
    /// Its target URL.
    pub url: String,
    /// The run it belonged to, if any.
    pub run: Option<String>,
    /// Whether every threshold passed.
    pub passed: bool,
    /// The report as JSON.
    pub report: String,
}

/// The result a baseline names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredBaseline {
    /// The result's row id.
    pub result: i64,
    /// Its report as JSON.
    pub report: String,
    /// When the baseline was saved (UTC microseconds).
    pub saved_at: i64,
}

impl Store {
    /// Saves a result and, when `baseline` names one, points that baseline at it (replacing an
    /// older one of that name), in one transaction through the writer; returns the result's id.
    /// Blocks until the commit (a short write at the end of a load test).
    pub fn save_load_result(&self, r: NewLoadResult, baseline: Option<String>) -> Result<i64, StoreError> {
        let what = "saving a load result";
        self.write_blocking(what, move |tx| {
            tx.execute(
                "INSERT INTO load_results (at, url, run, passed, report) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![r.at, r.url, r.run, r.passed, r.report],
            )
            .ctx(what)?;
            let id = tx.last_insert_rowid();
            if let Some(name) = baseline {
                tx.execute(
                    "INSERT INTO load_baselines (name, result, saved_at) VALUES (?1, ?2, ?3)
                     ON CONFLICT(name) DO UPDATE SET result = excluded.result, saved_at = excluded.saved_at",
                    params![name, id, r.at],
                )
                .ctx("saving a load baseline")?;
            }
            Ok(id)
        })
    }

    /// The result baseline `name` points at, if there is one.
    pub fn load_baseline(&self, name: &str) -> Result<Option<StoredBaseline>, StoreError> {
        let what = "reading a load baseline";
        self.reader()
            .query_row(
                "SELECT r.id, r.report, b.saved_at FROM load_baselines b JOIN load_results r ON r.id = b.result
                 WHERE b.name = ?1",
                params![name],
                |row| Ok(StoredBaseline { result: row.get(0)?, report: row.get(1)?, saved_at: row.get(2)? }),
            )
            .optional()
            .ctx(what)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(at: i64, report: &str) -> NewLoadResult {
        NewLoadResult {
            at,
            url: "http://127.0.0.1:1/".into(),
            run: None,
            passed: true,
            report: report.into(),
        }
    }

    #[test]
    fn results_and_baselines_round_trip_through_the_writer() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.load_baseline("fast").unwrap(), None);
        let first = store.save_load_result(row(10, "{\"a\":1}"), Some("fast".into())).unwrap();
        let plain = store.save_load_result(row(20, "{\"b\":2}"), None).unwrap();
        assert_ne!(first, plain);
        let b = store.load_baseline("fast").unwrap().unwrap();
        assert_eq!((b.result, b.report.as_str(), b.saved_at), (first, "{\"a\":1}", 10));
        let second = store.save_load_result(row(30, "{\"c\":3}"), Some("fast".into())).unwrap();
        let b = store.load_baseline("fast").unwrap().unwrap();
        assert_eq!((b.result, b.saved_at), (second, 30), "a newer save replaces the baseline");
        // A second process sees the rows: they are committed, not only cached in this connection.
        let other = Store::open(dir.path()).unwrap();
        assert_eq!(other.load_baseline("fast").unwrap().unwrap().result, second);
    }
}
