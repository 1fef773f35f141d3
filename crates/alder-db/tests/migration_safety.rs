//! Migrations never lose data silently: a change that rows cannot survive stops the migration,
//! naming the table, the column and how many rows, and leaves every row as it was; a change
//! with a way to keep the data (a `db_default` for NULLs) takes it. On SQLite and PostgreSQL.

use alder_db::migrations::{
    detect, next_migration, AppMigrations, Executor, Graph, Migration, MigrationError, Target,
};
use alder_db::{testing, Auto, Database, DbError, Model};

mod wide {
    use alder_db::{Auto, Model};

    #[derive(Model, Debug, Clone)]
    #[model(table = "note")]
    pub(crate) struct Note {
        pub(crate) id: Auto<i64>,
        #[model(max_length = 20)]
        pub(crate) title: String,
        pub(crate) body: Option<String>,
        pub(crate) score: Option<i32>,
    }
}

mod narrow {
    use alder_db::{Auto, Model};

    /// `title` shrinks to 5 characters, `body` and `score` become NOT NULL; `score` has a
    /// database default to fill its NULLs with, `body` has none.
    #[derive(Model, Debug, Clone)]
    #[model(table = "note")]
    pub(crate) struct Note {
        pub(crate) id: Auto<i64>,
        #[model(max_length = 5)]
        pub(crate) title: String,
        pub(crate) body: String,
        #[model(db_default = "7")]
        pub(crate) score: i32,
    }
}

fn app(models: Vec<&'static alder_db::ModelMeta>, migrations: Vec<Migration>) -> AppMigrations {
    AppMigrations {
        app: "notes".into(),
        models,
        migrations,
        dir: None,
    }
}

fn next(apps: &AppMigrations) -> Migration {
    let graph = Graph::new(std::slice::from_ref(apps)).unwrap();
    let (ops, _) = detect("notes", &graph.state().unwrap(), &apps.model_state(), &[]).unwrap();
    assert!(!ops.is_empty());
    next_migration("notes", &graph, ops, None)
}

/// The two migrations: create the wide table, then narrow it.
fn history() -> (Migration, Vec<Migration>) {
    let first = next(&app(vec![wide::Note::META], vec![]));
    let second = next(&app(vec![narrow::Note::META], vec![first.clone()]));
    (first.clone(), vec![first, second])
}

async fn migrate(
    db: &Database,
    migrations: &[Migration],
    target: Target,
) -> Result<(), MigrationError> {
    let graph = Graph::new(&[app(vec![narrow::Note::META], migrations.to_vec())]).unwrap();
    Executor::new(db.clone(), graph)
        .migrate(&target)
        .await
        .map(|_| ())
}

async fn insert(db: &Database, title: &str, body: Option<&str>, score: Option<i32>) {
    let mut note = wide::Note {
        id: Auto::new(),
        title: title.into(),
        body: body.map(Into::into),
        score,
    };
    note.save(db).await.unwrap();
}

fn refusal(result: Result<(), MigrationError>) -> (String, String, u64, String) {
    match result {
        Err(MigrationError::Db(DbError::DataDoesNotFit {
            table,
            column,
            rows,
            problem,
        })) => (table, column, rows, problem),
        other => panic!("expected DataDoesNotFit, got {other:?}"),
    }
}

#[tokio::test]
async fn a_shorter_max_length_never_truncates() {
    for db in testing::all().await.unwrap() {
        let backend = db.backend();
        let (first, all) = history();
        migrate(
            &db,
            &all,
            Target::Migration("notes".into(), first.name.clone()),
        )
        .await
        .unwrap();
        insert(&db, "fits", Some("b"), Some(1)).await;
        insert(&db, "far too long", Some("b"), Some(1)).await;
        insert(&db, "also too long", Some("b"), Some(1)).await;

        let (table, column, rows, problem) = refusal(migrate(&db, &all, Target::All).await);
        assert_eq!(
            (table.as_str(), column.as_str(), rows),
            ("note", "title", 2),
            "{backend:?}"
        );
        assert!(problem.contains("more than 5 characters"), "{problem}");
        // Nothing changed: every title is whole and the wide schema still takes long ones.
        let mut titles: Vec<String> = wide::Note::objects()
            .all(&db)
            .await
            .unwrap()
            .into_iter()
            .map(|n| n.title)
            .collect();
        titles.sort();
        assert_eq!(
            titles,
            ["also too long", "far too long", "fits"],
            "{backend:?}"
        );

        // Once the long titles are shortened, the migration applies and keeps them.
        db.execute_unprepared("UPDATE note SET title = 'short' WHERE title LIKE '%too long'")
            .await
            .unwrap();
        migrate(&db, &all, Target::All).await.unwrap();
        let count = narrow::Note::objects()
            .filter(narrow::Note::title().eq("short"))
            .count(&db)
            .await
            .unwrap();
        assert_eq!(count, 2, "{backend:?}");
        if backend == alder_db::Backend::Postgres {
            // The column really is varchar(5) now: a longer value is refused, not cut.
            let err = db
                .execute_unprepared("UPDATE note SET title = 'sixsix'")
                .await
                .unwrap_err();
            assert!(err.to_string().contains("too long"), "{err}");
        }
    }
}

#[tokio::test]
async fn a_column_made_not_null_is_filled_from_db_default_or_refused() {
    for db in testing::all().await.unwrap() {
        let backend = db.backend();
        let (first, all) = history();
        migrate(
            &db,
            &all,
            Target::Migration("notes".into(), first.name.clone()),
        )
        .await
        .unwrap();
        insert(&db, "a", None, None).await;
        insert(&db, "b", Some("kept"), Some(3)).await;

        // `body` has NULLs and nothing to fill them with.
        let (table, column, rows, problem) = refusal(migrate(&db, &all, Target::All).await);
        assert_eq!(
            (table.as_str(), column.as_str(), rows),
            ("note", "body", 1),
            "{backend:?}"
        );
        assert!(problem.contains("db_default"), "{problem}");
        let untouched = wide::Note::objects()
            .filter(wide::Note::title().eq("a"))
            .get(&db)
            .await
            .unwrap();
        assert_eq!(
            (untouched.body, untouched.score),
            (None, None),
            "{backend:?}: rolled back"
        );

        // With the NULL body filled by hand, `score`'s NULL takes its db_default.
        db.execute_unprepared("UPDATE note SET body = 'filled' WHERE body IS NULL")
            .await
            .unwrap();
        migrate(&db, &all, Target::All).await.unwrap();
        let mut notes = narrow::Note::objects().all(&db).await.unwrap();
        notes.sort_by(|a, b| a.title.cmp(&b.title));
        let seen: Vec<(&str, &str, i32)> = notes
            .iter()
            .map(|n| (n.title.as_str(), n.body.as_str(), n.score))
            .collect();
        assert_eq!(seen, [("a", "filled", 7), ("b", "kept", 3)], "{backend:?}");
    }
}
