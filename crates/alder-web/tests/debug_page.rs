//! The debug page helps without leaking: cookies, credentials, secret parameters and
//! settings are masked (Django's safe exception reporter filter), and so is `Debug` output.

use alder_web::routing::get;
use alder_web::test::TestClient;
use alder_web::{App, Error, Project, Settings, StatusCode};

fn settings() -> Settings {
    let mut settings = Settings::debug();
    settings.secret_key = "the-secret-key-value-0123456789-abcdefghijklmnopqrstuv".into();
    settings.database_url = Some("postgres://app:db-password-value@127.0.0.1/app".into());
    settings
}

fn app() -> App {
    App::new("d").route(
        "/fail/",
        get(|| async { Err::<&str, _>(Error::http(StatusCode::INTERNAL_SERVER_ERROR, "broke")) }),
        "fail",
    )
}

#[tokio::test]
async fn cookies_credentials_secret_parameters_and_settings_are_masked() {
    let client = TestClient::new(Project::new(settings()).app(app()));
    let page = client
        .get("/fail/?page=2&password=query-password-value&api_token=query-token-value")
        .header("cookie", "sessionid=cookie-value-1; theme=cookie-value-2")
        .header("authorization", "Bearer auth-header-value")
        .header("x-api-key", "api-key-value")
        .header("user-agent", "visible-agent")
        .await;
    page.assert_status(500);
    for secret in [
        "query-password-value",
        "query-token-value",
        "cookie-value-1",
        "cookie-value-2",
        "auth-header-value",
        "api-key-value",
        "the-secret-key-value",
        "db-password-value",
    ] {
        page.assert_not_contains(secret);
    }
    // What helps debugging is still there.
    page.assert_contains("visible-agent")
        .assert_contains("page=2")
        .assert_contains("sessionid=********")
        .assert_contains("postgres://app:***@127.0.0.1/app")
        .assert_contains("max_body_size");
}

#[test]
fn debug_output_of_settings_and_the_site_hides_secrets() {
    let site = Project::new(settings()).app(app()).build().unwrap();
    let shown = format!("{site:?} {:?}", site.settings());
    assert!(!shown.contains("the-secret-key-value"), "{shown}");
    assert!(!shown.contains("db-password-value"), "{shown}");
    assert!(shown.contains("secret_key"), "{shown}");
}

mod common;

async fn missing_post() -> alder_web::Result<&'static str> {
    // What `Post::objects().get(&db)` returns when nothing matches.
    Err(alder_web::db::DbError::NotFound { model: "Post" })?
}

fn posts() -> App {
    App::new("blog").route("/posts/{slug}/", get(missing_post), "detail")
}

#[tokio::test]
async fn a_handlers_404_names_its_route_handler_and_model_a_routers_404_lists_the_routes() {
    let client = TestClient::new(Project::new(settings()).app(posts()));
    let page = client.get("/posts/nope/").await;
    page.assert_status(404)
        .assert_contains("No Post matches the given query.")
        .assert_contains("Raised by")
        .assert_contains("blog:detail")
        .assert_contains("debug_page::missing_post")
        .assert_not_contains("No route matched");

    let page = client.get("/nowhere/").await;
    page.assert_status(404)
        .assert_contains("No route matched")
        .assert_contains("/posts/{slug}/")
        .assert_not_contains("Raised by");

    // In production both are the same plain page: no model, no handler, no routes.
    let client = TestClient::new(Project::new(common::production()).app(posts()));
    for path in ["/posts/nope/", "/nowhere/"] {
        client
            .get(path)
            .await
            .assert_status(404)
            .assert_not_contains("Post")
            .assert_not_contains("missing_post")
            .assert_not_contains("Raised by");
    }
}
