//! `Database::session`: a handle that takes one connection at its first query and keeps it
//! until the last clone is dropped (what a web request holds). Checked on SQLite (a file, so
//! that the pool has several connections) and PostgreSQL: no connection before the first
//! query, every query on the same one, transactions inside it, the connection back in the
//! pool afterwards, and a query cancelled mid-flight leaving the next one correct.

use std::time::Duration;

use alder_db::{testing, Backend, Database, DbError, PoolOptions, Value};

/// A database whose pool has exactly one connection, which waits at most 300 ms for it.
async fn one_connection() -> Vec<(Database, tempfile::TempDir)> {
    let options = PoolOptions {
        max_connections: 1,
        acquire_timeout: Duration::from_millis(300),
        ..Default::default()
    };
    let mut out = Vec::new();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("one.sqlite3").display());
    out.push((
        Database::connect_with(&url, options.clone()).await.unwrap(),
        dir,
    ));
    if let Ok(url) = std::env::var(testing::POSTGRES_URL_VAR) {
        let db = Database::connect_with(&url, options).await.unwrap();
        out.push((db, tempfile::tempdir().unwrap()));
    }
    out
}

async fn one(db: &Database, sql: &str) -> i64 {
    let rows = db
        .fetch_all("?", sql, sea_query::Values(vec![]))
        .await
        .unwrap();
    // PostgreSQL answers `SELECT 1` with an int4, SQLite with an integer.
    rows[0]
        .get::<i64>(0)
        .or_else(|_| rows[0].get::<i32>(0).map(i64::from))
        .unwrap()
}

#[tokio::test]
async fn a_session_takes_its_connection_at_the_first_query_and_gives_it_back_when_dropped() {
    for (db, _dir) in one_connection().await {
        let backend = db.backend();
        let session = db.session();
        // Nothing taken yet: the pool's only connection is still free for others.
        assert_eq!(one(&db, "SELECT 1").await, 1, "{backend:?}");

        assert_eq!(one(&session, "SELECT 2").await, 2);
        let clone = session.clone();
        assert_eq!(
            one(&clone, "SELECT 3").await,
            3,
            "a clone shares the connection"
        );
        // Held now: anyone else waits, then is told the pool is exhausted.
        let err = db.execute_unprepared("SELECT 1").await.unwrap_err();
        assert!(
            matches!(err, DbError::PoolExhausted { .. }),
            "{backend:?}: {err:?}"
        );

        drop(session);
        drop(clone);
        // Back in the pool once the last handle is gone (sqlx returns it from a task).
        let mut back = false;
        for _ in 0..50 {
            if db.execute_unprepared("SELECT 1").await.is_ok() {
                back = true;
                break;
            }
            tokio::task::yield_now().await;
        }
        assert!(back, "{backend:?}: the connection went back to the pool");
    }
}

#[tokio::test]
async fn every_query_and_transaction_of_a_session_runs_on_one_connection() {
    for db in testing::all().await.unwrap() {
        let backend = db.backend();
        let session = db.session();
        // A temporary table lives in one connection only.
        session
            .execute_unprepared("CREATE TEMP TABLE seen (n INTEGER)")
            .await
            .unwrap();
        let tx = session.begin().await.unwrap();
        tx.db()
            .execute_unprepared("INSERT INTO seen VALUES (1)")
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let tx = session.begin().await.unwrap();
        tx.db()
            .execute_unprepared("INSERT INTO seen VALUES (2)")
            .await
            .unwrap();
        drop(tx); // uncommitted: rolled back before the next statement
        assert_eq!(
            one(&session, "SELECT COUNT(*) FROM seen").await,
            1,
            "{backend:?}"
        );
        if backend == Backend::Postgres {
            let first = one(&session, "SELECT pg_backend_pid()::bigint").await;
            let second = one(&session, "SELECT pg_backend_pid()::bigint").await;
            assert_eq!(first, second, "the same server process each time");
        }
        // A nested atomic block is a savepoint on the session's transaction.
        let result: Result<(), DbError> = session
            .atomic(|outer| async move {
                outer
                    .execute_unprepared("INSERT INTO seen VALUES (3)")
                    .await?;
                let inner: Result<(), DbError> = outer
                    .atomic(|inner| async move {
                        inner
                            .execute_unprepared("INSERT INTO seen VALUES (4)")
                            .await?;
                        Err(DbError::NotFound { model: "Seen" })
                    })
                    .await;
                assert!(inner.is_err());
                Ok(())
            })
            .await;
        result.unwrap();
        assert_eq!(
            one(&session, "SELECT COUNT(*) FROM seen").await,
            2,
            "{backend:?}"
        );
    }
}

#[tokio::test]
async fn a_query_cancelled_mid_flight_leaves_the_sessions_next_query_correct() {
    for db in testing::all().await.unwrap() {
        let backend = db.backend();
        let session = db.session();
        let slow = match backend {
            Backend::Postgres => "SELECT 7 FROM pg_sleep(0.3)".to_string(),
            // A query SQLite takes a while over: a large recursive count.
            _ => {
                "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3000000) \
                  SELECT 7 FROM c WHERE x = 3000000"
                    .to_string()
            }
        };
        let cancelled = tokio::time::timeout(
            Duration::from_millis(20),
            session.fetch_all("?", &slow, sea_query::Values(vec![])),
        )
        .await;
        assert!(
            cancelled.is_err(),
            "{backend:?}: the slow query was cut off"
        );
        // The same connection answers the next query with its own result, not the old one's.
        let next = match backend {
            Backend::Postgres => "SELECT $1::bigint + 1",
            _ => "SELECT ? + 1",
        };
        let rows = session
            .fetch_all("?", next, sea_query::Values(vec![Value::from(41_i64)]))
            .await;
        let rows = match rows {
            Ok(rows) => rows,
            Err(err) => panic!("{backend:?}: {err:?}"),
        };
        assert_eq!(rows[0].get::<i64>(0).unwrap(), 42, "{backend:?}");
    }
}

#[tokio::test]
async fn a_sessions_connection_killed_by_the_server_fails_one_query_and_the_pool_recovers() {
    let Ok(url) = std::env::var(testing::POSTGRES_URL_VAR) else {
        return; // PostgreSQL only: SQLite has no server to kill the connection
    };
    let options = PoolOptions {
        max_connections: 2,
        acquire_timeout: Duration::from_secs(2),
        ..Default::default()
    };
    let db = Database::connect_with(&url, options).await.unwrap();
    let session = db.session();
    let pid = one(&session, "SELECT pg_backend_pid()::bigint").await;
    let killed = one(
        &db,
        &format!("SELECT CASE WHEN pg_terminate_backend({pid}) THEN 1 ELSE 0 END"),
    )
    .await;
    assert_eq!(killed, 1);
    // The session's connection is gone: its next query fails with an error, not a hang.
    let err = session.execute_unprepared("SELECT 1").await.unwrap_err();
    assert!(
        !matches!(err, DbError::PoolExhausted { .. }),
        "a lost connection, not a full pool: {err:?}"
    );
    drop(session);
    // Every later session gets a working connection: the dead one was not put back.
    for _ in 0..4 {
        let next = db.session();
        assert_eq!(one(&next, "SELECT 1").await, 1);
        assert_ne!(one(&next, "SELECT pg_backend_pid()::bigint").await, pid);
    }
}
