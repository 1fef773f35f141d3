//! A connection pool to SQLite or PostgreSQL, chosen at run time by the URL.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sea_query::{PostgresQueryBuilder, SqliteQueryBuilder, Value, Values};
use sqlx::postgres::{PgArguments, PgConnectOptions, PgPoolOptions, PgRow};
use sqlx::sqlite::{
    SqliteArguments, SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow,
};
use sqlx::{Arguments, AssertSqlSafe, PgPool, SqlitePool};

use crate::error::{redact_url, DbError, Result};

/// Which database engine a [`Database`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Backend {
    /// SQLite, in a file next to the project (the default).
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

/// Pool settings; the defaults suit a small site.
///
/// ```
/// let options = alder_db::PoolOptions { max_connections: 20, ..Default::default() };
/// assert_eq!(options.max_connections, 20);
/// ```
#[derive(Debug, Clone)]
pub struct PoolOptions {
    /// The most connections open at once.
    pub max_connections: u32,
    /// How long a query waits for a free connection before failing.
    pub acquire_timeout: Duration,
    /// Whether a connection is checked with a round trip to the server each time it is
    /// taken from the pool (Django's `CONN_HEALTH_CHECKS`). Off by default, as in Django:
    /// a connection the server has closed fails one query and is then replaced.
    pub health_checks: bool,
}

impl Default for PoolOptions {
    fn default() -> Self {
        PoolOptions {
            max_connections: 10,
            acquire_timeout: Duration::from_secs(10),
            health_checks: false,
        }
    }
}

enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
    /// One connection held out of a SQLite pool.
    SqliteConn(Arc<Held<sqlx::pool::PoolConnection<sqlx::Sqlite>>>),
    /// One connection held out of a PostgreSQL pool.
    PostgresConn(Arc<Held<sqlx::pool::PoolConnection<sqlx::Postgres>>>),
}

/// Runs `$sqlite` or `$postgres` with `$e` bound to an executor: the pool, or the one held
/// connection.
/// Runs the rollbacks of transactions dropped uncommitted on a held connection, innermost
/// first, before anything else runs on it. (A macro: a generic async fn over both connection
/// types trips sqlx's higher-ranked `Executor` bounds inside spawned tasks.)
macro_rules! roll_back_pending {
    ($held:expr, $guard:ident) => {
        for depth in $held.take_pending() {
            sqlx::raw_sql(AssertSqlSafe(end_sql(depth, false)))
                .execute(&mut **$guard)
                .await
                .map_err(|e| DbError::from_sqlx("?", "(rolling back)", e))?;
        }
    };
}

/// A connection from `$pool`: an idle one at once when there is one and no other task is
/// waiting (no future at all), else through `acquire()`, boxed. sqlx's `acquire()` future is
/// several kilobytes (its timeout and connect paths); held inline it would make every query
/// future, and every handler future awaiting one, that large, and moving a handler future
/// into its box was measured (callgrind) at ~10 k instructions a request.
macro_rules! acquire {
    ($db:expr, $pool:expr) => {{
        let idle = if $pool.options().get_test_before_acquire() {
            None
        } else {
            $pool.try_acquire()
        };
        match idle {
            Some(conn) => conn,
            None => Box::pin($pool.acquire())
                .await
                .map_err(|e| $db.acquire_error(e))?,
        }
    }};
}

macro_rules! on_backend {
    ($db:expr, |$e1:ident| $sqlite:expr, |$e2:ident| $postgres:expr) => {
        // A connection is taken from the pool first and the query run on it: running it on
        // the pool itself wraps every row stream in one more boxed stream (measured with
        // callgrind: a third of the work of a one-row query).
        match &*$db.pool {
            Pool::Sqlite(pool) => {
                let mut conn = acquire!($db, pool);
                let $e1 = &mut *conn;
                $sqlite
            }
            Pool::Postgres(pool) => {
                let mut conn = acquire!($db, pool);
                let $e2 = &mut *conn;
                $postgres
            }
            Pool::SqliteConn(held) => {
                let mut guard = held.conn.lock().await;
                roll_back_pending!(held, guard);
                let $e1 = &mut **guard;
                $sqlite
            }
            Pool::PostgresConn(held) => {
                let mut guard = held.conn.lock().await;
                roll_back_pending!(held, guard);
                let $e2 = &mut **guard;
                $postgres
            }
        }
    };
}

