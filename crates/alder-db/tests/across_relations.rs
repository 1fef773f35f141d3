//! Lookups and orderings across relations (Django's `author__country__name`), typed and
//! string-keyed, forward and reverse, through foreign keys, many-to-many fields and a model
//! that points to itself.

use alder_db::{crud, schema, testing, Auto, Database, DbError, ForeignKey, ManyToMany, Model};

#[derive(Model, Debug, Clone)]
struct Country {
    id: Auto<i64>,
    #[model(max_length = 20)]
    name: String,
}

#[derive(Model, Debug, Clone)]
struct Writer {
    id: Auto<i64>,
    #[model(max_length = 20)]
    name: String,
    #[model(on_delete = "set_null")]
    country: Option<ForeignKey<Country>>,
}

#[derive(Model, Debug, Clone)]
struct Label {
    id: Auto<i64>,
    #[model(max_length = 20)]
    name: String,
}

#[derive(Model, Debug, Clone)]
struct Article {
    id: Auto<i64>,
    #[model(max_length = 20)]
    title: String,
    writer: ForeignKey<Writer>,
    labels: ManyToMany<Label>,
}

#[derive(Model, Debug, Clone)]
struct Section {
    id: Auto<i64>,
    #[model(max_length = 20)]
    name: String,
    parent: Option<ForeignKey<Section>>,
}

struct Data {
    db: Database,
    writers: Vec<Writer>,
}

/// Norway: Ann (articles "Rust", "Go"); Chile: Bob ("Rust at scale"); no country: Cy (none).
/// Labels: "Rust" has lang + systems, "Go" has lang.
async fn data() -> Vec<Data> {
    let mut out = Vec::new();
    for db in testing::all().await.unwrap() {
        schema::create_models(
            &db,
            &[
                Country::META,
                Writer::META,
                Label::META,
                Article::META,
                Section::META,
            ],
        )
        .await
        .unwrap();
        let mut countries = Vec::new();
        for name in ["Norway", "Chile"] {
            let mut c = Country {
                id: Auto::new(),
                name: name.into(),
            };
            crud::save(&db, &mut c).await.unwrap();
            countries.push(c);
        }
        let mut writers = Vec::new();
        for (name, country) in [("Ann", Some(0)), ("Bob", Some(1)), ("Cy", None)] {
            let mut w = Writer {
                id: Auto::new(),
                name: name.into(),
                country: country.map(|i: usize| ForeignKey::to(&countries[i]).unwrap()),
            };
            crud::save(&db, &mut w).await.unwrap();
            writers.push(w);
        }
        let mut labels = Vec::new();
        for name in ["lang", "systems"] {
            let mut l = Label {
                id: Auto::new(),
                name: name.into(),
            };
            crud::save(&db, &mut l).await.unwrap();
            labels.push(l);
        }
        for (title, writer, with) in [
            ("Rust", 0, vec![0, 1]),
            ("Go", 0, vec![0]),
            ("Rust at scale", 1, vec![]),
        ] {
            let mut a = Article {
                id: Auto::new(),
                title: title.into(),
                writer: ForeignKey::to(&writers[writer]).unwrap(),
                labels: ManyToMany::new(),
            };
            crud::save(&db, &mut a).await.unwrap();
            for l in with {
                Article::labels().add(&db, &a, &labels[l]).await.unwrap();
            }
        }
        out.push(Data { db, writers });
    }
    out
}

fn titles(articles: Vec<Article>) -> Vec<String> {
    articles.into_iter().map(|a| a.title).collect()
}

fn names(writers: Vec<Writer>) -> Vec<String> {
    writers.into_iter().map(|w| w.name).collect()
}

