//! The registry of installed models and the delete collector: reverse relations with their
//! names, and what deleting rows would delete, change, unlink or be stopped by — on SQLite
//! and PostgreSQL, checked against what the delete then really does.

use alder_db::{
    collector, testing, Auto, Database, ForeignKey, ManyToMany, Model, OnDelete, Registry,
};

#[derive(Model, Debug, Clone)]
struct Author {
    id: Auto<i64>,
    #[model(max_length = 30)]
    name: String,
}

#[derive(Model, Debug, Clone)]
struct Tag {
    id: Auto<i64>,
    #[model(max_length = 30)]
    name: String,
}

#[derive(Model, Debug, Clone)]
struct Book {
    id: Auto<i64>,
    #[model(max_length = 30)]
    title: String,
    #[model(related_name = "books")]
    author: ForeignKey<Author>,
    #[model(on_delete = "set_null", related_name = "edited")]
    editor: Option<ForeignKey<Author>>,
    tags: ManyToMany<Tag>,
}

#[derive(Model, Debug, Clone)]
struct Chapter {
    id: Auto<i64>,
    book: ForeignKey<Book>,
}

#[derive(Model, Debug, Clone)]
struct Loan {
    id: Auto<i64>,
    #[model(on_delete = "protect")]
    book: ForeignKey<Book>,
}

#[derive(Model, Debug, Clone)]
struct Award {
    id: Auto<i64>,
    #[model(on_delete = "restrict")]
    chapter: ForeignKey<Chapter>,
    /// Cascades from the author: an award restricted by its chapter goes with the author.
    author: ForeignKey<Author>,
}

/// The app's models, in the order they are registered and migrated.
fn models() -> Vec<&'static alder_db::ModelMeta> {
    vec![
        Author::META,
        Tag::META,
        Book::META,
        Chapter::META,
        Loan::META,
        Award::META,
    ]
}

fn registry() -> Registry {
    let mut r = Registry::new();
    for meta in models() {
        r.register("library", meta);
    }
    r
}

async fn setup() -> Vec<Database> {
    let mut out = Vec::new();
    for db in testing::all().await.unwrap() {
        testing::migrate_models(&db, "library", models())
            .await
            .unwrap();
        out.push(db);
    }
    out
}

async fn author(db: &Database, name: &str) -> Author {
    let mut a = Author {
        id: Auto::new(),
        name: name.into(),
    };
    a.save(db).await.unwrap();
    a
}

async fn book(db: &Database, title: &str, author: &Author, editor: Option<&Author>) -> Book {
    let mut b = Book {
        id: Auto::new(),
        title: title.into(),
        author: ForeignKey::to(author).unwrap(),
        editor: editor.map(|e| ForeignKey::to(e).unwrap()),
        tags: ManyToMany::new(),
    };
    b.save(db).await.unwrap();
    b
}

async fn chapter(db: &Database, book: &Book) -> Chapter {
    let mut c = Chapter {
        id: Auto::new(),
        book: ForeignKey::to(book).unwrap(),
    };
    c.save(db).await.unwrap();
    c
}

#[test]
fn the_registry_knows_apps_and_reverse_relations_by_name() {
    let registry = registry();
    assert_eq!(registry.app_label(Book::META), Some("library"));
    assert_eq!(
        registry.get("library", "Loan").map(|m| m.table),
        Some(Loan::META.table)
    );
    assert!(registry.get("shop", "Loan").is_none());
    let names: Vec<(&str, String, OnDelete)> = registry
        .related_to(Author::META)
        .into_iter()
        .map(|r| (r.model.name, r.name, r.on_delete))
        .collect();
    assert_eq!(
        names,
        [
            ("Book", "books".to_string(), OnDelete::Cascade),
            ("Book", "edited".to_string(), OnDelete::SetNull),
            ("Award", "award_set".to_string(), OnDelete::Cascade),
        ]
    );
    let many: Vec<&str> = registry
        .many_related_to(Tag::META)
        .iter()
        .map(|m| m.field.name)
        .collect();
    assert_eq!(many, ["tags"]);
    // Registering twice keeps one entry, under the first app.
    let mut twice = registry.clone();
    twice.register("other", Book::META);
    assert_eq!(twice.models().count(), 6);
    let json = serde_json::to_value(Book::META.field("author").unwrap()).unwrap();
    assert_eq!(json["relation"]["related_name"], "books");
}

