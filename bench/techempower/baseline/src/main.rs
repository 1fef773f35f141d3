//! The TechEmpower test types (plaintext, json, db, queries, fortunes, updates) hand-written on
//! plain axum + sqlx + minijinja, as a competent user would write them without a framework. It is
//! the baseline the Alder implementation in `bench/techempower/alder` is measured against, so it
//! uses no tricks an ordinary application would not: one query per row for `/db`, `/queries` and
//! the reads of `/updates`, awaited one after the other; the writes of `/updates` are one bulk
//! `UPDATE`, which the TechEmpower rules allow. A request that runs several queries takes one
//! connection from the pool and runs them all on it, as a competent sqlx user writes it (each
//! acquire and release costs a pool round trip and, in sqlx 0.9, a ping).
//!
//! Usage: `tfb-baseline 127.0.0.1:PORT`, with `DATABASE_URL` (default the TechEmpower database on
//! 127.0.0.1:5432) and `DATABASE_POOL_SIZE` (default 16).

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::header::{HeaderValue, SERVER};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::serve::ListenerExt;
use axum::{Json, Router};
use minijinja::Environment;
use serde::{Deserialize, Serialize};
use sqlx::postgres::PgPoolOptions;
use sqlx::{PgConnection, PgPool};

const DEFAULT_DATABASE_URL: &str =
    "postgres://benchmarkdbuser:benchmarkdbpass@127.0.0.1:5432/bench";
const DEFAULT_POOL_SIZE: u32 = 16;
const WORLD_ROWS: i32 = 10_000;

#[derive(Clone)]
struct AppState {
    pool: PgPool,
    templates: Arc<Environment<'static>>,
}

#[derive(Serialize)]
struct Message {
    message: &'static str,
}

#[derive(Serialize, sqlx::FromRow)]
struct World {
    id: i32,
    #[serde(rename = "randomNumber")]
    #[sqlx(rename = "randomnumber")]
    random_number: i32,
}

#[derive(Serialize, sqlx::FromRow)]
struct Fortune {
    id: i32,
    message: String,
}

/// `?queries=N`: kept as a string so that a missing or non-numeric value is 1, not a 400.
#[derive(Deserialize)]
struct QueriesParam {
    queries: Option<String>,
}

impl QueriesParam {
    /// The number of rows asked for, clamped to 1..=500 as the TechEmpower rules require.
    fn count(&self) -> usize {
        let n = self
            .queries
            .as_deref()
            .and_then(|q| q.trim().parse::<i64>().ok())
            .unwrap_or(1);
        n.clamp(1, 500) as usize
    }
}

/// Any database or template error becomes a plain 500.
struct AppError(String);

impl<E: std::fmt::Display> From<E> for AppError {
    fn from(e: E) -> Self {
        AppError(e.to_string())
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        (StatusCode::INTERNAL_SERVER_ERROR, self.0).into_response()
    }
}

type AppResult<T> = Result<T, AppError>;

fn random_id() -> i32 {
    fastrand::i32(1..=WORLD_ROWS)
}

async fn plaintext() -> &'static str {
    "Hello, World!"
}

async fn json() -> Json<Message> {
    Json(Message {
        message: "Hello, World!",
    })
}

async fn fetch_world<'c>(
    executor: impl sqlx::PgExecutor<'c>,
    id: i32,
) -> Result<World, sqlx::Error> {
    sqlx::query_as("SELECT id, randomnumber FROM world WHERE id = $1")
        .bind(id)
        .fetch_one(executor)
        .await
}

async fn db(State(state): State<AppState>) -> AppResult<Json<World>> {
    Ok(Json(fetch_world(&state.pool, random_id()).await?))
}

/// `count` random rows, one query each, on one connection.
async fn fetch_worlds(conn: &mut PgConnection, count: usize) -> Result<Vec<World>, sqlx::Error> {
    let mut worlds = Vec::with_capacity(count);
    for _ in 0..count {
        worlds.push(fetch_world(&mut *conn, random_id()).await?);
    }
    Ok(worlds)
}

