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

#[test]
fn makemigrations_warns_of_changes_that_existing_rows_may_not_survive() {
    let first = next(&app(vec![wide::Note::META], vec![]));
    let narrowed = app(vec![narrow::Note::META], vec![first]);
    let graph = Graph::new(std::slice::from_ref(&narrowed)).unwrap();
    let (_, hints) = detect(
        "notes",
        &graph.state().unwrap(),
        &narrowed.model_state(),
        &[],
    )
    .unwrap();
    assert!(
        hints
            .iter()
            .any(|h| h.starts_with("Note.body becomes NOT NULL") && h.contains("db_default")),
        "{hints:?}"
    );
    assert!(
        !hints
            .iter()
            .any(|h| h.starts_with("Note.score becomes NOT NULL")),
        "score has a db_default to fill NULLs with: {hints:?}"
    );
    assert!(
        hints
            .iter()
            .any(|h| h.contains("shorter max_length (20 to 5)")),
        "{hints:?}"
    );
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

mod before_rename {
    use alder_db::{Auto, ForeignKey, ManyToMany, Model};

    #[derive(Model, Debug, Clone)]
    pub(crate) struct Tag {
        pub(crate) id: Auto<i64>,
        #[model(max_length = 20)]
        pub(crate) name: String,
    }

    #[derive(Model, Debug, Clone)]
    pub(crate) struct Post {
        pub(crate) id: Auto<i64>,
        #[model(max_length = 50)]
        pub(crate) title: String,
        pub(crate) tags: ManyToMany<Tag>,
    }

    #[derive(Model, Debug, Clone)]
    pub(crate) struct Comment {
        pub(crate) id: Auto<i64>,
        pub(crate) post: ForeignKey<Post>,
    }
}

mod after_rename {
    use alder_db::{Auto, ForeignKey, ManyToMany, Model};

    pub(crate) use super::before_rename::Tag;

    /// `Post`, renamed: its table (`post` → `article`), its many-to-many table and the
    /// comments' foreign key follow.
    #[derive(Model, Debug, Clone)]
    pub(crate) struct Article {
        pub(crate) id: Auto<i64>,
        #[model(max_length = 50)]
        pub(crate) title: String,
        pub(crate) tags: ManyToMany<Tag>,
    }

    #[derive(Model, Debug, Clone)]
    pub(crate) struct Comment {
        pub(crate) id: Auto<i64>,
        pub(crate) post: ForeignKey<Article>,
    }
}

fn detect_with(
    apps: &AppMigrations,
    renames: &[alder_db::migrations::Rename],
) -> Result<(Migration, Vec<String>), MigrationError> {
    let graph = Graph::new(std::slice::from_ref(apps)).unwrap();
    let (ops, hints) = detect(
        "notes",
        &graph.state().unwrap(),
        &apps.model_state(),
        renames,
    )?;
    Ok((next_migration("notes", &graph, ops, None), hints))
}

#[tokio::test]
async fn a_renamed_model_keeps_its_rows_relations_and_many_to_many_pairs() {
    use after_rename::{Article, Comment as NewComment};
    use before_rename::{Comment, Post, Tag};
    for db in testing::all().await.unwrap() {
        let backend = db.backend();
        let first = next(&app(vec![Tag::META, Post::META, Comment::META], vec![]));
        let renamed = app(
            vec![Tag::META, Article::META, NewComment::META],
            vec![first.clone()],
        );

        // Without --rename: said plainly that the table would be dropped, and how to keep it.
        let (_, hints) = detect_with(&renamed, &[]).unwrap();
        assert!(
            hints.iter().any(|h| h.contains("--rename Post=Article")
                && h.contains("drops table `migration_safety_post`")),
            "{hints:?}"
        );

        let (second, _) = detect_with(&renamed, &["Post=Article".parse().unwrap()]).unwrap();
        let described: Vec<String> = second.operations.iter().map(|o| o.describe()).collect();
        for expected in [
            "Rename model Post to Article",
            "Rename model Post_tags to Article_tags",
            "Rename table for Article to migration_safety_article",
            "Rename table for Article_tags to migration_safety_article_tags",
            "Rename field post_id on Article_tags to article_id",
        ] {
            assert!(
                described.iter().any(|d| d == expected),
                "{expected}: {described:?}"
            );
        }
        assert!(
            !described
                .iter()
                .any(|d| d.starts_with("Delete") || d.starts_with("Create")),
            "{described:?}"
        );
        let all = vec![first.clone(), second.clone()];
        // The written migration is clean: models and history agree after it.
        let done = app(
            vec![Tag::META, Article::META, NewComment::META],
            all.clone(),
        );
        let graph = Graph::new(std::slice::from_ref(&done)).unwrap();
        let (left, _) = detect("notes", &graph.state().unwrap(), &done.model_state(), &[]).unwrap();
        assert!(left.is_empty(), "{left:?}");

        let run = |target: Target| {
            let graph = Graph::new(std::slice::from_ref(&done)).unwrap();
            let db = db.clone();
            async move { Executor::new(db, graph).migrate(&target).await.unwrap() }
        };
        run(Target::Migration("notes".into(), first.name.clone())).await;
        let mut tag = Tag {
            id: Auto::new(),
            name: "rust".into(),
        };
        tag.save(&db).await.unwrap();
        let mut post = Post {
            id: Auto::new(),
            title: "Kept".into(),
            tags: alder_db::ManyToMany::new(),
        };
        post.save(&db).await.unwrap();
        Post::tags().add(&db, &post, &tag).await.unwrap();
        let mut comment = Comment {
            id: Auto::new(),
            post: alder_db::ForeignKey::to(&post).unwrap(),
        };
        comment.save(&db).await.unwrap();

        run(Target::All).await;
        let article = Article::objects().get(&db).await.unwrap();
        assert_eq!(article.title, "Kept", "{backend:?}");
        assert_eq!(
            Article::tags()
                .of(&article)
                .unwrap()
                .count(&db)
                .await
                .unwrap(),
            1
        );
        let moved = NewComment::objects().get(&db).await.unwrap();
        assert_eq!(moved.post.get(&db).await.unwrap().title, "Kept");
        // The foreign key still guards the renamed table: a comment on no article is refused.
        let mut orphan = NewComment {
            id: Auto::new(),
            post: alder_db::ForeignKey::new(999),
        };
        assert!(orphan.save(&db).await.is_err(), "{backend:?}");

        // And back: the old names, the same rows.
        run(Target::Migration("notes".into(), first.name.clone())).await;
        let post = Post::objects().get(&db).await.unwrap();
        assert_eq!(Post::tags().of(&post).unwrap().count(&db).await.unwrap(), 1);
        assert_eq!(Comment::objects().count(&db).await.unwrap(), 1);
    }
}

#[test]
fn renames_parse_for_fields_and_models_and_refuse_the_rest() {
    use alder_db::migrations::Rename;
    assert_eq!(
        "Post=Article".parse::<Rename>().unwrap(),
        Rename::Model {
            old: "Post".into(),
            new: "Article".into()
        }
    );
    assert!(matches!(
        "Post.title=headline".parse::<Rename>().unwrap(),
        Rename::Field { .. }
    ));
    for bad in [
        "Post",
        "=Article",
        "Post.=x",
        "Post.a.b=c",
        "Post=",
        "A=B=C",
    ] {
        assert!(bad.parse::<Rename>().is_err(), "{bad}");
    }
}

mod as_text {
    use alder_db::{Auto, Model};

    #[derive(Model, Debug, Clone)]
    #[model(table = "item")]
    pub(crate) struct Item {
        pub(crate) id: Auto<i64>,
        pub(crate) code: String,
    }
}

mod as_number {
    use alder_db::{Auto, Model};

    #[derive(Model, Debug, Clone)]
    #[model(table = "item")]
    pub(crate) struct Item {
        pub(crate) id: Auto<i64>,
        pub(crate) code: i64,
    }
}

#[tokio::test]
async fn a_column_whose_values_do_not_convert_stops_the_migration() {
    for db in testing::all().await.unwrap() {
        let backend = db.backend();
        let first = next(&app(vec![as_text::Item::META], vec![]));
        let second = next(&app(vec![as_number::Item::META], vec![first.clone()]));
        let all = vec![first.clone(), second];
        let graph = Graph::new(&[app(vec![as_number::Item::META], all.clone())]).unwrap();
        let executor = Executor::new(db.clone(), graph);
        executor
            .migrate(&Target::Migration("notes".into(), first.name.clone()))
            .await
            .unwrap();
        for code in ["42", "abc"] {
            let mut item = as_text::Item {
                id: Auto::new(),
                code: code.into(),
            };
            item.save(&db).await.unwrap();
        }
        let refused = executor.migrate(&Target::All).await;
        match backend {
            alder_db::Backend::Sqlite => {
                let (table, column, rows, _) = refusal(refused.map(|_| ()));
                assert_eq!((table.as_str(), column.as_str(), rows), ("item", "code", 1));
            }
            // PostgreSQL's cast fails by itself ("invalid input syntax").
            _ => assert!(refused.is_err(), "{refused:?}"),
        }
        let mut codes: Vec<String> = as_text::Item::objects()
            .all(&db)
            .await
            .unwrap()
            .into_iter()
            .map(|i| i.code)
            .collect();
        codes.sort();
        assert_eq!(
            codes,
            ["42", "abc"],
            "{backend:?}: rolled back, nothing lost"
        );

        db.execute_unprepared("UPDATE item SET code = '7' WHERE code = 'abc'")
            .await
            .unwrap();
        executor.migrate(&Target::All).await.unwrap();
        // PostgreSQL refuses a statement prepared before the column changed type ("cached plan
        // must not change result type") on the pooled connection that prepared it: read
        // through a new pool, as a server started after `migrate` would. SQLite re-prepares.
        let reader = match backend {
            alder_db::Backend::Postgres => Database::connect(db.url()).await.unwrap(),
            _ => db.clone(),
        };
        let mut numbers: Vec<i64> = as_number::Item::objects()
            .all(&reader)
            .await
            .unwrap()
            .into_iter()
            .map(|i| i.code)
            .collect();
        numbers.sort();
        assert_eq!(numbers, [7, 42], "{backend:?}");
    }
}

mod indexed_v1 {
    use alder_db::{Auto, Model};

    #[derive(Model, Debug, Clone)]
    #[model(table = "shelf", unique_together = "code, row")]
    pub(crate) struct Shelf {
        pub(crate) id: Auto<i64>,
        #[model(max_length = 10, db_index)]
        pub(crate) code: String,
        pub(crate) row: i32,
    }
}

mod indexed_v2 {
    use alder_db::{Auto, Model};

    /// The table and a field renamed; the indexes follow.
    #[derive(Model, Debug, Clone)]
    #[model(table = "rack", unique_together = "label, row")]
    pub(crate) struct Shelf {
        pub(crate) id: Auto<i64>,
        #[model(max_length = 10, db_index)]
        pub(crate) label: String,
        pub(crate) row: i32,
    }
}

mod indexed_v3 {
    use alder_db::{Auto, Model};

    /// unique_together removed after the renames.
    #[derive(Model, Debug, Clone)]
    #[model(table = "rack")]
    pub(crate) struct Shelf {
        pub(crate) id: Auto<i64>,
        #[model(max_length = 10, db_index)]
        pub(crate) label: String,
        pub(crate) row: i32,
    }
}

async fn index_names(db: &Database) -> Vec<String> {
    let sql = match db.backend() {
        alder_db::Backend::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name"
        }
        _ => {
            "SELECT indexname::text FROM pg_indexes WHERE schemaname = 'public' \
              AND indexname NOT LIKE '%pkey' AND tablename <> 'alder_migrations' ORDER BY 1"
        }
    };
    db.fetch_all("?", sql, sea_query::Values(vec![]))
        .await
        .unwrap()
        .iter()
        .map(|r| r.get::<String>(0).unwrap())
        .filter(|n| !n.starts_with("alder_migrations"))
        .collect()
}

