//! The migration engine end to end: detect changes, apply them, go back, on every backend.

use alder_db::migrations::{
    detect, migration_source, next_migration, AppMigrations, Executor, Field, FieldKind, Graph,
    Migration, MigrationError, Operation, Rename, State, Target,
};
use alder_db::{crud, testing, Auto, Database, Model};

mod v1 {
    use alder_db::{Auto, Model};

    #[derive(Model, Debug, Clone)]
    #[model(table = "blog_post")]
    pub(crate) struct Post {
        pub(crate) id: Auto<i64>,
        #[model(max_length = 10)]
        pub(crate) title: String,
        pub(crate) body: String,
        pub(crate) old_flag: bool,
    }
}

mod v2 {
    use alder_db::{Auto, Model};

    #[derive(Model, Debug, Clone)]
    #[model(
        table = "blog_entry",
        unique_together = "headline, rating",
        index = "rating"
    )]
    pub(crate) struct Post {
        pub(crate) id: Auto<i64>,
        #[model(max_length = 50, db_index)]
        pub(crate) headline: String,
        pub(crate) body: String,
        pub(crate) rating: Option<i32>,
        #[model(db_default = "'draft'", max_length = 10)]
        pub(crate) status: String,
    }

    #[derive(Model, Debug, Clone)]
    pub(crate) struct Tag {
        pub(crate) id: Auto<i64>,
        #[model(unique, max_length = 30)]
        pub(crate) name: String,
        #[model(max_digits = 6, decimal_places = 2)]
        pub(crate) price: Option<alder_db::Decimal>,
    }
}

fn app(
    models: Vec<&'static alder_db::ModelMeta>,
    migrations: Vec<Migration>,
) -> Vec<AppMigrations> {
    vec![AppMigrations {
        app: "blog".into(),
        models,
        migrations,
        dir: None,
    }]
}

/// What `makemigrations` does: the next migration, or `None` when models and history agree.
fn makemigrations(
    apps: &[AppMigrations],
    renames: &[Rename],
) -> Result<Option<Migration>, MigrationError> {
    let graph = Graph::new(apps)?;
    let (ops, _hints) = detect("blog", &graph.state()?, &apps[0].model_state(), renames)?;
    Ok((!ops.is_empty()).then(|| next_migration("blog", &graph, ops, None)))
}

async fn tables(db: &Database) -> Vec<String> {
    testing::tables(db).await.unwrap()
}