/// SQL collected instead of run, for `sqlmigrate`.
type Capture = Arc<std::sync::Mutex<Vec<String>>>;

/// A pool of connections to one database. Cheap to clone; share one per project.
///
/// ```
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let db = alder_db::Database::connect("sqlite::memory:").await.unwrap();
/// assert_eq!(db.backend(), alder_db::Backend::Sqlite);
/// db.execute_unprepared("CREATE TABLE t (x INTEGER)").await.unwrap();
/// # });
/// ```
#[derive(Clone)]
pub struct Database {
    pool: Arc<Pool>,
    url: Arc<str>,
    capture: Option<Capture>,
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

/// One result row, from whichever backend.
#[derive(Debug)]
pub enum DbRow {
    /// A SQLite row.
    Sqlite(SqliteRow),
    /// A PostgreSQL row.
    Postgres(PgRow),
}

impl Database {
    /// Connects with default pool settings: `sqlite://file.sqlite3` (created if missing, in
    /// WAL mode), `sqlite::memory:`, or `postgres://user:password@host:port/name`.
    pub async fn connect(url: &str) -> Result<Self> {
        Self::connect_with(url, PoolOptions::default()).await
    }

    /// Connects with the given pool settings.
    pub async fn connect_with(url: &str, options: PoolOptions) -> Result<Self> {
        let shown = redact_url(url);
        let connect_err = |source| DbError::Connect {
            url: shown.clone(),
            source,
        };
        let pool = if url.starts_with("sqlite:") {
            let memory = url.contains(":memory:") || url.contains("mode=memory");
            let mut opts = SqliteConnectOptions::from_str(url)
                .map_err(connect_err)?
                .create_if_missing(true)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(5))
                // Case-sensitive LIKE, so `contains` means the same as on PostgreSQL.
                .pragma("case_sensitive_like", "ON");
            if !memory {
                opts = opts.journal_mode(SqliteJournalMode::Wal);
            }
            // An in-memory database lives as long as its one connection.
            let max = if memory { 1 } else { options.max_connections };
            let pool = SqlitePoolOptions::new()
                .max_connections(max)
                .acquire_timeout(options.acquire_timeout)
                .test_before_acquire(options.health_checks)
                .idle_timeout(if memory {
                    None
                } else {
                    Some(Duration::from_secs(600))
                })
                .max_lifetime(if memory {
                    None
                } else {
                    Some(Duration::from_secs(1800))
                })
                .connect_with(opts)
                .await
                .map_err(connect_err)?;
            Pool::Sqlite(pool)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            // Timestamps come back in UTC and dates as ISO text whatever the server's
            // configuration, as Django sets its connections (the date lookups rely on it).
            let opts = PgConnectOptions::from_str(url)
                .map_err(connect_err)?
                .options([("TimeZone", "UTC"), ("DateStyle", "ISO, YMD")]);
            let pool = PgPoolOptions::new()
                .max_connections(options.max_connections)
                .acquire_timeout(options.acquire_timeout)
                .test_before_acquire(options.health_checks)
                .connect_with(opts)
                .await
                .map_err(connect_err)?;
            Pool::Postgres(pool)
        } else {
            return Err(DbError::UnsupportedUrl { url: shown });
        };
        Ok(Database {
            pool: Arc::new(pool),
            url: shown.into(),
            capture: None,
        })
    }

    /// A handle on the same database that collects DDL run through
    /// [`execute_unprepared`](Self::execute_unprepared) instead of running it (`sqlmigrate`).
    pub fn capturing(&self) -> Self {
        Database {
            capture: Some(Arc::default()),
            ..self.clone()
        }
    }

    /// The SQL collected by a [`capturing`](Self::capturing) handle.
    pub fn captured(&self) -> Vec<String> {
        self.capture
            .as_ref()
            .map(|c| {
                c.lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .clone()
            })
            .unwrap_or_default()
    }

    /// Whether this handle collects SQL instead of running it.
    pub fn is_capturing(&self) -> bool {
        self.capture.is_some()
    }

