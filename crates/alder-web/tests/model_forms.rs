//! Model forms against real databases (SQLite, and PostgreSQL when the test script starts
//! it): foreign keys drawn as a select over their rows, keys that name no row on offer
//! refused, many-to-many choices saved and shown again, unique checks as field errors, and
//! nothing saved when the form is refused.

mod common;

use alder_web::context;
use alder_web::db::{testing, Auto, Database, ForeignKey, ManyToMany, Model, QuerySet};
use alder_web::forms::{Form, FormData, ModelForm};

#[derive(Model, Form, Debug)]
#[model(display = "{name}")]
struct Writer {
    id: Auto<i64>,
    #[model(unique, max_length = 40)]
    name: String,
    retired: bool,
}

#[derive(Model, Form, Debug)]
#[model(display = "{label}")]
struct Topic {
    id: Auto<i64>,
    #[model(max_length = 20)]
    label: String,
}

/// Only writers still at work may be chosen.
fn active_writers() -> QuerySet<Writer> {
    Writer::objects()
        .filter(Writer::retired().eq(false))
        .order_by(Writer::name().asc())
}

#[derive(Model, Form, Debug)]
#[model(unique_together = "writer, title")]
#[form(fields = "title, writer, topics")]
struct Article {
    id: Auto<i64>,
    #[model(max_length = 80)]
    title: String,
    #[form(queryset = "active_writers")]
    writer: ForeignKey<Writer>,
    #[model(blank)]
    topics: ManyToMany<Topic>,
    views: i64,
}

fn data(text: &str) -> FormData {
    FormData::parse(text)
}

fn blank_article() -> Article {
    Article {
        id: Auto::new(),
        title: String::new(),
        writer: ForeignKey::new(0),
        topics: ManyToMany::new(),
        views: 7,
    }
}

/// A database per backend with two writers at work (Ann = 1, Bob = 2), one retired
/// (Cy = 3), and two topics (rust = 1, sql = 2).
async fn databases() -> Vec<Database> {
    let mut out = Vec::new();
    for db in testing::all().await.unwrap() {
        testing::migrate_models(&db, "press", vec![Writer::META, Topic::META, Article::META])
            .await
            .unwrap();
        for (name, retired) in [("Ann", false), ("Bob", false), ("Cy", true)] {
            let mut writer = Writer {
                id: Auto::new(),
                name: name.into(),
                retired,
            };
            writer.save(&db).await.unwrap();
        }
        for label in ["rust", "sql"] {
            let mut topic = Topic {
                id: Auto::new(),
                label: label.into(),
            };
            topic.save(&db).await.unwrap();
        }
        out.push(db);
    }
    out
}