#[tokio::test]
async fn a_model_change_round_trips_through_makemigrations_and_migrate() {
    for db in testing::all().await.unwrap() {
        let backend = db.backend();
        // 1. The first version: an initial migration that creates the table.
        let m1 = makemigrations(&app(vec![v1::Post::META], vec![]), &[])
            .unwrap()
            .expect("initial migration");
        assert_eq!(m1.name, "0001_initial");
        assert!(matches!(
            m1.operations.as_slice(),
            [Operation::CreateModel(_)]
        ));
        let apps = app(vec![v1::Post::META], vec![m1.clone()]);
        assert!(
            makemigrations(&apps, &[]).unwrap().is_none(),
            "--check is clean after makemigrations"
        );
        let executor = Executor::new(db.clone(), Graph::new(&apps).unwrap());
        executor.migrate(&Target::All).await.unwrap();
        let mut post = v1::Post {
            id: Auto::new(),
            title: "Hello".into(),
            body: "b".into(),
            old_flag: true,
        };
        crud::save(&db, &mut post).await.unwrap();

        // 2. The second version: rename, add, remove, alter, new model, table and index changes.
        let apps2 = app(vec![v2::Post::META, v2::Tag::META], vec![m1.clone()]);
        let err = makemigrations(&apps2, &[]).unwrap_err();
        assert!(
            matches!(err, MigrationError::NeedsDefault { .. })
                || err.to_string().contains("headline"),
            "{err}"
        );
        let rename: Rename = "Post.title=headline".parse().unwrap();
        let m2 = makemigrations(&apps2, &[rename])
            .unwrap()
            .expect("second migration");
        assert_eq!(
            m2.dependencies,
            [("blog".to_string(), "0001_initial".to_string())]
        );
        let described: Vec<String> = m2.operations.iter().map(Operation::describe).collect();
        for expected in [
            "Create model Tag",
            "Rename table for Post to blog_entry",
            "Rename field title on Post to headline",
            "Add field rating to Post",
            "Add field status to Post",
            "Remove field old_flag from Post",
            "Alter field headline on Post",
            "Alter unique_together for Post",
            "Alter indexes for Post",
        ] {
            assert!(
                described.iter().any(|d| d == expected),
                "{expected} missing from {described:?}"
            );
        }
        let apps2 = app(
            vec![v2::Post::META, v2::Tag::META],
            vec![m1.clone(), m2.clone()],
        );
        assert!(
            makemigrations(&apps2, &[]).unwrap().is_none(),
            "--check is clean after the second migration"
        );
        let executor = Executor::new(db.clone(), Graph::new(&apps2).unwrap());
        let plan = executor.migrate(&Target::All).await.unwrap();
        assert_eq!(plan.len(), 1, "only the new migration runs");

        let post = v2::Post::objects().get(&db).await.unwrap();
        assert_eq!(
            (
                post.headline.as_str(),
                post.body.as_str(),
                post.rating,
                post.status.as_str()
            ),
            ("Hello", "b", None, "draft"),
            "{backend:?}"
        );
        let mut long = post.clone();
        long.id = Auto::new();
        long.headline = "x".repeat(40);
        crud::save(&db, &mut long)
            .await
            .expect("max_length grew to 50");
        let mut rated = post.clone();
        rated.rating = Some(5);
        crud::save(&db, &mut rated).await.unwrap();
        let mut dup = rated.clone();
        dup.id = Auto::new();
        assert!(
            crud::save(&db, &mut dup).await.is_err(),
            "unique_together (headline, rating) is enforced"
        );
        let mut tag = v2::Tag {
            id: Auto::new(),
            name: "rust".into(),
            price: Some("12.50".parse().unwrap()),
        };
        crud::save(&db, &mut tag).await.unwrap();
        crud::refresh(&db, &mut tag).await.unwrap();
        assert_eq!(
            tag.price,
            Some("12.5".parse().unwrap()),
            "NUMERIC(6, 2) created"
        );
        assert!(tables(&db).await.contains(&"migrations_tag".to_string()));

        // 3. Back to the first migration: refused while a headline would not fit the old
        // max_length of 10 (nothing cut, nothing changed), then the old schema, the kept data.
        let refused = executor
            .migrate(&Target::Migration("blog".into(), "0001_initial".into()))
            .await;
        assert!(
            matches!(
                refused,
                Err(MigrationError::Db(alder_db::DbError::DataDoesNotFit {
                    rows: 1,
                    ..
                }))
            ),
            "{backend:?}: {refused:?}"
        );
        crud::refresh(&db, &mut long).await.unwrap();
        assert_eq!(
            long.headline.len(),
            40,
            "{backend:?}: the long headline is whole"
        );
        crud::delete(&db, &long).await.unwrap();
        executor
            .migrate(&Target::Migration("blog".into(), "0001_initial".into()))
            .await
            .unwrap();
        let tables_now = tables(&db).await;
        assert!(
            tables_now.contains(&"blog_post".to_string())
                && !tables_now.contains(&"migrations_tag".to_string()),
            "{tables_now:?}"
        );
        let titles: Vec<String> = v1::Post::objects()
            .all(&db)
            .await
            .unwrap()
            .into_iter()
            .map(|p| p.title)
            .collect();
        assert!(titles.contains(&"Hello".to_string()), "{titles:?}");

        // 4. To zero: nothing of the app is left, and applying again works.
        executor
            .migrate(&Target::Zero("blog".into()))
            .await
            .unwrap();
        assert!(!tables(&db).await.contains(&"blog_post".to_string()));
        assert!(executor.applied().await.unwrap().is_empty());
        executor.migrate(&Target::App("blog".into())).await.unwrap();
        assert_eq!(executor.applied().await.unwrap().len(), 2);
        assert_eq!(v2::Post::objects().count(&db).await.unwrap(), 0);
    }
}

