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