    /// The engine behind this pool.
    pub fn backend(&self) -> Backend {
        match *self.pool {
            Pool::Sqlite(_) | Pool::SqliteConn(_) => Backend::Sqlite,
            Pool::Postgres(_) | Pool::PostgresConn(_) => Backend::Postgres,
        }
    }

    /// The URL, with its password hidden.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Renders a query in this backend's dialect.
    pub(crate) fn build(&self, statement: &impl Statement) -> (String, Values) {
        statement.build_for(self.backend())
    }

    /// Renders DDL in this backend's dialect.
    pub(crate) fn build_ddl(&self, statement: &impl SchemaStatement) -> String {
        statement.build_for(self.backend())
    }

    /// Runs SQL without parameters and without preparing it (DDL, several statements).
    pub async fn execute_unprepared(&self, sql: &str) -> Result<u64> {
        if let Some(capture) = &self.capture {
            capture
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push(sql.to_string());
            return Ok(0);
        }
        let result = on_backend!(
            self,
            |e| sqlx::raw_sql(AssertSqlSafe(sql.to_string()))
                .execute(e)
                .await
                .map(|r| r.rows_affected()),
            |e| sqlx::raw_sql(AssertSqlSafe(sql.to_string()))
                .execute(e)
                .await
                .map(|r| r.rows_affected())
        );
        result.map_err(|e| DbError::from_sqlx("?", sql, e))
    }

    /// Runs a statement with parameters; returns the number of rows it changed.
    pub async fn execute(&self, model: &'static str, sql: &str, values: Values) -> Result<u64> {
        let result = on_backend!(
            self,
            |e| sqlx::query_with(AssertSqlSafe(sql.to_string()), sqlite_args(values))
                .execute(e)
                .await
                .map(|r| r.rows_affected()),
            |e| sqlx::query_with(AssertSqlSafe(sql.to_string()), pg_args(values))
                .execute(e)
                .await
                .map(|r| r.rows_affected())
        );
        result.map_err(|e| DbError::from_sqlx(model, sql, e))
    }

    /// Runs a PostgreSQL statement whose parameters are whole columns bound as arrays.
    pub(crate) async fn execute_pg_arrays(
        &self,
        model: &'static str,
        sql: &str,
        columns: Vec<crate::pg_arrays::ArrayColumn>,
    ) -> Result<u64> {
        let result = on_backend!(
            self,
            |_e| Err(sqlx::Error::Protocol(
                "array parameters are for PostgreSQL only".into()
            )),
            |e| match crate::pg_arrays::arguments(columns) {
                Ok(args) => sqlx::query_with(AssertSqlSafe(sql.to_string()), args)
                    .execute(e)
                    .await
                    .map(|r| r.rows_affected()),
                Err(err) => Err(err),
            }
        );
        result.map_err(|e| DbError::from_sqlx(model, sql, e))
    }

    /// Runs a query with parameters and returns every row.
    pub async fn fetch_all(
        &self,
        model: &'static str,
        sql: &str,
        values: Values,
    ) -> Result<Vec<DbRow>> {
        self.fetch_decoded(model, sql, values, Ok).await
    }

    /// Runs a query and decodes each row as it arrives (no intermediate list of rows).
    pub async fn fetch_decoded<T>(
        &self,
        model: &'static str,
        sql: &str,
        values: Values,
        decode: impl Fn(DbRow) -> Result<T>,
    ) -> Result<Vec<T>> {
        self.fetch_decoded_sized(model, sql.into(), values, 0, decode)
            .await
    }

    /// The first row of a query, decoded; for queries that cannot return more than one,
    /// which the driver reads without a row stream.
    pub(crate) async fn fetch_optional_decoded<T>(
        &self,
        model: &'static str,
        sql: std::sync::Arc<str>,
        values: Values,
        decode: impl Fn(DbRow) -> Result<T>,
    ) -> Result<Option<T>> {
        let err = |e| DbError::from_sqlx(model, &sql, e);
        let row = on_backend!(
            self,
            |e| sqlx::query_with(AssertSqlSafe(sql.clone()), sqlite_args(values))
                .fetch_optional(e)
                .await
                .map_err(err)?
                .map(DbRow::Sqlite),
            |e| sqlx::query_with(AssertSqlSafe(sql.clone()), pg_args(values))
                .fetch_optional(e)
                .await
                .map_err(err)?
                .map(DbRow::Postgres)
        );
        row.map(decode).transpose()
    }