#[tokio::test]
async fn a_failing_migration_is_rolled_back_and_not_recorded() {
    for db in testing::all().await.unwrap() {
        let m1 = Migration::new("blog", "0001_initial").operation(Operation::create_model(
            "Post",
            "blog_post",
            vec![Field::new("id", FieldKind::BigInteger).primary_key().auto()],
        ));
        let m2 = Migration::new("blog", "0002_broken")
            .depends_on("blog", "0001_initial")
            .operation(Operation::add_field(
                "Post",
                Field::new("x", FieldKind::Integer).nullable(),
            ))
            .operation(Operation::run_sql("THIS IS NOT SQL", None));
        let apps = app(vec![], vec![m1, m2]);
        let executor = Executor::new(db.clone(), Graph::new(&apps).unwrap());
        let err = executor.migrate(&Target::All).await.unwrap_err();
        assert!(err.to_string().contains("THIS IS NOT SQL"), "{err}");
        let applied = executor.applied().await.unwrap();
        assert_eq!(applied.len(), 1, "{applied:?}");
        // The half-applied second migration left no column behind: applying a fixed one works.
        let fixed = Migration::new("blog", "0002_fixed")
            .depends_on("blog", "0001_initial")
            .operation(Operation::add_field(
                "Post",
                Field::new("x", FieldKind::Integer).nullable(),
            ));
        let apps = app(
            vec![],
            vec![
                Migration::new("blog", "0001_initial").operation(Operation::create_model(
                    "Post",
                    "blog_post",
                    vec![Field::new("id", FieldKind::BigInteger).primary_key().auto()],
                )),
                fixed,
            ],
        );
        Executor::new(db.clone(), Graph::new(&apps).unwrap())
            .migrate(&Target::All)
            .await
            .unwrap();
    }
}

#[test]
fn broken_histories_are_clear_errors() {
    let first = Migration::new("blog", "0001_initial");
    let a = Migration::new("blog", "0002_a").depends_on("blog", "0001_initial");
    let b = Migration::new("blog", "0002_b").depends_on("blog", "0001_initial");
    let err = Graph::new(&app(vec![], vec![first.clone(), a.clone(), b])).unwrap_err();
    assert_eq!(
        err.to_string(),
        "conflicting migrations in app `blog`: blog.0002_a, blog.0002_b are all leaves; make one depend on the other (or merge them)"
    );

    let orphan = Migration::new("blog", "0002_x").depends_on("auth", "0001_initial");
    let err = Graph::new(&app(vec![], vec![first.clone(), orphan])).unwrap_err();
    assert!(
        matches!(err, MigrationError::MissingDependency { .. }),
        "{err}"
    );
    assert!(err
        .to_string()
        .contains("depends on auth.0001_initial, which does not exist"));

    let cycle_a = Migration::new("blog", "0001_a").depends_on("blog", "0001_b");
    let cycle_b = Migration::new("blog", "0001_b").depends_on("blog", "0001_a");
    assert!(matches!(
        Graph::new(&app(vec![], vec![cycle_a, cycle_b])),
        Err(MigrationError::Cycle(_))
    ));

    // Edited by hand into nonsense: a field added to a model no migration created.
    let nonsense = Migration::new("blog", "0002_nonsense")
        .depends_on("blog", "0001_initial")
        .operation(Operation::add_field(
            "Ghost",
            Field::new("x", FieldKind::Integer),
        ));
    let graph = Graph::new(&app(vec![], vec![first, nonsense])).unwrap();
    let err = graph.state().unwrap_err();
    assert_eq!(err.to_string(), "the migration history is inconsistent: model `blog.Ghost` does not exist at this point of the migrations");
}

