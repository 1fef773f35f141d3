//! The TechEmpower test types on Alder, written as a user would write them: two models with
//! `#[derive(Model)]`, the `QuerySet`, `bulk_update`, a template with inheritance and typed
//! JSON, served by a project with Alder's default middleware. The JSON tests are routed with
//! `alder::api` (documented in `/openapi.json`), their input read with `Valid`, their rows
//! written by the models' serialization. `bench/run` measures it against
//! the hand-written axum + sqlx baseline in `bench/techempower/baseline`.
//!
//! `tfb-alder runserver 127.0.0.1:PORT` with `DATABASE_URL`, `SECRET_KEY` and
//! `ALDER_DATABASE_POOL_SIZE` in the environment.

use alder::api::{self, JsonSchema};
use alder::db::{crud, Model};
use alder::extract::Query;
use alder::routing::get;
use alder::valid::{Valid, Validate};
use alder::{context, App, Db, Json, Project, Result, TemplateResponse, Templates};
use serde::{Deserialize, Serialize};

/// A row of TechEmpower's `world` table.
#[derive(Model, Serialize, Debug, Clone)]
#[model(table = "world")]
struct World {
    #[model(primary_key)]
    id: i32,
    #[model(db_column = "randomnumber")]
    #[serde(rename = "randomNumber")]
    random_number: i32,
}

/// A row of TechEmpower's `fortune` table.
#[derive(Model, Serialize, Debug, Clone)]
#[model(table = "fortune")]
struct Fortune {
    #[model(primary_key)]
    id: i32,
    #[model(max_length = 2048)]
    message: String,
}

#[derive(Serialize, JsonSchema)]
struct Message {
    message: &'static str,
}

/// `?queries=N`: a string, so that a missing or non-numeric value means 1 rather than a 400,
/// as the test rules ask.
#[derive(Deserialize, JsonSchema, Validate)]
struct Queries {
    queries: Option<String>,
}

impl Queries {
    fn count(&self) -> usize {
        let n = self
            .queries
            .as_deref()
            .and_then(|q| q.trim().parse::<i64>().ok());
        n.unwrap_or(1).clamp(1, 500) as usize
    }
}

fn random_id() -> i32 {
    fastrand::i32(1..=10_000)
}

async fn plaintext() -> &'static str {
    "Hello, World!"
}

async fn json() -> Json<Message> {
    Json(Message {
        message: "Hello, World!",
    })
}

async fn random_world(db: &Db) -> Result<World> {
    Ok(World::objects()
        .filter(World::id().eq(random_id()))
        .get(db)
        .await?)
}

async fn random_worlds(db: &Db, count: usize) -> Result<Vec<World>> {
    let mut worlds = Vec::with_capacity(count);
    for _ in 0..count {
        worlds.push(random_world(db).await?);
    }
    Ok(worlds)
}

async fn single(db: Db) -> Result<Json<World>> {
    Ok(Json(random_world(&db).await?))
}

async fn queries(db: Db, Valid(Query(q)): Valid<Query<Queries>>) -> Result<Json<Vec<World>>> {
    Ok(Json(random_worlds(&db, q.count()).await?))
}

async fn updates(db: Db, Query(q): Query<Queries>) -> Result<Json<Vec<World>>> {
    let mut worlds = random_worlds(&db, q.count()).await?;
    for world in &mut worlds {
        world.random_number = random_id();
    }
    crud::bulk_update(&db, &worlds, &["random_number"]).await?;
    Ok(Json(worlds))
}

async fn fortunes(db: Db, t: Templates) -> Result<TemplateResponse> {
    let mut fortunes = Fortune::objects().all(&db).await?;
    fortunes.push(Fortune {
        id: 0,
        message: "Additional fortune added at request time.".into(),
    });
    fortunes.sort_by(|a, b| a.message.cmp(&b.message));
    t.render("fortunes.html", context! { fortunes })
}

fn project() -> Project {
    let app = App::new("tfb")
        .route("/plaintext", get(plaintext), "plaintext")
        .route("/json", api::get(json), "json")
        .route("/db", api::get(single), "db")
        .route("/queries", api::get(queries), "queries")
        .route("/updates", get(updates), "updates")
        .route("/fortunes", get(fortunes), "fortunes")
        .model::<World>()
        .model::<Fortune>()
        .templates(alder::embed_dir!("templates"));
    Project::from_env()
        .app(app)
        .app(api::docs(api::Info::new("TechEmpower on Alder", "1")))
        // TechEmpower asks for a Server header; Alder, like Django, sends none of its own.
        .layer(axum::middleware::map_response(
            |mut response: axum::response::Response| async move {
                response.headers_mut().insert(
                    axum::http::header::SERVER,
                    axum::http::HeaderValue::from_static("alder"),
                );
                response
            },
        ))
}

#[tokio::main]
async fn main() -> alder::Result<()> {
    project().run_cli().await
}
