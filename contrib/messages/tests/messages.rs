//! Messages through the test client: across a redirect, shown once, escaped, filtered by
//! level, kept while no page shows them, on both session engines.

use alder_messages::{Level, Message, Messages};
use alder_sessions::{Engine, Session, SessionConfig};
use alder_web::routing::get;
use alder_web::test::TestClient;
use alder_web::{
    context, App, IntoResponse, Json, Project, Redirect, Response, Result, Settings,
    TemplateResponse, Templates,
};

const PAGE: &str = "{% if messages %}<ul>{% for m in messages %}<li class=\"{{ m.tags }}\" data-level=\"{{ m.level }}\">{{ m }}</li>{% endfor %}</ul>{% endif %}<p>{{ messages|length }} shown</p>";

async fn page(t: Templates) -> Result<TemplateResponse> {
    t.render("page.html", context! {})
}

async fn save(messages: Messages) -> Response {
    messages.success("Post saved.");
    messages.add(Message::new(Level::Info, "<b>bold</b> & co").with_tags("banner"));
    messages.debug("only for developers");
    Redirect::to("/").into_response()
}

/// Adds a message and renders it at once.
async fn now(messages: Messages, t: Templates) -> Result<TemplateResponse> {
    messages.warning("Look here.");
    t.render("page.html", context! {})
}

async fn api(messages: Messages) -> Json<Vec<String>> {
    Json(messages.take().into_iter().map(|m| m.text).collect())
}

async fn corrupt(session: Session) -> Result<&'static str> {
    session.insert(alder_messages::SESSION_KEY, "not a list")?;
    Ok("spoiled")
}

fn site() -> App {
    App::new("site")
        .route("/", get(page), "page")
        .route("/save/", get(save), "save")
        .route("/now/", get(now), "now")
        .route("/api/", get(api), "api")
        .route("/corrupt/", get(corrupt), "corrupt")
        .route("/plain/", get(|| async { "plain" }), "plain")
}

fn settings(dir: &std::path::Path) -> Settings {
    std::fs::write(dir.join("page.html"), PAGE).unwrap();
    let mut settings = Settings::debug();
    settings.templates_dir = dir.into();
    settings.database_url = Some(format!("sqlite://{}", dir.join("db.sqlite3").display()));
    settings
}

async fn clients(dir: &std::path::Path) -> Vec<TestClient> {
    let mut out = Vec::new();
    for engine in [Engine::Database, Engine::Cookie] {
        let sessions = alder_sessions::app_with(SessionConfig {
            engine,
            ..Default::default()
        });
        let client = TestClient::new(
            Project::new(settings(dir))
                .app(sessions)
                .app(alder_messages::app())
                .app(site()),
        );
        client.site().migrate().await.unwrap();
        out.push(client);
    }
    out
}

#[tokio::test]
async fn a_message_crosses_a_redirect_and_is_shown_once() {
    let dir = tempfile::tempdir().unwrap();
    for client in clients(dir.path()).await {
        let shown = client.get("/save/").follow_redirects().await;
        shown
            .assert_ok()
            .assert_contains(r#"<li class="success" data-level="25">Post saved.</li>"#)
            // Escaped like any text; extra tags before the level's.
            .assert_contains(
                r#"<li class="banner info" data-level="20">&lt;b&gt;bold&lt;/b&gt; &amp; co</li>"#,
            )
            // Below the default level (info): dropped.
            .assert_not_contains("only for developers")
            .assert_contains("<p>2 shown</p>");
        client
            .get("/")
            .await
            .assert_not_contains("Post saved.")
            .assert_contains("<p>0 shown</p>");
    }
}

#[tokio::test]
async fn messages_wait_until_a_page_shows_them() {
    let dir = tempfile::tempdir().unwrap();
    for client in clients(dir.path()).await {
        client.get("/save/").await.assert_status(303);
        // Pages that do not show messages leave them pending.
        client.get("/plain/").await.assert_ok();
        client.get("/save/").await;
        client.get("/").await.assert_contains("<p>4 shown</p>");
        // Added and shown in one request: gone afterwards.
        client.get("/now/").await.assert_contains("Look here.");
        client.get("/").await.assert_contains("<p>0 shown</p>");
        // Taken by an API handler instead of a template.
        client.get("/save/").await;
        let texts: Vec<String> = client.get("/api/").await.json();
        assert_eq!(texts, ["Post saved.", "<b>bold</b> & co"]);
        client.get("/").await.assert_contains("<p>0 shown</p>");
    }
}

#[tokio::test]
async fn a_session_value_that_is_not_messages_is_ignored() {
    let dir = tempfile::tempdir().unwrap();
    for client in clients(dir.path()).await {
        client.get("/corrupt/").await.assert_ok();
        client
            .get("/")
            .await
            .assert_ok()
            .assert_contains("<p>0 shown</p>");
        // The bad value is replaced by the next messages, which show.
        client
            .get("/save/")
            .follow_redirects()
            .await
            .assert_contains("<p>2 shown</p>");
    }
}

#[tokio::test]
async fn the_level_setting_and_the_app_order_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    // Messages before sessions: every request says what to change.
    let wrong_order = TestClient::new(
        Project::new(settings(dir.path()))
            .app(alder_messages::app())
            .app(alder_sessions::app())
            .app(site()),
    );
    wrong_order
        .get("/plain/")
        .await
        .assert_status(500)
        .assert_contains("alder_messages comes before the sessions app");
    let missing = Project::new(settings(dir.path()))
        .app(alder_messages::app())
        .app(site())
        .build()
        .unwrap_err()
        .to_string();
    assert!(
        missing.contains("keeps messages in the session"),
        "{missing}"
    );

    let figment = |level: &str| {
        use figment::providers::{Format, Serialized, Toml};
        let figment =
            figment::Figment::from(Serialized::defaults(settings(dir.path()))).merge(Toml::string(
                &format!("[messages]\nlevel = \"{level}\"\n[sessions]\nengine = \"cookie\"\n"),
            ));
        Project::new(Settings::from_figment(figment).unwrap())
            .app(alder_sessions::app())
            .app(alder_messages::app())
            .app(site())
    };
    let err = figment("loud").build().unwrap_err().to_string();
    assert!(err.contains("messages.level is `loud`"), "{err}");
    let client = TestClient::new(figment("debug"));
    client
        .get("/save/")
        .follow_redirects()
        .await
        .assert_contains("only for developers");
}

#[tokio::test]
async fn only_requests_with_a_session_read_it_and_error_pages_leave_messages_waiting() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("404.html"),
        "{% for m in messages %}{{ m }}{% endfor %} not found",
    )
    .unwrap();
    for client in clients(dir.path()).await {
        // No session cookie: the session is not read, so the page does not vary on it.
        let plain = client.get("/plain/").await;
        assert!(!plain.header("vary").unwrap_or("").contains("Cookie"));
        client.get("/save/").await.assert_status(303);
        // With one, static files still do not read it.
        let asset = client.get("/static/missing.css").await;
        assert!(!asset.header("vary").unwrap_or("").contains("Cookie"));
        // An error page is rendered after the session is saved: it shows nothing, and the
        // messages wait for the next page.
        client
            .get("/nowhere/")
            .await
            .assert_status(404)
            .assert_not_contains("Post saved.");
        client.get("/").await.assert_contains("Post saved.");
    }
}