#[tokio::test]
async fn indexes_follow_table_and_field_renames() {
    use alder_db::migrations::Rename;
    for db in testing::all().await.unwrap() {
        let backend = db.backend();
        let first = next(&app(vec![indexed_v1::Shelf::META], vec![]));
        let apps2 = app(vec![indexed_v2::Shelf::META], vec![first.clone()]);
        let rename: Rename = "Shelf.code=label".parse().unwrap();
        let (second, _) = detect_with(&apps2, &[rename]).unwrap();
        let third = next(&app(
            vec![indexed_v3::Shelf::META],
            vec![first.clone(), second.clone()],
        ));
        let all = vec![first.clone(), second.clone(), third.clone()];
        let graph = Graph::new(&[app(vec![indexed_v3::Shelf::META], all)]).unwrap();
        let executor = Executor::new(db.clone(), graph);
        executor
            .migrate(&Target::Migration("notes".into(), second.name.clone()))
            .await
            .unwrap();
        assert_eq!(
            index_names(&db).await,
            ["rack_label_idx", "rack_label_row_uniq"],
            "{backend:?}: renamed, no stale or duplicate index"
        );
        executor.migrate(&Target::All).await.unwrap();
        assert_eq!(index_names(&db).await, ["rack_label_idx"], "{backend:?}");
        // The unique index is really gone: the same pair twice is accepted.
        for _ in 0..2 {
            let mut s = indexed_v3::Shelf {
                id: Auto::new(),
                label: "A".into(),
                row: 1,
            };
            s.save(&db).await.unwrap();
        }
        // And back to the first state: the first names again.
        executor
            .migrate(&Target::Migration("notes".into(), first.name.clone()))
            .await
            .expect_err("the duplicate pair cannot get its unique index back");
        db.execute_unprepared("DELETE FROM rack WHERE id = (SELECT MAX(id) FROM rack)")
            .await
            .unwrap();
        executor
            .migrate(&Target::Migration("notes".into(), first.name.clone()))
            .await
            .unwrap();
        assert_eq!(
            index_names(&db).await,
            ["shelf_code_idx", "shelf_code_row_uniq"],
            "{backend:?}"
        );
    }
}