    /// [`fetch_decoded`](Self::fetch_decoded) with room reserved for `expected` rows.
    pub(crate) async fn fetch_decoded_sized<T>(
        &self,
        model: &'static str,
        sql: std::sync::Arc<str>,
        values: Values,
        expected: usize,
        decode: impl Fn(DbRow) -> Result<T>,
    ) -> Result<Vec<T>> {
        use futures_util::TryStreamExt;
        let err = |e| DbError::from_sqlx(model, &sql, e);
        let mut out = Vec::with_capacity(expected);
        on_backend!(
            self,
            |e| {
                let mut rows =
                    sqlx::query_with(AssertSqlSafe(sql.clone()), sqlite_args(values)).fetch(e);
                while let Some(row) = rows.try_next().await.map_err(err)? {
                    out.push(decode(DbRow::Sqlite(row))?);
                }
            },
            |e| {
                let mut rows =
                    sqlx::query_with(AssertSqlSafe(sql.clone()), pg_args(values)).fetch(e);
                while let Some(row) = rows.try_next().await.map_err(err)? {
                    out.push(decode(DbRow::Postgres(row))?);
                }
            }
        );
        Ok(out)
    }

    /// Closes every connection; queries after this fail.
    pub async fn close(&self) {
        match &*self.pool {
            Pool::Sqlite(p) => p.close().await,
            Pool::Postgres(p) => p.close().await,
            Pool::SqliteConn(_) | Pool::PostgresConn(_) => {}
        }
    }

    /// Why no connection could be had: every one busy for too long, or the database
    /// unreachable.
    fn acquire_error(&self, source: sqlx::Error) -> DbError {
        match source {
            sqlx::Error::PoolTimedOut => DbError::PoolExhausted {
                url: self.url.to_string(),
            },
            source => DbError::Connect {
                url: self.url.to_string(),
                source,
            },
        }
    }

    /// A handle on one connection taken from the pool, kept until every clone of the handle
    /// is dropped: for work that must stay on one session (a transaction, an advisory lock).
    pub async fn acquire(&self) -> Result<Self> {
        let err = |e| self.acquire_error(e);
        let pool = match &*self.pool {
            Pool::Sqlite(p) => {
                Pool::SqliteConn(Arc::new(Held::new(p.acquire().await.map_err(err)?)))
            }
            Pool::Postgres(p) => {
                Pool::PostgresConn(Arc::new(Held::new(p.acquire().await.map_err(err)?)))
            }
            Pool::SqliteConn(_) | Pool::PostgresConn(_) => return Ok(self.clone()),
        };
        Ok(Database {
            pool: Arc::new(pool),
            ..self.clone()
        })
    }

