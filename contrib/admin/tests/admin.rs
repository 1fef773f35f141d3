//! The admin through the test client on SQLite: who may open it, the change list's search,
//! filters, order and pages, adding and changing with validation errors, deleting with the
//! cascade shown first and PROTECT refusing, view-only users, and the bad inputs (unknown
//! parameters, ids of the wrong type, scripts stored in a field).

use alder_admin::{Fieldset, ListFilter, ModelAdmin};
use alder_auth::models::{Permission, User};
use alder_db::chrono::{Duration, NaiveDate, Utc};
use alder_db::{crud, Auto, Database, ForeignKey, Model, QuerySet};
use alder_web::forms::{Form, InlineFormSet};
use alder_web::test::TestClient;
use alder_web::{App, Project, Settings};

#[derive(Model, Form, Clone, Debug, Default)]
#[model(app = "library", display = "{name}")]
struct Author {
    id: Auto<i64>,
    #[model(max_length = 100)]
    name: String,
}

#[derive(Model, Form, Clone, Debug)]
#[model(app = "library", display = "{title}", ordering = "title")]
struct Book {
    id: Auto<i64>,
    #[model(max_length = 200, help_text = "As printed on the cover.")]
    title: String,
    #[model(on_delete = "protect")]
    author: ForeignKey<Author>,
    #[model(min = 0)]
    pages: i32,
    in_print: bool,
    #[model(blank)]
    published: Option<NaiveDate>,
}

#[derive(Model, Form, Clone, Debug)]
#[model(app = "library", display = "review of {book}")]
#[form(fields = "text")]
struct Review {
    id: Auto<i64>,
    book: ForeignKey<Book>,
    #[model(max_length = 500)]
    text: String,
}

fn blank_book() -> Book {
    Book {
        id: Auto::new(),
        title: String::new(),
        author: ForeignKey::new(0),
        pages: 0,
        in_print: true,
        published: None,
    }
}

fn admin() -> App {
    alder_admin::site()
        .title("Library administration")
        .register(ModelAdmin::<Author>::new().blank(Author::default))
        .register(
            ModelAdmin::<Book>::new()
                .list_display(["title", "author", "pages", "in_print"])
                .search_fields(["title", "author__name"])
                .list_filter(["in_print", "author"])
                .list_per_page(2)
                .blank(blank_book)
                .inline(
                    InlineFormSet::new(Review::book(), |book| Review {
                        id: Auto::new(),
                        book,
                        text: String::new(),
                    })
                    .with(|set| set.extra(2)),
                )
                .action(
                    "out_of_print",
                    "Mark as out of print",
                    |db: Database, books: Vec<Book>| async move {
                        let count = books.len();
                        for mut book in books {
                            book.in_print = false;
                            crud::save(&db, &mut book).await?;
                        }
                        Ok(format!("{count} marked out of print."))
                    },
                ),
        )
        .register(ModelAdmin::<Review>::new())
        .app()
}

struct Library {
    client: TestClient,
    db: Database,
    _dir: tempfile::TempDir,
}

async fn library() -> Library {
    library_with(admin()).await
}

async fn library_with(admin: App) -> Library {
    library_set_up(admin, |_| {}).await
}

async fn library_set_up(admin: App, tweak: impl FnOnce(&mut Settings)) -> Library {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = Settings::debug();
    settings.database_url = Some(format!(
        "sqlite://{}",
        dir.path().join("db.sqlite3").display()
    ));
    tweak(&mut settings);
    let models = App::new("library")
        .model::<Author>()
        .model::<Book>()
        .model::<Review>();
    let project = Project::new(settings)
        .app(alder_sessions::app())
        .app(alder_messages::app())
        .app(alder_auth::app())
        .app(alder_mail::app_with(alder_mail::MailConfig::memory()))
        .app(models)
        .app(admin);
    let client = TestClient::new(project);
    let db = client.site().state().database().await.unwrap();
    alder_db::schema::create_models(&db, &[Author::META, Book::META, Review::META])
        .await
        .unwrap();
    client.site().migrate().await.unwrap();
    for (name, books) in [("Ursula Le Guin", 2), ("Terry Pratchett", 1)] {
        let mut author = Author {
            id: Auto::new(),
            name: name.into(),
        };
        crud::insert(&db, &mut author).await.unwrap();
        for n in 0..books {
            let mut book = Book {
                id: Auto::new(),
                title: format!("{name} book {n}"),
                author: ForeignKey::to(&author).unwrap(),
                pages: 100 + n,
                in_print: n == 0,
                published: None,
            };
            crud::insert(&db, &mut book).await.unwrap();
        }
    }
    Library {
        client,
        db,
        _dir: dir,
    }
}

async fn user(db: &Database, name: &str, staff: bool, superuser: bool) -> User {
    let mut user = User::new(name, format!("{name}@example.com"));
    user.is_staff = staff;
    user.is_superuser = superuser;
    crud::insert(db, &mut user).await.unwrap();
    user
}

/// A superuser "boss", logged in on the library's client.
async fn superuser_logged_in(lib: &Library) -> User {
    let boss = user(&lib.db, "boss", true, true).await;
    alder_auth::testing::force_login(&lib.client, &boss)
        .await
        .unwrap();
    boss
}

async fn grant(db: &Database, user: &User, codenames: &[&str]) {
    let keys: Vec<i64> = {
        let mut keys = Vec::new();
        for codename in codenames {
            let p = Permission::objects()
                .filter(Permission::codename().eq(*codename))
                .get(db)
                .await
                .unwrap();
            keys.push(p.id.get().unwrap());
        }
        keys
    };
    User::user_permissions().set(db, user, keys).await.unwrap();
}

#[tokio::test]
async fn only_active_staff_get_in_and_visitors_are_sent_to_log_in() {
    let lib = library().await;
    lib.client
        .get("/admin/library/book/?q=x")
        .await
        .assert_status(303)
        .assert_header(
            "location",
            "/admin/login/?next=/admin/library/book/%3Fq%3Dx",
        );
    let reader = user(&lib.db, "reader", false, false).await;
    alder_auth::testing::force_login(&lib.client, &reader)
        .await
        .unwrap();
    // Logged in but not staff: to the admin's login page, which says so.
    for path in [
        "/admin/",
        "/admin/library/book/",
        "/admin/library/book/1/change/",
    ] {
        let answer = lib.client.get(path).await;
        answer.assert_status(303);
        let location = answer.header("location").unwrap();
        assert!(
            location.starts_with("/admin/login/?next=/admin/"),
            "{location}"
        );
    }
    lib.client
        .get("/admin/login/?next=/admin/")
        .await
        .assert_ok()
        .assert_contains("You are logged in as reader, but that account cannot use the")
        .assert_contains("name=\"next\" value=\"/admin/\"");
    let mut inactive = user(&lib.db, "gone", true, true).await;
    inactive.is_active = false;
    crud::save(&lib.db, &mut inactive).await.unwrap();
    alder_auth::testing::force_login(&lib.client, &inactive)
        .await
        .ok();
    lib.client.get("/admin/").await.assert_status(303);

    superuser_logged_in(&lib).await;
    lib.client
        .get("/admin/")
        .await
        .assert_ok()
        .assert_contains("Library administration")
        .assert_contains("href=\"/admin/library/book/\"")
        .assert_contains("href=\"/admin/library/book/add/\"")
        // No blank for reviews: no "add" page offered.
        .assert_not_contains("/admin/library/review/add/");
    lib.client
        .get("/admin/library/review/add/")
        .await
        .assert_status(403);
}

#[tokio::test]
async fn the_admin_login_page_lets_staff_only_in_and_logout_ends_the_session() {
    let lib = library().await;
    for (name, staff) in [("boss", true), ("reader", false)] {
        let mut someone = User::new(name, format!("{name}@example.com"));
        someone.is_staff = staff;
        someone.set_password("a long enough passphrase");
        crud::insert(&lib.db, &mut someone).await.unwrap();
    }
    lib.client
        .get("/admin/login/?next=/admin/library/book/")
        .await
        .assert_ok()
        .assert_contains("name=\"username\"")
        .assert_contains("name=\"next\" value=\"/admin/library/book/\"")
        // No account bar on the login page.
        .assert_not_contains("Log out");
    let refused = "Please enter the correct username and password for a staff account.";
    for (name, password) in [
        ("boss", "wrong"),
        ("nobody", "wrong"),
        ("reader", "a long enough passphrase"),
    ] {
        lib.client
            .post("/admin/login/")
            .form(&[
                ("username", name),
                ("password", password),
                ("next", "/admin/"),
            ])
            .await
            .assert_status(422)
            .assert_contains(refused);
    }
    // The right password of an account that is not staff logged nobody in.
    lib.client.get("/admin/").await.assert_status(303);
    lib.client
        .post("/admin/login/")
        .form(&[
            ("username", "boss"),
            ("password", "a long enough passphrase"),
            ("next", "https://evil.example/"),
        ])
        .await
        .assert_redirects_to("/admin/");
    lib.client.get("/admin/").await.assert_ok();
    // Logged in already: the login page goes on to `next`.
    lib.client
        .get("/admin/login/?next=/admin/library/book/")
        .await
        .assert_redirects_to("/admin/library/book/");
    lib.client
        .post("/admin/logout/")
        .await
        .assert_ok()
        .assert_contains("Logged out")
        .assert_contains("href=\"/admin/login/\"");
    lib.client.get("/admin/").await.assert_status(303);
}