#[tokio::test]
async fn filter_through_a_chain_of_foreign_keys() {
    for Data { db, .. } in data().await {
        let norwegian = Article::writer().has(Writer::country().has(Country::name().eq("Norway")));
        let found = Article::objects()
            .filter(norwegian.clone())
            .order_by(Article::title().asc());
        assert_eq!(titles(found.all(&db).await.unwrap()), ["Go", "Rust"]);

        // exclude keeps the writer without a country, as Django does.
        let others = Writer::objects()
            .exclude(Writer::country().has(Country::name().eq("Norway")))
            .order_by(Writer::name().asc());
        assert_eq!(names(others.all(&db).await.unwrap()), ["Bob", "Cy"]);

        // Combined with a condition on the model itself, and negated.
        let q = Article::title().startswith("Rust") & !norwegian;
        assert_eq!(
            titles(Article::objects().filter(q).all(&db).await.unwrap()),
            ["Rust at scale"]
        );

        // The same through the string path, as an admin filter would send it.
        let by_str = Article::objects()
            .filter_path(&paths(), "writer__country__name__iexact", "norway")
            .unwrap()
            .order_by_name("title")
            .unwrap();
        assert_eq!(titles(by_str.all(&db).await.unwrap()), ["Go", "Rust"]);
        let by_key = Article::objects().filter_str("writer__in", "1,2").unwrap();
        assert_eq!(by_key.count(&db).await.unwrap(), 3);
    }
}

#[tokio::test]
async fn reverse_lookups_find_the_rows_pointed_to() {
    for Data { db, .. } in data().await {
        let with_rust = Writer::objects()
            .filter(Article::writer().reverse_has(Article::title().contains("Rust")))
            .order_by(Writer::name().asc());
        assert_eq!(names(with_rust.all(&db).await.unwrap()), ["Ann", "Bob"]);

        // Writers with no article at all: the reverse side negated.
        let idle = Writer::objects().exclude(Article::writer().reverse_has(alder_db::Q::all()));
        assert_eq!(names(idle.all(&db).await.unwrap()), ["Cy"]);

        let chile =
            Country::objects().filter(Writer::country().reverse_has(Writer::name().eq("Bob")));
        assert_eq!(chile.get(&db).await.unwrap().name, "Chile");
    }
}

#[tokio::test]
async fn many_to_many_lookups_both_ways() {
    for Data { db, .. } in data().await {
        let systems = Article::objects().filter(Article::labels().has(Label::name().eq("systems")));
        assert_eq!(titles(systems.all(&db).await.unwrap()), ["Rust"]);
        let labelled = Article::objects()
            .filter(Article::labels().has(alder_db::Q::all()))
            .order_by(Article::title().asc());
        assert_eq!(titles(labelled.all(&db).await.unwrap()), ["Go", "Rust"]);

        let on_go =
            Label::objects().filter(Article::labels().reverse_has(Article::title().eq("Go")));
        assert_eq!(on_go.get(&db).await.unwrap().name, "lang");

        let by_str = Article::objects()
            .filter_path(&paths(), "labels__name", "lang")
            .unwrap();
        assert_eq!(by_str.count(&db).await.unwrap(), 2);
        // A bare lookup after a many-to-many field compares the related keys.
        let by_key = Article::objects().filter_str("labels__in", "2").unwrap();
        assert_eq!(titles(by_key.all(&db).await.unwrap()), ["Rust"]);
        // And a writer's articles' labels: a chain through both kinds.
        let ann_labels = Label::objects()
            .filter(Article::labels().reverse_has(Article::writer().has(Writer::name().eq("Ann"))));
        assert_eq!(ann_labels.count(&db).await.unwrap(), 2);
    }
}

#[tokio::test]
async fn order_by_a_related_column_keeps_null_keys() {
    for Data { db, writers } in data().await {
        let by_country = Writer::objects()
            .order_by(Writer::country().order(Country::name().desc()))
            .order_by(Writer::name().asc());
        let got = names(by_country.all(&db).await.unwrap());
        // Cy has no country: NULL sorts first descending on PostgreSQL, last on SQLite;
        // either way every writer is there, in country order among the others.
        assert_eq!(got.len(), 3);
        let known: Vec<&String> = got.iter().filter(|n| *n != "Cy").collect();
        assert_eq!(known, ["Ann", "Bob"]);

        let chained = Article::objects()
            .order_by(Article::writer().order(Writer::country().order(Country::name().asc())))
            .order_by(Article::title().asc());
        assert_eq!(
            titles(chained.all(&db).await.unwrap()),
            ["Rust at scale", "Go", "Rust"]
        );

        let by_str = Article::objects()
            .order_by_path(&paths(), "-writer__country__name")
            .unwrap()
            .order_by_name("title")
            .unwrap();
        assert_eq!(
            titles(by_str.all(&db).await.unwrap()),
            ["Go", "Rust", "Rust at scale"]
        );
        assert_eq!(writers.len(), 3);
    }
}