#[tokio::test]
async fn sqlmigrate_shows_sql_without_running_it() {
    let db = testing::sqlite().await.unwrap();
    let m1 = makemigrations(&app(vec![v1::Post::META], vec![]), &[])
        .unwrap()
        .unwrap();
    let executor = Executor::new(
        db.clone(),
        Graph::new(&app(vec![v1::Post::META], vec![m1])).unwrap(),
    );
    let sql = executor
        .sql("blog", "0001_initial", false)
        .await
        .unwrap()
        .join("\n");
    assert!(sql.contains("CREATE TABLE \"blog_post\""), "{sql}");
    assert!(
        !tables(&db).await.contains(&"blog_post".to_string()),
        "nothing ran"
    );
    let back = executor
        .sql("blog", "0001_initial", true)
        .await
        .unwrap()
        .join("\n");
    assert!(back.contains("DROP TABLE \"blog_post\""), "{back}");
}

#[test]
fn migration_files_are_readable_rust() {
    let graph = Graph::new(&app(vec![], vec![])).unwrap();
    let (ops, _) = detect(
        "blog",
        &State::default(),
        &app(vec![v2::Post::META], vec![])[0].model_state(),
        &[],
    )
    .unwrap();
    let m = next_migration("blog", &graph, ops, None);
    let source = migration_source(&m, "alder_db").unwrap();
    assert!(
        source.contains("Migration::new(\"blog\", \"0001_initial\")"),
        "{source}"
    );
    assert!(
        source.contains("Field::new(\"headline\", FieldKind::Text).db_index().max_length(50)"),
        "{source}"
    );
    assert!(
        source.contains(
            "Field::new(\"status\", FieldKind::Text).max_length(10).default(\"'draft'\")"
        ),
        "{source}"
    );
    assert!(
        source.contains("&[&[\"headline\", \"rating\"]]"),
        "{source}"
    );
    let (ops, _) = detect(
        "blog",
        &State::default(),
        &app(vec![v2::Tag::META], vec![])[0].model_state(),
        &[],
    )
    .unwrap();
    let source = migration_source(&next_migration("blog", &graph, ops, None), "alder_db").unwrap();
    assert!(
        source.contains("Field::new(\"price\", FieldKind::Decimal).nullable().decimal(6, 2)"),
        "{source}"
    );
}

#[tokio::test]
async fn a_data_migration_may_use_atomic_blocks() {
    for db in testing::all().await.unwrap() {
        let create = Migration::new("blog", "0001_initial").operation(Operation::create_model(
            "Post",
            "blog_post",
            vec![
                Field::new("id", FieldKind::BigInteger).primary_key().auto(),
                Field::new("n", FieldKind::Integer),
            ],
        ));
        let data = Migration::new("blog", "0002_data")
            .depends_on("blog", "0001_initial")
            .operation(Operation::run_rust(
                "insert inside atomic, then fail",
                |db| async move {
                    db.atomic(|tx| async move {
                        tx.execute_unprepared("INSERT INTO blog_post (n) VALUES (1)")
                            .await
                            .map(|_| ())
                    })
                    .await?;
                    Err(alder_db::DbError::NotFound { model: "Post" })
                },
            ));
        let apps = app(vec![], vec![create, data]);
        let executor = Executor::new(db.clone(), Graph::new(&apps).unwrap());
        assert!(executor.migrate(&Target::All).await.is_err());
        let rows = db
            .fetch_all("?", "SELECT n FROM blog_post", sea_query::Values(vec![]))
            .await
            .unwrap();
        assert!(
            rows.is_empty(),
            "{:?}: the inner atomic block was a savepoint, undone with the migration",
            db.backend()
        );
        assert_eq!(executor.applied().await.unwrap().len(), 1);
    }
}

mod c1 {
    use alder_db::{Auto, ForeignKey, Model};

    #[derive(Model, Debug, Clone)]
    pub(crate) struct Owner {
        pub(crate) id: Auto<i64>,
    }

    #[derive(Model, Debug, Clone)]
    #[model(table = "item")]
    pub(crate) struct Item {
        pub(crate) id: Auto<i64>,
        #[model(unique, max_length = 20)]
        pub(crate) code: String,
        pub(crate) owner: ForeignKey<Owner>,
    }
}

mod c2 {
    use alder_db::{Auto, ForeignKey, Model};

    pub(crate) use super::c1::Owner;

