//! Template lookup order, helpers, errors and the pages they produce.

use alder_web::routing::get;
use alder_web::test::TestClient;
use alder_web::{context, App, Error, Files, Project, Result, TemplateResponse, Templates};

mod common;
use common::{settings_in, write_files};

async fn page(t: Templates) -> Result<TemplateResponse> {
    t.render(
        "shop/page.html",
        context! { title => "<Sale>", items => vec![1, 2] },
    )
}

async fn broken(t: Templates) -> Result<TemplateResponse> {
    t.render("shop/broken.html", context! {})
}

async fn missing(t: Templates) -> Result<TemplateResponse> {
    t.render("shop/nothing.html", context! {})
}

fn shop(dir: &std::path::Path) -> App {
    App::new("shop")
        .route("/", get(page), "page")
        .route("/broken/", get(broken), "broken")
        .route("/missing/", get(missing), "missing")
        .route("/item/{id}/", get(|| async { "" }), "item")
        .templates(Files::dir(dir.join("shop_templates")))
}

#[tokio::test]
async fn project_templates_override_app_templates_and_apps_in_order() {
    let dir = tempfile::tempdir().unwrap();
    write_files(
        dir.path(),
        &[
            (
                "shop_templates/shop/page.html",
                "{% extends 'shop/base.html' %}{% block body %}app page{% endblock %}",
            ),
            (
                "shop_templates/shop/base.html",
                "APP BASE [{% block body %}{% endblock %}]",
            ),
            (
                "other_templates/shop/base.html",
                "OTHER BASE [{% block body %}{% endblock %}]",
            ),
            ("other_templates/other/only.html", "only in other"),
        ],
    );
    let other = App::new("other").templates(Files::dir(dir.path().join("other_templates")));
    let client = TestClient::new(
        Project::new(settings_in(dir.path(), true))
            .app(shop(dir.path()))
            .app(other),
    );
    // The first app's base wins over the later app's.
    client
        .get("/")
        .await
        .assert_ok()
        .assert_contains("APP BASE [app page]");

    // The project's folder wins over every app.
    write_files(
        dir.path(),
        &[(
            "templates/shop/base.html",
            "PROJECT BASE [{% block body %}{% endblock %}]",
        )],
    );
    client
        .get("/")
        .await
        .assert_ok()
        .assert_contains("PROJECT BASE [app page]");
    let t = client.site().templates();
    assert_eq!(
        t.render_to_string("other/only.html", ()).unwrap(),
        "only in other"
    );
}

#[tokio::test]
async fn autoescape_url_for_static_includes_and_filters() {
    let dir = tempfile::tempdir().unwrap();
    write_files(
        dir.path(),
        &[
            (
                "shop_templates/shop/page.html",
                "<h1>{{ title }}</h1>{% include 'shop/part.html' %}\
                 <a href=\"{{ url_for('shop:item', id=items[1]) }}\">x</a>\
                 <link href=\"{{ static('shop/s.css') }}\">{{ title|shout }}",
            ),
            (
                "shop_templates/shop/part.html",
                "<p>{{ items|length }} items</p>",
            ),
            ("static/shop/s.css", "body{}"),
        ],
    );
    let project = Project::new(settings_in(dir.path(), true))
        .app(shop(dir.path()))
        .template_filter("shout", |s: String| format!("{}!", s.to_uppercase()));
    let client = TestClient::new(project);
    let response = client.get("/").await;
    response
        .assert_ok()
        .assert_contains("<h1>&lt;Sale&gt;</h1>")
        .assert_contains("<p>2 items</p>")
        .assert_contains("href=\"/item/2/\"")
        .assert_contains("href=\"/static/shop/s.css\"")
        .assert_contains("&lt;SALE&gt;!")
        .assert_template_used("shop/page.html");
    assert_eq!(response.context("title").unwrap().as_str(), Some("<Sale>"));
    assert_eq!(
        response.header("content-type"),
        Some("text/html; charset=utf-8")
    );
}

#[tokio::test]
async fn debug_shows_the_template_error_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    write_files(
        dir.path(),
        &[
            (
                "shop_templates/shop/broken.html",
                "{% extends 'shop/base.html' %}",
            ),
            (
                "shop_templates/shop/base.html",
                "line one\nline two\n{{ 1 + }}\nline four",
            ),
        ],
    );
    let client = TestClient::new(Project::new(settings_in(dir.path(), true)).app(shop(dir.path())));
    client
        .get("/broken/")
        .await
        .assert_status(500)
        .assert_contains("Template error in <code>shop/base.html</code>, line 3")
        .assert_contains("syntax error")
        .assert_contains("class=\"hit\">   3  {{ 1 + }}");
}

#[tokio::test]
async fn production_shows_a_plain_500_page_without_details() {
    let dir = tempfile::tempdir().unwrap();
    write_files(
        dir.path(),
        &[("shop_templates/shop/broken.html", "{{ 1 + }}")],
    );
    let client =
        TestClient::new(Project::new(settings_in(dir.path(), false)).app(shop(dir.path())));
    client
        .get("/broken/")
        .await
        .assert_status(500)
        .assert_contains("Internal Server Error")
        .assert_not_contains("broken.html")
        .assert_not_contains("syntax");
}

