//! Foreign keys and many-to-many fields to models whose keys are not `Auto<i64>`: a text
//! key, a UUID key and an `Auto<i32>` key. The pointer's column has the target key's type,
//! so the values round-trip, the database enforces the reference and every relation feature
//! (get, select_related, prefetch, in_bulk, filters, the delete collector) works by key.

use alder_db::migrations::{
    detect, migration_source, next_migration, AppMigrations, Executor, Graph, State, Target,
};
use alder_db::uuid::Uuid;
use alder_db::{
    collector, crud, testing, Auto, Database, DbError, FieldKind, ForeignKey, ManyToMany, Model,
    Registry,
};

#[derive(Model, Debug, Clone, PartialEq)]
struct Country {
    #[model(primary_key, max_length = 2)]
    code: String,
    #[model(max_length = 50)]
    name: String,
}

#[derive(Model, Debug, Clone, PartialEq)]
struct Tag {
    #[model(primary_key)]
    id: Uuid,
    #[model(max_length = 20)]
    name: String,
}

#[derive(Model, Debug, Clone, PartialEq)]
struct Shelf {
    id: Auto<i32>,
    #[model(max_length = 20)]
    label: String,
}

#[derive(Model, Debug, Clone, PartialEq)]
struct Book {
    id: Auto<i64>,
    #[model(max_length = 50)]
    title: String,
    #[model(on_delete = "protect")]
    country: ForeignKey<Country>,
    #[model(on_delete = "set_null")]
    shelf: Option<ForeignKey<Shelf>>,
    #[model(on_delete = "cascade")]
    main_tag: Option<ForeignKey<Tag>>,
    tags: ManyToMany<Tag>,
}

const MODELS: &[&alder_db::ModelMeta] = &[Country::META, Tag::META, Shelf::META, Book::META];

fn apps(migrations: Vec<alder_db::migrations::Migration>) -> Vec<AppMigrations> {
    vec![AppMigrations {
        app: "shop".into(),
        models: MODELS.to_vec(),
        migrations,
        dir: None,
    }]
}

