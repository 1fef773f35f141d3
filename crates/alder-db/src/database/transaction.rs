//! Transactions and savepoints on one held connection (Django's `atomic`), and what a held
//! connection remembers between statements: its depth, the rollbacks still to run, and on
//! PostgreSQL whether a failed statement has aborted the transaction.

use super::{Database, Pool};
use crate::error::{DbError, Result};

impl Database {
    fn pending_rollbacks(&self) -> Option<&std::sync::Mutex<Vec<usize>>> {
        match &*self.pool {
            Pool::SqliteConn(held) => Some(&held.pending_rollbacks),
            Pool::PostgresConn(held) => Some(&held.pending_rollbacks),
            _ => None,
        }
    }

    /// Records a failed statement on a held PostgreSQL connection: the server has aborted the
    /// transaction it ran in, and ignores everything until that level is rolled back.
    /// SQLite rolls back only the failed statement, so there is nothing to remember.
    pub(super) fn track<T>(&self, result: Result<T>) -> Result<T> {
        result.map_err(|err| self.noted(err))
    }

    /// [`track`](Self::track) for one error.
    pub(super) fn noted(&self, err: DbError) -> DbError {
        if let Pool::PostgresConn(held) = &*self.pool {
            if err.is_from_server() {
                held.note_failure(&err);
            }
        }
        err
    }

    /// Marks a held connection to be closed instead of returned to the pool once every handle
    /// to it is gone: for session state that must not outlive the work (an advisory lock).
    pub(crate) fn close_when_released(&self) {
        match &*self.pool {
            Pool::SqliteConn(held) => {
                if let Some(conn) = held.conn.try_lock().ok().as_mut().and_then(|c| c.as_mut()) {
                    conn.close_on_drop();
                }
            }
            Pool::PostgresConn(held) => {
                if let Some(conn) = held.conn.try_lock().ok().as_mut().and_then(|c| c.as_mut()) {
                    conn.close_on_drop();
                }
            }
            Pool::Sqlite(_) | Pool::Postgres(_) => {}
        }
    }

    fn aborted(&self) -> Option<&std::sync::Mutex<Option<(usize, String)>>> {
        match &*self.pool {
            Pool::PostgresConn(held) => Some(&held.aborted),
            _ => None,
        }
    }

    fn depth(&self) -> Option<&std::sync::atomic::AtomicUsize> {
        match &*self.pool {
            Pool::SqliteConn(held) => Some(&held.depth),
            Pool::PostgresConn(held) => Some(&held.depth),
            _ => None,
        }
    }

    /// Starts a transaction (a savepoint, when this handle is already in one). Run queries on
    /// [`Transaction::db`], then [`commit`](Transaction::commit); dropping it uncommitted rolls
    /// it back.
    pub async fn begin(&self) -> Result<Transaction> {
        self.begin_with("BEGIN").await
    }

    /// Like [`begin`](Self::begin), taking SQLite's write lock at once (`BEGIN IMMEDIATE`,
    /// Django's `transaction_mode = "IMMEDIATE"`): a transaction that reads and then writes
    /// waits for other writers up front instead of failing with "database is locked" when it
    /// comes to write. The same as `begin` on PostgreSQL, whose row locks
    /// (`select_for_update`) do this job.
    ///
    /// ```
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let db = alder_db::Database::connect("sqlite::memory:").await.unwrap();
    /// db.execute_unprepared("CREATE TABLE counter (n INTEGER)").await.unwrap();
    /// let tx = db.begin_immediate().await.unwrap(); // the write lock is held from here
    /// tx.db().execute_unprepared("INSERT INTO counter VALUES (1)").await.unwrap();
    /// tx.commit().await.unwrap();
    /// # });
    /// ```
    pub async fn begin_immediate(&self) -> Result<Transaction> {
        let sql = match self.backend() {
            crate::Backend::Sqlite => "BEGIN IMMEDIATE",
            crate::Backend::Postgres => "BEGIN",
        };
        self.begin_with(sql).await
    }

    async fn begin_with(&self, begin: &str) -> Result<Transaction> {
        let db = self.acquire().await?;
        let depth = db
            .depth()
            .map_or(0, |d| d.fetch_add(1, std::sync::atomic::Ordering::SeqCst));
        let sql = if depth == 0 {
            begin.to_string()
        } else {
            format!("SAVEPOINT alder_sp_{depth}")
        };
        if let Err(e) = db.execute_unprepared(&sql).await {
            if let Some(d) = db.depth() {
                d.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
            }
            return Err(e);
        }
        Ok(Transaction {
            db,
            depth,
            done: false,
        })
    }

