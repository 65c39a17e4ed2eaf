//! Group commit on the one writer connection: concurrent writes share one IMMEDIATE transaction, each inside its
//! own SAVEPOINT (a failed write rolls back alone), and each is acknowledged only once that transaction is durable.
//!
//! Every write runs on its caller's (blocking) thread, because a write borrows the caller's data (the domain's
//! `decide` rule, the audit entry). Whoever holds the connection adds its write to the open transaction; the last
//! writer that finds nobody queued behind it commits for the whole batch. While that COMMIT waits for the disk,
//! newcomers queue on the lock and form the next batch, so the batch size follows the write rate and an idle
//! server commits every write at once.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

use prometheus_client::metrics::histogram::Histogram;
use rusqlite::Connection;

use super::error::StoreError;

/// A batch is committed after this many writes even when more are queued, which bounds a write's wait.
pub(super) const MAX_BATCH: usize = 128;
/// Commit failures remembered for the waiters of their batch (a failed COMMIT is rare: disk full, I/O error).
const FAILURES_KEPT: usize = 64;

pub(super) struct Writer {
    state: Mutex<State>,
    committed: Condvar,
    /// Writers waiting for the connection: while any is, the holder leaves the commit to them.
    queued: AtomicUsize,
    /// Writes per committed transaction, for `/metrics` (observed once per COMMIT, under the lock).
    batch_sizes: Histogram,
}

pub(super) struct State {
    pub(super) conn: Connection,
    /// The batch whose transaction is open, if any.
    open: Option<Batch>,
    /// Batches are numbered from 1; every batch up to this one has finished (committed or failed).
    finished: u64,
    last_batch: u64,
    failures: BTreeMap<u64, String>,
    /// Transactions committed, for tests and the benchmark's sanity checks.
    pub(super) commits: u64,
}

#[derive(Clone, Copy)]
struct Batch {
    id: u64,
    writes: usize,
}

/// A panic while the lock was held unwound through `write`, which rolled its savepoint back: the state is clean.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

fn run(conn: &Connection, sql: &str) -> Result<(), StoreError> {
    conn.prepare_cached(sql)?.execute([])?;
    Ok(())
}

impl Writer {
    pub(super) fn new(conn: Connection) -> Writer {
        Writer {
            state: Mutex::new(State {
                conn,
                open: None,
                finished: 0,
                last_batch: 0,
                failures: BTreeMap::new(),
                commits: 0,
            }),
            committed: Condvar::new(),
            queued: AtomicUsize::new(0),
            batch_sizes: crate::metrics::batch_size_histogram(),
        }
    }

    /// Writes waiting for the connection now.
    pub(super) fn queue_depth(&self) -> usize {
        self.queued.load(Ordering::Relaxed)
    }

    /// The batch-size histogram (a handle on the same counts).
    pub(super) fn batch_sizes(&self) -> Histogram {
        self.batch_sizes.clone()
    }

    /// The connection with no transaction of this writer open (tests, and nothing else may write meanwhile).
    #[cfg(test)]
    pub(super) fn state(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }

    #[cfg(test)]
    pub(super) fn queued(&self) -> usize {
        self.queued.load(Ordering::SeqCst)
    }

    /// Runs `f` on the connection outside any transaction, once no batch is open (checkpoints).
    pub(super) fn idle<T>(&self, f: impl FnOnce(&Connection) -> Result<T, StoreError>) -> Result<T, StoreError> {
        let mut st = lock(&self.state);
        // An open batch is always finished by one of its writers (the one that finds nobody queued commits).
        while st.open.is_some() {
            st = self.committed.wait(st).unwrap_or_else(PoisonError::into_inner);
        }
        f(&st.conn)
    }

    /// Runs `f` as one write: atomic on its own (its savepoint), durable when this returns `Ok`.
    pub(super) fn write<T>(&self, f: impl FnOnce(&Connection) -> Result<T, StoreError>) -> Result<T, StoreError> {
        self.queued.fetch_add(1, Ordering::SeqCst);
        let mut st = lock(&self.state);
        self.queued.fetch_sub(1, Ordering::SeqCst);
        let batch = match st.open {
            Some(b) => b,
            None => {
                run(&st.conn, "BEGIN IMMEDIATE")?;
                st.last_batch += 1;
                Batch { id: st.last_batch, writes: 0 }
            }
        };
        st.open = Some(Batch { writes: batch.writes + 1, ..batch });
        // A panic in `f` is handled like an error (its savepoint rolls back, the batch goes on), then resumed.
        let out = catch_unwind(AssertUnwindSafe(|| savepoint(&st.conn, f)));
        let last = self.queued.load(Ordering::SeqCst) == 0 || batch.writes + 1 >= MAX_BATCH;
        if last {
            let committed = self.commit(&mut st, batch.id);
            self.batch_sizes.observe((batch.writes + 1) as f64);
            let out = match out {
                Ok(out) => out,
                Err(panic) => resume_unwind(panic),
            };
            return committed.and(out);
        }
        let out = match out {
            Ok(out) => out?,
            Err(panic) => {
                drop(st);
                resume_unwind(panic)
            }
        };
        // Someone queued behind us will commit this batch (or a later writer of it will).
        while st.finished < batch.id {
            st = self.committed.wait(st).unwrap_or_else(PoisonError::into_inner);
        }
        match st.failures.get(&batch.id) {
            Some(msg) => Err(StoreError::CommitFailed(msg.clone())),
            None => Ok(out),
        }
    }

    fn commit(&self, st: &mut State, id: u64) -> Result<(), StoreError> {
        let result = run(&st.conn, "COMMIT");
        if let Err(e) = &result {
            // A COMMIT that failed may leave the transaction open; nothing of it was acknowledged.
            if !st.conn.is_autocommit() {
                let _ = run(&st.conn, "ROLLBACK");
            }
            st.failures.insert(id, e.to_string());
            while st.failures.len() > FAILURES_KEPT {
                st.failures.pop_first();
            }
        } else {
            st.commits += 1;
        }
        st.open = None;
        st.finished = id;
        self.committed.notify_all();
        result
    }
}

/// `f` inside a savepoint: kept on success, rolled back on error or panic.
fn savepoint<T>(conn: &Connection, f: impl FnOnce(&Connection) -> Result<T, StoreError>) -> Result<T, StoreError> {
    struct Undo<'c>(Option<&'c Connection>);
    impl Drop for Undo<'_> {
        fn drop(&mut self) {
            if let Some(conn) = self.0 {
                // If even this fails the connection is broken; the batch's COMMIT will then fail and say so.
                let _ = run(conn, "ROLLBACK TO w");
                let _ = run(conn, "RELEASE w");
            }
        }
    }
    run(conn, "SAVEPOINT w")?;
    let mut undo = Undo(Some(conn));
    let out = f(conn)?;
    undo.0 = None;
    run(conn, "RELEASE w")?;
    Ok(out)
}
