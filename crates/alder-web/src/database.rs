//! The project's database as handlers see it: connected on first use (so a project builds
//! and answers pages that need no database while it is down), shared by every request.

use std::ops::Deref;
use std::sync::Arc;

use alder_db::{Database, DbError};
use axum::extract::{FromRef, FromRequestParts};
use http::request::Parts;
use http::StatusCode;
use tokio::sync::OnceCell;

use crate::{Error, ProjectState};

/// The database of a project, connected the first time it is needed. A failed connection is
/// tried again at the next request: the site recovers by itself when the database is back.
pub(crate) struct LazyDatabase {
    url: String,
    options: alder_db::PoolOptions,
    cell: OnceCell<Database>,
}

impl std::fmt::Debug for LazyDatabase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LazyDatabase")
            .field("url", &alder_db::redact_url(&self.url))
            .field("connected", &self.cell.initialized())
            .finish_non_exhaustive()
    }
}

impl LazyDatabase {
    pub(crate) fn new(url: String, settings: &crate::Settings) -> Self {
        LazyDatabase {
            url,
            options: alder_db::PoolOptions {
                max_connections: settings.database_pool_size.max(1),
                acquire_timeout: std::time::Duration::from_secs(settings.database_timeout.max(1)),
                health_checks: settings.database_health_checks,
            },
            cell: OnceCell::new(),
        }
    }

    pub(crate) async fn get(&self) -> Result<Database, DbError> {
        if let Some(db) = self.cell.get() {
            return Ok(db.clone());
        }
        // Boxed: the connect future is kilobytes, and held inline it would make the future of
        // every handler taking `Db` that large (moving it costs on every request).
        Box::pin(
            self.cell
                .get_or_try_init(|| Database::connect_with(&self.url, self.options.clone())),
        )
        .await
        .cloned()
    }
}

/// A database error as the web sees it (through `?`): `get` finding nothing is a 404 (Django's
/// `get_object_or_404`); a database that cannot be reached, or whose connections are all busy,
/// is a 503; an object `crud::full_clean` refused is a 422 naming each problem (the client's
/// input was wrong, not the server); anything else is a 500.
pub(crate) fn db_error(err: DbError) -> Error {
    match err {
        // Django's wording; the 404 stays inside, so the status and production page are the
        // same, and the debug page shows which model was looked for.
        DbError::NotFound { model } => Error::other(
            format!("No {model} matches the given query."),
            Error::NotFound,
        ),
        // The cause stays in the chain (debug page, log); the client reads the message.
        _ if err.is_unavailable() => Error::other(
            err.to_string(),
            Error::http(
                StatusCode::SERVICE_UNAVAILABLE,
                "The database is unavailable; try again shortly.",
            ),
        ),
        DbError::Invalid { .. } => Error::http(StatusCode::UNPROCESSABLE_ENTITY, err.to_string()),
        other => Error::other("database error", other),
    }
}

/// The project's database, as an extractor: `async fn list(db: Db) -> Result<…>`.
///
/// A request holds one connection (Django's per-request connection): taken at its first query,
/// used by every later query and transaction of the request, and given back when the handler
/// is done with it. A handler that awaits something slow outside the database (an HTTP call,
/// a sleep) after querying keeps its connection meanwhile; drop the `Db` first
/// (`drop(db)`) to give it back early.
///
/// ```
/// use alder_web::{App, Project, Settings, Db, routing::get};
/// async fn count(db: Db) -> alder_web::Result<String> {
///     db.execute_unprepared("SELECT 1").await?;
///     Ok(format!("{:?}", db.backend()))
/// }
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let mut settings = Settings::debug();
/// settings.database_url = Some("sqlite::memory:".into());
/// let project = Project::new(settings).app(App::new("a").route("/", get(count), "count"));
/// alder_web::test::TestClient::new(project).get("/").await.assert_ok().assert_contains("Sqlite");
/// # });
/// ```
#[derive(Debug, Clone)]
pub struct Db(pub Database);

impl Deref for Db {
    type Target = Database;

    fn deref(&self) -> &Database {
        &self.0
    }
}

impl<S> FromRequestParts<S> for Db
where
    ProjectState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        // One session per request, shared by every extractor that asks: its connection is
        // taken at the first query and goes back when the last handle is dropped.
        if let Some(RequestDb(db)) = parts.extensions.get::<RequestDb>() {
            return Ok(Db(db.clone()));
        }
        let db = ProjectState::from_ref(state).database().await?.session();
        parts.extensions.insert(RequestDb(db.clone()));
        Ok(Db(db))
    }
}

/// The request's database session, kept in its extensions so that two extractors of one
/// request share a connection.
#[derive(Clone)]
struct RequestDb(Database);

pub(crate) type SharedDatabase = Arc<LazyDatabase>;
