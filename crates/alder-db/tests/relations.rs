//! Foreign keys: the delete rules, bad references, and migrations that keep related rows.

use alder_db::migrations::{detect, next_migration, AppMigrations, Executor, Graph, State, Target};
use alder_db::{crud, schema, testing, Auto, Database, DbError, ForeignKey, Model};

#[derive(Model, Debug, Clone)]
struct Author {
    id: Auto<i64>,
    #[model(max_length = 50)]
    name: String,
}

#[derive(Model, Debug, Clone)]
struct Book {
    id: Auto<i64>,
    #[model(max_length = 50)]
    title: String,
    author: ForeignKey<Author>,
    #[model(on_delete = "set_null")]
    editor: Option<ForeignKey<Author>>,
}

#[derive(Model, Debug, Clone)]
struct Review {
    id: Auto<i64>,
    #[model(on_delete = "protect")]
    book: ForeignKey<Book>,
    #[model(on_delete = "cascade")]
    parent: Option<ForeignKey<Review>>,
}

async fn setup() -> Vec<Database> {
    let dbs = testing::all().await.unwrap();
    for db in &dbs {
        schema::create_models(db, &[Author::META, Book::META, Review::META])
            .await
            .unwrap();
    }
    dbs
}

async fn author(db: &Database, name: &str) -> Author {
    let mut a = Author {
        id: Auto::new(),
        name: name.into(),
    };
    crud::save(db, &mut a).await.unwrap();
    a
}

async fn book(db: &Database, title: &str, author: &Author, editor: Option<&Author>) -> Book {
    let mut b = Book {
        id: Auto::new(),
        title: title.into(),
        author: ForeignKey::to(author).unwrap(),
        editor: editor.map(|e| ForeignKey::to(e).unwrap()),
    };
    crud::save(db, &mut b).await.unwrap();
    b
}

#[tokio::test]
async fn cascade_set_null_and_protect() {
    for db in setup().await {
        let ann = author(&db, "Ann").await;
        let bob = author(&db, "Bob").await;
        let b1 = book(&db, "One", &ann, Some(&bob)).await;
        book(&db, "Two", &ann, None).await;
        book(&db, "Three", &bob, None).await;

        assert_eq!(b1.author.get(&db).await.unwrap().name, "Ann");
        assert_eq!(
            Book::objects()
                .filter(Book::author().eq(&ann))
                .count(&db)
                .await
                .unwrap(),
            2
        );
        assert_eq!(
            Book::objects()
                .filter(Book::author().eq(bob.id.get().unwrap()))
                .count(&db)
                .await
                .unwrap(),
            1
        );

        // SET_NULL: deleting the editor keeps the book, without an editor.
        crud::delete(&db, &bob).await.unwrap();
        let one = Book::objects()
            .filter(Book::title().eq("One"))
            .get(&db)
            .await
            .unwrap();
        assert_eq!(one.editor, None, "{:?}", db.backend());
        // CASCADE: Bob's book went with him.
        assert_eq!(Book::objects().count(&db).await.unwrap(), 2);

        // PROTECT: a reviewed book cannot be deleted.
        let mut review = Review {
            id: Auto::new(),
            book: ForeignKey::to(&one).unwrap(),
            parent: None,
        };
        crud::save(&db, &mut review).await.unwrap();
        let mut reply = Review {
            id: Auto::new(),
            book: ForeignKey::to(&one).unwrap(),
            parent: Some(ForeignKey::to(&review).unwrap()),
        };
        crud::save(&db, &mut reply).await.unwrap();
        let err = crud::delete(&db, &one).await.unwrap_err();
        assert!(
            matches!(err, DbError::ForeignKeyViolation { .. }),
            "{err:?}"
        );
        // A self-reference cascades.
        crud::delete(&db, &review).await.unwrap();
        assert_eq!(Review::objects().count(&db).await.unwrap(), 0);
    }
}

#[tokio::test]
async fn a_reference_to_a_missing_row_is_a_foreign_key_error() {
    for db in setup().await {
        let mut orphan = Book {
            id: Auto::new(),
            title: "x".into(),
            author: ForeignKey::new(999),
            editor: None,
        };
        let err = crud::save(&db, &mut orphan).await.unwrap_err();
        assert!(
            matches!(err, DbError::ForeignKeyViolation { model: "Book", .. }),
            "{err:?}"
        );
        let err = ForeignKey::<Author>::new(999).get(&db).await.unwrap_err();
        assert!(matches!(err, DbError::NotFound { model: "Author" }));
    }
}