/// Book's pages in two sections, the second folded; whether it is in print shown as text.
fn sectioned() -> App {
    alder_admin::site()
        .register(ModelAdmin::<Author>::new())
        .register(
            ModelAdmin::<Book>::new()
                .fieldset(Fieldset::new("", ["title", "author", "in_print"]))
                .fieldset(
                    Fieldset::new("Printing", ["pages"])
                        .description("As the publisher counts them.")
                        .collapsed(),
                )
                .readonly_fields(["in_print"])
                .blank(blank_book),
        )
        .app()
}

#[tokio::test]
async fn fieldsets_and_read_only_fields_lay_the_form_out_and_keep_the_rest() {
    let lib = library_with(sectioned()).await;
    superuser_logged_in(&lib).await;
    let page = lib.client.get("/admin/library/book/1/change/").await;
    page.assert_ok()
        .assert_contains("<details class=\"module section\"><summary>Printing</summary>")
        .assert_contains("As the publisher counts them.")
        .assert_contains("<span class=\"label\">In print</span><div class=\"value bool\">yes</div>")
        .assert_contains("name=\"pages\"")
        .assert_not_contains("name=\"in_print\"");
    let html = page.text();
    assert!(
        html.find("name=\"title\"") < html.find("name=\"pages\""),
        "sections in order"
    );

    // An error in the folded section opens it; nothing is saved.
    lib.client
        .post("/admin/library/book/1/change/")
        .form(&[("title", "Renamed"), ("author", "1"), ("pages", "-5")])
        .await
        .assert_status(422)
        .assert_contains("<details class=\"module section\" open><summary>Printing</summary>");
    // A read-only field is not cleared by its absence, nor changed by a forged value.
    lib.client
        .post("/admin/library/book/1/change/")
        .form(&[
            ("title", "Renamed"),
            ("author", "1"),
            ("pages", "300"),
            ("in_print", ""),
        ])
        .await
        .assert_status(303);
    let book = crud::get_by_pk::<Book>(&lib.db, 1i64.into()).await.unwrap();
    assert_eq!(
        (book.title.as_str(), book.pages, book.in_print),
        ("Renamed", 300, true)
    );
    // The add page lays the blank out the same way.
    lib.client
        .get("/admin/library/book/add/")
        .await
        .assert_ok()
        .assert_contains("<summary>Printing</summary>")
        .assert_not_contains("name=\"in_print\"");
}

#[tokio::test]
async fn excluded_fields_keep_their_values_and_their_errors_are_still_told() {
    let admin = alder_admin::site()
        .register(ModelAdmin::<Author>::new())
        .register(
            ModelAdmin::<Book>::new()
                .exclude(["title"])
                .blank(blank_book),
        )
        .app();
    let lib = library_with(admin).await;
    let boss = superuser_logged_in(&lib).await;
    lib.client
        .get("/admin/library/book/1/change/")
        .await
        .assert_ok()
        .assert_not_contains("name=\"title\"")
        .assert_contains("name=\"pages\"");
    lib.client
        .post("/admin/library/book/1/change/")
        .form(&[
            ("title", "Forged"),
            ("author", "1"),
            ("pages", "7"),
            ("in_print", "on"),
        ])
        .await
        .assert_status(303);
    let book = crud::get_by_pk::<Book>(&lib.db, 1i64.into()).await.unwrap();
    assert_eq!(
        (book.title.as_str(), book.pages),
        ("Ursula Le Guin book 0", 7)
    );
    // A user who may only view sees what the page shows, not the excluded title.
    let reader = user(&lib.db, "reader", true, false).await;
    grant(&lib.db, &reader, &["view_book"]).await;
    alder_auth::testing::force_login(&lib.client, &reader)
        .await
        .unwrap();
    lib.client
        .get("/admin/library/book/1/change/")
        .await
        .assert_ok()
        .assert_contains("<dt>Pages</dt>")
        .assert_not_contains("<dt>Title</dt>");
    alder_auth::testing::force_login(&lib.client, &boss)
        .await
        .unwrap();
    // The blank's empty title is refused, and the page says so although it has no box for it.
    lib.client
        .post("/admin/library/book/add/")
        .form(&[("author", "1"), ("pages", "7")])
        .await
        .assert_status(422)
        .assert_contains("Title: This field is required.");
}

#[tokio::test]
async fn the_change_list_runs_the_same_few_queries_whatever_the_page_size() {
    let mut counts = Vec::new();
    for per_page in [2, 60] {
        let admin = alder_admin::site()
            .register(ModelAdmin::<Author>::new())
            .register(
                ModelAdmin::<Book>::new()
                    .list_display(["title", "author", "pages"])
                    .list_filter(["in_print", "author"])
                    .search_fields(["title"])
                    .list_per_page(per_page),
            )
            .app();
        let lib = library_with(admin).await;
        superuser_logged_in(&lib).await;
        for n in 0..60 {
            let mut book = blank_book();
            book.title = format!("Book {n}");
            book.author = ForeignKey::new(1 + n % 2);
            crud::insert(&lib.db, &mut book).await.unwrap();
        }
        let queries = lib.db.capture_queries();
        lib.client
            .get("/admin/library/book/?in_print__exact=1&q=book")
            .await
            .assert_ok()
            .assert_contains("Terry Pratchett");
        counts.push((per_page, queries.count(), queries.sql()));
    }
    let (_, few, sql) = &counts[0];
    let (_, many, _) = &counts[1];
    assert_eq!(few, many, "2 rows a page and 60 rows a page: {counts:#?}");
    // The session, the user, the matching rows' count, the total, the page, the authors'
    // names for the column, the authors for the filter.
    assert_eq!(*few, 7, "{sql:#?}");
}

#[tokio::test]
async fn columns_follow_keys_compute_and_link_where_told() {
    let admin = alder_admin::site()
        .register(ModelAdmin::<Author>::new())
        .register(
            ModelAdmin::<Book>::new()
                .column("size", "Size", |book: &Book| {
                    if book.pages > 100 { "long" } else { "short" }.to_string()
                })
                .list_display(["title", "author__name", "size"])
                .list_display_links(["author__name"]),
        )
        .app();
    let lib = library_with(admin).await;
    superuser_logged_in(&lib).await;
    let list = lib.client.get("/admin/library/book/?o=-author__name").await;
    list.assert_ok()
        .assert_contains("aria-sort=\"descending\">")
        .assert_contains(">Author name</a>")
        // A computed column is not sortable; its cells are its function's text.
        .assert_contains("<th scope=\"col\">\n          Size\n        </th>")
        .assert_contains("<td class=\"text\">long</td>")
        // The title is not a link; the author's name is.
        .assert_contains("<th scope=\"row\" class=\"text\">Ursula Le Guin book 0</th>")
        .assert_contains("<a href=\"/admin/library/book/1/change/\">Ursula Le Guin</a>");
    let html = list.text();
    assert!(
        html.find("Ursula Le Guin book 0") < html.find("Terry Pratchett book 0"),
        "sorted by the author's name, descending"
    );
    // Sorting by a computed column is not offered, and asking for it changes nothing.
    lib.client
        .get("/admin/library/book/?o=size")
        .await
        .assert_ok()
        .assert_not_contains("aria-sort");
}

