//! What `#[derive(Model)]` records for forms, the admin and API schemas: help text, blank,
//! editable, verbose names of many-to-many fields, and the display string of each object.

use alder_db::{Auto, ForeignKey, ManyToMany, Model};

#[derive(Model, Debug)]
#[model(display = "{name}")]
struct Tag {
    id: Auto<i64>,
    #[model(max_length = 30)]
    name: String,
}

#[derive(Model, Debug)]
#[model(display = "{title} ({pages} pages) {{draft}}")]
struct Book {
    id: Auto<i64>,
    #[model(max_length = 100, help_text = "As printed on the cover.")]
    title: String,
    #[model(blank)]
    subtitle: String,
    #[model(blank)]
    pages: Option<i32>,
    #[model(editable = false)]
    checksum: String,
    #[model(verbose_name = "labels", help_text = "Pick any.", blank)]
    tags: ManyToMany<Tag>,
    shelf: Option<ForeignKey<Shelf>>,
}

#[derive(Model, Debug)]
#[model(display)]
struct Shelf {
    id: Auto<i64>,
    #[model(max_length = 10)]
    code: String,
}

impl std::fmt::Display for Shelf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "shelf {}", self.code)
    }
}

#[derive(Model)]
struct Plain {
    id: Auto<i32>,
}

fn field(name: &str) -> &'static alder_db::FieldMeta {
    Book::META.field(name).unwrap()
}

#[test]
fn help_text_blank_and_editable_are_recorded_per_field() {
    assert_eq!(field("title").help_text, "As printed on the cover.");
    assert_eq!(field("subtitle").help_text, "");
    assert!(field("subtitle").blank && !field("subtitle").nullable);
    assert!(field("pages").blank && field("pages").nullable);
    assert!(!field("title").blank);
    assert!(!field("checksum").editable);
    assert!(field("title").editable);
    // A key the database assigns is never filled in by a person.
    assert!(!field("id").editable);
}

#[test]
fn many_to_many_fields_have_their_names_help_and_blank() {
    let tags = &Book::META.many_to_many[0];
    assert_eq!(tags.verbose_name, "labels");
    assert_eq!(tags.help_text, "Pick any.");
    assert!(tags.blank);
    let json = serde_json::to_value(Book::META).unwrap();
    assert_eq!(json["many_to_many"][0]["verbose_name"], "labels");
}

#[test]
fn the_metadata_serializes_with_the_new_entries() {
    let json = serde_json::to_value(Book::META).unwrap();
    assert_eq!(json["display"], "{title} ({pages} pages) {{draft}}");
    let title = &json["fields"][1];
    assert_eq!(title["name"], "title");
    assert_eq!(title["help_text"], "As printed on the cover.");
    assert_eq!(title["blank"], false);
    assert_eq!(title["editable"], true);
}

#[test]
fn display_fills_the_template_uses_display_or_falls_back_to_django_s_form() {
    let book = Book {
        id: Auto::from(3),
        title: "Dune".into(),
        subtitle: String::new(),
        pages: None,
        checksum: String::new(),
        tags: ManyToMany::new(),
        shelf: None,
    };
    // A NULL reads as nothing; doubled braces are braces.
    assert_eq!(book.display(), "Dune ( pages) {draft}");
    let shelf = Shelf {
        id: Auto::new(),
        code: "B2".into(),
    };
    assert_eq!(shelf.display(), "shelf B2");
    assert_eq!(Shelf::META.display, None);
    assert_eq!(Plain { id: Auto::from(7) }.display(), "Plain object (7)");
    assert_eq!(Plain { id: Auto::new() }.display(), "Plain object (None)");
    assert_eq!(
        Tag {
            id: Auto::new(),
            name: "sf".into()
        }
        .display(),
        "sf"
    );
}

#[derive(Model, Debug)]
#[model(table = "metadata_note")]
struct Note {
    id: Auto<i64>,
    #[model(max_length = 40)]
    text: String,
    #[model(auto_now_add)]
    created: Option<chrono::DateTime<chrono::Utc>>,
    #[model(auto_now)]
    updated: chrono::NaiveDateTime,
    #[model(auto_now_add)]
    day: Option<chrono::NaiveDate>,
}

#[test]
fn auto_now_fields_are_recorded_and_not_editable() {
    let created = Note::META.field("created").unwrap();
    assert!(created.auto_now_add && !created.auto_now && !created.editable);
    let updated = Note::META.field("updated").unwrap();
    assert!(updated.auto_now && !updated.auto_now_add && !updated.editable);
}

#[tokio::test]
async fn save_fills_auto_now_add_once_and_auto_now_every_time() {
    use alder_db::{crud, schema, testing};
    let long_ago = chrono::NaiveDate::from_ymd_opt(2000, 1, 1)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap();
    for db in testing::all().await.unwrap() {
        schema::create_model(&db, Note::META).await.unwrap();
        let mut note = Note {
            id: Auto::new(),
            text: "first".into(),
            created: None,
            updated: long_ago,
            day: None,
        };
        let before = chrono::Utc::now();
        crud::save(&db, &mut note).await.unwrap();
        let created = note.created.expect("auto_now_add filled on insert");
        assert!(created >= before - chrono::Duration::seconds(1));
        assert!(note.updated > long_ago);
        assert_eq!(note.day, Some(created.date_naive()));

        // A second save moves `updated` on and leaves `created` as it was.
        let first_update = note.updated;
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        note.text = "second".into();
        crud::save(&db, &mut note).await.unwrap();
        assert!(note.updated > first_update);
        let stored = Note::objects().get(&db).await.unwrap();
        // What the database holds is what save set, to the microsecond both backends keep.
        assert_eq!(
            stored.created.map(|t| t.timestamp_micros()),
            Some(created.timestamp_micros())
        );
        assert_eq!(
            stored.updated.and_utc().timestamp_micros(),
            note.updated.and_utc().timestamp_micros()
        );

        // bulk_create fills them too.
        let mut more = [Note {
            id: Auto::new(),
            text: "bulk".into(),
            created: None,
            updated: long_ago,
            day: None,
        }];
        crud::bulk_create(&db, &mut more).await.unwrap();
        assert!(more[0].created.is_some() && more[0].updated > long_ago);
    }
}

mod indexed_pointers {
    use alder_db::{Auto, ForeignKey, Model, OneToOne};

    #[derive(Model)]
    pub(crate) struct Shelf {
        pub(crate) id: Auto<i64>,
    }

    #[derive(Model)]
    pub(crate) struct Book {
        pub(crate) id: Auto<i64>,
        pub(crate) shelf: ForeignKey<Shelf>,
        #[model(on_delete = "set_null")]
        pub(crate) previous: Option<ForeignKey<Shelf>>,
        #[model(db_index = false)]
        pub(crate) unindexed: ForeignKey<Shelf>,
        pub(crate) label: OneToOne<Shelf>,
        #[model(db_index)]
        pub(crate) title: String,
        #[model(db_index = false)]
        pub(crate) note: String,
    }
}

#[test]
fn foreign_keys_are_indexed_unless_unique_or_told_not_to_be() {
    use indexed_pointers::Book;
    let indexed = |name| Book::META.field(name).unwrap().db_index;
    assert!(indexed("shelf"), "a foreign key is indexed, as in Django");
    assert!(indexed("previous"), "a nullable one too");
    assert!(!indexed("unindexed"), "db_index = false opts out");
    assert!(
        !indexed("label"),
        "a one-to-one is unique, which indexes it already"
    );
    assert!(indexed("title") && !indexed("note"));
}