mod v2 {
    use alder_db::{Auto, Model};

    #[derive(Model, Debug, Clone)]
    pub(crate) struct Author {
        pub(crate) id: Auto<i64>,
        #[model(max_length = 80)]
        pub(crate) name: String,
        pub(crate) bio: Option<String>,
    }
}

#[tokio::test]
async fn rebuilding_a_table_others_point_to_keeps_their_rows() {
    for db in testing::all().await.unwrap() {
        let v1 = vec![AppMigrations {
            app: "lib".into(),
            models: vec![Author::META, Book::META],
            ..Default::default()
        }];
        let graph = Graph::new(&v1).unwrap();
        let (ops, _) = detect("lib", &State::default(), &State::from_apps(&v1), &[]).unwrap();
        let names: Vec<String> = ops.iter().map(|o| o.describe()).collect();
        assert_eq!(
            names,
            ["Create model Author", "Create model Book"],
            "targets are created first"
        );
        let m1 = next_migration("lib", &graph, ops, None);
        let apps = vec![AppMigrations {
            app: "lib".into(),
            models: vec![Author::META, Book::META],
            migrations: vec![m1.clone()],
            dir: None,
        }];
        Executor::new(db.clone(), Graph::new(&apps).unwrap())
            .migrate(&Target::All)
            .await
            .unwrap();
        let ann = author(&db, "Ann").await;
        book(&db, "One", &ann, None).await;

        // Alter the table books point to: on SQLite this rebuilds it.
        let v2 = vec![AppMigrations {
            app: "lib".into(),
            models: vec![v2::Author::META, Book::META],
            migrations: vec![m1.clone()],
            dir: None,
        }];
        let graph = Graph::new(&v2).unwrap();
        let (ops, _) = detect("lib", &graph.state().unwrap(), &State::from_apps(&v2), &[]).unwrap();
        assert!(!ops.is_empty());
        let m2 = next_migration("lib", &graph, ops, None);
        let apps = vec![AppMigrations {
            app: "lib".into(),
            models: vec![v2::Author::META, Book::META],
            migrations: vec![m1, m2],
            dir: None,
        }];
        Executor::new(db.clone(), Graph::new(&apps).unwrap())
            .migrate(&Target::All)
            .await
            .unwrap();
        assert_eq!(
            Book::objects().count(&db).await.unwrap(),
            1,
            "{:?}: the book survived",
            db.backend()
        );
        let mut orphan = Book {
            id: Auto::new(),
            title: "x".into(),
            author: ForeignKey::new(999),
            editor: None,
        };
        assert!(
            crud::save(&db, &mut orphan).await.is_err(),
            "the foreign key is still enforced"
        );
    }
}

#[tokio::test]
async fn select_related_fetches_both_sides_in_one_query() {
    for db in setup().await {
        let ann = author(&db, "Ann").await;
        let bob = author(&db, "Bob").await;
        book(&db, "One", &ann, Some(&bob)).await;
        book(&db, "Two", &bob, None).await;
        let pairs = Book::objects()
            .filter(Book::title().ne("none"))
            .order_by(Book::title().asc())
            .select_related(&db, Book::author())
            .await
            .unwrap();
        let shown: Vec<(String, String)> =
            pairs.into_iter().map(|(b, a)| (b.title, a.name)).collect();
        assert_eq!(
            shown,
            [
                ("One".to_string(), "Ann".to_string()),
                ("Two".to_string(), "Bob".to_string())
            ],
            "{:?}",
            db.backend()
        );
        // Any foreign key column works the same way.
        let b = Book::objects()
            .filter(Book::title().eq("One"))
            .get(&db)
            .await
            .unwrap();
        let mut root = Review {
            id: Auto::new(),
            book: ForeignKey::to(&b).unwrap(),
            parent: None,
        };
        crud::save(&db, &mut root).await.unwrap();
        let mut reply = Review {
            id: Auto::new(),
            book: ForeignKey::to(&b).unwrap(),
            parent: Some(ForeignKey::to(&root).unwrap()),
        };
        crud::save(&db, &mut reply).await.unwrap();
        let with_book = Review::objects()
            .select_related(&db, Review::book())
            .await
            .unwrap();
        assert_eq!(with_book.len(), 2);
        assert!(with_book.iter().all(|(_, book)| book.title == "One"));
    }
}