#[tokio::test]
async fn dates_nulls_and_filters_of_the_project_s_own_narrow_the_list() {
    let length = ListFilter::new(
        "length",
        "By length",
        |books: QuerySet<Book>, value: &str| match value {
            "long" => books.filter(Book::pages().gt(100)),
            "short" => books.filter(Book::pages().lte(100)),
            _ => books,
        },
    )
    .choice("short", "Short")
    .choice("long", "Long");
    let admin = alder_admin::site()
        .register(ModelAdmin::<Author>::new())
        .register(
            ModelAdmin::<Book>::new()
                .list_filter(["published"])
                .filter(length),
        )
        .app();
    let lib = library_with(admin).await;
    superuser_logged_in(&lib).await;
    let today = Utc::now().date_naive();
    for (pk, day) in [
        (1i64, Some(today)),
        (2, NaiveDate::from_ymd_opt(2020, 1, 1)),
    ] {
        let mut book = crud::get_by_pk::<Book>(&lib.db, pk.into()).await.unwrap();
        book.published = day;
        crud::save(&lib.db, &mut book).await.unwrap();
    }
    let tomorrow = today + Duration::days(1);
    let list = lib
        .client
        .get(&format!(
            "/admin/library/book/?published__gte={today}&published__lt={tomorrow}"
        ))
        .await;
    list.assert_ok()
        .assert_contains("Ursula Le Guin book 0")
        .assert_not_contains("Ursula Le Guin book 1")
        .assert_contains("By published")
        .assert_contains("aria-current=\"true\">Today</a>")
        .assert_contains(">Past 7 days</a>")
        .assert_contains(">No date</a>")
        .assert_contains("By length");
    lib.client
        .get("/admin/library/book/?published__isnull=1")
        .await
        .assert_ok()
        .assert_contains("Terry Pratchett book 0")
        .assert_not_contains("Ursula Le Guin book 0");
    lib.client
        .get("/admin/library/book/?length=long")
        .await
        .assert_ok()
        .assert_contains("Ursula Le Guin book 1")
        .assert_not_contains("Terry Pratchett book 0")
        .assert_contains("aria-current=\"true\">Long</a>");
    // A value the filter does not know changes nothing; a bad date is a 400.
    lib.client
        .get("/admin/library/book/?length=huge")
        .await
        .assert_ok()
        .assert_contains("Terry Pratchett book 0");
    lib.client
        .get("/admin/library/book/?published__gte=soon")
        .await
        .assert_status(400);
}

#[tokio::test]
async fn hooks_scope_the_rows_fill_in_fields_and_narrow_permissions() {
    let admin = alder_admin::site()
        .register(ModelAdmin::<Author>::new())
        .register(
            ModelAdmin::<Book>::new()
                .list_display(["title", "pages"])
                .queryset(|books, user| {
                    if user.is_superuser {
                        books
                    } else {
                        books.filter(Book::in_print().eq(true))
                    }
                })
                .exclude(["pages"])
                .before_save(|book, user, adding| {
                    if adding {
                        book.pages = i32::try_from(user.username.len()).unwrap_or(0);
                    }
                })
                .permission(|_user, action| action != "delete")
                .blank(blank_book),
        )
        .app();
    let lib = library_with(admin).await;
    let clerk = user(&lib.db, "clerk", true, false).await;
    grant(
        &lib.db,
        &clerk,
        &["view_book", "change_book", "add_book", "delete_book"],
    )
    .await;
    alder_auth::testing::force_login(&lib.client, &clerk)
        .await
        .unwrap();
    // Book 2 is out of print: the clerk's admin does not have it.
    lib.client
        .get("/admin/library/book/")
        .await
        .assert_ok()
        .assert_contains("Ursula Le Guin book 0")
        .assert_not_contains("Ursula Le Guin book 1")
        .assert_contains("2 books")
        // Deleting is refused by the hook, so the action is not offered.
        .assert_not_contains("delete_selected");
    for path in [
        "/admin/library/book/2/change/",
        "/admin/library/book/2/history/",
    ] {
        lib.client.get(path).await.assert_status(404);
    }
    lib.client
        .post("/admin/library/book/")
        .form(&[("action", "delete_selected"), ("_selected_action", "1")])
        .await
        .assert_status(403);
    lib.client
        .get("/admin/library/book/1/delete/")
        .await
        .assert_status(403);
    // The hook fills in what the form leaves out.
    lib.client
        .post("/admin/library/book/add/")
        .form(&[("title", "Hooked"), ("author", "1"), ("in_print", "on")])
        .await
        .assert_status(303);
    let added = Book::objects()
        .filter(Book::title().eq("Hooked"))
        .get(&lib.db)
        .await
        .unwrap();
    assert_eq!(added.pages, 5, "the length of \"clerk\"");

    // A superuser sees every row, and still may not delete.
    superuser_logged_in(&lib).await;
    lib.client
        .get("/admin/library/book/2/change/")
        .await
        .assert_ok();
    lib.client
        .get("/admin/library/book/2/delete/")
        .await
        .assert_status(403);
    // Book 2's history, once it has one, is still not the clerk's to read.
    lib.client
        .post("/admin/library/book/2/change/")
        .form(&[("title", "Out of print"), ("author", "1")])
        .await
        .assert_status(303);
    lib.client
        .get("/admin/library/book/2/history/")
        .await
        .assert_ok();
    alder_auth::testing::force_login(&lib.client, &clerk)
        .await
        .unwrap();
    lib.client
        .get("/admin/library/book/2/history/")
        .await
        .assert_status(404);
    // Nor is a sort by `--title` a 500.
    lib.client
        .get("/admin/library/book/?o=--title")
        .await
        .assert_ok();
}

#[tokio::test]
async fn templates_are_overridden_per_model_and_per_app() {
    let templates = tempfile::tempdir().unwrap();
    let write = |path: &str, text: &str| {
        let file = templates.path().join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, text).unwrap();
    };
    write(
        "admin/library/book/change_list.html",
        r#"{% extends "admin/change_list.html" %}{% block content %}<p>Books only</p>{{ super() }}{% endblock %}"#,
    );
    write(
        "admin/library/delete_confirmation.html",
        r#"{% extends "admin/delete_confirmation.html" %}{% block content %}<p>Library deletes</p>{{ super() }}{% endblock %}"#,
    );
    let dir = templates.path().to_owned();
    let lib = library_set_up(admin(), move |settings| settings.templates_dir = dir).await;
    superuser_logged_in(&lib).await;
    lib.client
        .get("/admin/library/book/")
        .await
        .assert_ok()
        .assert_contains("<p>Books only</p>")
        .assert_contains("Ursula Le Guin book 0");
    lib.client
        .get("/admin/library/author/")
        .await
        .assert_ok()
        .assert_not_contains("Books only");
    lib.client
        .get("/admin/library/review/1/delete/")
        .await
        .assert_status(404);
    lib.client
        .get("/admin/library/author/2/delete/")
        .await
        .assert_ok()
        .assert_contains("<p>Library deletes</p>");
}

#[tokio::test]
async fn list_editable_saves_changed_rows_together_or_none() {
    let admin = alder_admin::site()
        .register(ModelAdmin::<Author>::new())
        .register(
            ModelAdmin::<Book>::new()
                .list_display(["title", "pages", "in_print"])
                .list_editable(["pages", "in_print"])
                .list_per_page(2),
        )
        .app();
    let lib = library_with(admin).await;
    superuser_logged_in(&lib).await;
    // Ordered by title: Terry Pratchett's book (3), then Ursula Le Guin's first (1).
    lib.client
        .get("/admin/library/book/")
        .await
        .assert_ok()
        .assert_contains("name=\"form-TOTAL_FORMS\" value=\"2\"")
        .assert_contains("name=\"form-0-_pk\" value=\"3\"")
        .assert_contains("name=\"form-0-pages\"")
        .assert_contains("name=\"_save\"");
    let row = |pages: &str, title: &str| {
        vec![
            ("form-TOTAL_FORMS", "2".to_string()),
            ("form-0-_pk", "3".to_string()),
            ("form-0-pages", pages.to_string()),
            ("form-0-in_print", "on".to_string()),
            // Not an editable column: ignored.
            ("form-0-title", title.to_string()),
            ("form-1-_pk", "1".to_string()),
            ("form-1-pages", "999".to_string()),
            ("form-1-in_print", "on".to_string()),
            ("_save", String::new()),
        ]
    };
    // One row refused: nothing saved, the list back with its error and what was sent.
    lib.client
        .post("/admin/library/book/?o=title")
        .form(&row("-1", "Hacked"))
        .await
        .assert_status(422)
        .assert_contains("Please correct the errors below.")
        .assert_contains("value=\"-1\"")
        // The other row keeps what was typed in it.
        .assert_contains("value=\"999\"");
    let first = crud::get_by_pk::<Book>(&lib.db, 1i64.into()).await.unwrap();
    assert_eq!(first.pages, 100, "rolled back with the refused row");
    // Both valid: both saved, the page again with its query, one history line each.
    lib.client
        .post("/admin/library/book/?o=title")
        .form(&row("150", "Hacked"))
        .await
        .assert_redirects_to("/admin/library/book/?o=title");
    let third = crud::get_by_pk::<Book>(&lib.db, 3i64.into()).await.unwrap();
    assert_eq!(
        (third.pages, third.title.as_str()),
        (150, "Terry Pratchett book 0")
    );
    let first = crud::get_by_pk::<Book>(&lib.db, 1i64.into()).await.unwrap();
    assert_eq!(first.pages, 999);
    lib.client
        .get("/admin/library/book/")
        .await
        .assert_contains("2 books were changed successfully.");
    let logged = alder_admin::LogEntry::objects()
        .filter(alder_admin::LogEntry::object_id().eq("3"))
        .get(&lib.db)
        .await
        .unwrap();
    assert_eq!(logged.change_message, "Changed pages.");
    // A row count past the page size is refused outright.
    lib.client
        .post("/admin/library/book/")
        .form(&[("form-TOTAL_FORMS", "5000"), ("_save", "")])
        .await
        .assert_status(400);
    // A user who may only view gets no inputs, and cannot save.
    let reader = user(&lib.db, "reader", true, false).await;
    grant(&lib.db, &reader, &["view_book"]).await;
    alder_auth::testing::force_login(&lib.client, &reader)
        .await
        .unwrap();
    lib.client
        .get("/admin/library/book/")
        .await
        .assert_ok()
        .assert_not_contains("name=\"form-0-pages\"");
    lib.client
        .post("/admin/library/book/")
        .form(&row("7", "x"))
        .await
        .assert_status(403);
}