/// An executor for migrations written by hand (no models) of app `notes`.
fn hand_written(db: &alder_db::Database, migrations: Vec<Migration>) -> Executor {
    let app = AppMigrations {
        app: "notes".into(),
        migrations,
        ..Default::default()
    };
    Executor::new(db.clone(), Graph::new(&[app]).unwrap())
}

#[tokio::test]
async fn a_sqlite_rebuild_keeps_indexes_and_triggers_it_did_not_make_or_stops() {
    use alder_db::migrations::{Field, FieldKind, Operation};
    let db = testing::sqlite().await.unwrap();
    let create = Migration::new("notes", "0001_initial").operation(Operation::create_model(
        "Item",
        "item",
        vec![
            Field::new("id", FieldKind::BigInteger).primary_key().auto(),
            Field::new("code", FieldKind::Text),
            Field::new("note", FieldKind::Text).nullable(),
        ],
    ));
    let by_hand = Migration::new("notes", "0002_by_hand")
        .depends_on("notes", "0001_initial")
        .operation(Operation::run_sql(
            "CREATE INDEX item_code_by_hand ON item (code); \
             CREATE TRIGGER item_no_empty BEFORE INSERT ON item \
             WHEN NEW.code = '' BEGIN SELECT RAISE(ABORT, 'empty code'); END;",
            Some("DROP TRIGGER item_no_empty; DROP INDEX item_code_by_hand;"),
        ));
    // A rebuild that keeps `code`: the hand-made index and trigger are made again.
    let widen = Migration::new("notes", "0003_widen")
        .depends_on("notes", "0002_by_hand")
        .operation(Operation::alter_field(
            "Item",
            Field::new("note", FieldKind::Text),
        ));
    // A rebuild without `code`: the hand-made index cannot survive it, so the migration stops.
    let drop_code = Migration::new("notes", "0004_drop_code")
        .depends_on("notes", "0003_widen")
        .operation(Operation::remove_field("Item", "code"));
    let executor = hand_written(&db, vec![create, by_hand, widen, drop_code]);
    executor
        .migrate(&Target::Migration("notes".into(), "0002_by_hand".into()))
        .await
        .unwrap();
    db.execute_unprepared("INSERT INTO item (code, note) VALUES ('a', '')")
        .await
        .unwrap();
    executor
        .migrate(&Target::Migration("notes".into(), "0003_widen".into()))
        .await
        .unwrap();
    let names = index_names(&db).await;
    assert!(
        names.contains(&"item_code_by_hand".to_string()),
        "{names:?}"
    );
    let refused = db
        .execute_unprepared("INSERT INTO item (code, note) VALUES ('', 'x')")
        .await;
    assert!(
        refused.unwrap_err().to_string().contains("empty code"),
        "the trigger is back"
    );

    let err = executor.migrate(&Target::All).await.unwrap_err();
    assert!(err.to_string().contains("item_code_by_hand"), "{err}");
    assert!(err.to_string().contains("did not create"), "{err}");
    // Rolled back: the column and its data are still there.
    let rows = db
        .fetch_all("?", "SELECT code FROM item", sea_query::Values(vec![]))
        .await
        .unwrap();
    assert_eq!(rows[0].get::<String>(0).unwrap(), "a");
}

