//! The writer thread: it owns the write connection and runs jobs sent over a channel, each in one
//! `BEGIN IMMEDIATE` transaction, replying on a tokio oneshot once the transaction has committed.
//!
//! A job is a closure over the transaction, so each write method states its SQL next to its
//! arguments and this file knows nothing of tables. The thread ends when the last [`Store`] clone
//! (and so the last sender) is dropped, after finishing the jobs already queued.
//!
//! [`Store`]: super::Store

use std::panic::AssertUnwindSafe;
use std::path::Path;
use std::sync::mpsc;

use rusqlite::{Connection, Transaction, TransactionBehavior};
use tokio::sync::oneshot;

use super::{SqliteContext, Store, StoreError};

type Job = Box<dyn FnOnce(&mut Connection) + Send>;

/// The sending side of the writer thread's queue.
pub struct WriterHandle {
    jobs: mpsc::Sender<Job>,
}

impl WriterHandle {
    /// Starts the writer thread, which takes ownership of `conn`.
    pub fn spawn(mut conn: Connection, db_path: &Path) -> Result<WriterHandle, StoreError> {
        let (jobs, queue) = mpsc::channel::<Job>();
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
        let (reply, answer) = oneshot::channel();
        let job: Job = Box::new(move |conn: &mut Connection| {
            // The caller may have gone away (its future dropped); the commit stands regardless.
            let _ = reply.send(run_in_transaction(conn, what, work));
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
        let job: Job = Box::new(move |conn: &mut Connection| {
            let _ = reply.send(run_in_transaction(conn, what, work));
        });
        self.inner.writer.jobs.send(job).map_err(|_| StoreError::WriterGone)?;
        answer.recv().map_err(|_| StoreError::WriterGone)?
    }
}

fn run_in_transaction<T>(
    conn: &mut Connection,
    what: &str,
    work: impl FnOnce(&Transaction<'_>) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).ctx(what)?;
    let value = work(&tx)?;
    tx.commit().ctx(what)?;
    Ok(value)
}