#[tokio::test]
async fn the_date_hierarchy_drills_from_years_to_days() {
    let admin = alder_admin::site()
        .register(ModelAdmin::<Author>::new())
        .register(ModelAdmin::<Book>::new().date_hierarchy("published"))
        .app();
    let lib = library_with(admin).await;
    superuser_logged_in(&lib).await;
    for (pk, day) in [
        (1i64, (2024, 3, 9)),
        (2, (2026, 11, 30)),
        (3, (2026, 12, 2)),
    ] {
        let mut book = crud::get_by_pk::<Book>(&lib.db, pk.into()).await.unwrap();
        book.published = NaiveDate::from_ymd_opt(day.0, day.1, day.2);
        crud::save(&lib.db, &mut book).await.unwrap();
    }
    let queries = lib.db.capture_queries();
    let years = lib.client.get("/admin/library/book/").await;
    years
        .assert_ok()
        .assert_contains("href=\"?published__year=2024\">2024</a>")
        .assert_contains("href=\"?published__year=2025\">2025</a>")
        .assert_contains("href=\"?published__year=2026\">2026</a>");
    assert!(queries.count() <= 8, "{:#?}", queries.sql());
    lib.client
        .get("/admin/library/book/?published__year=2026")
        .await
        .assert_ok()
        .assert_contains(">\u{2039} All dates</a>")
        .assert_contains(">November 2026</a>")
        .assert_contains(">December 2026</a>")
        .assert_not_contains("October 2026")
        .assert_not_contains("Ursula Le Guin book 0");
    lib.client
        .get("/admin/library/book/?published__year=2026&published__month=12")
        .await
        .assert_ok()
        .assert_contains(">\u{2039} 2026</a>")
        // Only the days between the month's first and last dated rows.
        .assert_contains("published__day=2\">December 2</a>")
        .assert_not_contains(">December 1</a>")
        .assert_not_contains(">December 3</a>")
        .assert_contains("Terry Pratchett book 0")
        .assert_not_contains("Ursula Le Guin book 1");
    lib.client
        .get("/admin/library/book/?published__year=2026&published__month=13")
        .await
        .assert_status(400);
}

#[tokio::test]
async fn the_users_page_is_in_django_s_sections_and_permissions_get_two_boxes() {
    let lib = library().await;
    let boss = superuser_logged_in(&lib).await;
    let page = lib
        .client
        .get(&format!(
            "/admin/auth/user/{}/change/",
            boss.id.get().unwrap()
        ))
        .await;
    page.assert_ok()
        .assert_contains("<legend>Personal info</legend>")
        .assert_contains("<legend>Permissions</legend>")
        .assert_contains("<span class=\"label\">Date joined</span>")
        .assert_contains("data-filter-horizontal='[\"groups\",\"user_permissions\"]'")
        .assert_contains("admin/select_filter.js");
    lib.client
        .get("/admin/auth/group/add/")
        .await
        .assert_ok()
        .assert_contains("data-filter-horizontal='[\"permissions\"]'");
    lib.client
        .get("/static/admin/select_filter.js")
        .await
        .assert_ok()
        .assert_contains("filter_horizontal");
}

#[tokio::test]
async fn autocomplete_fields_search_instead_of_listing_every_row() {
    let admin = alder_admin::site()
        .register(ModelAdmin::<Author>::new().search_fields(["name"]))
        .register(
            ModelAdmin::<Book>::new()
                .autocomplete_fields(["author"])
                .blank(blank_book),
        )
        .app();
    let lib = library_with(admin).await;
    superuser_logged_in(&lib).await;
    for n in 0..25 {
        let mut author = Author {
            id: Auto::new(),
            name: format!("Writer {n:02}"),
        };
        crud::insert(&lib.db, &mut author).await.unwrap();
    }
    // The form holds the chosen author only, not every author.
    lib.client
        .get("/admin/library/book/3/change/")
        .await
        .assert_ok()
        .assert_contains("class=\"autocomplete\"")
        .assert_contains("<option value=\"2\" selected>Terry Pratchett</option>")
        .assert_not_contains("Ursula Le Guin</option>")
        .assert_not_contains("Writer 00")
        .assert_contains("admin/autocomplete.js");
    let url = "/admin/autocomplete/?app_label=library&model_name=book&field_name=author";
    let found: serde_json::Value = lib
        .client
        .get(&format!("{url}&term=terry"))
        .await
        .assert_ok()
        .json();
    assert_eq!(
        found,
        serde_json::json!({"results": [{"id": "2", "text": "Terry Pratchett"}], "pagination": {"more": false}})
    );
    // Twenty a page, and the next page holds the rest.
    let first: serde_json::Value = lib.client.get(&format!("{url}&term=writer")).await.json();
    assert_eq!(first["results"].as_array().unwrap().len(), 20);
    assert_eq!(first["pagination"]["more"], true);
    let second: serde_json::Value = lib
        .client
        .get(&format!("{url}&term=writer&page=2"))
        .await
        .json();
    assert_eq!(second["results"].as_array().unwrap().len(), 5);
    // Not an autocomplete field, or no such model: 404; a bad page: 400.
    for bad in [
        "/admin/autocomplete/?app_label=library&model_name=book&field_name=title",
        "/admin/autocomplete/?app_label=library&model_name=nope&field_name=author",
    ] {
        lib.client.get(bad).await.assert_status(404);
    }
    lib.client
        .get(&format!("{url}&page=0"))
        .await
        .assert_status(400);
    // The key sent is still checked on save.
    lib.client
        .post("/admin/library/book/3/change/")
        .form(&[("title", "Moved"), ("author", "99"), ("pages", "1")])
        .await
        .assert_status(422);
    lib.client
        .post("/admin/library/book/3/change/")
        .form(&[("title", "Moved"), ("author", "1"), ("pages", "1")])
        .await
        .assert_status(303);
    // Staff who may not view authors cannot search them.
    let clerk = user(&lib.db, "clerk", true, false).await;
    grant(&lib.db, &clerk, &["view_book", "change_book"]).await;
    alder_auth::testing::force_login(&lib.client, &clerk)
        .await
        .unwrap();
    lib.client
        .get(&format!("{url}&term=a"))
        .await
        .assert_status(403);
}

/// The main paths again on PostgreSQL (when the test script started one): search (ILIKE),
/// filters, sorting through a relation, an add with its inline, PROTECT refusing a delete,
/// "Delete selected", and the history.
#[tokio::test]
async fn the_admin_works_on_postgres_too() {
    let Some(pg) = alder_db::testing::postgres().await.unwrap() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI runs the admin on PostgreSQL"
        );
        return;
    };
    let url = pg.url().to_string();
    pg.close().await;
    let lib = library_set_up(admin(), move |settings| settings.database_url = Some(url)).await;
    assert_eq!(lib.db.backend(), alder_db::Backend::Postgres);
    superuser_logged_in(&lib).await;
    lib.client
        .get("/admin/library/book/?q=LE+GUIN&in_print__exact=1&o=-pages")
        .await
        .assert_ok()
        .assert_contains("Ursula Le Guin book 0")
        .assert_not_contains("Ursula Le Guin book 1")
        .assert_not_contains("Terry Pratchett book 0");
    lib.client
        .post("/admin/library/book/add/")
        .form(&[
            ("title", "Small Gods"),
            ("author", "2"),
            ("pages", "300"),
            ("in_print", "on"),
            ("review_set-TOTAL_FORMS", "1"),
            ("review_set-INITIAL_FORMS", "0"),
            ("review_set-0-text", "Om."),
        ])
        .await
        .assert_status(303);
    let added = Book::objects()
        .filter(Book::title().eq("Small Gods"))
        .get(&lib.db)
        .await
        .unwrap();
    assert_eq!(
        Review::objects()
            .filter(Review::book().eq(added.id.get().unwrap()))
            .count(&lib.db)
            .await
            .unwrap(),
        1
    );
    // Terry Pratchett's books protect him.
    lib.client
        .post("/admin/library/author/2/delete/")
        .await
        .assert_redirects_to("/admin/library/author/2/delete/");
    assert!(crud::get_by_pk::<Author>(&lib.db, 2i64.into())
        .await
        .is_ok());
    lib.client
        .post("/admin/library/book/")
        .form(&[
            ("action", "delete_selected"),
            ("_selected_action", "1"),
            ("_selected_action", "2"),
            ("post", "yes"),
        ])
        .await
        .assert_status(303);
    assert_eq!(
        Book::objects()
            .filter(Book::author().eq(1))
            .count(&lib.db)
            .await
            .unwrap(),
        0
    );
    lib.client
        .get("/admin/library/book/1/history/")
        .await
        .assert_ok()
        .assert_contains("Deleted");
}