#[tokio::test]
async fn production_error_pages_come_from_the_projects_templates() {
    let dir = tempfile::tempdir().unwrap();
    write_files(
        dir.path(),
        &[
            (
                "templates/404.html",
                "Nothing at this address ({{ status }})",
            ),
            ("templates/500.html", "{% extends 'base_err.html' %}"),
            (
                "templates/base_err.html",
                "Sorry, we broke it ({{ status }})",
            ),
            ("shop_templates/shop/broken.html", "{{ 1 + }}"),
        ],
    );
    let client =
        TestClient::new(Project::new(settings_in(dir.path(), false)).app(shop(dir.path())));
    client
        .get("/nowhere/")
        .await
        .assert_status(404)
        .assert_contains("Nothing at this address (404)");
    client
        .get("/broken/")
        .await
        .assert_status(500)
        .assert_contains("Sorry, we broke it (500)");
}

#[tokio::test]
async fn a_broken_error_template_falls_back_to_the_builtin_page() {
    let dir = tempfile::tempdir().unwrap();
    write_files(dir.path(), &[("templates/404.html", "{% if %}")]);
    let client =
        TestClient::new(Project::new(settings_in(dir.path(), false)).app(shop(dir.path())));
    client
        .get("/nowhere/")
        .await
        .assert_status(404)
        .assert_contains("404 Not Found");
}

#[tokio::test]
async fn a_missing_template_names_it_and_where_alder_looked() {
    let dir = tempfile::tempdir().unwrap();
    let client = TestClient::new(Project::new(settings_in(dir.path(), true)).app(shop(dir.path())));
    let err = client
        .site()
        .templates()
        .render_to_string("shop/nothing.html", ())
        .unwrap_err();
    let Error::Template(t) = &err else {
        panic!("{err:?}")
    };
    assert!(t.not_found);
    let message = err.to_string();
    assert!(
        message.contains("shop/nothing.html") && message.contains("app `shop`"),
        "{message}"
    );
    client
        .get("/missing/")
        .await
        .assert_status(500)
        .assert_contains("does not exist; looked in");
}

#[tokio::test]
async fn url_for_with_a_wrong_name_is_a_template_error_with_a_line() {
    let dir = tempfile::tempdir().unwrap();
    write_files(
        dir.path(),
        &[(
            "shop_templates/shop/page.html",
            "ok\n{{ url_for('shop:itme', id=1) }}",
        )],
    );
    let client = TestClient::new(Project::new(settings_in(dir.path(), true)).app(shop(dir.path())));
    client
        .get("/")
        .await
        .assert_status(500)
        .assert_contains("line 2")
        .assert_contains("did you mean `shop:item`?");
}

#[tokio::test]
async fn templates_reload_from_disk_in_debug_and_are_cached_otherwise() {
    let dir = tempfile::tempdir().unwrap();
    write_files(dir.path(), &[("shop_templates/shop/page.html", "first")]);
    let debug = TestClient::new(Project::new(settings_in(dir.path(), true)).app(shop(dir.path())));
    let prod = TestClient::new(Project::new(settings_in(dir.path(), false)).app(shop(dir.path())));
    debug.get("/").await.assert_contains("first");
    prod.get("/").await.assert_contains("first");
    write_files(dir.path(), &[("shop_templates/shop/page.html", "second")]);
    debug.get("/").await.assert_contains("second");
    prod.get("/").await.assert_contains("first");
}

#[test]
fn embedded_templates_are_found() {
    let app = App::new("x").templates(alder_web::embed_dir!("tests/fixtures/templates"));
    let site = Project::new(alder_web::Settings::debug())
        .app(app)
        .build()
        .unwrap();
    let html = site
        .templates()
        .render_to_string("fixture/hello.html", context! { who => "you" })
        .unwrap();
    assert_eq!(html.trim(), "hello you");
}

#[tokio::test]
async fn every_html_template_is_escaped_whatever_its_extension_and_text_is_served_as_text() {
    let dir = tempfile::tempdir().unwrap();
    write_files(
        dir.path(),
        &[
            ("templates/rows.jinja", "<td>{{ v }}</td>"),
            ("templates/page.j2", "<p>{{ v }}</p>"),
            ("templates/mail.txt", "Hello {{ v }}"),
            ("templates/data.json", "{\"v\": {{ v }}}"),
        ],
    );
    let render = |name: &'static str| {
        get(move |t: Templates| async move { t.render(name, context! { v => "<script>\"x\"" }) })
    };
    let app = App::new("t")
        .route("/rows/", render("rows.jinja"), "rows")
        .route("/j2/", render("page.j2"), "j2")
        .route("/mail/", render("mail.txt"), "mail")
        .route("/data/", render("data.json"), "data");
    let client = TestClient::new(Project::new(settings_in(dir.path(), false)).app(app));
    for path in ["/rows/", "/j2/"] {
        client
            .get(path)
            .await
            .assert_ok()
            .assert_header("content-type", "text/html; charset=utf-8")
            .assert_contains("&lt;script&gt;&quot;x&quot;")
            .assert_not_contains("<script>");
    }
    client
        .get("/mail/")
        .await
        .assert_header("content-type", "text/plain; charset=utf-8")
        .assert_contains("Hello <script>\"x\"");
    let data = client.get("/data/").await;
    data.assert_header("content-type", "application/json");
    let parsed: serde_json::Value = data.json();
    assert_eq!(parsed["v"], "<script>\"x\"");
}
