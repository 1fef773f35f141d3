//! The request log, as Django's `django.request` logger: a line per request at a level by
//! outcome (ERROR for 5xx, WARN for 4xx, INFO otherwise) on the `alder::request` target, so
//! that production's default filter keeps only the failures.

use std::fmt::Write as _;
use std::sync::{Arc, Mutex};

use alder_web::routing::get;
use alder_web::test::TestClient;
use alder_web::{App, Error, Project, Settings};
use http::StatusCode;
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::{EnvFilter, Layer};

type Lines = Arc<Mutex<Vec<(Level, String)>>>;

/// Keeps the request log lines.
struct Collect(Lines);

struct Message<'a>(&'a mut String);

impl Visit for Message<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.0, "{value:?}");
        }
    }
}

impl<S: Subscriber> Layer<S> for Collect {
    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        if event.metadata().target() == "alder::request" {
            let mut message = String::new();
            event.record(&mut Message(&mut message));
            let mut lines = self.0.lock().unwrap();
            lines.push((*event.metadata().level(), message));
        }
    }
}

fn client(settings: Settings) -> TestClient {
    let app = App::new("log")
        .route("/ok/", get(|| async { "fine" }), "ok")
        .route(
            "/broken/",
            get(|| async {
                Err::<&str, _>(Error::http(StatusCode::INTERNAL_SERVER_ERROR, "broken"))
            }),
            "broken",
        );
    TestClient::new(Project::new(settings).app(app))
}

/// The lines logged for requests to `paths` under the log filter `filter`.
async fn logged(filter: &str, settings: Settings, paths: &[&str]) -> Vec<(Level, String)> {
    let lines = Lines::default();
    let subscriber = tracing_subscriber::registry()
        .with(EnvFilter::new(filter))
        .with(Collect(lines.clone()));
    let _guard = tracing::subscriber::set_default(subscriber);
    let client = client(settings);
    for path in paths {
        client.get(path).await;
    }
    let lines = lines.lock().unwrap().clone();
    lines
}

/// The lines logged for a 200, a 404 and a 500 under the log filter `filter`.
async fn lines_under(filter: &str) -> Vec<(Level, String)> {
    logged(
        filter,
        Settings::debug(),
        &["/ok/", "/missing/", "/broken/"],
    )
    .await
}

#[tokio::test]
async fn production_logs_the_path_without_the_query_and_debug_masks_secrets_in_it() {
    let mut production = Settings::default();
    production.secret_key = "k".repeat(50);
    production.allowed_hosts = vec!["x.example".into()];
    let lines = logged(
        "info",
        production,
        &["/missing/?token=abc&email=ann@example.com"],
    )
    .await;
    assert!(lines[0].1.starts_with("GET /missing/ 404"), "{lines:?}");
    let lines = logged("info", Settings::debug(), &["/ok/?page=2&token=abc"]).await;
    assert!(
        lines[0].1.starts_with("GET /ok/?page=2&token=******** 200"),
        "{lines:?}"
    );
}

#[tokio::test]
async fn production_logs_failures_and_debug_logs_every_request() {
    // Production's default filter (the `log` setting left empty, debug off).
    let lines = lines_under("info,alder::request=warn").await;
    let levels: Vec<Level> = lines.iter().map(|(level, _)| *level).collect();
    assert_eq!(levels, [Level::WARN, Level::ERROR], "{lines:?}");
    assert!(lines[0].1.starts_with("GET /missing/ 404"), "{lines:?}");
    assert!(lines[1].1.starts_with("GET /broken/ 500"), "{lines:?}");

    // Debug's default filter: every request, the successful one at INFO.
    let lines = lines_under("info").await;
    let levels: Vec<Level> = lines.iter().map(|(level, _)| *level).collect();
    assert_eq!(
        levels,
        [Level::INFO, Level::WARN, Level::ERROR],
        "{lines:?}"
    );
    assert!(lines[0].1.starts_with("GET /ok/ 200"), "{lines:?}");
}