    /// Runs `work` in a transaction (Django's `atomic`): committed when it returns `Ok`,
    /// rolled back when it returns `Err`. Nested calls use savepoints.
    ///
    /// ```
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let db = alder_db::Database::connect("sqlite::memory:").await.unwrap();
    /// db.execute_unprepared("CREATE TABLE t (x INTEGER)").await.unwrap();
    /// let failed: Result<(), alder_db::DbError> = db
    ///     .atomic(|tx| async move {
    ///         tx.execute_unprepared("INSERT INTO t VALUES (1)").await?;
    ///         Err(alder_db::DbError::NotFound { model: "T" })
    ///     })
    ///     .await;
    /// assert!(failed.is_err());
    /// let rows = db.fetch_all("T", "SELECT x FROM t", sea_query::Values(vec![])).await.unwrap();
    /// assert!(rows.is_empty(), "the insert was rolled back");
    /// # });
    /// ```
    pub async fn atomic<T, E, F, Fut>(&self, work: F) -> std::result::Result<T, E>
    where
        F: FnOnce(Database) -> Fut,
        Fut: std::future::Future<Output = std::result::Result<T, E>>,
        E: From<DbError>,
    {
        run_atomic(self.begin().await?, work).await
    }

    /// [`atomic`](Self::atomic) in a transaction begun with
    /// [`begin_immediate`](Self::begin_immediate): for a read-modify-write on SQLite.
    ///
    /// ```
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let db = alder_db::Database::connect("sqlite::memory:").await.unwrap();
    /// db.execute_unprepared("CREATE TABLE counter (n INTEGER)").await.unwrap();
    /// db.execute_unprepared("INSERT INTO counter VALUES (0)").await.unwrap();
    /// db.atomic_immediate(|tx| async move {
    ///     // Read, then write: the write lock was taken before the read.
    ///     tx.fetch_all("Counter", "SELECT n FROM counter", sea_query::Values(vec![])).await?;
    ///     tx.execute_unprepared("UPDATE counter SET n = n + 1").await?;
    ///     Ok::<_, alder_db::DbError>(())
    /// })
    /// .await
    /// .unwrap();
    /// # });
    /// ```
    pub async fn atomic_immediate<T, E, F, Fut>(&self, work: F) -> std::result::Result<T, E>
    where
        F: FnOnce(Database) -> Fut,
        Fut: std::future::Future<Output = std::result::Result<T, E>>,
        E: From<DbError>,
    {
        run_atomic(self.begin_immediate().await?, work).await
    }
}

async fn run_atomic<T, E, F, Fut>(tx: Transaction, work: F) -> std::result::Result<T, E>
where
    F: FnOnce(Database) -> Fut,
    Fut: std::future::Future<Output = std::result::Result<T, E>>,
    E: From<DbError>,
{
    match work(tx.db.clone()).await {
        Ok(value) => {
            tx.commit().await?;
            Ok(value)
        }
        Err(err) => {
            tx.rollback().await?;
            Err(err)
        }
    }
}

/// One connection held out of the pool `source` (or, for a session, to be taken from it at
/// the first query), with its transaction depth.
pub(super) struct Held<C, P> {
    pub(super) conn: tokio::sync::Mutex<Option<C>>,
    pub(super) source: P,
    depth: std::sync::atomic::AtomicUsize,
    /// Transactions and savepoints dropped without commit or rollback, by depth: a `Drop`
    /// cannot wait for the database, so the rollback runs before the next statement on this
    /// connection, which then never sees their changes.
    pending_rollbacks: std::sync::Mutex<Vec<usize>>,
    /// PostgreSQL only: the level (0 the transaction, n the n-th savepoint) whose statement
    /// failed, and the error. COMMIT of an aborted transaction is answered with a silent
    /// ROLLBACK, so `commit` checks this instead of trusting the answer.
    pub(super) aborted: std::sync::Mutex<Option<(usize, String)>>,
}

impl<C, P> Held<C, P> {
    pub(super) fn new(conn: Option<C>, source: P) -> Self {
        Held {
            conn: tokio::sync::Mutex::new(conn),
            source,
            depth: std::sync::atomic::AtomicUsize::new(0),
            pending_rollbacks: std::sync::Mutex::new(Vec::new()),
            aborted: std::sync::Mutex::new(None),
        }
    }