mod plain {
    use alder_db::{Auto, Model};

    #[derive(Model, Debug, Clone)]
    #[model(table = "task")]
    pub(crate) struct Task {
        pub(crate) id: Auto<i64>,
        #[model(max_length = 20)]
        pub(crate) title: String,
    }
}

mod with_defaults {
    use alder_db::{Auto, Model};

    /// Three NOT NULL fields added with typed defaults and no db_default.
    #[derive(Model, Debug, Clone)]
    #[model(table = "task")]
    pub(crate) struct Task {
        pub(crate) id: Auto<i64>,
        #[model(max_length = 20)]
        pub(crate) title: String,
        #[model(default = 5)]
        pub(crate) points: i32,
        #[model(default = "it's new", max_length = 10)]
        pub(crate) state: String,
        #[model(default)]
        pub(crate) done: bool,
    }
}

#[tokio::test]
async fn a_new_not_null_field_fills_existing_rows_with_its_typed_default() {
    for db in testing::all().await.unwrap() {
        let backend = db.backend();
        let first = next(&app(vec![plain::Task::META], vec![]));
        let second = next(&app(vec![with_defaults::Task::META], vec![first.clone()]));
        let source = alder_db::migrations::migration_source(&second, "alder_db").unwrap();
        assert!(source.contains(r#".fill("5")"#), "{source}");
        assert!(source.contains(r#".fill("'it''s new'")"#), "{source}");
        assert!(source.contains(r#".fill("FALSE")"#), "{source}");
        let all = vec![first.clone(), second];
        // The history written is clean against the models: fill is no schema difference.
        let done = app(vec![with_defaults::Task::META], all.clone());
        let graph = Graph::new(std::slice::from_ref(&done)).unwrap();
        let (left, _) = detect("notes", &graph.state().unwrap(), &done.model_state(), &[]).unwrap();
        assert!(left.is_empty(), "{left:?}");

        let executor = Executor::new(db.clone(), graph);
        executor
            .migrate(&Target::Migration("notes".into(), first.name.clone()))
            .await
            .unwrap();
        let mut old = plain::Task {
            id: Auto::new(),
            title: "before".into(),
        };
        old.save(&db).await.unwrap();
        executor.migrate(&Target::All).await.unwrap();
        let task = with_defaults::Task::objects().get(&db).await.unwrap();
        assert_eq!(
            (task.points, task.state.as_str(), task.done),
            (5, "it's new", false),
            "{backend:?}"
        );
        // The fill was for existing rows only: the column has no database default.
        let err = db
            .execute_unprepared("INSERT INTO task (title) VALUES ('raw')")
            .await;
        assert!(
            err.is_err(),
            "{backend:?}: no column default was left behind"
        );
    }
}

mod keyed_by_id {
    use alder_db::{Auto, Model};

    #[derive(Model, Debug, Clone)]
    #[model(table = "page")]
    pub(crate) struct Page {
        pub(crate) id: Auto<i64>,
        #[model(max_length = 20)]
        pub(crate) slug: String,
    }
}

mod keyed_by_slug {
    use alder_db::Model;

    /// The primary key moves from `id` to `slug`.
    #[derive(Model, Debug, Clone)]
    #[model(table = "page")]
    pub(crate) struct Page {
        pub(crate) id: i64,
        #[model(primary_key, max_length = 20)]
        pub(crate) slug: String,
    }
}

#[tokio::test]
async fn the_primary_key_moves_to_another_field_on_both_backends() {
    for db in testing::all().await.unwrap() {
        let backend = db.backend();
        let first = next(&app(vec![keyed_by_id::Page::META], vec![]));
        let second = next(&app(vec![keyed_by_slug::Page::META], vec![first.clone()]));
        let graph = Graph::new(&[app(
            vec![keyed_by_slug::Page::META],
            vec![first.clone(), second],
        )])
        .unwrap();
        let executor = Executor::new(db.clone(), graph);
        executor
            .migrate(&Target::Migration("notes".into(), first.name.clone()))
            .await
            .unwrap();
        for slug in ["home", "about"] {
            let mut page = keyed_by_id::Page {
                id: Auto::new(),
                slug: slug.into(),
            };
            page.save(&db).await.unwrap();
        }
        executor.migrate(&Target::All).await.unwrap();
        assert_eq!(keyed_by_slug::Page::objects().count(&db).await.unwrap(), 2);
        // The slug is the key now: a second "home" is refused, a repeated id is not.
        let mut twin = keyed_by_slug::Page {
            id: 1,
            slug: "home".into(),
        };
        assert!(
            alder_db::crud::insert(&db, &mut twin).await.is_err(),
            "{backend:?}: slug is unique as the key"
        );
        let mut other = keyed_by_slug::Page {
            id: 1,
            slug: "contact".into(),
        };
        alder_db::crud::insert(&db, &mut other)
            .await
            .unwrap_or_else(|e| panic!("{backend:?}: id is no longer the key: {e}"));
        let page = keyed_by_slug::Page::objects()
            .filter(keyed_by_slug::Page::slug().eq("about"))
            .get(&db)
            .await
            .unwrap();
        assert_eq!(page.id, 2, "{backend:?}: the old keys are kept as values");
    }
}

mod numbered_by_hand {
    use alder_db::Model;

    #[derive(Model, Debug, Clone)]
    #[model(table = "ticket")]
    pub(crate) struct Ticket {
        #[model(primary_key)]
        pub(crate) number: i64,
        #[model(max_length = 20)]
        pub(crate) title: String,
    }
}

mod numbered_by_the_database {
    use alder_db::{Auto, Model};

    #[derive(Model, Debug, Clone)]
    #[model(table = "ticket")]
    pub(crate) struct Ticket {
        #[model(primary_key)]
        pub(crate) number: Auto<i64>,
        #[model(max_length = 20)]
        pub(crate) title: String,
    }
}

#[tokio::test]
async fn a_key_that_becomes_auto_numbers_after_the_rows_there_and_back() {
    for db in testing::all().await.unwrap() {
        let backend = db.backend();
        let first = next(&app(vec![numbered_by_hand::Ticket::META], vec![]));
        let second = next(&app(
            vec![numbered_by_the_database::Ticket::META],
            vec![first.clone()],
        ));
        let done = app(
            vec![numbered_by_the_database::Ticket::META],
            vec![first.clone(), second],
        );
        let executor = Executor::new(db.clone(), Graph::new(std::slice::from_ref(&done)).unwrap());
        executor
            .migrate(&Target::Migration("notes".into(), first.name.clone()))
            .await
            .unwrap();
        for number in [5, 9] {
            let mut t = numbered_by_hand::Ticket {
                number,
                title: format!("by hand {number}"),
            };
            alder_db::crud::insert(&db, &mut t).await.unwrap();
        }
        executor.migrate(&Target::All).await.unwrap();
        let mut new = numbered_by_the_database::Ticket {
            number: Auto::new(),
            title: "numbered".into(),
        };
        new.save(&db).await.unwrap();
        assert_eq!(new.number.get(), Some(10), "{backend:?}: after the largest");
        assert_eq!(
            numbered_by_the_database::Ticket::objects()
                .count(&db)
                .await
                .unwrap(),
            3
        );

        // Back: the database no longer numbers the rows (PostgreSQL drops the default and
        // the sequence; SQLite's rebuilt table has no AUTOINCREMENT).
        executor
            .migrate(&Target::Migration("notes".into(), first.name.clone()))
            .await
            .unwrap();
        assert_eq!(
            numbered_by_hand::Ticket::objects()
                .count(&db)
                .await
                .unwrap(),
            3,
            "{backend:?}: rows kept"
        );
        if backend == alder_db::Backend::Postgres {
            let refused = db
                .execute_unprepared("INSERT INTO ticket (title) VALUES ('no number')")
                .await;
            assert!(refused.is_err(), "no default is left on the key");
            let sequences = db
                .fetch_all(
                    "?",
                    "SELECT relname::text FROM pg_class WHERE relkind = 'S' AND relname LIKE 'ticket%'",
                    sea_query::Values(vec![]),
                )
                .await
                .unwrap();
            assert!(sequences.is_empty(), "the sequence is dropped");
        }
    }
}

#[tokio::test]
async fn a_sqlite_rebuild_stops_rather_than_drop_a_check_constraint_made_by_hand() {
    use alder_db::migrations::{Field, FieldKind, Operation};
    let db = testing::sqlite().await.unwrap();
    let create = Migration::new("notes", "0001_initial").operation(Operation::create_model(
        "Item",
        "item",
        vec![
            Field::new("id", FieldKind::BigInteger).primary_key().auto(),
            Field::new("qty", FieldKind::Integer),
        ],
    ));
    // SQLite cannot add a constraint to a table: a RunSql recreates it with one.
    let by_hand = Migration::new("notes", "0002_check")
        .depends_on("notes", "0001_initial")
        .operation(Operation::run_sql(
            "CREATE TABLE item_new (id integer PRIMARY KEY AUTOINCREMENT, \
             qty integer NOT NULL CHECK (qty >= 0)); \
             INSERT INTO item_new SELECT id, qty FROM item; DROP TABLE item; \
             ALTER TABLE item_new RENAME TO item;",
            None,
        ));
    let alter = Migration::new("notes", "0003_nullable")
        .depends_on("notes", "0002_check")
        .operation(Operation::alter_field(
            "Item",
            Field::new("qty", FieldKind::Integer).nullable(),
        ));
    let executor = hand_written(&db, vec![create, by_hand, alter]);
    executor
        .migrate(&Target::Migration("notes".into(), "0002_check".into()))
        .await
        .unwrap();
    db.execute_unprepared("INSERT INTO item (qty) VALUES (3)")
        .await
        .unwrap();
    let err = executor.migrate(&Target::All).await.unwrap_err();
    assert!(
        err.to_string()
            .contains("CHECK constraint the migrations did not create"),
        "{err}"
    );
    // Nothing changed: the constraint still refuses a negative quantity, the row is there.
    assert!(db
        .execute_unprepared("INSERT INTO item (qty) VALUES (-1)")
        .await
        .is_err());
    let rows = db
        .fetch_all("?", "SELECT qty FROM item", sea_query::Values(vec![]))
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
}
