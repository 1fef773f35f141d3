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
            hints
                .iter()
                .any(|h| h.contains("--rename Post=Article") && h.contains("drops table `post`")),
            "{hints:?}"
        );

        let (second, _) = detect_with(&renamed, &["Post=Article".parse().unwrap()]).unwrap();
        let described: Vec<String> = second.operations.iter().map(|o| o.describe()).collect();
        for expected in [
            "Rename model Post to Article",
            "Rename model Post_tags to Article_tags",
            "Rename table for Article to article",
            "Rename table for Article_tags to article_tags",
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
