//! A connection pool to SQLite or PostgreSQL, chosen at run time by the URL.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sea_query::Values;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgRow};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow};
use sqlx::{AssertSqlSafe, PgPool, SqlitePool};

use crate::error::{redact_url, DbError, Result};

mod binding;
mod health;
mod query_log;
mod transaction;

use binding::{check_bindable, pg_args, sqlite_args};
pub(crate) use binding::{SchemaStatement, Statement};
pub use query_log::CapturedQueries;
pub use transaction::Transaction;
use transaction::{end_sql, Held};

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
    /// One connection held out of a SQLite pool (taken at the first query for a session).
    SqliteConn(Arc<Held<sqlx::pool::PoolConnection<sqlx::Sqlite>, SqlitePool>>),
    /// One connection held out of a PostgreSQL pool (taken at the first query for a session).
    PostgresConn(Arc<Held<sqlx::pool::PoolConnection<sqlx::Postgres>, PgPool>>),
}

/// Runs `$sqlite` or `$postgres` with `$e` bound to an executor: the pool, or the one held
/// connection.
/// Runs the rollbacks of transactions dropped uncommitted on a held connection, innermost
/// first, before anything else runs on it. (A macro: a generic async fn over both connection
/// types trips sqlx's higher-ranked `Executor` bounds inside spawned tasks.)
macro_rules! roll_back_pending {
    ($held:expr, $conn:ident) => {
        for depth in $held.take_pending() {
            sqlx::raw_sql(AssertSqlSafe(end_sql(depth, false)))
                .execute(&mut **$conn)
                .await
                .map_err(|e| DbError::from_sqlx("?", "(rolling back)", e))?;
            $held.rolled_back(depth);
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
        $db.health.refuse(&$db.url)?;
        let idle = if $pool.options().get_test_before_acquire() {
            None
        } else {
            $pool.try_acquire()
        };
        match idle {
            Some(conn) => conn,
            None => Box::pin($pool.acquire())
                .await
                .map_err(|e| $db.acquire_error(e, $pool.size()))?,
        }
    }};
}

