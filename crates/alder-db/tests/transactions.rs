//! Transactions (`atomic`, savepoints) and migrations run by two instances at once.

use alder_db::migrations::{
    AppMigrations, Executor, Field, FieldKind, Graph, Migration, Operation, Target,
};
use alder_db::{crud, schema, testing, Auto, Database, DbError, Model};

#[derive(Model, Debug, Clone)]
struct Account {
    id: Auto<i64>,
    #[model(max_length = 20)]
    owner: String,
    balance: i64,
}

async fn setup() -> Vec<Database> {
    let dbs = testing::all().await.unwrap();
    for db in &dbs {
        schema::create_model(db, Account::META).await.unwrap();
    }
    dbs
}

async fn owners(db: &Database) -> Vec<String> {
    Account::objects()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.owner)
        .collect()
}

async fn open(db: &Database, owner: &str, balance: i64) -> Account {
    let mut a = Account {
        id: Auto::new(),
        owner: owner.into(),
        balance,
    };
    crud::save(db, &mut a).await.unwrap();
    a
}

#[tokio::test]
async fn atomic_commits_on_ok_and_rolls_back_on_err() {
    for db in setup().await {
        let ann = open(&db, "ann", 100).await;
        let done: Result<(), DbError> = db
            .atomic(|tx| async move {
                Account::objects()
                    .filter(Account::owner().eq("ann"))
                    .update(&tx, [Account::balance().set(50)])
                    .await?;
                open(&tx, "bob", 50).await;
                Ok(())
            })
            .await;
        done.unwrap();
        assert_eq!(Account::objects().count(&db).await.unwrap(), 2);

        let failed: Result<(), DbError> = db
            .atomic(|tx| async move {
                Account::objects()
                    .update(&tx, [Account::balance().set(0)])
                    .await?;
                // Too long for the field: the whole transaction goes.
                let mut bad = Account {
                    id: Auto::new(),
                    owner: "x".repeat(30),
                    balance: 1,
                };
                crud::save(&tx, &mut bad).await
            })
            .await;
        assert!(matches!(failed, Err(DbError::ValueTooLong { .. })));
        let mut ann = ann;
        crud::refresh(&db, &mut ann).await.unwrap();
        assert_eq!(
            ann.balance,
            50,
            "{:?}: the update was rolled back",
            db.backend()
        );
    }
}

#[tokio::test]
async fn nested_atomic_blocks_are_savepoints() {
    for db in setup().await {
        let outcome: Result<(), DbError> = db
            .atomic(|outer| async move {
                open(&outer, "kept", 1).await;
                let inner: Result<(), DbError> = outer
                    .atomic(|inner| async move {
                        open(&inner, "undone", 2).await;
                        Err(DbError::NotFound { model: "Account" })
                    })
                    .await;
                assert!(inner.is_err());
                Ok(())
            })
            .await;
        outcome.unwrap();
        assert_eq!(owners(&db).await, ["kept"], "{:?}", db.backend());
    }
}

#[tokio::test]
async fn a_dropped_transaction_is_rolled_back() {
    for db in setup().await {
        {
            let tx = db.begin().await.unwrap();
            open(tx.db(), "ghost", 1).await;
        }
        // The rollback runs on the runtime; the connection is usable afterwards.
        tokio::task::yield_now().await;
        let tx = db.begin().await.unwrap();
        open(tx.db(), "real", 1).await;
        tx.commit().await.unwrap();
        assert_eq!(owners(&db).await, ["real"], "{:?}", db.backend());
    }
}

#[tokio::test]
async fn two_instances_migrating_at_once_apply_each_migration_once() {
    let Some(db) = testing::postgres().await.unwrap() else {
        return;
    };
    let apps = slow_history(Operation::run_sql("SELECT pg_sleep(0.3)", Some("SELECT 1")));
    migrate_twice_at_once(&apps, db.clone(), db).await;
}