#[tokio::test]
async fn collect_lists_what_a_delete_reaches_and_the_delete_agrees() {
    let registry = registry();
    for db in setup().await {
        let backend = db.backend();
        let ann = author(&db, "Ann").await;
        let bob = author(&db, "Bob").await;
        let first = book(&db, "First", &ann, Some(&bob)).await;
        let second = book(&db, "Second", &ann, None).await;
        let edited = book(&db, "Edited by Ann", &bob, Some(&ann)).await;
        let c1 = chapter(&db, &first).await;
        chapter(&db, &first).await;
        chapter(&db, &second).await;
        let mut rust = Tag {
            id: Auto::new(),
            name: "rust".into(),
        };
        rust.save(&db).await.unwrap();
        Book::tags().add(&db, &first, &rust).await.unwrap();
        Book::tags().add(&db, &edited, &rust).await.unwrap();

        let found = collector::collect(&db, &registry, std::slice::from_ref(&ann))
            .await
            .unwrap();
        assert!(!found.is_blocked(), "{backend:?}: {:?}", found.blockers);
        assert_eq!(
            found.summary(),
            [("authors", 1), ("books", 2), ("chapters", 3)],
            "{backend:?}"
        );
        assert_eq!(found.updates.len(), 1);
        assert_eq!(
            (found.updates[0].field.name, found.updates[0].keys.len()),
            ("editor", 1),
            "Bob's book edited by Ann loses its editor"
        );
        let pairs: Vec<(&str, usize)> = found.pairs.iter().map(|p| (p.field, p.count)).collect();
        assert_eq!(pairs, [("tags", 1)], "{backend:?}");

        // The delete does what the collector said.
        assert!(ann.delete(&db).await.unwrap());
        assert_eq!(Book::objects().count(&db).await.unwrap(), 1);
        assert_eq!(Chapter::objects().count(&db).await.unwrap(), 0);
        assert_eq!(Book::objects().get(&db).await.unwrap().editor, None);
        let _ = c1;
    }
}

#[tokio::test]
async fn protect_and_restrict_block_a_delete_unless_the_restricted_rows_go_too() {
    let registry = registry();
    for db in setup().await {
        let backend = db.backend();
        let ann = author(&db, "Ann").await;
        let lent = book(&db, "Lent", &ann, None).await;
        let mut loan = Loan {
            id: Auto::new(),
            book: ForeignKey::to(&lent).unwrap(),
        };
        loan.save(&db).await.unwrap();

        let found = collector::collect(&db, &registry, std::slice::from_ref(&ann))
            .await
            .unwrap();
        assert!(found.is_blocked(), "{backend:?}");
        assert_eq!(
            (
                found.blockers[0].model.name,
                found.blockers[0].rule,
                found.blockers[0].keys.len()
            ),
            ("Loan", OnDelete::Protect, 1)
        );
        assert!(
            ann.delete(&db).await.is_err(),
            "{backend:?}: the database agrees"
        );
        loan.delete(&db).await.unwrap();

        // An award restricted by a chapter of Ann's book, but also Ann's own: deleting Ann
        // removes it through the cascade, so the restriction does not stand in the way.
        let chap = chapter(&db, &lent).await;
        let mut award = Award {
            id: Auto::new(),
            chapter: ForeignKey::to(&chap).unwrap(),
            author: ForeignKey::to(&ann).unwrap(),
        };
        award.save(&db).await.unwrap();
        let found = collector::collect(&db, &registry, std::slice::from_ref(&ann))
            .await
            .unwrap();
        assert!(!found.is_blocked(), "{backend:?}: {:?}", found.blockers);
        // Deleting only the chapter is restricted by the award.
        let found = collector::collect(&db, &registry, std::slice::from_ref(&chap))
            .await
            .unwrap();
        assert_eq!(found.blockers.len(), 1, "{backend:?}");
        assert_eq!(found.blockers[0].rule, OnDelete::Restrict);

        let unsaved = Author {
            id: Auto::new(),
            name: "ghost".into(),
        };
        assert!(collector::collect(&db, &registry, &[unsaved])
            .await
            .is_err());
    }
}