#[tokio::test]
async fn the_change_list_searches_filters_sorts_and_pages() {
    let lib = library().await;
    superuser_logged_in(&lib).await;
    let list = lib.client.get("/admin/library/book/").await;
    list.assert_ok()
        // Two a page, by title: the third book is on page 2.
        .assert_contains("Terry Pratchett book 0")
        .assert_contains("Ursula Le Guin book 0")
        .assert_not_contains("Ursula Le Guin book 1")
        // The author column shows the author's display string, not a key.
        .assert_contains("<td class=\"text\">Terry Pratchett</td>")
        .assert_contains("aria-label=\"yes\"")
        .assert_contains("3 books");
    lib.client
        .get("/admin/library/book/?p=2")
        .await
        .assert_ok()
        .assert_contains("Ursula Le Guin book 1");
    for bad in ["?p=3", "?p=0", "?p=two", "?p=18446744073709551615"] {
        lib.client
            .get(&format!("/admin/library/book/{bad}"))
            .await
            .assert_status(404);
    }
    // Search across the book and its author.
    lib.client
        .get("/admin/library/book/?q=pratchett")
        .await
        .assert_ok()
        .assert_contains("Terry Pratchett book 0")
        .assert_not_contains("Ursula Le Guin book")
        .assert_contains("1 result");
    lib.client
        .get("/admin/library/book/?q=%22le+guin%22+1")
        .await
        .assert_contains("Ursula Le Guin book 1")
        .assert_not_contains("Ursula Le Guin book 0");
    // Filters offered in the sidebar, and applied.
    let filtered = lib
        .client
        .get("/admin/library/book/?in_print__exact=0")
        .await;
    filtered
        .assert_ok()
        .assert_contains("Ursula Le Guin book 1")
        .assert_not_contains("Terry Pratchett book 0")
        .assert_contains("By author");
    lib.client
        .get("/admin/library/book/?in_print__exact=maybe")
        .await
        .assert_status(400);
    // Sorting by a column, descending.
    let sorted = lib.client.get("/admin/library/book/?o=-pages").await.text();
    // 101 pages first; of the two with 100, the newer first (the key breaks the tie).
    let first = sorted.find("Ursula Le Guin book 1").unwrap();
    let second = sorted.find("Terry Pratchett book 0").unwrap();
    assert!(first < second, "sorted by pages, descending");
    assert!(!sorted.contains("Ursula Le Guin book 0"), "on page 2");
    assert!(sorted.contains("class=\"sorted desc\""));
    // Parameters the admin does not offer are ignored, never reach SQL.
    for ignored in [
        "?o=secret",
        "?o=id%3BDROP%20TABLE%20library_book",
        "?author__name__exact=x",
        "?pages__gt=1",
    ] {
        lib.client
            .get(&format!("/admin/library/book/{ignored}"))
            .await
            .assert_ok()
            .assert_contains("3 books");
    }
    assert_eq!(Book::objects().count(&lib.db).await.unwrap(), 3);
}

#[tokio::test]
async fn adding_and_changing_check_the_form_and_say_what_was_saved() {
    let lib = library().await;
    superuser_logged_in(&lib).await;
    let form = lib.client.get("/admin/library/book/add/").await;
    form.assert_ok()
        .assert_contains("As printed on the cover.")
        .assert_contains("<option value=\"1\">Ursula Le Guin</option>")
        // The reviews inline, blank forms only.
        .assert_contains(
            "name=\"review_set-TOTAL_FORMS\" id=\"id_review_set-TOTAL_FORMS\" value=\"2\"",
        );
    // Bad values come back with their errors and nothing is stored.
    lib.client
        .post("/admin/library/book/add/")
        .form(&[("title", ""), ("author", "99"), ("pages", "-3")])
        .await
        .assert_status(422)
        .assert_contains("Please correct the errors below.");
    assert_eq!(Book::objects().count(&lib.db).await.unwrap(), 3);
    let script = "<script>alert(1)</script>";
    lib.client
        .post("/admin/library/book/add/")
        .form(&[
            ("title", script),
            ("author", "2"),
            ("pages", "320"),
            ("in_print", "on"),
            ("_continue", ""),
            // A review added with the book, through the inline of the add page.
            ("review_set-TOTAL_FORMS", "2"),
            ("review_set-INITIAL_FORMS", "0"),
            ("review_set-0-text", "Added with the book."),
            ("review_set-1-text", ""),
        ])
        .await
        .assert_redirects_to("/admin/library/book/4/change/");
    let reviews = Review::objects()
        .filter(Review::book().eq(4))
        .all(&lib.db)
        .await
        .unwrap();
    assert_eq!(reviews.len(), 1, "{reviews:?}");
    assert_eq!(reviews[0].text, "Added with the book.");
    let page = lib.client.get("/admin/library/book/4/change/").await;
    page.assert_ok()
        .assert_contains("was added successfully")
        .assert_contains("&lt;script&gt;alert(1)&lt;/script&gt;")
        .assert_not_contains(script);
    lib.client
        .get("/admin/library/book/?q=alert")
        .await
        .assert_contains("&lt;script&gt;")
        .assert_not_contains(script);
    lib.client
        .post("/admin/library/book/4/change/")
        .form(&[
            ("title", "Good Omens"),
            ("author", "2"),
            ("pages", "400"),
            // The reviews inline's management form, as the page sends it.
            ("review_set-TOTAL_FORMS", "0"),
            ("review_set-INITIAL_FORMS", "0"),
        ])
        .await
        .assert_redirects_to("/admin/library/book/");
    let book = crud::get_by_pk::<Book>(&lib.db, 4i64.into()).await.unwrap();
    assert_eq!(
        (book.title.as_str(), book.pages, book.in_print),
        ("Good Omens", 400, false)
    );
    lib.client
        .get("/admin/library/book/")
        .await
        .assert_contains("The book \u{201c}Good Omens\u{201d} was changed successfully.");
    // Missing objects and ids of the wrong type are 404s.
    for path in [
        "/admin/library/book/999/change/",
        "/admin/library/book/abc/change/",
        "/admin/library/nope/",
        "/admin/nope/book/",
    ] {
        lib.client.get(path).await.assert_status(404);
    }
    // Changed in another tab after it was deleted: a message, not a crash.
    lib.client
        .post("/admin/library/book/999/change/")
        .form(&[("title", "x"), ("author", "2"), ("pages", "1")])
        .await
        .assert_redirects_to("/admin/library/book/");
    // A refused review refuses the new book with it: nothing is stored.
    let long = "x".repeat(501);
    lib.client
        .post("/admin/library/book/add/")
        .form(&[
            ("title", "Refused with its review"),
            ("author", "2"),
            ("pages", "10"),
            ("review_set-TOTAL_FORMS", "1"),
            ("review_set-INITIAL_FORMS", "0"),
            ("review_set-0-text", long.as_str()),
        ])
        .await
        .assert_status(422)
        .assert_contains("Ensure this value has at most 500 characters");
    assert!(Book::objects()
        .filter(Book::title().eq("Refused with its review"))
        .first(&lib.db)
        .await
        .unwrap()
        .is_none());
}

#[tokio::test]
async fn deleting_shows_the_cascade_first_and_protected_rows_refuse() {
    let lib = library().await;
    superuser_logged_in(&lib).await;
    for n in 0..2 {
        let mut review = Review {
            id: Auto::new(),
            book: ForeignKey::new(1),
            text: format!("review {n}"),
        };
        crud::insert(&lib.db, &mut review).await.unwrap();
    }
    let book = crud::get_by_pk::<Book>(&lib.db, 1i64.into()).await.unwrap();
    lib.client
        .get("/admin/library/book/1/delete/")
        .await
        .assert_ok()
        .assert_contains(&format!("delete the book \u{201c}{}\u{201d}", book.title))
        .assert_contains("Books: 1")
        .assert_contains("Reviews: 2");
    lib.client
        .post("/admin/library/book/1/delete/")
        .await
        .assert_redirects_to("/admin/library/book/");
    assert_eq!(Review::objects().count(&lib.db).await.unwrap(), 0);
    assert!(Book::objects()
        .filter(Book::id().eq(1))
        .first(&lib.db)
        .await
        .unwrap()
        .is_none());
    // Again: already gone.
    lib.client
        .post("/admin/library/book/1/delete/")
        .await
        .assert_redirects_to("/admin/library/book/");
    // An author with books is protected by them.
    lib.client
        .get("/admin/library/author/1/delete/")
        .await
        .assert_ok()
        .assert_contains("Cannot delete author")
        .assert_contains("Books: 1");
    lib.client
        .post("/admin/library/author/1/delete/")
        .await
        .assert_redirects_to("/admin/library/author/1/delete/");
    assert_eq!(Author::objects().count(&lib.db).await.unwrap(), 2);
}