/// The connection of a held handle, taken from its pool now if this is the session's first
/// query.
macro_rules! held_connection {
    ($db:expr, $held:expr, $guard:ident) => {{
        if $guard.is_none() {
            *$guard = Some(acquire!($db, $held.source));
        }
        match $guard.as_mut() {
            Some(conn) => conn,
            None => unreachable!("the connection was just taken"),
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
                let conn = held_connection!($db, held, guard);
                roll_back_pending!(held, conn);
                let $e1 = &mut **conn;
                $sqlite
            }
            Pool::PostgresConn(held) => {
                let mut guard = held.conn.lock().await;
                let conn = held_connection!($db, held, guard);
                roll_back_pending!(held, conn);
                let $e2 = &mut **conn;
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
    health: Arc<health::Health>,
    queries: Arc<query_log::QueryLog>,
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
            health: Arc::default(),
            queries: Arc::default(),
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

    /// Starts recording every statement this database runs, through any clone of this handle
    /// (a request's session, a transaction), until the capture is dropped — for a test that
    /// pins how many queries a page costs (Django's `assertNumQueries`). Cheap when unused:
    /// one relaxed atomic load per statement.
    ///
    /// ```
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let db = alder_db::Database::connect("sqlite::memory:").await.unwrap();
    /// let queries = db.capture_queries();
    /// db.execute_unprepared("CREATE TABLE t (x INTEGER)").await.unwrap();
    /// assert_eq!(queries.count(), 1, "{queries:?}");
    /// # });
    /// ```
    pub fn capture_queries(&self) -> CapturedQueries {
        CapturedQueries::start(&self.queries)
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
        self.queries.note(sql);
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
        self.track(result.map_err(|e| DbError::from_sqlx("?", sql, e)))
    }

    /// Runs a statement with parameters; returns the number of rows it changed.
    pub async fn execute(&self, model: &'static str, sql: &str, values: Values) -> Result<u64> {
        check_bindable(model, &values)?;
        self.queries.note(sql);
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
        self.track(result.map_err(|e| DbError::from_sqlx(model, sql, e)))
    }

    /// Runs a PostgreSQL statement whose parameters are whole columns bound as arrays.
    pub(crate) async fn execute_pg_arrays(
        &self,
        model: &'static str,
        sql: &str,
        columns: Vec<crate::pg_arrays::ArrayColumn>,
    ) -> Result<u64> {
        self.queries.note(sql);
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
        self.track(result.map_err(|e| DbError::from_sqlx(model, sql, e)))
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
        check_bindable(model, &values)?;
        self.queries.note(&sql);
        let err = |e| self.noted(DbError::from_sqlx(model, &sql, e));
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
        check_bindable(model, &values)?;
        self.queries.note(&sql);
        let err = |e| self.noted(DbError::from_sqlx(model, &sql, e));
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
    fn acquire_error(&self, source: sqlx::Error, open: u32) -> DbError {
        // A PostgreSQL pool that timed out with room for more connections could not open one
        // (sqlx retries a refused connection until the timeout): the server is down, and
        // later requests are refused at once until a probe reaches it again.
        if let Some(pool) = self.postgres_pool() {
            let room = open < pool.options().get_max_connections();
            let cannot_connect = match &source {
                sqlx::Error::PoolTimedOut => room,
                sqlx::Error::PoolClosed => false,
                _ => true,
            };
            if cannot_connect {
                self.health.mark_down(source.to_string(), pool);
            }
        }
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

    /// The PostgreSQL pool behind this handle, if it is one.
    fn postgres_pool(&self) -> Option<&PgPool> {
        match &*self.pool {
            Pool::Postgres(p) => Some(p),
            Pool::PostgresConn(held) => Some(&held.source),
            Pool::Sqlite(_) | Pool::SqliteConn(_) => None,
        }
    }

    /// A handle on one connection taken from the pool, kept until every clone of the handle
    /// is dropped: for work that must stay on one session (a transaction, an advisory lock).
    pub async fn acquire(&self) -> Result<Self> {
        self.health.refuse(&self.url)?;
        let pool = match &*self.pool {
            Pool::Sqlite(p) => Pool::SqliteConn(Arc::new(Held::new(
                Some(
                    p.acquire()
                        .await
                        .map_err(|e| self.acquire_error(e, p.size()))?,
                ),
                p.clone(),
            ))),
            Pool::Postgres(p) => Pool::PostgresConn(Arc::new(Held::new(
                Some(
                    p.acquire()
                        .await
                        .map_err(|e| self.acquire_error(e, p.size()))?,
                ),
                p.clone(),
            ))),
            Pool::SqliteConn(_) | Pool::PostgresConn(_) => return Ok(self.clone()),
        };
        Ok(Database {
            pool: Arc::new(pool),
            ..self.clone()
        })
    }

    /// A handle that takes one connection from the pool at its first query and keeps it for
    /// every later query, transaction and savepoint, until every clone of the handle is
    /// dropped: what a web request uses (Django holds one connection per request), so a
    /// request of twenty queries pays one acquire and one release instead of twenty. Nothing
    /// is taken if no query runs. On a handle that already holds a connection, a clone.
    ///
    /// ```
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let db = alder_db::Database::connect("sqlite::memory:").await.unwrap();
    /// let request = db.session(); // no connection taken yet
    /// request.execute_unprepared("CREATE TEMP TABLE seen (n INTEGER)").await.unwrap();
    /// // A temporary table lives in one connection: the session keeps finding it.
    /// request.execute_unprepared("INSERT INTO seen VALUES (1)").await.unwrap();
    /// # });
    /// ```
    pub fn session(&self) -> Self {
        let pool = match &*self.pool {
            Pool::Sqlite(p) => Pool::SqliteConn(Arc::new(Held::new(None, p.clone()))),
            Pool::Postgres(p) => Pool::PostgresConn(Arc::new(Held::new(None, p.clone()))),
            Pool::SqliteConn(_) | Pool::PostgresConn(_) => return self.clone(),
        };
        Database {
            pool: Arc::new(pool),
            ..self.clone()
        }
    }
}