    /// Renamed table, and the column of `code` renamed.
    #[derive(Model, Debug, Clone)]
    #[model(table = "thing")]
    pub(crate) struct Item {
        pub(crate) id: Auto<i64>,
        #[model(unique, max_length = 20, db_column = "item_code")]
        pub(crate) code: String,
        pub(crate) owner: ForeignKey<Owner>,
    }
}

mod c3 {
    use alder_db::{Auto, ForeignKey, Model};

    pub(crate) use super::c1::Owner;

    /// Then the unique constraint and the delete rule change, after those renames.
    #[derive(Model, Debug, Clone)]
    #[model(table = "thing")]
    pub(crate) struct Item {
        pub(crate) id: Auto<i64>,
        #[model(max_length = 20, db_column = "item_code")]
        pub(crate) code: String,
        #[model(on_delete = "protect")]
        pub(crate) owner: ForeignKey<Owner>,
    }
}

/// How many constraints of `kind` the table has (PostgreSQL).
async fn constraints(db: &Database, table: &str, kind: &str) -> i64 {
    let sql = "SELECT count(*) FROM pg_constraint WHERE conrelid = $1::regclass AND contype = $2";
    let values = sea_query::Values(vec![table.into(), kind.into()]);
    db.fetch_all("?", sql, values).await.unwrap()[0]
        .get::<i64>(0)
        .unwrap()
}

#[tokio::test]
async fn renamed_columns_and_tables_keep_data_and_constraints() {
    for db in testing::all().await.unwrap() {
        let backend = db.backend();
        let v1 = app(vec![c1::Owner::META, c1::Item::META], vec![]);
        let m1 = makemigrations(&v1, &[]).unwrap().unwrap();
        let v2 = app(vec![c2::Owner::META, c2::Item::META], vec![m1.clone()]);
        let m2 = makemigrations(&v2, &[]).unwrap().unwrap();
        let v3 = app(
            vec![c3::Owner::META, c3::Item::META],
            vec![m1.clone(), m2.clone()],
        );
        let m3 = makemigrations(&v3, &[]).unwrap().unwrap();
        let all = app(
            vec![c3::Owner::META, c3::Item::META],
            vec![m1.clone(), m2.clone(), m3.clone()],
        );
        assert!(
            makemigrations(&all, &[]).unwrap().is_none(),
            "clean after three"
        );

        let run = |target: Target| {
            let db = db.clone();
            let graph = Graph::new(&all).unwrap();
            async move { Executor::new(db, graph).migrate(&target).await.unwrap() }
        };
        run(Target::Migration("blog".into(), m1.name.clone())).await;
        let mut owner = c1::Owner { id: Auto::new() };
        crud::save(&db, &mut owner).await.unwrap();
        let mut item = c1::Item {
            id: Auto::new(),
            code: "A-1".into(),
            owner: alder_db::ForeignKey::to(&owner).unwrap(),
        };
        crud::save(&db, &mut item).await.unwrap();

        run(Target::Migration("blog".into(), m2.name.clone())).await;
        let moved = c2::Item::objects().get(&db).await.unwrap();
        assert_eq!(
            moved.code, "A-1",
            "{backend:?}: the data follows the renamed column"
        );

        run(Target::All).await;
        let mut twin = c3::Item {
            id: Auto::new(),
            code: "A-1".into(),
            owner: alder_db::ForeignKey::to(&owner).unwrap(),
        };
        crud::save(&db, &mut twin)
            .await
            .expect("the unique constraint made under the old names is gone");
        let refused = crud::delete(&db, &owner).await;
        assert!(refused.is_err(), "{backend:?}: protect replaced cascade");
        if backend == alder_db::Backend::Postgres {
            assert_eq!(
                constraints(&db, "thing", "f").await,
                1,
                "one foreign key, not two"
            );
            assert_eq!(constraints(&db, "thing", "u").await, 0);
        }

        // Back to the start: the old names again, the first row still there.
        crud::delete(&db, &twin).await.unwrap();
        run(Target::Migration("blog".into(), m1.name.clone())).await;
        assert_eq!(c1::Item::objects().get(&db).await.unwrap().code, "A-1");
    }
}
