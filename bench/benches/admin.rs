//! The admin's change list over 100,000 rows on SQLite, in-process, for a logged-in
//! superuser: the count, one page of 100 rows sorted by key, and the foreign-key column's
//! display strings (one query for the page's authors), rendered to HTML. The issue asks for
//! under 100 ms.

use alder::contrib::admin::{self, ModelAdmin};
use alder::contrib::auth::models::User;
use alder::contrib::{auth, messages, sessions};
use alder::db::{Auto, ForeignKey, Model};
use alder::forms::Form;
use alder::{App, Project, Settings};
use criterion::{criterion_main, Criterion};
use http_body_util::BodyExt;
use tower::ServiceExt;

#[derive(Model, Form, Clone, Debug, Default)]
#[model(app = "library", display = "{name}")]
struct Author {
    id: Auto<i64>,
    #[model(max_length = 100)]
    name: String,
}

#[derive(Model, Form, Clone, Debug)]
#[model(app = "library", display = "{title}")]
struct Book {
    id: Auto<i64>,
    #[model(max_length = 200)]
    title: String,
    author: ForeignKey<Author>,
    pages: i32,
}

const BOOKS: i64 = 100_000;

fn project(dir: &std::path::Path) -> Project {
    let mut settings = Settings::debug();
    settings.database_url = Some(format!("sqlite://{}", dir.join("db.sqlite3").display()));
    settings.allowed_hosts = vec!["localhost".into()];
    Project::new(settings)
        .app(sessions::app())
        .app(messages::app())
        .app(auth::app())
        .app(App::new("library").model::<Author>().model::<Book>())
        .app(
            admin::site()
                .register(ModelAdmin::<Author>::new())
                .register(ModelAdmin::<Book>::new().list_display(["title", "author", "pages"]))
                .app(),
        )
}

/// The migrated site with 100 authors and 100,000 books, and a superuser's cookie.
async fn library(dir: &std::path::Path) -> (axum::Router, String) {
    let client = alder::test::TestClient::new(project(dir));
    let site = client.site().clone();
    let db = site.state().database().await.expect("database");
    alder::db::schema::create_models(&db, &[Author::META, Book::META])
        .await
        .expect("tables");
    site.migrate().await.expect("migrates");
    let mut authors: Vec<Author> = (0..100)
        .map(|n| Author {
            id: Auto::new(),
            name: format!("Author {n}"),
        })
        .collect();
    alder::db::crud::bulk_create(&db, &mut authors)
        .await
        .expect("authors");
    for chunk in 0..(BOOKS / 1000) {
        let mut books: Vec<Book> = (0..1000)
            .map(|n| Book {
                id: Auto::new(),
                title: format!("Book {chunk}-{n}"),
                author: ForeignKey::new(1 + (chunk * 1000 + n) % 100),
                pages: i32::try_from(n).unwrap_or(0),
            })
            .collect();
        alder::db::crud::bulk_create(&db, &mut books)
            .await
            .expect("books");
    }
    let mut boss = User::new("boss", "");
    boss.is_staff = true;
    boss.is_superuser = true;
    alder::db::crud::insert(&db, &mut boss).await.expect("user");
    auth::testing::force_login(&client, &boss)
        .await
        .expect("logs in");
    let cookie = format!(
        "sessionid={}",
        client.cookie("sessionid").expect("a cookie")
    );
    (site.router(), cookie)
}

async fn change_list(router: &axum::Router, cookie: &str) {
    let request = axum::http::Request::builder()
        .uri("/admin/library/book/")
        .header("host", "localhost")
        .header("cookie", cookie)
        .body(axum::body::Body::empty())
        .expect("request");
    let response = router.clone().oneshot(request).await.expect("infallible");
    assert_eq!(response.status(), 200);
    let body = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    assert!(
        body.windows(12).any(|w| w == b"100000 books"),
        "the count is shown"
    );
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let dir = tempfile::tempdir().expect("a folder");
    let (router, cookie) = rt.block_on(library(dir.path()));
    let mut group = c.benchmark_group("admin");
    group.sample_size(20);
    group.bench_function("change_list_100k_rows", |b| {
        b.to_async(&rt).iter(|| change_list(&router, &cookie))
    });
    group.finish();
}

#[allow(missing_docs)] // criterion_group! writes an undocumented function
mod group {
    criterion::criterion_group!(benches, super::bench);
}
use group::benches;
criterion_main!(benches);