#[tokio::test]
async fn select_for_update_serializes_read_modify_write() {
    for db in setup().await {
        let sql = Account::objects().select_for_update().sql(&db).unwrap();
        match db.backend() {
            alder_db::Backend::Postgres => assert!(sql.ends_with("FOR UPDATE"), "{sql}"),
            _ => assert!(!sql.contains("FOR UPDATE"), "{sql}"),
        }
        open(&db, "ann", 0).await;
        // Ten concurrent increments, each reading then writing inside a transaction.
        let tasks: Vec<_> = (0..10)
            .map(|_| {
                let db = db.clone();
                tokio::spawn(async move {
                    db.atomic(|tx| async move {
                        let mut a = Account::objects()
                            .filter(Account::owner().eq("ann"))
                            .select_for_update()
                            .get(&tx)
                            .await?;
                        a.balance += 1;
                        crud::save(&tx, &mut a).await
                    })
                    .await
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap().unwrap();
        }
        let ann = Account::objects()
            .filter(Account::owner().eq("ann"))
            .get(&db)
            .await
            .unwrap();
        assert_eq!(ann.balance, 10, "{:?}: no increment was lost", db.backend());
    }
}

#[tokio::test]
async fn a_pool_with_every_connection_busy_says_so() {
    for db in alder_db::testing::all().await.unwrap() {
        if db.backend() != alder_db::Backend::Postgres {
            continue; // the in-memory SQLite of the tests has one connection by design
        }
        let url = std::env::var("ALDER_TEST_POSTGRES_URL").unwrap();
        let options = alder_db::PoolOptions {
            max_connections: 1,
            acquire_timeout: std::time::Duration::from_millis(200),
            ..Default::default()
        };
        let small = alder_db::Database::connect_with(&url, options)
            .await
            .unwrap();
        let held = small.begin().await.unwrap();
        let err = small.execute_unprepared("SELECT 1").await.unwrap_err();
        assert!(
            matches!(err, alder_db::DbError::PoolExhausted { .. }),
            "{err}"
        );
        assert!(err.to_string().contains("database_pool_size"), "{err}");
        held.rollback().await.unwrap();
        small.execute_unprepared("SELECT 1").await.unwrap();
    }
}

#[tokio::test]
async fn a_savepoint_dropped_uncommitted_is_undone_before_the_next_statement() {
    for db in setup().await {
        let tx = db.begin().await.unwrap();
        open(tx.db(), "kept", 1).await;
        for _ in 0..20 {
            let savepoint = tx.db().begin().await.unwrap();
            open(savepoint.db(), "dropped", 2).await;
            drop(savepoint); // as an early `return` or `?` would
                             // The very next statement in the outer transaction already sees it undone.
            assert_eq!(owners(tx.db()).await, ["kept"], "{:?}", db.backend());
        }
        // A savepoint dropped inside one that is committed: still undone.
        let outer = tx.db().begin().await.unwrap();
        let inner = outer.db().begin().await.unwrap();
        open(inner.db(), "inner", 3).await;
        drop(inner);
        open(outer.db(), "outer", 4).await;
        outer.commit().await.unwrap();
        tx.commit().await.unwrap();
        let mut all = owners(&db).await;
        all.sort();
        assert_eq!(all, ["kept", "outer"]);

        // A whole transaction dropped: rolled back, and the pool's connection comes back clean.
        let tx = db.begin().await.unwrap();
        open(tx.db(), "gone", 5).await;
        drop(tx);
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        let mut all = owners(&db).await;
        all.sort();
        assert_eq!(all, ["kept", "outer"]);
    }
}

/// A connection the server has closed (a restart, an idle timeout in a proxy) costs at most
/// one failed query without health checks, and none with them.
#[tokio::test]
async fn a_connection_the_server_dropped_is_replaced() {
    let Ok(url) = std::env::var("ALDER_TEST_POSTGRES_URL") else {
        return;
    };
    let scalar = |db: Database, sql: String| async move {
        let rows = db
            .fetch_all("test", &sql, sea_query::Values(Vec::new()))
            .await?;
        Ok::<i32, alder_db::DbError>(rows[0].get::<i32>(0).unwrap())
    };
    let admin = Database::connect(&url).await.unwrap();
    for health_checks in [false, true] {
        let options = alder_db::PoolOptions {
            max_connections: 1,
            health_checks,
            ..Default::default()
        };
        let db = Database::connect_with(&url, options).await.unwrap();
        let pid = scalar(db.clone(), "SELECT pg_backend_pid()".into())
            .await
            .unwrap();
        // sqlx returns a connection to the pool in a task of its own (with a ping): let it
        // settle there before the server drops it.
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        admin
            .execute_unprepared(&format!("SELECT pg_terminate_backend({pid})"))
            .await
            .unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        let mut failures = 0;
        let answer = loop {
            match scalar(db.clone(), "SELECT 41 + 1".into()).await {
                Ok(answer) => break answer,
                Err(_) if failures < 3 => failures += 1,
                Err(err) => panic!("still failing after {failures} tries: {err}"),
            }
        };
        assert_eq!(answer, 42);
        // Without checks the query on the dead connection fails (which also shows that the
        // connection was closed), and the next one gets a new connection.
        let expected = if health_checks { 0 } else { 1 };
        assert_eq!(
            failures, expected,
            "failed queries, health checks {health_checks}"
        );
    }
}

#[derive(Model, Debug, Clone)]
struct Handle {
    id: Auto<i64>,
    #[model(unique, max_length = 20)]
    name: String,
}

async fn handle(db: &Database, name: &str) -> Result<Handle, DbError> {
    let mut h = Handle {
        id: Auto::new(),
        name: name.into(),
    };
    crud::save(db, &mut h).await.map(|()| h)
}

#[tokio::test]
async fn a_failed_statement_whose_error_was_ignored_makes_commit_an_error_not_a_silent_rollback() {
    for db in setup().await {
        let backend = db.backend();
        schema::create_model(&db, Handle::META).await.unwrap();
        handle(&db, "taken").await.unwrap();

        let tx = db.begin().await.unwrap();
        open(tx.db(), "ann", 1).await;
        // The caller ignores the clash and goes on, as an "insert if missing" would.
        let clash = handle(tx.db(), "taken").await;
        assert!(
            matches!(clash, Err(DbError::UniqueViolation { .. })),
            "{clash:?}"
        );
        let committed = tx.commit().await;
        match backend {
            // PostgreSQL aborted the transaction at the failed statement: COMMIT rolls back,
            // and Alder says so instead of reporting success.
            alder_db::Backend::Postgres => {
                let Err(DbError::RolledBack { message }) = &committed else {
                    panic!("commit after a failed statement must fail: {committed:?}");
                };
                assert!(message.contains("already exists"), "{message}");
                assert!(owners(&db).await.is_empty(), "nothing was committed");
            }
            // SQLite undoes only the failed statement; the rest commits.
            _ => {
                committed.unwrap();
                assert_eq!(owners(&db).await, ["ann"]);
            }
        }

        // The connection goes back clean: the next transaction commits.
        let tx = db.begin().await.unwrap();
        open(tx.db(), "bob", 2).await;
        tx.commit().await.unwrap();
        assert!(
            owners(&db).await.contains(&"bob".to_string()),
            "{backend:?}"
        );
    }
}

#[tokio::test]
async fn an_error_caught_in_a_savepoint_leaves_the_outer_transaction_usable() {
    for db in setup().await {
        let backend = db.backend();
        schema::create_model(&db, Handle::META).await.unwrap();
        handle(&db, "taken").await.unwrap();
        let result: Result<(), DbError> = db
            .atomic(|tx| async move {
                open(&tx, "carol", 3).await;
                // The clash inside a nested atomic block: its savepoint is rolled back.
                let inner: Result<Handle, DbError> = tx
                    .atomic(|inner| async move { handle(&inner, "taken").await })
                    .await;
                assert!(matches!(inner, Err(DbError::UniqueViolation { .. })));
                open(&tx, "dave", 4).await;
                Ok(())
            })
            .await;
        result.unwrap();
        let mut names = owners(&db).await;
        names.sort();
        assert_eq!(names, ["carol", "dave"], "{backend:?}");

        // A nested block that swallows its own error and returns Ok cannot commit its
        // savepoint on PostgreSQL: that savepoint is rolled back and the error is reported.
        let result: Result<(), DbError> = db
            .atomic(|tx| async move {
                let inner: Result<(), DbError> = tx
                    .atomic(|inner| async move {
                        open(&inner, "erin", 5).await;
                        let _ignored = handle(&inner, "taken").await;
                        Ok(())
                    })
                    .await;
                if backend == alder_db::Backend::Postgres {
                    assert!(
                        matches!(inner, Err(DbError::RolledBack { .. })),
                        "{inner:?}"
                    );
                } else {
                    inner.unwrap();
                }
                open(&tx, "frank", 6).await;
                Ok(())
            })
            .await;
        result.unwrap();
        let names = owners(&db).await;
        assert!(
            names.contains(&"frank".to_string()),
            "{backend:?}: {names:?}"
        );
        assert_eq!(
            names.contains(&"erin".to_string()),
            backend != alder_db::Backend::Postgres,
            "{names:?}"
        );
    }
}

#[tokio::test]
async fn immediate_transactions_serialize_read_modify_write_on_sqlite_files() {
    // A file, so that each pooled connection is its own SQLite session. (With plain `atomic`
    // this fails on SQLite with "database is locked": two readers cannot both upgrade.)
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("db.sqlite3").display());
    let file = Database::connect(&url).await.unwrap();
    let mut dbs = vec![file];
    dbs.extend(testing::postgres().await.unwrap());
    for db in dbs {
        let backend = db.backend();
        schema::create_model(&db, Account::META).await.unwrap();
        let account = open(&db, "counter", 0).await;
        let add_one = |db: Database| async move {
            db.atomic_immediate(|tx| async move {
                let mut a = Account::objects()
                    .filter(Account::owner().eq("counter"))
                    .select_for_update()
                    .get(&tx)
                    .await?;
                tokio::task::yield_now().await;
                a.balance += 1;
                crud::save(&tx, &mut a).await?;
                Ok::<_, DbError>(())
            })
            .await
        };
        let results = futures_util::future::join_all((0..6).map(|_| add_one(db.clone()))).await;
        for result in &results {
            assert!(result.is_ok(), "{backend:?}: {result:?}");
        }
        let mut account = account;
        crud::refresh(&db, &mut account).await.unwrap();
        assert_eq!(
            account.balance, 6,
            "{backend:?}: no update lost, no 'database is locked'"
        );
    }
}

fn slow_history(step: Operation) -> Vec<AppMigrations> {
    let migrations = vec![
        Migration::new("shop", "0001_initial").operation(Operation::create_model(
            "Item",
            "item",
            vec![Field::new("id", FieldKind::BigInteger).primary_key().auto()],
        )),
        Migration::new("shop", "0002_step")
            .depends_on("shop", "0001_initial")
            .operation(step),
    ];
    vec![AppMigrations {
        app: "shop".into(),
        migrations,
        ..Default::default()
    }]
}

#[tokio::test]
async fn two_processes_migrating_one_sqlite_file_apply_each_migration_once() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("db.sqlite3").display());
    // Two pools: two processes, as far as SQLite can tell.
    let (one, two) = (
        Database::connect(&url).await.unwrap(),
        Database::connect(&url).await.unwrap(),
    );
    let apps = slow_history(Operation::run_rust("a slow step", |_db| async {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        Ok(())
    }));
    migrate_twice_at_once(&apps, one, two).await;
}