#[tokio::test]
async fn a_view_only_user_sees_values_and_can_change_nothing() {
    let lib = library().await;
    let clerk = user(&lib.db, "clerk", true, false).await;
    grant(&lib.db, &clerk, &["view_book"]).await;
    alder_auth::testing::force_login(&lib.client, &clerk)
        .await
        .unwrap();
    lib.client
        .get("/admin/")
        .await
        .assert_ok()
        .assert_contains("/admin/library/book/")
        .assert_not_contains("/admin/library/author/")
        .assert_not_contains("/admin/library/book/add/");
    lib.client
        .get("/admin/library/book/")
        .await
        .assert_ok()
        .assert_not_contains("Add book")
        .assert_not_contains("name=\"action\"");
    for action in ["out_of_print", "delete_selected"] {
        lib.client
            .post("/admin/library/book/")
            .form(&[
                ("action", action),
                ("_selected_action", "1"),
                ("post", "yes"),
            ])
            .await
            .assert_status(403);
    }
    lib.client
        .get("/admin/library/book/1/change/")
        .await
        .assert_ok()
        .assert_contains("View book")
        .assert_contains("Ursula Le Guin")
        .assert_not_contains("<form method=\"post\" class=\"object-form\"");
    let refused = [
        (
            "/admin/library/book/1/change/",
            vec![("title", "x"), ("author", "1"), ("pages", "1")],
        ),
        (
            "/admin/library/book/add/",
            vec![("title", "x"), ("author", "1"), ("pages", "1")],
        ),
        ("/admin/library/book/1/delete/", vec![]),
    ];
    for (path, form) in refused {
        lib.client.post(path).form(&form).await.assert_status(403);
    }
    lib.client
        .get("/admin/library/author/")
        .await
        .assert_status(403);
    lib.client
        .get("/admin/library/book/1/delete/")
        .await
        .assert_status(403);
    assert_eq!(Book::objects().count(&lib.db).await.unwrap(), 3);
}

#[tokio::test]
async fn every_form_and_delete_needs_the_csrf_token() {
    let lib = library().await;
    let boss = user(&lib.db, "boss", true, true).await;
    let strict = TestClient::new(
        Project::new({
            let mut s = Settings::debug();
            s.database_url = lib.client.site().settings().database_url.clone();
            s
        })
        .app(alder_sessions::app())
        .app(alder_messages::app())
        .app(alder_auth::app())
        .app(alder_mail::app_with(alder_mail::MailConfig::memory()))
        .app(
            App::new("library")
                .model::<Author>()
                .model::<Book>()
                .model::<Review>(),
        )
        .app(admin()),
    )
    .enforce_csrf_checks();
    alder_auth::testing::force_login(&strict, &boss)
        .await
        .unwrap();
    strict
        .post("/admin/library/book/1/delete/")
        .await
        .assert_status(403);
    strict
        .post("/admin/library/book/add/")
        .form(&[("title", "x"), ("author", "1"), ("pages", "1")])
        .await
        .assert_status(403);
    assert_eq!(Book::objects().count(&lib.db).await.unwrap(), 3);
}

#[test]
fn options_that_name_no_field_stop_the_project() {
    let cases: [(App, &str); 20] = [
        (
            alder_admin::site()
                .register(ModelAdmin::<Author>::new())
                .register(ModelAdmin::<Book>::new().autocomplete_fields(["author"]))
                .app(),
            "autocomplete_fields names `author`, but the admin of Author has no search_fields",
        ),
        (
            alder_admin::site()
                .register(ModelAdmin::<Book>::new().autocomplete_fields(["title"]))
                .app(),
            "autocomplete_fields names `title`, which is not a foreign key",
        ),
        (
            alder_admin::site()
                .register(ModelAdmin::<Book>::new().filter_horizontal(["author"]))
                .app(),
            "filter_horizontal names `author`, which is not a many-to-many field; it has: none",
        ),
        (
            alder_admin::site()
                .register(
                    ModelAdmin::<Book>::new()
                        .list_display(["title"])
                        .list_editable(["pages"]),
                )
                .app(),
            "list_editable names `pages`, but it is not in list_display",
        ),
        (
            alder_admin::site()
                .register(
                    ModelAdmin::<Book>::new()
                        .list_display(["title", "pages"])
                        .list_editable(["title"]),
                )
                .app(),
            "list_editable names `title`, but it links to the object's page",
        ),
        (
            alder_admin::site()
                .register(ModelAdmin::<Book>::new().prepopulated("slug", ["title"]))
                .app(),
            "prepopulated names `slug`, which is not a field",
        ),
        (
            alder_admin::site()
                .register(ModelAdmin::<Author>::new())
                .register(ModelAdmin::<Book>::new().list_display(["author__nome"]))
                .app(),
            "list_display names `author__nome`, but Author has no field `nome`; it has: id, name",
        ),
        (
            alder_admin::site()
                .register(ModelAdmin::<Book>::new().list_display(["title__name"]))
                .app(),
            "`title` is not a foreign key",
        ),
        (
            alder_admin::site()
                .register(ModelAdmin::<Book>::new().list_display(["author__name"]))
                .app(),
            "list_display names `author`, a key to Author, which this admin does not show",
        ),
        (
            alder_admin::site()
                .register(
                    ModelAdmin::<Book>::new()
                        .list_display(["title"])
                        .list_display_links(["pages"]),
                )
                .app(),
            "list_display_links names `pages`, which is not in list_display",
        ),
        (
            alder_admin::site()
                .register(ModelAdmin::<Book>::new().readonly_fields(["isbn"]))
                .app(),
            "readonly_fields names `isbn`, which is not a field",
        ),
        (
            alder_admin::site()
                .register(ModelAdmin::<Book>::new().fieldset(Fieldset::new("", ["title", "id"])))
                .app(),
            "`id` is laid out, but it is not in its form",
        ),
        (
            alder_admin::site()
                .register(
                    ModelAdmin::<Book>::new()
                        .fieldset(Fieldset::new("", ["title"]))
                        .fieldset(Fieldset::new("Again", ["title"])),
                )
                .app(),
            "the field `title` is laid out twice",
        ),
        (
            alder_admin::site()
                .register(ModelAdmin::<Book>::new().list_display(["titel"]))
                .app(),
            "list_display names `titel`",
        ),
        (
            alder_admin::site()
                .register(ModelAdmin::<Book>::new().list_filter(["title"]))
                .app(),
            "only booleans, fields with choices, foreign keys and dates",
        ),
        (
            alder_admin::site()
                .register(ModelAdmin::<Book>::new().list_display([]))
                .app(),
            "list_display is empty",
        ),
        (
            alder_admin::site()
                .register(ModelAdmin::<Book>::new().add_fields(["titel"]))
                .app(),
            "add_fields names `titel`",
        ),
        (
            alder_admin::site()
                .register(ModelAdmin::<Book>::new().list_filter(["author"]))
                .app(),
            "a key to Author, which this admin does not show",
        ),
        (
            alder_admin::site()
                .register(ModelAdmin::<Book>::new().action(
                    "",
                    "Nameless",
                    |_db: Database, _b: Vec<Book>| async { Ok(String::new()) },
                ))
                .app(),
            "an action has no name",
        ),
        (
            alder_admin::site()
                .register(ModelAdmin::<Book>::new().search_fields(["author__password"]))
                .app(),
            "search_fields",
        ),
    ];
    for (app, expected) in cases {
        let mut settings = Settings::debug();
        settings.database_url = None;
        let err = Project::new(settings)
            .app(app)
            .build()
            .unwrap_err()
            .to_string();
        assert!(err.contains(expected), "{err}");
    }
}