    fn pending_rollbacks(&self) -> Option<&std::sync::Mutex<Vec<usize>>> {
        match &*self.pool {
            Pool::SqliteConn(held) => Some(&held.pending_rollbacks),
            Pool::PostgresConn(held) => Some(&held.pending_rollbacks),
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
        let db = self.acquire().await?;
        let depth = db
            .depth()
            .map_or(0, |d| d.fetch_add(1, std::sync::atomic::Ordering::SeqCst));
        let sql = if depth == 0 {
            "BEGIN".to_string()
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
        let tx = self.begin().await?;
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
}

/// One connection held out of the pool, with its transaction depth.
struct Held<C> {
    conn: tokio::sync::Mutex<C>,
    depth: std::sync::atomic::AtomicUsize,
    /// Transactions and savepoints dropped without commit or rollback, by depth: a `Drop`
    /// cannot wait for the database, so the rollback runs before the next statement on this
    /// connection, which then never sees their changes.
    pending_rollbacks: std::sync::Mutex<Vec<usize>>,
}

impl<C> Held<C> {
    fn new(conn: C) -> Self {
        Held {
            conn: tokio::sync::Mutex::new(conn),
            depth: std::sync::atomic::AtomicUsize::new(0),
            pending_rollbacks: std::sync::Mutex::new(Vec::new()),
        }
    }

    /// The rollbacks to run now, innermost first.
    fn take_pending(&self) -> Vec<usize> {
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
fn end_sql(depth: usize, commit: bool) -> String {
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
        let result = self
            .db
            .execute_unprepared(&end_sql(self.depth, commit))
            .await;
        if result.is_err() && commit {
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

impl DbRow {
    /// Reads column `index` as `T`; for raw queries.
    pub fn get<T: crate::FieldType>(&self, index: usize) -> Result<T, sqlx::Error> {
        T::decode(self, index)
    }
}

macro_rules! bind_all {
    ($args:ident, $values:ident, $decimal:expr) => {{
        for value in $values.0 {
            // Encoding an owned value into a fresh argument list cannot fail for these types;
            // an error would surface when the query runs.
            let _ = match value {
                Value::Bool(v) => $args.add(v),
                Value::TinyInt(v) => $args.add(v.map(i16::from)),
                Value::SmallInt(v) => $args.add(v),
                Value::Int(v) => $args.add(v),
                Value::BigInt(v) => $args.add(v),
                Value::TinyUnsigned(v) => $args.add(v.map(i16::from)),
                Value::SmallUnsigned(v) => $args.add(v.map(i32::from)),
                Value::Unsigned(v) => $args.add(v.map(i64::from)),
                Value::BigUnsigned(v) => $args.add(v.map(|v| i64::try_from(v).unwrap_or(i64::MAX))),
                Value::Float(v) => $args.add(v),
                Value::Double(v) => $args.add(v),
                Value::String(v) => $args.add(v),
                Value::Char(v) => $args.add(v.map(String::from)),
                Value::Bytes(v) => $args.add(v),
                Value::Json(v) => $args.add(v.map(|j| *j)),
                Value::ChronoDate(v) => $args.add(v),
                Value::ChronoTime(v) => $args.add(v),
                Value::ChronoDateTime(v) => $args.add(v),
                Value::ChronoDateTimeUtc(v) => $args.add(v),
                Value::ChronoDateTimeLocal(v) => {
                    $args.add(v.map(|d| d.with_timezone(&chrono::Utc)))
                }
                Value::ChronoDateTimeWithTimeZone(v) => {
                    $args.add(v.map(|d| d.with_timezone(&chrono::Utc)))
                }
                Value::Uuid(v) => $args.add(v),
                Value::Decimal(v) => $args.add($decimal(v)),
                other => $args.add(Some(format!("{other:?}"))),
            };
        }
        $args
    }};
}

fn sqlite_args(values: Values) -> SqliteArguments {
    let mut args = SqliteArguments::default();
    // SQLite has no decimal type: the text goes to a NUMERIC column, which converts it.
    bind_all!(args, values, |d: Option<rust_decimal::Decimal>| d
        .map(|d| d.to_string()))
}

fn pg_args(values: Values) -> PgArguments {
    let mut args = PgArguments::default();
    bind_all!(args, values, |d: Option<rust_decimal::Decimal>| d)
}

/// A sea-query statement with parameters, rendered per backend.
pub(crate) trait Statement {
    fn build_for(&self, backend: Backend) -> (String, Values);
}

/// A sea-query DDL statement, rendered per backend.
pub(crate) trait SchemaStatement {
    fn build_for(&self, backend: Backend) -> String;
}

macro_rules! statements {
    ($trait:ident, $out:ty, $($ty:ty),*) => {
        $(impl $trait for $ty {
            fn build_for(&self, backend: Backend) -> $out {
                match backend {
                    Backend::Sqlite => self.build(SqliteQueryBuilder),
                    Backend::Postgres => self.build(PostgresQueryBuilder),
                }
            }
        })*
    };
}

statements!(
    Statement,
    (String, Values),
    sea_query::SelectStatement,
    sea_query::InsertStatement,
    sea_query::UpdateStatement,
    sea_query::DeleteStatement
);
statements!(
    SchemaStatement,
    String,
    sea_query::TableCreateStatement,
    sea_query::TableDropStatement,
    sea_query::TableAlterStatement,
    sea_query::TableRenameStatement,
    sea_query::IndexCreateStatement,
    sea_query::IndexDropStatement
);