/// Two executors (two instances) migrating `apps` at once: each migration is applied once.
async fn migrate_twice_at_once(apps: &[AppMigrations], one: Database, two: Database) {
    let a = Executor::new(one, Graph::new(apps).unwrap());
    let b = Executor::new(two, Graph::new(apps).unwrap());
    let (ra, rb) = tokio::join!(a.migrate(&Target::All), b.migrate(&Target::All));
    let (ra, rb) = (ra.unwrap(), rb.unwrap());
    assert_eq!(
        ra.len() + rb.len(),
        2,
        "each migration ran once: {ra:?} {rb:?}"
    );
    assert_eq!(a.applied().await.unwrap().len(), 2);
}

#[tokio::test]
async fn a_migration_that_panics_does_not_leave_the_migration_lock_held() {
    let Some(db) = testing::postgres().await.unwrap() else {
        return;
    };
    let apps = slow_history(Operation::run_rust("a bug", |_db| async {
        panic!("a data migration with a bug")
    }));
    let first = Executor::new(db.clone(), Graph::new(&apps).unwrap());
    let crashed = tokio::spawn(async move { first.migrate(&Target::All).await }).await;
    assert!(crashed.unwrap_err().is_panic());
    // Another instance (its own pool, so its own session) is not blocked by a lock the
    // crashed one held: it gets the lock and applies what it can.
    let other = Database::connect(db.url()).await.unwrap();
    let second = Executor::new(other, Graph::new(&apps).unwrap());
    let target = Target::Migration("shop".into(), "0001_initial".into());
    let applied = tokio::time::timeout(std::time::Duration::from_secs(10), second.migrate(&target))
        .await
        .expect("the advisory lock was released when the crashed migration's connection closed")
        .unwrap();
    assert!(applied.len() <= 1, "{applied:?}");
    assert_eq!(second.applied().await.unwrap().len(), 1);
}