#[tokio::test]
async fn a_foreign_key_is_a_select_over_the_rows_its_queryset_offers() {
    for db in databases().await {
        let form = Article::empty_form(&db).await.unwrap();
        let choices = form.related_choices("writer").unwrap();
        assert_eq!(
            choices,
            [("1".into(), "Ann".into()), ("2".into(), "Bob".into())],
            "the retired writer is not offered ({:?})",
            db.backend()
        );
        let html = common::render("{{ form.writer }}", context! { form => form });
        assert!(
            html.starts_with(r#"<select name="writer" id="id_writer" required"#),
            "{html}"
        );
        assert!(html.contains(r#"<option value="1">Ann</option>"#), "{html}");
        assert!(!html.contains("Cy"), "{html}");
        let topics = common::render("{{ form.topics }}", context! { form => form });
        assert!(topics.contains("multiple"), "{topics}");
        assert!(!topics.contains("required"), "blank many-to-many: {topics}");
        assert!(
            topics.contains(r#"<option value="2">sql</option>"#),
            "{topics}"
        );
    }
}

#[tokio::test]
async fn a_form_whose_choices_were_not_loaded_says_so_rather_than_drawing_an_empty_select() {
    let html = common::render("{{ form.writer }}", context! { form => Article::unbound() });
    assert!(html.contains("disabled"), "{html}");
    assert!(html.contains("call load_choices"), "{html}");
}

#[tokio::test]
async fn keys_that_name_no_row_on_offer_are_field_errors_and_nothing_is_saved() {
    for db in databases().await {
        for sent in [
            "title=Dune&writer=3",   // retired: outside the queryset
            "title=Dune&writer=99",  // no such row
            "title=Dune&writer=one", // not a key at all
            "title=Dune&writer=1&topics=1&topics=42",
            "title=Dune&writer=1&topics=x",
        ] {
            let mut article = blank_article();
            let Err(form) = article.save_form(&db, &data(sent)).await.unwrap() else {
                panic!("{sent} is refused ({:?})", db.backend())
            };
            let field = if sent.contains("topics") {
                "topics"
            } else {
                "writer"
            };
            let errors = form.errors().field(field);
            assert_eq!(errors.len(), 1, "{sent}: {:?}", form.errors());
            assert_eq!(errors[0].code(), "invalid_choice", "{sent}");
            assert!(
                errors[0].message().starts_with("Select a valid choice."),
                "{sent}: {}",
                errors[0].message()
            );
            assert_eq!(form.field("title").unwrap().value(), "Dune", "values kept");
            assert!(
                form.related_choices("writer").is_some(),
                "ready to draw again"
            );
            assert!(article.id.get().is_none(), "{sent}: not saved");
        }
        assert_eq!(Article::objects().count(&db).await.unwrap(), 0);
    }
}

#[tokio::test]
async fn many_to_many_choices_are_saved_shown_again_and_replaced() {
    for db in databases().await {
        let mut article = blank_article();
        article
            .save_form(&db, &data("title=Dune&writer=2&topics=1&topics=2"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(article.views, 7, "a field outside the form keeps its value");
        let stored = Article::objects()
            .filter(Article::id().eq(article.id.get().unwrap()))
            .get(&db)
            .await
            .unwrap();
        assert_eq!((stored.title.as_str(), stored.writer.id()), ("Dune", 2));
        let mut keys = Article::topics().keys(&db, &article).await.unwrap();
        keys.sort();
        assert_eq!(keys, [1, 2]);

        let edit = article.edit_form(&db).await.unwrap();
        assert_eq!(edit.field("writer").unwrap().value(), "2");
        let mut shown = edit.field("topics").unwrap().values();
        shown.sort();
        assert_eq!(shown, ["1", "2"]);
        let html = common::render("{{ form.topics }}", context! { form => edit });
        assert!(
            html.contains(r#"<option value="1" selected>rust</option>"#),
            "{html}"
        );

        // Editing replaces the set; none sent clears it (the field may be blank).
        let mut stored = stored;
        stored
            .save_form(&db, &data("title=Dune&writer=2&topics=2"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(Article::topics().keys(&db, &stored).await.unwrap(), [2]);
        stored
            .save_form(&db, &data("title=Dune&writer=2"))
            .await
            .unwrap()
            .unwrap();
        assert!(Article::topics()
            .keys(&db, &stored)
            .await
            .unwrap()
            .is_empty());
        assert_eq!(
            Article::objects().count(&db).await.unwrap(),
            1,
            "updated, not inserted"
        );
    }
}

#[tokio::test]
async fn unique_fields_and_unique_together_are_errors_on_the_form() {
    for db in databases().await {
        let mut writer = Writer {
            id: Auto::new(),
            name: String::new(),
            retired: false,
        };
        let Err(form) = writer.save_form(&db, &data("name=Ann")).await.unwrap() else {
            panic!("Ann is taken")
        };
        assert_eq!(
            form.errors().field("name")[0].message(),
            "Writer with this Name already exists."
        );
        assert_eq!(Writer::objects().count(&db).await.unwrap(), 3);

        // Saving an object again with its own unique value is no clash.
        let mut ann = Writer::objects()
            .filter(Writer::id().eq(1))
            .get(&db)
            .await
            .unwrap();
        ann.save_form(&db, &data("name=Ann&retired=on"))
            .await
            .unwrap()
            .unwrap();
        assert!(
            Writer::objects()
                .filter(Writer::id().eq(1))
                .get(&db)
                .await
                .unwrap()
                .retired
        );

        let mut first = blank_article();
        first
            .save_form(&db, &data("title=Dune&writer=2"))
            .await
            .unwrap()
            .unwrap();
        let mut second = blank_article();
        let Err(form) = second
            .save_form(&db, &data("title=Dune&writer=2&topics=1"))
            .await
            .unwrap()
        else {
            panic!("the same writer and title twice")
        };
        let errors = form.errors().non_field();
        assert_eq!(errors.len(), 1, "{:?}", form.errors());
        assert_eq!(errors[0].code(), "unique_together");
        assert!(second.id.get().is_none());
        assert_eq!(Article::objects().count(&db).await.unwrap(), 1);
        assert_eq!(
            Article::topics().keys(&db, &first).await.unwrap(),
            Vec::<i64>::new(),
            "no many-to-many rows written for the refused form"
        );
    }
}

#[tokio::test]
async fn a_refused_edit_leaves_the_stored_row_as_it_was() {
    for db in databases().await {
        let mut article = blank_article();
        article
            .save_form(&db, &data("title=Dune&writer=1&topics=1"))
            .await
            .unwrap()
            .unwrap();
        let mut edited = Article::objects()
            .filter(Article::id().eq(article.id.get().unwrap()))
            .get(&db)
            .await
            .unwrap();
        let long = "x".repeat(81);
        let Err(form) = edited
            .save_form(&db, &data(&format!("title={long}&writer=2&topics=2")))
            .await
            .unwrap()
        else {
            panic!("the title is too long")
        };
        assert_eq!(form.errors().field("title")[0].code(), "max_length");
        let stored = Article::objects()
            .filter(Article::id().eq(article.id.get().unwrap()))
            .get(&db)
            .await
            .unwrap();
        assert_eq!((stored.title.as_str(), stored.writer.id()), ("Dune", 1));
        assert_eq!(Article::topics().keys(&db, &stored).await.unwrap(), [1]);
    }
}

#[tokio::test]
async fn a_plain_form_with_a_foreign_key_checks_it_with_validate_in() {
    #[derive(Form, Debug)]
    struct Assign {
        writer: ForeignKey<Writer>,
        #[form(required = false)]
        note: String,
    }
    for db in databases().await {
        let assign = Assign::validate_in(&db, &data("writer=3&note=hi"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            assign.writer.id(),
            3,
            "every writer is on offer without a queryset"
        );
        let Err(form) = Assign::validate_in(&db, &data("writer=77")).await.unwrap() else {
            panic!("no writer 77")
        };
        assert_eq!(form.errors().field("writer")[0].code(), "invalid_choice");
        assert_eq!(form.related_choices("writer").unwrap().len(), 3);
        let Err(form) = Assign::validate_in(&db, &data("note=hi")).await.unwrap() else {
            panic!("the writer is required")
        };
        assert_eq!(form.errors().field("writer")[0].code(), "required");
    }
}
