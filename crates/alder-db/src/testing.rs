//! Fresh databases for tests, on every backend the machine has: SQLite always, PostgreSQL
//! when `ALDER_TEST_POSTGRES_URL` names a server (the test script sets it).

use crate::{Database, Result};

/// The environment variable naming a PostgreSQL server for tests, e.g.
/// `postgres://postgres:postgres@127.0.0.1:5432/postgres`.
pub const POSTGRES_URL_VAR: &str = "ALDER_TEST_POSTGRES_URL";

/// A new, empty in-memory SQLite database.
///
/// ```
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let db = alder_db::testing::sqlite().await.unwrap();
/// assert_eq!(db.backend(), alder_db::Backend::Sqlite);
/// # });
/// ```
pub async fn sqlite() -> Result<Database> {
    Database::connect("sqlite::memory:").await
}

/// A new, empty PostgreSQL database on the server of `ALDER_TEST_POSTGRES_URL`, or `None`
/// when it is not set. Each call creates a database of its own, so tests run in parallel.
pub async fn postgres() -> Result<Option<Database>> {
    let Ok(url) = std::env::var(POSTGRES_URL_VAR) else {
        return Ok(None);
    };
    let admin = Database::connect_with(
        &url,
        crate::PoolOptions {
            max_connections: 1,
            ..Default::default()
        },
    )
    .await?;
    let name = format!(
        "alder_test_{}",
        uuid::Uuid::new_v4()
            .simple()
            .to_string()
            .get(..16)
            .unwrap_or("x")
    );
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await?;
    admin.close().await;
    let base = url.rsplit_once('/').map_or(url.as_str(), |(base, _)| base);
    Database::connect(&format!("{base}/{name}")).await.map(Some)
}

/// One fresh database per available backend: SQLite, and PostgreSQL when configured.
/// Under CI (`CI` set) a missing PostgreSQL is an error, so a broken set-up cannot pass by
/// testing SQLite alone.
pub async fn all() -> Result<Vec<Database>> {
    let mut out = vec![sqlite().await?];
    match postgres().await? {
        Some(db) => out.push(db),
        None if std::env::var_os("CI").is_some() => {
            panic!("{POSTGRES_URL_VAR} is not set under CI: the test script must start PostgreSQL")
        }
        None => {}
    }
    Ok(out)
}

/// The tables of the database, by name, without Alder's record of applied migrations: what
/// a migration test compares before and after.
///
/// ```
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let db = alder_db::testing::sqlite().await.unwrap();
/// db.execute_unprepared("CREATE TABLE note (id INTEGER)").await.unwrap();
/// assert_eq!(alder_db::testing::tables(&db).await.unwrap(), ["note"]);
/// # });
/// ```
pub async fn tables(db: &Database) -> Result<Vec<String>> {
    let sql = match db.backend() {
        crate::Backend::Sqlite => "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'alder_migrations' ORDER BY name",
        crate::Backend::Postgres => "SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alder_migrations' ORDER BY tablename",
    };
    let rows = db
        .fetch_all("?", sql, sea_query::Values(Vec::new()))
        .await?;
    rows.iter()
        .map(|row| {
            row.get::<String>(0)
                .map_err(|source| crate::DbError::Query {
                    sql: sql.to_string(),
                    source,
                })
        })
        .collect()
}

/// Creates `models` of `app` on `db` the way a project does: `makemigrations` (one initial
/// migration), then `migrate`. Returns the migration, to build on in later steps.
///
/// # Panics
///
/// When `makemigrations` would still find changes afterwards (`--check` not clean): the
/// migration does not describe the models.
pub async fn migrate_models(
    db: &Database,
    app: &str,
    models: Vec<&'static crate::ModelMeta>,
) -> std::result::Result<crate::migrations::Migration, crate::migrations::MigrationError> {
    use crate::migrations::{
        detect, next_migration, AppMigrations, Executor, Graph, State, Target,
    };
    let bare = vec![AppMigrations {
        app: app.into(),
        models: models.clone(),
        ..Default::default()
    }];
    let (ops, _) = detect(app, &State::default(), &State::from_apps(&bare), &[])?;
    let migration = next_migration(app, &Graph::new(&bare)?, ops, None);
    let apps = vec![AppMigrations {
        app: app.into(),
        models,
        migrations: vec![migration.clone()],
        dir: None,
    }];
    let graph = Graph::new(&apps)?;
    let recorded = graph.state()?;
    Executor::new(db.clone(), graph)
        .migrate(&Target::All)
        .await?;
    let (again, _) = detect(app, &recorded, &State::from_apps(&apps), &[])?;
    assert!(
        again.is_empty(),
        "makemigrations --check is not clean after migrating: {again:?}"
    );
    Ok(migration)
}

/// How many query shapes this thread has cached SQL for: a test can check that a query runs
/// from the statement cache.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use alder_db::{Auto, Model};
/// #[derive(Model)]
/// struct Note { id: Auto<i64>, views: i32 }
/// let db = alder_db::testing::sqlite().await.unwrap();
/// alder_db::schema::create_model(&db, Note::META).await.unwrap();
/// let before = alder_db::testing::cached_statements();
/// for views in [1, 2] {
///     Note::objects().filter(Note::views().gt(views)).all(&db).await.unwrap();
/// }
/// assert_eq!(alder_db::testing::cached_statements(), before + 1);
/// # });
/// ```
pub fn cached_statements() -> usize {
    crate::query::statement::cached()
}
