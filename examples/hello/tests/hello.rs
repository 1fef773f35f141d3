//! The hello example, driven through the test client as its users would test their apps.

use alder::test::TestClient;
use alder::{Project, Settings};

fn client() -> TestClient {
    TestClient::new(Project::new(Settings::debug()).app(hello::app()))
}

#[tokio::test]
async fn the_index_says_hello() {
    client()
        .get("/")
        .await
        .assert_ok()
        .assert_contains("Hello, World!");
}

#[tokio::test]
async fn the_greeting_page_extends_the_base_and_escapes_the_name() {
    let page = client().get("/hello/%3Cb%3EAnn/").await;
    page.assert_ok()
        .assert_template_used("hello/greet.html")
        .assert_contains("<h1>Hello, &lt;b&gt;Ann!</h1>")
        .assert_contains("<link rel=\"stylesheet\" href=\"/static/hello/site.css\">")
        .assert_contains("href=\"/hello/%3Cb%3EAnn/\"");
    assert_eq!(page.context("name").unwrap().as_str(), Some("<b>Ann"));
}

#[tokio::test]
async fn a_missing_slash_redirects() {
    client()
        .get("/hello/Ann")
        .await
        .assert_status(301)
        .assert_redirects_to("/hello/Ann/");
}

#[tokio::test]
async fn the_stylesheet_is_served() {
    client()
        .get("/static/hello/site.css")
        .await
        .assert_ok()
        .assert_header("content-type", "text/css");
}

#[tokio::test]
async fn routes_lists_the_apps_routes() {
    let mut out = Vec::new();
    Project::new(Settings::debug())
        .app(hello::app())
        .execute(["hello", "routes"], &mut out)
        .await
        .unwrap();
    let out = String::from_utf8(out).unwrap();
    assert!(
        out.contains("hello:index")
            && out.contains("hello:greet")
            && out.contains("/hello/{name}/"),
        "{out}"
    );
}

#[tokio::test]
async fn check_passes() {
    let mut out = Vec::new();
    Project::new(Settings::debug())
        .app(hello::app())
        .execute(["hello", "check"], &mut out)
        .await
        .unwrap();
    let out = String::from_utf8(out).unwrap();
    // Debug on is the one warning; it does not fail the check.
    assert!(out.contains("WARNING settings.W001"), "{out}");
    assert!(out.contains("1 warning(s) (2 templates compiled)"), "{out}");
}