    fn note_failure(&self, err: &DbError) {
        let open = self.depth.load(std::sync::atomic::Ordering::SeqCst);
        if open == 0 {
            return; // outside a transaction the statement failed alone
        }
        let mut aborted = lock(&self.aborted);
        if aborted.is_none() {
            *aborted = Some((open - 1, err.to_string()));
        }
    }

    /// Level `level` was rolled back: a failure at that level or inside it is undone.
    pub(super) fn rolled_back(&self, level: usize) {
        clear_from(&self.aborted, level);
    }

    /// The rollbacks to run now, innermost first.
    pub(super) fn take_pending(&self) -> Vec<usize> {
        let mut pending = std::mem::take(
            &mut *self
                .pending_rollbacks
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        );
        pending.sort_unstable_by(|a, b| b.cmp(a));
        pending
    }
}

/// An open transaction (or savepoint) on one connection. Its [`db`](Self::db) handle runs
/// queries inside it; everything `QuerySet` and `crud` do works on it.
pub struct Transaction {
    db: Database,
    depth: usize,
    done: bool,
}

impl std::fmt::Debug for Transaction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transaction")
            .field("depth", &self.depth)
            .finish()
    }
}

/// The statement that ends a transaction (`depth` 0) or a savepoint, committing or not.
pub(super) fn end_sql(depth: usize, commit: bool) -> String {
    match (depth, commit) {
        (0, true) => "COMMIT".to_string(),
        (0, false) => "ROLLBACK".to_string(),
        (n, true) => format!("RELEASE SAVEPOINT alder_sp_{n}"),
        (n, false) => format!("ROLLBACK TO SAVEPOINT alder_sp_{n}"),
    }
}

impl Transaction {
    /// The handle to run queries in this transaction.
    pub fn db(&self) -> &Database {
        &self.db
    }

    async fn finish(mut self, commit: bool) -> Result<()> {
        self.done = true;
        let aborted = self.db.aborted().and_then(|a| {
            let failure = lock(a).clone().filter(|(level, _)| *level >= self.depth);
            failure.map(|(_, message)| message)
        });
        let was_aborted = aborted.is_some();
        let result = match (commit, aborted) {
            (true, Some(message)) => {
                // Committing would report success and roll back: roll back, and say so.
                let undone = self
                    .db
                    .execute_unprepared(&end_sql(self.depth, false))
                    .await;
                undone.and(Err(DbError::RolledBack { message }))
            }
            _ => {
                self.db
                    .execute_unprepared(&end_sql(self.depth, commit))
                    .await
            }
        };
        if let Some(a) = self.db.aborted() {
            if !commit || result.is_err() || self.depth == 0 {
                clear_from(a, self.depth);
            }
        }
        if result.is_err() && commit && !was_aborted {
            // A failed COMMIT (SQLite busy, say) leaves the transaction open: close it, so
            // the connection goes back to the pool clean.
            if let Err(e) = self
                .db
                .execute_unprepared(&end_sql(self.depth, false))
                .await
            {
                tracing::warn!(error = %e, "rolling back after a failed commit");
            }
        }
        if let Some(d) = self.db.depth() {
            d.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
        }
        result.map(|_| ())
    }

    /// Makes the changes permanent (or releases the savepoint).
    pub async fn commit(self) -> Result<()> {
        self.finish(true).await
    }

    /// Undoes the changes (back to the savepoint).
    pub async fn rollback(self) -> Result<()> {
        self.finish(false).await
    }
}

impl Drop for Transaction {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        // Dropped without commit (a panic, an early return, `?`): recorded, and rolled back
        // before the next statement on the connection, so code that goes on with an outer
        // transaction never sees this one's changes.
        if let Some(held_pending) = self.db.pending_rollbacks() {
            held_pending
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push(self.depth);
        }
        if let Some(d) = self.db.depth() {
            d.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
        }
        // A whole transaction also needs its ROLLBACK when nobody runs another statement:
        // the connection then goes back to the pool clean.
        if self.depth == 0 {
            let db = self.db.clone();
            if let Ok(handle) = tokio::runtime::Handle::try_current() {
                handle.spawn(async move {
                    let _ = db.execute_unprepared("SELECT 1").await;
                });
            }
        }
    }
}

fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Forgets a failure at `level` or deeper (that level was rolled back or ended).
fn clear_from(aborted: &std::sync::Mutex<Option<(usize, String)>>, level: usize) {
    let mut aborted = lock(aborted);
    if aborted.as_ref().is_some_and(|(failed, _)| *failed >= level) {
        *aborted = None;
    }
}