#[tokio::test]
async fn actions_run_on_the_selected_rows_and_delete_selected_asks_first() {
    let lib = library().await;
    superuser_logged_in(&lib).await;
    let list = lib.client.get("/admin/library/book/").await;
    list.assert_contains("<option value=\"delete_selected\">Delete selected books</option>")
        .assert_contains("<option value=\"out_of_print\">Mark as out of print</option>")
        .assert_contains("name=\"_selected_action\" value=\"1\"");

    // A custom action, and back to the list as it was (its search).
    lib.client
        .post("/admin/library/book/?q=le+guin")
        .form(&[("action", "out_of_print"), ("_selected_action", "1")])
        .await
        .assert_redirects_to("/admin/library/book/?q=le%20guin");
    assert!(
        !crud::get_by_pk::<Book>(&lib.db, 1i64.into())
            .await
            .unwrap()
            .in_print
    );
    lib.client
        .get("/admin/library/book/")
        .await
        .assert_contains("1 marked out of print.");
    // Nothing selected, no action, an unknown action, keys of the wrong type: a message, no change.
    for (form, message) in [
        (vec![("action", "out_of_print")], "Items must be selected"),
        (
            vec![("action", ""), ("_selected_action", "2")],
            "No action selected.",
        ),
        (
            vec![("action", "burn"), ("_selected_action", "2")],
            "No action selected.",
        ),
    ] {
        lib.client
            .post("/admin/library/book/")
            .form(&form)
            .await
            .assert_redirects_to("/admin/library/book/");
        lib.client
            .get("/admin/library/book/")
            .await
            .assert_contains(message);
    }
    lib.client
        .post("/admin/library/book/")
        .form(&[("action", "out_of_print"), ("_selected_action", "x'; DROP")])
        .await
        .assert_redirects_to("/admin/library/book/");
    lib.client
        .get("/admin/library/book/")
        .await
        .assert_contains("Items must be selected");
    // A bad key among good ones is left out; the good ones are acted on.
    lib.client
        .post("/admin/library/book/?p=2")
        .form(&[
            ("action", "out_of_print"),
            ("_selected_action", "nope"),
            ("_selected_action", "3"),
        ])
        .await
        .assert_redirects_to("/admin/library/book/");
    lib.client
        .get("/admin/library/book/")
        .await
        .assert_contains("1 marked out of print.");

    // Delete selected: the confirmation first, listing them and what goes with them.
    let mut review = Review {
        id: Auto::new(),
        book: ForeignKey::new(2),
        text: "fine".into(),
    };
    crud::insert(&lib.db, &mut review).await.unwrap();
    let asked = lib
        .client
        .post("/admin/library/book/")
        .form(&[
            ("action", "delete_selected"),
            ("_selected_action", "2"),
            ("_selected_action", "3"),
        ])
        .await;
    asked
        .assert_ok()
        .assert_contains("Are you sure you want to delete the selected books?")
        .assert_contains("<li>Ursula Le Guin book 1</li>")
        .assert_contains("<li>Terry Pratchett book 0</li>")
        .assert_contains("Books: 2")
        .assert_contains("Reviews: 1")
        .assert_contains("name=\"post\" value=\"yes\"");
    assert_eq!(Book::objects().count(&lib.db).await.unwrap(), 3);
    lib.client
        .post("/admin/library/book/")
        .form(&[
            ("action", "delete_selected"),
            ("_selected_action", "2"),
            ("_selected_action", "3"),
            ("post", "yes"),
        ])
        .await
        .assert_redirects_to("/admin/library/book/");
    assert_eq!(Book::objects().count(&lib.db).await.unwrap(), 1);
    assert_eq!(Review::objects().count(&lib.db).await.unwrap(), 0);
    lib.client
        .get("/admin/library/book/")
        .await
        .assert_contains("Successfully deleted 2 books.");
    // Authors with books are protected: refused, nothing deleted.
    lib.client
        .post("/admin/library/author/")
        .form(&[("action", "delete_selected"), ("_selected_action", "1")])
        .await
        .assert_ok()
        .assert_contains("Cannot delete authors");
    lib.client
        .post("/admin/library/author/")
        .form(&[
            ("action", "delete_selected"),
            ("_selected_action", "1"),
            ("_selected_action", "2"),
            ("post", "yes"),
        ])
        .await
        .assert_redirects_to("/admin/library/author/");
    assert_eq!(Author::objects().count(&lib.db).await.unwrap(), 2);
    lib.client
        .get("/admin/library/author/")
        .await
        .assert_contains("could not be deleted");
}

#[tokio::test]
async fn users_and_groups_are_managed_in_the_admin_and_their_permissions_count() {
    let lib = library().await;
    let boss = user(&lib.db, "boss", true, true).await;
    let clerk = user(&lib.db, "clerk", true, false).await;
    alder_auth::testing::force_login(&lib.client, &boss)
        .await
        .unwrap();
    lib.client
        .get("/admin/")
        .await
        .assert_contains("href=\"/admin/auth/user/\"")
        .assert_contains("href=\"/admin/auth/group/\"");
    let view_book = Permission::objects()
        .filter(Permission::codename().eq("view_book"))
        .get(&lib.db)
        .await
        .unwrap();
    let pk = view_book.id.get().unwrap().to_string();
    // The group form offers every permission by its display string.
    lib.client
        .get("/admin/auth/group/add/")
        .await
        .assert_ok()
        .assert_contains(&format!(
            "<option value=\"{pk}\">library | Can view book</option>"
        ));
    lib.client
        .post("/admin/auth/group/add/")
        .form(&[("name", "Readers"), ("permissions", pk.as_str())])
        .await
        .assert_redirects_to("/admin/auth/group/");
    // The clerk, put in the group from the user's page (no password in the form).
    let clerk_url = format!("/admin/auth/user/{}/change/", clerk.id.get().unwrap());
    lib.client
        .get(&clerk_url)
        .await
        .assert_ok()
        .assert_contains("Designates whether the user can log into this admin site.")
        .assert_not_contains("name=\"password\"");
    lib.client
        .post(&clerk_url)
        .form(&[
            ("username", "clerk"),
            ("email", "clerk@example.com"),
            ("is_active", "on"),
            ("is_staff", "on"),
            ("groups", "1"),
        ])
        .await
        .assert_redirects_to("/admin/auth/user/");
    let stored = User::objects()
        .filter(User::username().eq("clerk"))
        .get(&lib.db)
        .await
        .unwrap();
    assert!(stored.has_perm(&lib.db, "library.view_book").await.unwrap());
    assert_eq!(
        stored.password, clerk.password,
        "the password is left alone"
    );
    lib.client
        .get("/admin/auth/user/?is_staff__exact=1&q=cle")
        .await
        .assert_contains("clerk@example.com")
        .assert_not_contains("boss@example.com");

    alder_auth::testing::force_login(&lib.client, &stored)
        .await
        .unwrap();
    lib.client.get("/admin/library/book/").await.assert_ok();
    lib.client.get("/admin/auth/user/").await.assert_status(403);
}

#[tokio::test]
async fn inlines_are_saved_with_their_object_or_not_at_all() {
    let lib = library().await;
    superuser_logged_in(&lib).await;
    lib.client
        .get("/admin/library/book/1/change/")
        .await
        .assert_ok()
        .assert_contains("<legend>Reviews</legend>")
        .assert_contains(
            "name=\"review_set-TOTAL_FORMS\" id=\"id_review_set-TOTAL_FORMS\" value=\"2\"",
        );
    let book = |title: &'static str, pages: &'static str, review: String| {
        vec![
            ("title", title.to_string()),
            ("author", "1".to_string()),
            ("pages", pages.to_string()),
            ("review_set-TOTAL_FORMS", "2".to_string()),
            ("review_set-INITIAL_FORMS", "0".to_string()),
            ("review_set-0-text", review),
            ("review_set-1-text", String::new()),
        ]
    };
    // The book refused: the review is not saved either.
    lib.client
        .post("/admin/library/book/1/change/")
        .form(&book("A", "-1", "Lovely".into()))
        .await
        .assert_status(422);
    assert_eq!(Review::objects().count(&lib.db).await.unwrap(), 0);
    // The review refused (too long): the book keeps its title.
    lib.client
        .post("/admin/library/book/1/change/")
        .form(&book("Renamed", "10", "x".repeat(501)))
        .await
        .assert_status(422)
        .assert_contains("Ensure this value has at most 500 characters");
    let stored = crud::get_by_pk::<Book>(&lib.db, 1i64.into()).await.unwrap();
    assert_ne!(stored.title, "Renamed");
    // Both fine: both saved; the untouched blank form is skipped.
    lib.client
        .post("/admin/library/book/1/change/")
        .form(&book("Renamed", "10", "Lovely".into()))
        .await
        .assert_redirects_to("/admin/library/book/");
    let reviews = Review::objects().all(&lib.db).await.unwrap();
    assert_eq!(reviews.len(), 1);
    assert_eq!(
        (reviews[0].book.id(), reviews[0].text.as_str()),
        (1, "Lovely")
    );
    lib.client
        .get("/admin/library/book/1/change/")
        .await
        .assert_contains("Lovely")
        .assert_contains(
            "name=\"review_set-INITIAL_FORMS\" id=\"id_review_set-INITIAL_FORMS\" value=\"1\"",
        );
}