async fn queries(
    State(state): State<AppState>,
    Query(param): Query<QueriesParam>,
) -> AppResult<Json<Vec<World>>> {
    let mut conn = state.pool.acquire().await?;
    Ok(Json(fetch_worlds(&mut conn, param.count()).await?))
}

async fn fortunes(State(state): State<AppState>) -> AppResult<Html<String>> {
    let mut fortunes: Vec<Fortune> = sqlx::query_as("SELECT id, message FROM fortune")
        .fetch_all(&state.pool)
        .await?;
    fortunes.push(Fortune {
        id: 0,
        message: "Additional fortune added at request time.".to_owned(),
    });
    fortunes.sort_by(|a, b| a.message.cmp(&b.message));
    let page = state
        .templates
        .get_template("fortunes.html")?
        .render(minijinja::context! { fortunes })?;
    Ok(Html(page))
}

async fn updates(
    State(state): State<AppState>,
    Query(param): Query<QueriesParam>,
) -> AppResult<Json<Vec<World>>> {
    let mut conn = state.pool.acquire().await?;
    let mut worlds = fetch_worlds(&mut conn, param.count()).await?;
    for world in &mut worlds {
        world.random_number = random_id();
    }
    // One statement for all rows; the ids go in sorted so that concurrent requests lock rows in
    // the same order and do not deadlock each other.
    let mut rows: Vec<(i32, i32)> = worlds.iter().map(|w| (w.id, w.random_number)).collect();
    rows.sort_unstable_by_key(|&(id, _)| id);
    let (ids, numbers): (Vec<i32>, Vec<i32>) = rows.into_iter().unzip();
    sqlx::query(
        "UPDATE world SET randomnumber = v.r \
         FROM (SELECT unnest($1::int[]) AS id, unnest($2::int[]) AS r) AS v \
         WHERE world.id = v.id",
    )
    .bind(ids)
    .bind(numbers)
    .execute(&mut *conn)
    .await?;
    Ok(Json(worlds))
}

fn templates() -> Environment<'static> {
    let mut env = Environment::new();
    // The `.html` names turn HTML autoescaping on (minijinja's default auto-escape callback).
    env.add_template("base.html", include_str!("../templates/base.html"))
        .expect("base.html compiles");
    env.add_template("fortunes.html", include_str!("../templates/fortunes.html"))
        .expect("fortunes.html compiles");
    env
}

fn app(state: AppState) -> Router {
    Router::new()
        .route("/plaintext", get(plaintext))
        .route("/json", get(json))
        .route("/db", get(db))
        .route("/queries", get(queries))
        .route("/fortunes", get(fortunes))
        .route("/updates", get(updates))
        .with_state(state)
        // TechEmpower requires a Server header; hyper already adds Date.
        .layer(axum::middleware::map_response(
            |mut response: Response| async move {
                response
                    .headers_mut()
                    .insert(SERVER, HeaderValue::from_static("axum"));
                response
            },
        ))
}

#[tokio::main]
async fn main() {
    let Some(addr) = std::env::args().nth(1) else {
        eprintln!("usage: tfb-baseline HOST:PORT");
        std::process::exit(2);
    };
    let database_url =
        std::env::var("DATABASE_URL").unwrap_or_else(|_| DEFAULT_DATABASE_URL.to_owned());
    let pool_size = std::env::var("DATABASE_POOL_SIZE")
        .ok()
        .map(|v| v.parse::<u32>().expect("DATABASE_POOL_SIZE is a number"))
        .unwrap_or(DEFAULT_POOL_SIZE);

    // No ping before each query (sqlx's default sends one): Alder, like Django, does not
    // check connections by default, and both sides should send the same statements.
    let pool = PgPoolOptions::new()
        .max_connections(pool_size)
        .test_before_acquire(false)
        .connect(&database_url)
        .await
        .expect("connect to the database");
    let state = AppState {
        pool,
        templates: Arc::new(templates()),
    };

    let listener = tokio::net::TcpListener::bind(&addr)
        .await
        .unwrap_or_else(|e| panic!("bind {addr}: {e}"))
        // Small responses must not wait for Nagle's algorithm (axum's documented example).
        .tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
    println!("tfb-baseline listening on http://{addr}");
    axum::serve(listener, app(state))
        .await
        .expect("server runs");
}
