//! Counting the statements a database runs, for tests that pin how many queries a page or
//! a function costs (Django's `assertNumQueries` and `CaptureQueriesContext`).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

/// Shared by every clone of a [`Database`](super::Database): the pool, a request's session,
/// a transaction's handle.
#[derive(Default)]
pub(crate) struct QueryLog {
    /// How many captures are open; while none is, a query costs one relaxed load.
    active: AtomicUsize,
    statements: Mutex<Vec<String>>,
}

impl QueryLog {
    /// Records `sql` if a capture is open.
    pub(crate) fn note(&self, sql: &str) {
        if self.active.load(Ordering::Relaxed) > 0 {
            let mut statements = self.lock();
            // Checked again under the lock: the last capture may have closed meanwhile.
            if self.active.load(Ordering::Relaxed) > 0 {
                statements.push(sql.to_owned());
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<String>> {
        self.statements
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// The statements run through a database — any clone of its handle, any connection, any
/// task — since [`Database::capture_queries`](super::Database::capture_queries), until this
/// is dropped. Every statement counts: reads, writes, `BEGIN`, `COMMIT` and savepoints.
///
/// ```
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let db = alder_db::Database::connect("sqlite::memory:").await.unwrap();
/// db.execute_unprepared("CREATE TABLE t (x INTEGER)").await.unwrap();
/// let queries = db.capture_queries();
/// db.execute_unprepared("INSERT INTO t VALUES (1)").await.unwrap();
/// db.session().execute_unprepared("INSERT INTO t VALUES (2)").await.unwrap();
/// assert_eq!(queries.count(), 2);
/// assert_eq!(queries.sql()[1], "INSERT INTO t VALUES (2)");
/// # });
/// ```
#[must_use = "the capture ends when this is dropped"]
pub struct CapturedQueries {
    log: Arc<QueryLog>,
    start: usize,
}

impl CapturedQueries {
    pub(crate) fn start(log: &Arc<QueryLog>) -> Self {
        // Opened and measured under the lock, so a capture closing at the same moment
        // cannot clear the list between the two.
        let statements = log.lock();
        log.active.fetch_add(1, Ordering::Relaxed);
        let start = statements.len();
        drop(statements);
        CapturedQueries {
            log: log.clone(),
            start,
        }
    }

    /// How many statements ran since the capture began.
    pub fn count(&self) -> usize {
        self.log.lock().len().saturating_sub(self.start)
    }

    /// Their SQL, in the order they ran.
    pub fn sql(&self) -> Vec<String> {
        self.log
            .lock()
            .get(self.start..)
            .unwrap_or_default()
            .to_vec()
    }
}

impl Drop for CapturedQueries {
    fn drop(&mut self) {
        let mut statements = self.log.lock();
        if self.log.active.fetch_sub(1, Ordering::Relaxed) == 1 {
            // The last capture closed: nothing more is kept.
            statements.clear();
        }
    }
}

impl std::fmt::Debug for CapturedQueries {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CapturedQueries")
            .field("sql", &self.sql())
            .finish()
    }
}