#[tokio::test]
async fn every_add_change_and_delete_is_in_the_history() {
    use alder_admin::LogEntry;
    let lib = library().await;
    superuser_logged_in(&lib).await;
    lib.client
        .get("/admin/")
        .await
        .assert_contains("None available");
    lib.client
        .post("/admin/library/author/add/")
        .form(&[("name", "Iain Banks")])
        .await
        .assert_redirects_to("/admin/library/author/");
    let management = [
        ("review_set-TOTAL_FORMS", "0"),
        ("review_set-INITIAL_FORMS", "0"),
    ];
    let mut change = vec![("title", "Renamed"), ("author", "1"), ("pages", "999")];
    change.extend(management);
    lib.client
        .post("/admin/library/book/1/change/")
        .form(&change)
        .await
        .assert_redirects_to("/admin/library/book/");
    lib.client
        .post("/admin/library/book/3/delete/")
        .await
        .assert_redirects_to("/admin/library/book/");
    let entries = LogEntry::objects().all(&lib.db).await.unwrap();
    let seen: Vec<_> = entries
        .iter()
        .map(|e| {
            (
                e.action_flag,
                e.model.as_str(),
                e.object_id.as_str(),
                e.change_message.as_str(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            (alder_admin::DELETION, "book", "3", ""),
            // The unticked box counts: the book was in print.
            (
                alder_admin::CHANGE,
                "book",
                "1",
                "Changed title, pages and in print."
            ),
            (alder_admin::ADDITION, "author", "3", "Added."),
        ],
        "newest first"
    );
    lib.client
        .get("/admin/library/book/1/history/")
        .await
        .assert_ok()
        .assert_contains("Change history: Renamed")
        .assert_contains("<td>boss</td>")
        .assert_contains("Changed: Changed title, pages and in print.");
    // The deleted book's history outlives it; the index lists what the user did.
    lib.client
        .get("/admin/library/book/3/history/")
        .await
        .assert_ok()
        .assert_contains("Deleted");
    lib.client
        .get("/admin/")
        .await
        .assert_contains("href=\"/admin/library/book/1/change/\">Renamed</a>")
        .assert_contains("Deleted book")
        .assert_contains("Added author");
    lib.client
        .get("/admin/library/book/999/history/")
        .await
        .assert_status(404);
}

#[tokio::test]
async fn the_admin_s_migration_matches_its_model() {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = Settings::debug();
    settings.database_url = Some(format!(
        "sqlite://{}",
        dir.path().join("db.sqlite3").display()
    ));
    let project = || {
        Project::new(settings.clone())
            .app(alder_sessions::app())
            .app(alder_messages::app())
            .app(alder_auth::app())
            .app(alder_mail::app_with(alder_mail::MailConfig::memory()))
            .app(admin())
    };
    let mut out = Vec::new();
    project()
        .execute(["manage", "migrate"], &mut out)
        .await
        .unwrap();
    let mut out = Vec::new();
    project()
        .execute(["manage", "makemigrations", "--check"], &mut out)
        .await
        .unwrap_or_else(|err| panic!("{err:?}: {}", String::from_utf8_lossy(&out)));
}

#[tokio::test]
async fn inlines_need_the_child_s_permissions_and_user_adds_cannot_grant_powers() {
    let lib = library().await;
    let clerk = user(&lib.db, "clerk", true, false).await;
    grant(&lib.db, &clerk, &["view_book", "change_book", "add_user"]).await;
    alder_auth::testing::force_login(&lib.client, &clerk)
        .await
        .unwrap();
    // No review permissions: no reviews inline, and reviews posted anyway are not written.
    lib.client
        .get("/admin/library/book/1/change/")
        .await
        .assert_ok()
        .assert_not_contains("<legend>Reviews</legend>");
    lib.client
        .post("/admin/library/book/1/change/")
        .form(&[
            ("title", "Kept"),
            ("author", "1"),
            ("pages", "5"),
            ("review_set-TOTAL_FORMS", "1"),
            ("review_set-INITIAL_FORMS", "0"),
            ("review_set-0-text", "sneaked in"),
        ])
        .await
        .assert_redirects_to("/admin/library/book/");
    assert_eq!(Review::objects().count(&lib.db).await.unwrap(), 0);

    // Adding a user asks who they are only; powers posted anyway are ignored.
    lib.client
        .get("/admin/auth/user/add/")
        .await
        .assert_ok()
        .assert_contains("name=\"username\"")
        .assert_not_contains("name=\"is_superuser\"");
    lib.client
        .post("/admin/auth/user/add/")
        .form(&[
            ("username", "mallory"),
            ("email", "m@example.com"),
            ("is_superuser", "on"),
            ("is_staff", "on"),
            ("user_permissions", "1"),
        ])
        .await
        .assert_status(303);
    let mallory = User::objects()
        .filter(User::username().eq("mallory"))
        .get(&lib.db)
        .await
        .unwrap();
    assert!(!mallory.is_superuser && !mallory.is_staff, "{mallory:?}");
    assert!(mallory.is_active, "what blank gave it stays");
    assert!(!mallory.has_usable_password());
    assert!(User::user_permissions()
        .keys(&lib.db, &mallory)
        .await
        .unwrap()
        .is_empty());
    // A refused add comes back with the add page's fields only.
    lib.client
        .post("/admin/auth/user/add/")
        .form(&[("username", "mallory"), ("email", "x")])
        .await
        .assert_status(422)
        .assert_not_contains("name=\"is_superuser\"");
}

#[test]
fn registering_again_replaces_a_bad_registration() {
    let app = alder_admin::site()
        .register(ModelAdmin::<Book>::new().list_display(["titel"]))
        .register(ModelAdmin::<Book>::new().list_display(["title"]))
        .app();
    let mut settings = Settings::debug();
    settings.database_url = None;
    Project::new(settings).app(app).build().unwrap();
}

#[tokio::test]
async fn the_search_box_keeps_the_filters_and_order() {
    let lib = library().await;
    superuser_logged_in(&lib).await;
    lib.client
        .get("/admin/library/book/?in_print__exact=1&o=-pages&p=1")
        .await
        .assert_contains("<input type=\"hidden\" name=\"in_print__exact\" value=\"1\">")
        .assert_contains("<input type=\"hidden\" name=\"o\" value=\"-pages\">")
        .assert_not_contains("name=\"p\"");
}

#[tokio::test]
async fn staff_who_may_change_users_set_their_passwords() {
    let lib = library().await;
    let boss = user(&lib.db, "boss", true, true).await;
    let clerk = user(&lib.db, "clerk", true, false).await;
    alder_auth::testing::force_login(&lib.client, &boss)
        .await
        .unwrap();
    let page = format!("/admin/auth/user/{}/password/", clerk.id.get().unwrap());
    lib.client
        .get(&format!(
            "/admin/auth/user/{}/change/",
            clerk.id.get().unwrap()
        ))
        .await
        .assert_ok()
        .assert_contains(&format!("href=\"{page}\""));
    lib.client
        .get(&page)
        .await
        .assert_ok()
        .assert_contains("Change password: clerk");
    for (first, second, problem) in [
        (
            "one passphrase here",
            "another passphrase",
            "didn\u{2019}t match",
        ),
        ("short", "short", "too short"),
        ("password123", "password123", "too common"),
    ] {
        lib.client
            .post(&page)
            .form(&[("new_password1", first), ("new_password2", second)])
            .await
            .assert_status(422)
            .assert_contains(problem);
    }
    lib.client
        .post(&page)
        .form(&[
            ("new_password1", "a fresh clerk passphrase"),
            ("new_password2", "a fresh clerk passphrase"),
        ])
        .await
        .assert_redirects_to(&format!(
            "/admin/auth/user/{}/change/",
            clerk.id.get().unwrap()
        ));
    let stored = User::objects()
        .filter(User::username().eq("clerk"))
        .get(&lib.db)
        .await
        .unwrap();
    assert!(stored.check_password("a fresh clerk passphrase"));
    let logged = alder_admin::LogEntry::objects()
        .first(&lib.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(logged.change_message, "Changed password.");
    // One's own: still logged in afterwards.
    let own = format!("/admin/auth/user/{}/password/", boss.id.get().unwrap());
    lib.client
        .post(&own)
        .form(&[
            ("new_password1", "the boss's new passphrase"),
            ("new_password2", "the boss's new passphrase"),
        ])
        .await
        .assert_status(303);
    lib.client.get("/admin/").await.assert_ok();
    // Without change_user: refused; an unknown user: 404.
    alder_auth::testing::force_login(&lib.client, &stored)
        .await
        .unwrap();
    lib.client.get(&own).await.assert_status(403);
    // The boss as stored now: the session remembers the new password's hash.
    let boss = User::objects()
        .filter(User::username().eq("boss"))
        .get(&lib.db)
        .await
        .unwrap();
    alder_auth::testing::force_login(&lib.client, &boss)
        .await
        .unwrap();
    lib.client
        .get("/admin/auth/user/999/password/")
        .await
        .assert_status(404);
}
