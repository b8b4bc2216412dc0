//! Runs a dead runner left behind: stored as running or waiting while no process holds their lock.

use super::{SqliteContext, Store, StoreError};

impl Store {
    /// Ids of runs stored as running or waiting whose lock is free, oldest first.
    pub fn orphaned_runs(&self) -> Result<Vec<String>, StoreError> {
        let what = "looking for runs left running";
        let ids: Vec<String> = {
            let conn = self.reader();
            let mut stmt = conn
                .prepare_cached("SELECT id FROM runs WHERE status IN ('running', 'waiting') ORDER BY id")
                .ctx(what)?;
            let rows = stmt.query_map([], |r| r.get(0)).ctx(what)?;
            rows.collect::<Result<_, _>>().ctx(what)?
        };
        Ok(ids.into_iter().filter(|id| !self.is_live(id)).collect())
    }
}