/// Each database migrated from the migration `makemigrations` writes for the models, so the
/// tests below go through the generated schema, not only `create_models`.
async fn setup() -> Vec<Database> {
    let graph = Graph::new(&apps(Vec::new())).unwrap();
    let (ops, _) = detect(
        "shop",
        &State::default(),
        &State::from_apps(&apps(Vec::new())),
        &[],
    )
    .unwrap();
    let initial = next_migration("shop", &graph, ops, None);
    let source = migration_source(&initial, "alder_db").unwrap();
    assert!(
        source.contains(r#"Field::new("country", FieldKind::Text)"#)
            && source.contains(r#"Field::new("main_tag", FieldKind::Uuid)"#)
            && source.contains(r#"Field::new("shelf", FieldKind::Integer)"#)
            && source.contains(r#"Field::new("tag_id", FieldKind::Uuid)"#),
        "the written migration gives each pointer its key's type:\n{source}"
    );
    let dbs = testing::all().await.unwrap();
    for db in &dbs {
        Executor::new(
            db.clone(),
            Graph::new(&apps(vec![initial.clone()])).unwrap(),
        )
        .migrate(&Target::All)
        .await
        .unwrap();
    }
    dbs
}

fn registry() -> Registry {
    let mut registry = Registry::new();
    for meta in MODELS {
        registry.register("shop", meta);
    }
    registry
}

#[test]
fn a_pointer_column_has_the_type_of_the_key_it_points_to() {
    let kind = |name| Book::META.field(name).unwrap().kind;
    assert_eq!(kind("country"), FieldKind::Text);
    assert_eq!(kind("shelf"), FieldKind::Integer);
    assert_eq!(kind("main_tag"), FieldKind::Uuid);
    // The automatic through table's columns follow each side's key too.
    let state = State::from_apps(&apps(Vec::new()));
    let through = state
        .models
        .values()
        .find(|m| m.table == Book::META.many_to_many[0].through_table)
        .unwrap();
    let column = |name: &str| through.fields.iter().find(|f| f.name == name).unwrap().kind;
    assert_eq!(
        column(Book::META.many_to_many[0].source_column),
        FieldKind::BigInteger
    );
    assert_eq!(
        column(Book::META.many_to_many[0].target_column),
        FieldKind::Uuid
    );
}

#[tokio::test]
async fn text_uuid_and_i32_keys_round_trip_through_every_relation_feature() {
    for db in setup().await {
        let backend = db.backend();
        let mut norway = Country {
            code: "NO".into(),
            name: "Norway".into(),
        };
        crud::insert(&db, &mut norway).await.unwrap();
        let mut chile = Country {
            code: "CL".into(),
            name: "Chile".into(),
        };
        crud::insert(&db, &mut chile).await.unwrap();
        let mut poetry = Tag {
            id: Uuid::from_u128(0x1234_5678_9abc_def0_1234_5678_9abc_def0),
            name: "poetry".into(),
        };
        crud::insert(&db, &mut poetry).await.unwrap();
        let mut shelf = Shelf {
            id: Auto::new(),
            label: "A1".into(),
        };
        shelf.save(&db).await.unwrap();

        let mut book = Book {
            id: Auto::new(),
            title: "Hunger".into(),
            country: ForeignKey::to(&norway).unwrap(),
            shelf: Some(ForeignKey::to(&shelf).unwrap()),
            main_tag: Some(ForeignKey::to(&poetry).unwrap()),
            tags: ManyToMany::new(),
        };
        book.save(&db).await.unwrap();
        Book::tags().add(&db, &book, &poetry).await.unwrap();

        // Values come back as they went in.
        let found = Book::objects().get(&db).await.unwrap();
        assert_eq!(found.country.key(), "NO", "{backend:?}");
        assert_eq!(found.shelf.unwrap().id(), shelf.id.get().unwrap());
        assert_eq!(found.main_tag.as_ref().unwrap().id(), poetry.id);
        assert_eq!(found.country.get(&db).await.unwrap(), norway);
        assert_eq!(found.main_tag.unwrap().get(&db).await.unwrap(), poetry);

        // Filters by a bare key, by the object, and across the relation.
        for q in [
            Book::country().eq("NO"),
            Book::country().eq(&norway),
            Book::country().has(Country::name().eq("Norway")),
            Book::main_tag().eq(poetry.id),
        ] {
            assert_eq!(Book::objects().filter(q).count(&db).await.unwrap(), 1);
        }
        assert_eq!(
            Book::objects()
                .filter(Book::country().eq("CL"))
                .count(&db)
                .await
                .unwrap(),
            0
        );
        assert_eq!(
            Book::country().reverse(&norway).count(&db).await.unwrap(),
            1
        );

        // Joins, prefetches and in_bulk are keyed by the target's key type.
        let pairs = Book::objects()
            .select_related(&db, Book::country())
            .await
            .unwrap();
        assert_eq!(pairs[0].1.name, "Norway");
        let books = Book::objects().all(&db).await.unwrap();
        let countries = ForeignKey::prefetch(&db, &books, |b| b.country.clone())
            .await
            .unwrap();
        assert_eq!(countries["NO"].name, "Norway");
        let by_code = Country::objects()
            .in_bulk(&db, ["NO", "CL", "XX"].map(String::from))
            .await
            .unwrap();
        assert_eq!(by_code.len(), 2);
        assert_eq!(by_code["CL"], chile);
        let tags = Book::tags().of(&book).unwrap().all(&db).await.unwrap();
        assert_eq!(tags, [poetry.clone()]);

        // The database enforces the reference: no book in a country that is not there.
        let mut stray = Book {
            id: Auto::new(),
            title: "Stray".into(),
            country: ForeignKey::new("XX".into()),
            shelf: None,
            main_tag: None,
            tags: ManyToMany::new(),
        };
        let err = stray.save(&db).await.unwrap_err();
        assert!(
            matches!(err, DbError::ForeignKeyViolation { .. }),
            "{backend:?}: {err:?}"
        );

        // The delete collector follows text and UUID keys: Norway is protected by its book,
        // deleting the tag would delete the book (cascade) and its pair.
        let registry = registry();
        let found = collector::collect(&db, &registry, std::slice::from_ref(&norway))
            .await
            .unwrap();
        assert!(found.is_blocked(), "{backend:?}");
        let found = collector::collect(&db, &registry, std::slice::from_ref(&poetry))
            .await
            .unwrap();
        assert_eq!(found.summary(), [("tags", 1), ("books", 1)], "{backend:?}");

        // set_null through an i32 key.
        shelf.delete(&db).await.unwrap();
        assert_eq!(Book::objects().get(&db).await.unwrap().shelf, None);
    }
}

#[test]
fn pointers_serialize_as_their_keys() {
    let book = Book {
        id: Auto::from(1),
        title: "Hunger".into(),
        country: ForeignKey::new("NO".into()),
        shelf: Some(ForeignKey::new(3)),
        main_tag: None,
        tags: ManyToMany::new(),
    };
    let json = serde_json::to_value(&book.country).unwrap();
    assert_eq!(json, serde_json::json!("NO"));
    let back: ForeignKey<Country> = serde_json::from_value(json).unwrap();
    assert_eq!(back, book.country);
    assert_eq!(format!("{:?}", book.shelf.unwrap()), "ForeignKey(3)");
}