#[tokio::test]
async fn a_model_pointing_to_itself() {
    for db in testing::all().await.unwrap() {
        schema::create_models(&db, &[Section::META]).await.unwrap();
        let mut root = Section {
            id: Auto::new(),
            name: "root".into(),
            parent: None,
        };
        crud::save(&db, &mut root).await.unwrap();
        for name in ["b", "a"] {
            let mut s = Section {
                id: Auto::new(),
                name: name.into(),
                parent: Some(ForeignKey::to(&root).unwrap()),
            };
            crud::save(&db, &mut s).await.unwrap();
        }
        let children = Section::objects().filter(Section::parent().has(Section::name().eq("root")));
        assert_eq!(children.count(&db).await.unwrap(), 2);
        let parents =
            Section::objects().filter(Section::parent().reverse_has(Section::name().eq("a")));
        assert_eq!(parents.get(&db).await.unwrap().name, "root");
        // Ordering by the parent's name must read the parent's row, not the child's.
        let ordered = Section::objects()
            .filter(Section::parent().is_not_null())
            .order_by(Section::parent().order(Section::name().asc()))
            .order_by(Section::name().asc());
        let got: Vec<String> = ordered
            .all(&db)
            .await
            .unwrap()
            .into_iter()
            .map(|s| s.name)
            .collect();
        assert_eq!(got, ["a", "b"]);
        let by_parent_name = Section::objects()
            .order_by_path(&paths(), "-parent__name")
            .unwrap();
        assert_eq!(by_parent_name.all(&db).await.unwrap().len(), 3);
    }
}

/// The relation paths these tests filter and order by from strings.
fn paths() -> alder_db::FieldPaths {
    alder_db::FieldPaths::new([
        "writer__country__name",
        "labels__name",
        "parent__name",
        "writer__nope",
        "title",
        "labels__nope",
    ])
}

/// `err` is an unknown field of `model`.
fn assert_unknown_field_of(err: DbError, model: &str) {
    assert!(
        matches!(&err, DbError::UnknownField { model: m, .. } if *m == model),
        "expected an unknown field of {model}, got: {err}"
    );
}

#[tokio::test]
async fn bad_paths_are_readable_errors() {
    let err = Article::objects()
        .filter_path(&paths(), "writer__nope", "1")
        .unwrap_err();
    assert_unknown_field_of(err, "Writer");
    let err = Article::objects()
        .filter_path(&paths(), "title__name", "x")
        .unwrap_err();
    assert!(err.to_string().contains("name"), "{err}");
    let err = Article::objects()
        .order_by_path(&paths(), "title__name")
        .unwrap_err();
    assert!(err.to_string().contains("foreign key"), "{err}");
    let err = Article::objects()
        .order_by_path(&paths(), "writer__nope")
        .unwrap_err();
    assert_unknown_field_of(err, "Writer");
    let err = Article::objects()
        .filter_path(&paths(), "labels__nope", "x")
        .unwrap_err();
    assert_unknown_field_of(err, "Label");
}

#[tokio::test]
async fn string_paths_reach_only_what_the_code_allows() {
    // A URL naming a related model's column the code did not offer is refused before any
    // query: no probing a hidden column through a relation.
    for key in [
        "writer__name",
        "writer__name__startswith",
        "writer__country__name",
    ] {
        let err = Article::objects().filter_str(key, "a").unwrap_err();
        assert!(
            matches!(
                err,
                DbError::PathNotAllowed {
                    model: "Article",
                    ..
                }
            ),
            "{key}: {err}"
        );
    }
    let only_name = alder_db::FieldPaths::new(["writer__name"]);
    assert!(Article::objects()
        .filter_path(&only_name, "writer__name__icontains", "a")
        .is_ok());
    let err = Article::objects()
        .filter_path(&only_name, "writer__country__name", "x")
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("the paths allowed are: writer__name"),
        "{err}"
    );
    assert!(Article::objects()
        .exclude_path(&only_name, "writer__country", "1")
        .is_err());
    assert!(Article::objects().order_by_name("-writer__name").is_err());
    assert!(Article::objects()
        .order_by_path(&only_name, "-writer__name")
        .is_ok());
    // A listed path deeper than the limit is refused too.
    let shallow = alder_db::FieldPaths::new(["writer__country__name"]).max_depth(1);
    let err = Article::objects()
        .filter_path(&shallow, "writer__country__name", "x")
        .unwrap_err();
    assert!(err.to_string().contains("follows 2 relations"), "{err}");
}
