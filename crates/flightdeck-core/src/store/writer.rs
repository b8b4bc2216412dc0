//! The writer thread: it owns the write connection and runs jobs sent over a channel, each in one
//! `BEGIN IMMEDIATE` transaction, replying on a tokio oneshot once the transaction has committed.
//!
//! A job is a closure over the transaction, so each write method states its SQL next to its
//! arguments and this file knows nothing of tables. The thread ends when the last [`Store`] clone
//! (and so the last sender) is dropped, after finishing the jobs already queued.
//!
//! Each job says how durable its commit must be ([`Durability`]): the run-state records a run
//! writes several times per step commit without an fsync (WAL with `synchronous = NORMAL`: durable
//! against the death of any process, as DESIGN §5 asks, not against a power cut), every other write
//! syncs the WAL (`FULL`), which also makes every earlier relaxed commit durable.
//!
//! [`Store`]: super::Store

use std::panic::AssertUnwindSafe;
use std::path::Path;
use std::sync::mpsc;

use rusqlite::{Connection, Transaction, TransactionBehavior};
use tokio::sync::oneshot;

use super::{SqliteContext, Store, StoreError};

type Job = Box<dyn FnOnce(&mut WriterConn) + Send>;

/// How durable a commit must be once it has returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Durability {
    /// The WAL is synced to disk at the commit (`synchronous = FULL`): survives a power cut.
    Synced,
    /// The commit is in the WAL, synced at the next synced commit or checkpoint
    /// (`synchronous = NORMAL`): survives a crash or kill of any process, not a power cut.
    ProcessCrash,
}

impl Durability {
    fn pragma(self) -> &'static str {
        match self {
            Durability::Synced => "FULL",
            Durability::ProcessCrash => "NORMAL",
        }
    }
}

/// The write connection with the `synchronous` level it is set to.
pub(super) struct WriterConn {
    conn: Connection,
    level: Option<Durability>,
}

impl WriterConn {
    /// Sets `synchronous` for the next transaction, if it differs (it cannot change inside one).
    fn prepare(&mut self, durability: Durability) -> Result<&mut Connection, rusqlite::Error> {
        if self.level != Some(durability) {
            self.level = None;
            self.conn.pragma_update(None, "synchronous", durability.pragma())?;
            self.level = Some(durability);
        }
        Ok(&mut self.conn)
    }
}

/// The sending side of the writer thread's queue.
pub struct WriterHandle {
    jobs: mpsc::Sender<Job>,
}

impl WriterHandle {
    /// Starts the writer thread, which takes ownership of `conn`.
    pub fn spawn(conn: Connection, db_path: &Path) -> Result<WriterHandle, StoreError> {
        let (jobs, queue) = mpsc::channel::<Job>();
        let mut conn = WriterConn { conn, level: None };
        std::thread::Builder::new()
            .name("flightdeck-store-writer".into())
            .spawn(move || {
                for job in queue {
                    // A panicking job drops its reply (its caller sees WriterGone) and rolls back its
                    // transaction; the thread lives on for the other callers. (The release binary
                    // aborts on panic instead: SQLite rolls the transaction back on the next open.)
                    if std::panic::catch_unwind(AssertUnwindSafe(|| job(&mut conn))).is_err() {
                        tracing::error!("a store write job panicked; its transaction was rolled back");
                    }
                }
            })
            .map_err(|source| StoreError::Io {
                what: "start the writer thread for".into(),
                path: db_path.to_path_buf(),
                source,
            })?;
        Ok(WriterHandle { jobs })
    }
}

impl Store {
    /// Runs `work` in one `BEGIN IMMEDIATE` transaction on the writer thread and returns its result
    /// after the commit. `what` names the operation in errors. An error from `work` rolls back.
    pub(super) async fn write<T, F>(&self, what: &'static str, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction<'_>) -> Result<T, StoreError> + Send + 'static,
    {
        self.write_with(Durability::Synced, what, work).await
    }

    /// [`Store::write`] with the commit's [`Durability`] chosen by the caller.
    pub(super) async fn write_with<T, F>(
        &self,
        durability: Durability,
        what: &'static str,
        work: F,
    ) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction<'_>) -> Result<T, StoreError> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let job: Job = Box::new(move |conn: &mut WriterConn| {
            // The caller may have gone away (its future dropped); the commit stands regardless.
            let _ = reply.send(run_in_transaction(conn, durability, what, work));
        });
        self.inner.writer.jobs.send(job).map_err(|_| StoreError::WriterGone)?;
        answer.await.map_err(|_| StoreError::WriterGone)?
    }
}

impl Store {
    /// [`Store::write`] for synchronous callers: queues `work` on the writer thread and blocks this
    /// thread (not the writer) until the commit. For short writes at the end of a command.
    pub(super) fn write_blocking<T, F>(&self, what: &'static str, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction<'_>) -> Result<T, StoreError> + Send + 'static,
    {
        let (reply, answer) = mpsc::sync_channel(1);
        let job: Job = Box::new(move |conn: &mut WriterConn| {
            let _ = reply.send(run_in_transaction(conn, Durability::Synced, what, work));
        });
        self.inner.writer.jobs.send(job).map_err(|_| StoreError::WriterGone)?;
        answer.recv().map_err(|_| StoreError::WriterGone)?
    }
}

fn run_in_transaction<T>(
    conn: &mut WriterConn,
    durability: Durability,
    what: &str,
    work: impl FnOnce(&Transaction<'_>) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    let conn = conn.prepare(durability).ctx(what)?;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).ctx(what)?;
    let value = work(&tx)?;
    tx.commit().ctx(what)?;
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The `synchronous` level a transaction of `durability` commits under (1 NORMAL, 2 FULL).
    async fn level(store: &Store, durability: Option<Durability>) -> i64 {
        let read = |tx: &Transaction<'_>| {
            tx.pragma_query_value(None, "synchronous", |row| row.get::<_, i64>(0)).ctx("synchronous")
        };
        match durability {
            Some(d) => store.write_with(d, "reading synchronous", read).await.unwrap(),
            None => store.write("reading synchronous", read).await.unwrap(),
        }
    }

    #[tokio::test]
    async fn only_writes_asking_for_less_skip_the_fsync_and_the_next_synced_one_syncs_again() {
        let dir = tempfile::TempDir::new().unwrap();
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(level(&store, None).await, 2, "a plain write syncs the WAL");
        assert_eq!(level(&store, Some(Durability::ProcessCrash)).await, 1);
        assert_eq!(level(&store, Some(Durability::ProcessCrash)).await, 1);
        assert_eq!(level(&store, None).await, 2, "the level is restored for the next synced write");
        assert_eq!(level(&store, Some(Durability::Synced)).await, 2);
    }
}
