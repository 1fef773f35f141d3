//! The same small site written twice, on Alder and as hand-written axum, for the benchmarks
//! in `benches/`: a plain-text route, a templated page with a path parameter, and twenty model
//! rows as JSON.

use alder::extract::Path;
use alder::routing::get;
use alder::{context, App, Project, Settings, TemplateResponse, Templates};

const ITEMS: [&str; 5] = ["one", "two", "three", "four", "<five>"];

/// A model row as the JSON test serialises it (TechEmpower's `world`).
#[derive(alder::db::Model, serde::Serialize, Clone, Debug)]
#[model(table = "world")]
pub struct World {
    #[model(primary_key)]
    id: i32,
    #[serde(rename = "randomNumber")]
    random_number: i32,
}

/// The same row for the hand-written side: a plain serde struct.
#[derive(serde::Serialize, Clone, Debug)]
struct PlainWorld {
    id: i32,
    #[serde(rename = "randomNumber")]
    random_number: i32,
}

fn worlds() -> Vec<World> {
    (1..=20)
        .map(|id| World {
            id,
            random_number: id * 37 % 10_000,
        })
        .collect()
}

async fn greet(t: Templates, Path(name): Path<String>) -> alder::Result<TemplateResponse> {
    t.render("bench/greet.html", context! { name, items => ITEMS })
}

/// The Alder version, with the middleware stack every new project gets.
pub fn alder_router() -> axum::Router {
    let mut settings = Settings::default();
    settings.secret_key = "bench-secret-key-that-is-long-enough-for-production".into();
    settings.allowed_hosts = vec!["localhost".into()];
    Project::new(settings)
        .app(
            App::new("bench")
                .route("/plaintext", get(|| async { "Hello, World!" }), "plaintext")
                .route("/hello/{name}/", get(greet), "greet")
                .route("/worlds", get(|| async { alder::Json(worlds()) }), "worlds")
                .templates(alder::embed_dir!("templates")),
        )
        .build()
        .expect("the bench project builds")
        .router()
}

/// The same site as a user would hand-write it with axum and minijinja.
pub fn axum_router() -> axum::Router {
    use std::sync::Arc;

    use axum::extract::State;
    use axum::response::Html;

    let mut env = minijinja::Environment::new();
    env.add_template(
        "bench/base.html",
        include_str!("../templates/bench/base.html"),
    )
    .expect("base compiles");
    env.add_template(
        "bench/greet.html",
        include_str!("../templates/bench/greet.html"),
    )
    .expect("greet compiles");
    let env = Arc::new(env);

    async fn greet(
        State(env): State<Arc<minijinja::Environment<'static>>>,
        axum::extract::Path(name): axum::extract::Path<String>,
    ) -> Result<Html<String>, axum::http::StatusCode> {
        env.get_template("bench/greet.html")
            .and_then(|t| t.render(minijinja::context! { name, items => ITEMS }))
            .map(Html)
            .map_err(|_| axum::http::StatusCode::INTERNAL_SERVER_ERROR)
    }

    axum::Router::new()
        .route(
            "/plaintext",
            axum::routing::get(|| async { "Hello, World!" }),
        )
        .route("/hello/{name}/", axum::routing::get(greet))
        .route(
            "/worlds",
            axum::routing::get(|| async {
                let rows: Vec<PlainWorld> = (1..=20)
                    .map(|id| PlainWorld {
                        id,
                        random_number: id * 37 % 10_000,
                    })
                    .collect();
                axum::Json(rows)
            }),
        )
        .with_state(env)
}
