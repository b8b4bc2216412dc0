//! CPU profiles and named profile baselines (tables `profiles`, `profile_baselines`): the rows
//! only. The folded stacks are kept as text and the report as JSON, written and read by
//! `profile::saved`, which owns their meaning.

use rusqlite::{OptionalExtension, Row, params};

use super::{SqliteContext, Store, StoreError};

/// The migration that creates the tables (appended to `schema::MIGRATIONS`).
pub const V_PROFILES: &str = "
CREATE TABLE profiles (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    run TEXT,
    step TEXT,
    target TEXT NOT NULL,
    samples INTEGER NOT NULL,
    folded TEXT NOT NULL,
    report TEXT NOT NULL
);
CREATE INDEX profiles_run ON profiles (run, at);
CREATE TABLE profile_baselines (
    name TEXT PRIMARY KEY NOT NULL,
    profile INTEGER NOT NULL REFERENCES profiles (id),
    saved_at INTEGER NOT NULL
);
";

/// A profile to keep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewProfile {
    /// When it finished (UTC microseconds).
    pub at: i64,
    /// The run and step it belonged to, if any.
    pub run: Option<String>,
    pub step: Option<String>,
    /// What was profiled.
    pub target: String,
    pub samples: i64,
    /// Folded stacks, one `a;b;c COUNT` line per stack.
    pub folded: String,
    /// The report as JSON.
    pub report: String,
}

/// A stored profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileRow {
    pub id: i64,
    pub at: i64,
    pub run: Option<String>,
    pub step: Option<String>,
    pub target: String,
    pub samples: i64,
    pub folded: String,
    pub report: String,
}

/// A baseline and the profile it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileBaselineRow {
    pub name: String,
    pub saved_at: i64,
    pub profile: ProfileRow,
}

const COLUMNS: &str = "p.id, p.at, p.run, p.step, p.target, p.samples, p.folded, p.report";

fn row(r: &Row<'_>) -> rusqlite::Result<ProfileRow> {
    Ok(ProfileRow {
        id: r.get(0)?,
        at: r.get(1)?,
        run: r.get(2)?,
        step: r.get(3)?,
        target: r.get(4)?,
        samples: r.get(5)?,
        folded: r.get(6)?,
        report: r.get(7)?,
    })
}

impl Store {
    /// Saves a profile and, when `baseline` names one, points that baseline at it (replacing an
    /// older one of that name), in one transaction through the writer; returns the profile's id.
    pub fn save_profile(&self, p: NewProfile, baseline: Option<String>) -> Result<i64, StoreError> {
        self.write_blocking("saving a profile", move |tx| {
            tx.execute(
                "INSERT INTO profiles (at, run, step, target, samples, folded, report)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![p.at, p.run, p.step, p.target, p.samples, p.folded, p.report],
            )
            .ctx("saving a profile")?;
            let id = tx.last_insert_rowid();
            if let Some(name) = baseline {
                set_baseline(tx, &name, id, p.at)?;
            }
            Ok(id)
        })
    }

    /// Points baseline `name` at profile `id` (saved at `at`).
    pub fn save_profile_baseline(&self, name: &str, id: i64, at: i64) -> Result<(), StoreError> {
        let name = name.to_string();
        self.write_blocking("saving a profile baseline", move |tx| set_baseline(tx, &name, id, at))
    }

    /// The profile baseline `name` points at, if there is one.
    pub fn profile_baseline(&self, name: &str) -> Result<Option<ProfileBaselineRow>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS}, b.name, b.saved_at FROM profile_baselines b JOIN profiles p ON p.id = b.profile
             WHERE b.name = ?1"
        );
        self.reader()
            .query_row(&sql, params![name], |r| {
                Ok(ProfileBaselineRow { profile: row(r)?, name: r.get(8)?, saved_at: r.get(9)? })
            })
            .optional()
            .ctx("reading a profile baseline")
    }

    /// Every profile baseline, by name.
    pub fn profile_baselines(&self) -> Result<Vec<ProfileBaselineRow>, StoreError> {
        let what = "listing profile baselines";
        let sql = format!(
            "SELECT {COLUMNS}, b.name, b.saved_at FROM profile_baselines b JOIN profiles p ON p.id = b.profile
             ORDER BY b.name"
        );
        let conn = self.reader();
        let mut stmt = conn.prepare(&sql).ctx(what)?;
        let rows = stmt
            .query_map([], |r| {
                Ok(ProfileBaselineRow { profile: row(r)?, name: r.get(8)?, saved_at: r.get(9)? })
            })
            .ctx(what)?;
        rows.collect::<Result<_, _>>().ctx(what)
    }

    /// The profiles a run took, oldest first.
    pub fn profiles_of_run(&self, run: &str) -> Result<Vec<ProfileRow>, StoreError> {
        let what = "reading a run's profiles";
        let sql = format!("SELECT {COLUMNS} FROM profiles p WHERE p.run = ?1 ORDER BY p.at, p.id");
        let conn = self.reader();
        let mut stmt = conn.prepare(&sql).ctx(what)?;
        let rows = stmt.query_map(params![run], row).ctx(what)?;
        rows.collect::<Result<_, _>>().ctx(what)
    }
}

fn set_baseline(tx: &rusqlite::Transaction<'_>, name: &str, id: i64, at: i64) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO profile_baselines (name, profile, saved_at) VALUES (?1, ?2, ?3)
         ON CONFLICT(name) DO UPDATE SET profile = excluded.profile, saved_at = excluded.saved_at",
        params![name, id, at],
    )
    .ctx("saving a profile baseline")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new(at: i64, run: &str, folded: &str) -> NewProfile {
        NewProfile {
            at,
            run: Some(run.into()),
            step: Some("profile".into()),
            target: "pid 1".into(),
            samples: 3,
            folded: folded.into(),
            report: "{}".into(),
        }
    }

    #[test]
    fn profiles_and_baselines_round_trip_through_the_writer() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.profile_baseline("r1").unwrap(), None);
        let a = store.save_profile(new(10, "run-a", "main;a 3\n"), Some("r1".into())).unwrap();
        let b = store.save_profile(new(20, "run-b", "main;b 3\n"), None).unwrap();
        let base = store.profile_baseline("r1").unwrap().unwrap();
        assert_eq!((base.profile.id, base.profile.folded.as_str(), base.saved_at), (a, "main;a 3\n", 10));
        store.save_profile_baseline("r1", b, 30).unwrap();
        let other = Store::open(dir.path()).unwrap();
        let base = other.profile_baseline("r1").unwrap().unwrap();
        assert_eq!((base.profile.id, base.saved_at), (b, 30), "a newer save replaces the baseline");
        assert_eq!(other.profile_baselines().unwrap().len(), 1);
        assert_eq!(other.profiles_of_run("run-a").unwrap()[0].id, a);
    }
}