#[derive(Model, Debug, Clone)]
struct Profile {
    id: Auto<i64>,
    author: alder_db::OneToOne<Author>,
}

#[tokio::test]
async fn one_to_one_is_unique_and_reverse_finds_the_pointing_rows() {
    for db in testing::all().await.unwrap() {
        schema::create_models(&db, &[Author::META, Book::META, Profile::META])
            .await
            .unwrap();
        let ann = author(&db, "Ann").await;
        book(&db, "One", &ann, None).await;
        book(&db, "Two", &ann, None).await;
        assert_eq!(Book::author().reverse(&ann).count(&db).await.unwrap(), 2);
        let mut p = Profile {
            id: Auto::new(),
            author: ForeignKey::to(&ann).unwrap(),
        };
        crud::save(&db, &mut p).await.unwrap();
        let mut second = Profile {
            id: Auto::new(),
            author: ForeignKey::to(&ann).unwrap(),
        };
        let err = crud::save(&db, &mut second).await.unwrap_err();
        assert!(matches!(err, DbError::UniqueViolation { .. }), "{err:?}");
    }
}

#[tokio::test]
async fn filtering_by_an_unsaved_object_is_an_error_not_is_null() {
    for db in setup().await {
        let ann = author(&db, "Ann").await;
        book(&db, "Edited", &ann, Some(&ann)).await;
        book(&db, "Unedited", &ann, None).await;
        let ghost = Author {
            id: Auto::new(),
            name: "not saved".into(),
        };
        let unsaved = |result: alder_db::Result<u64>| {
            assert!(
                matches!(result, Err(DbError::Unsaved { model: "Author" })),
                "{result:?}"
            );
        };
        // Read as `editor IS NULL`, this delete would remove "Unedited".
        unsaved(
            Book::objects()
                .filter(Book::editor().eq(&ghost))
                .delete(&db)
                .await,
        );
        unsaved(
            Book::objects()
                .filter(Book::author().eq(&ghost))
                .count(&db)
                .await
                .map(|n| n as u64),
        );
        unsaved(
            Book::objects()
                .exclude(Book::editor().eq(&ghost))
                .delete(&db)
                .await,
        );
        unsaved(
            Book::objects()
                .filter(Book::title().eq("x") | Book::editor().ne(&ghost))
                .count(&db)
                .await
                .map(|n| n as u64),
        );
        unsaved(
            Book::objects()
                .filter(Book::author().is_in([&ann, &ghost]))
                .update(&db, [Book::title().set("gone")])
                .await,
        );
        let listed = Book::objects()
            .filter(Book::author().eq(&ghost) & Book::title().eq("Edited"))
            .all(&db)
            .await;
        assert!(matches!(listed, Err(DbError::Unsaved { .. })), "{listed:?}");
        assert_eq!(
            Book::objects().count(&db).await.unwrap(),
            2,
            "nothing was deleted"
        );
        // A saved object and an explicit None still mean what they say.
        assert_eq!(
            Book::objects()
                .filter(Book::editor().eq(&ann))
                .count(&db)
                .await
                .unwrap(),
            1
        );
        assert_eq!(
            Book::objects()
                .filter(Book::editor().eq(None))
                .count(&db)
                .await
                .unwrap(),
            1
        );
    }
}

#[tokio::test]
async fn a_pointer_compares_with_the_targets_auto_key_and_an_unset_one_is_an_error() {
    for db in setup().await {
        let ann = author(&db, "Ann").await;
        book(&db, "One", &ann, Some(&ann)).await;
        book(&db, "Two", &ann, None).await;
        let by_key = |q| Book::objects().filter(q);
        assert_eq!(
            by_key(Book::author().eq(ann.id)).count(&db).await.unwrap(),
            2
        );
        assert_eq!(
            by_key(Book::editor().eq(ann.id)).count(&db).await.unwrap(),
            1
        );
        let unset: Auto<i64> = Auto::new();
        let err = by_key(Book::editor().eq(unset))
            .count(&db)
            .await
            .unwrap_err();
        assert!(
            matches!(err, DbError::Unsaved { model: "Author" }),
            "{err:?}"
        );
    }
}
