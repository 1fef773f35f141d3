//! What the sessions, auth and CSRF middleware cost per request, in-process: a bare handler,
//! then the same handler taking `CurrentUser` behind the sessions and auth apps, for an
//! anonymous visitor (no cookie: no query) and a logged-in one (the session read and the
//! user looked up: two queries on SQLite with the database engine, one with the cookie
//! engine).

use alder::contrib::auth::models::User;
use alder::contrib::auth::{self, CurrentUser};
use alder::contrib::sessions::{self, Engine, SessionConfig};
use alder::routing::get;
use alder::{App, Project, Settings};
use criterion::{criterion_main, Criterion};
use http_body_util::BodyExt;
use tower::ServiceExt;

async fn bare() -> &'static str {
    "hello"
}

async fn greet(user: CurrentUser) -> String {
    match user.get() {
        Some(user) => format!("hello {}", user.username),
        None => "hello".into(),
    }
}

fn settings(dir: &std::path::Path) -> Settings {
    let mut settings = Settings::debug();
    settings.database_url = Some(format!("sqlite://{}", dir.join("db.sqlite3").display()));
    settings.allowed_hosts = vec!["localhost".into()];
    settings
}

/// A site with the accounts apps, migrated, with a user logged in: the router and the
/// cookie header of that user's session.
async fn accounts_site(dir: &std::path::Path, engine: Engine) -> (axum::Router, String) {
    let project = Project::new(settings(dir))
        .app(sessions::app_with(SessionConfig {
            engine,
            ..Default::default()
        }))
        .app(auth::app())
        .app(App::new("site").route("/", get(greet), "greet"));
    let site = project.build().expect("builds");
    site.migrate().await.expect("migrates");
    let db = site.state().database().await.expect("database");
    let mut ada = User::new(format!("ada-{engine:?}"), "");
    ada.set_password("a benchmark passphrase");
    alder::db::crud::insert(&db, &mut ada).await.expect("user");
    // Logged in as a real login would (the same session data), without the login page.
    let client = alder::test::TestClient::new(
        Project::new(settings(dir))
            .app(sessions::app_with(SessionConfig {
                engine,
                ..Default::default()
            }))
            .app(auth::app()),
    );
    auth::testing::force_login(&client, &ada)
        .await
        .expect("logs in");
    let cookie = format!(
        "sessionid={}",
        client.cookie("sessionid").expect("a cookie")
    );
    (site.router(), cookie)
}

async fn call(router: &axum::Router, cookie: Option<&str>, expected: &str) {
    let mut request = axum::http::Request::builder()
        .uri("/")
        .header("host", "localhost");
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    let response = router
        .clone()
        .oneshot(request.body(axum::body::Body::empty()).expect("request"))
        .await
        .expect("infallible");
    assert_eq!(response.status(), 200);
    let body = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    assert!(body.starts_with(expected.as_bytes()));
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let dir = tempfile::tempdir().expect("a folder");
    let bare_router = Project::new(settings(dir.path()))
        .app(App::new("site").route("/", get(bare), "bare"))
        .build()
        .expect("builds")
        .router();
    let (database, db_cookie) = rt.block_on(accounts_site(dir.path(), Engine::Database));
    let cookie_dir = tempfile::tempdir().expect("a folder");
    let (cookie_site, signed_cookie) =
        rt.block_on(accounts_site(cookie_dir.path(), Engine::Cookie));

    let mut group = c.benchmark_group("accounts");
    group.bench_function("bare", |b| {
        b.to_async(&rt).iter(|| call(&bare_router, None, "hello"))
    });
    group.bench_function("anonymous", |b| {
        b.to_async(&rt).iter(|| call(&database, None, "hello"))
    });
    group.bench_function("logged_in_database", |b| {
        b.to_async(&rt)
            .iter(|| call(&database, Some(&db_cookie), "hello ada"))
    });
    group.bench_function("logged_in_cookie", |b| {
        b.to_async(&rt)
            .iter(|| call(&cookie_site, Some(&signed_cookie), "hello ada"))
    });
    group.finish();
}

#[allow(missing_docs)] // criterion_group! writes an undocumented function
mod group {
    criterion::criterion_group!(benches, super::bench);
}
use group::benches;
criterion_main!(benches);
