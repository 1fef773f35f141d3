//! # Sessions for Alder
//!
//! Django's `django.contrib.sessions` and Flask's `session`: values kept between the requests
//! of one browser, in the project's database (the default) or in a signed, optionally
//! encrypted, cookie. Install it with one line and take [`Session`] in any handler:
//!
//! ```
//! use alder_sessions::Session;
//! use alder_web::{App, Project, Settings, routing::get, test::TestClient};
//!
//! async fn visit(session: Session) -> alder_web::Result<String> {
//!     let visits: u32 = session.get("visits")?.unwrap_or(0) + 1;
//!     session.insert("visits", visits)?;
//!     Ok(format!("visit {visits}"))
//! }
//!
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! let project = Project::new(Settings::debug())
//!     .app(alder_sessions::app_with(alder_sessions::SessionConfig {
//!         engine: alder_sessions::Engine::Cookie,
//!         ..Default::default()
//!     }))
//!     .app(App::new("site").route("/", get(visit), "visit"));
//! let client = TestClient::new(project);
//! client.get("/").await.assert_contains("visit 1");
//! client.get("/").await.assert_contains("visit 2");
//! # });
//! ```
//!
//! The session is read from its store the first time a request asks for it, and written
//! back (with its cookie) only when it changed. Settings live under `[sessions]`
//! ([`SessionConfig`], Django's `SESSION_*`); `clearsessions` deletes expired rows.
//! The guide's chapter is `docs/sessions.md`.

mod backend;
mod config;
mod middleware;
pub mod migrations;
pub mod models;
mod session;
pub mod testing;

use std::sync::Arc;

use alder_web::checks::Finding;
use alder_web::{App, StatusCode};

pub use config::{Engine, SessionConfig};
pub use session::{Expiry, Session};

/// Shared by the sessions app with the project, so apps that need sessions can refuse to
/// start without it: `state.extension::<alder_sessions::Installed>().is_some()`.
#[derive(Clone, Copy, Debug)]
pub struct Installed;

/// What can go wrong with a session. The extractor and the middleware answer each with the
/// status it calls for (a lost session 400, a database that cannot be reached 503); through
/// `?` in a handler (a value of the wrong type) it is a 500, and the debug page shows why.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SessionError {
    /// The value stored under `key` is not of the type asked for.
    #[error("the session value `{key}` is not a {expected}: {source}")]
    Decode {
        /// The session key.
        key: String,
        /// The Rust type asked for.
        expected: &'static str,
        /// What serde said.
        source: serde_json::Error,
    },
    /// The value given for `key` does not serialize to JSON.
    #[error("the value for session key `{key}` cannot be stored as JSON: {source}")]
    Encode {
        /// The session key.
        key: String,
        /// What serde said.
        source: serde_json::Error,
    },
    /// A handler took [`Session`] in a project without the sessions app.
    #[error("the sessions app is not installed, or comes after an app that uses sessions: add `.app(alder_sessions::app())` to the project, before the apps that need it")]
    NotInstalled,
    /// The database engine is chosen but the project has no database.
    #[error("sessions are kept in the database (sessions.engine = \"database\") but the project has no database_url")]
    NoDatabase,
    /// With the cookie engine, the session's data no longer fits in a cookie.
    #[error("the session cookie would be {size} bytes, more than browsers keep (4096): store less in the session, or keep sessions in the database (sessions.engine = \"database\")")]
    CookieTooLarge {
        /// The size of the `Set-Cookie` value.
        size: usize,
    },
    /// The cookie could not be written as a header (a setting holds a character headers
    /// cannot carry).
    #[error(
        "the session cookie is not a valid header value; check the sessions.cookie_* settings"
    )]
    BadCookie,
    /// The session was deleted (a logout in another tab) while this request changed it; it is
    /// not brought back (Django's `SessionInterrupted`, a 400).
    #[error("The request's session was deleted before the request completed. The user may have logged out in a concurrent request, for example.")]
    Interrupted,
    /// No new key could be stored: every one tried was taken, which means the random
    /// generator is broken.
    #[error("no unused session key was found in 10 attempts")]
    NoFreshKey,
    /// Redis failed or could not be reached (a 503; the connection comes back by itself).
    #[error("the session store (Redis) failed: {0}")]
    Redis(String),
    /// The database failed; a database that cannot be reached is a 503.
    #[error("the session store failed")]
    Database(#[from] alder_db::DbError),
    /// The project's database could not be had (it keeps its own status: 503 when it
    /// cannot be reached).
    #[error("{0}")]
    Project(alder_web::Error),
}

impl SessionError {
    /// As the web error a response is made from, with the status this error calls for (the
    /// blanket `?` conversion would make every one a 500).
    pub(crate) fn into_web(self) -> alder_web::Error {
        let err = self;
        match err {
            SessionError::Interrupted => {
                alder_web::Error::http(StatusCode::BAD_REQUEST, err.to_string())
            }
            // The database error keeps its own status (503 when unreachable).
            SessionError::Database(db) => {
                alder_web::Error::other("reading or saving the session", alder_web::Error::from(db))
            }
            SessionError::Project(err) => err,
            SessionError::Redis(_) => alder_web::Error::other(
                err.to_string(),
                alder_web::Error::http(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "The session store is unavailable; try again shortly.",
                ),
            ),
            other => alder_web::Error::other("session", other),
        }
    }
}

/// The sessions app, configured by the project's `[sessions]` settings: its table and
/// migration, the middleware (installed for every route), `clearsessions`, and the
/// `check --deploy` warnings about the cookie.
///
/// ```
/// let mut settings = alder_web::Settings::debug();
/// settings.database_url = Some("sqlite::memory:".into());
/// let site = alder_web::Project::new(settings).app(alder_sessions::app()).build().unwrap();
/// ```
pub fn app() -> App {
    build(None)
}

/// The sessions app with settings given in code instead of read from `[sessions]` (for
/// tests, or a project that keeps its settings elsewhere).
///
/// ```
/// use alder_sessions::{Engine, SessionConfig};
/// let app = alder_sessions::app_with(SessionConfig { engine: Engine::Cookie, ..Default::default() });
/// ```
pub fn app_with(config: SessionConfig) -> App {
    build(Some(config))
}

fn build(given: Option<SessionConfig>) -> App {
    let checked = given.clone();
    let for_command = given.clone();
    let slot = testing::RuntimeSlot::default();
    let for_layer = slot.clone();
    App::new("sessions")
        .extension(Installed)
        .extension(slot)
        .model::<models::StoredSession>()
        .migrations(
            migrations::all(),
            concat!(env!("CARGO_MANIFEST_DIR"), "/src/migrations"),
        )
        .try_project_layer_with_state(move |state| {
            let settings = state.settings();
            let config = match given {
                Some(config) => {
                    config.validate()?;
                    config
                }
                None => SessionConfig::from_settings(settings)?,
            };
            let backend = match config.engine {
                Engine::Database if settings.database_url.is_none() => {
                    return Err(alder_web::Error::Config(format!(
                        "{}; set one, or keep sessions in cookies (sessions.engine = \"cookie\")",
                        SessionError::NoDatabase
                    )))
                }
                Engine::Database => backend::Backend::Database,
                Engine::Redis => backend::Backend::Redis(
                    backend::redis_store::RedisStore::new(
                        &config.redis_url,
                        &config.redis_prefix,
                        std::time::Duration::from_secs(config.redis_timeout.clamp(1, 60)),
                    )
                    .map_err(alder_web::Error::Config)?,
                ),
                Engine::Cookie => {
                    backend::Backend::Cookie(backend::cookie_store::CookieCodec::new(
                        settings.effective_secret_key(),
                        config.encrypt_cookie,
                    ))
                }
            };
            let runtime = Arc::new(session::Runtime {
                config,
                backend,
                state: state.clone(),
            });
            let _ = for_layer.0.set(Arc::downgrade(&runtime));
            Ok(axum::middleware::from_fn_with_state(
                runtime,
                middleware::sessions,
            ))
        })
        .command(
            clap::Command::new("clearsessions")
                .about("Deletes expired sessions from the database (run it daily, e.g. from cron)"),
            move |site, _args| {
                let given = for_command.clone();
                async move {
                    let config = match given {
                        Some(config) => config,
                        None => SessionConfig::from_settings(site.settings())?,
                    };
                    match config.engine {
                        Engine::Cookie => {
                            println!("Sessions are kept in cookies: there is nothing stored to clear.");
                            return Ok(());
                        }
                        Engine::Redis => {
                            println!("Sessions in Redis expire by themselves: there is nothing to clear.");
                            return Ok(());
                        }
                        _ => {}
                    }
                    let db = site.state().database().await?;
                    let deleted = backend::database::clear_expired(&db).await?;
                    println!("Deleted {deleted} expired session(s).");
                    Ok(())
                }
            },
        )
        .deploy_check(move |site| {
            let config = match &checked {
                Some(config) => config.clone(),
                None => match SessionConfig::from_settings(site.settings()) {
                    Ok(config) => config,
                    Err(err) => return vec![Finding::error("sessions.E001", err.to_string())],
                },
            };
            deploy_findings(&config)
        })
}

/// What `check --deploy` says about the session cookie (Django's `security.W010` and
/// `security.W013` family).
fn deploy_findings(config: &SessionConfig) -> Vec<Finding> {
    let mut findings = Vec::new();
    if !config.cookie_secure {
        findings.push(
            Finding::warning(
                "sessions.W010",
                "sessions.cookie_secure is off: the session cookie is also sent over plain HTTP, where it can be read and reused",
            )
            .hint("set cookie_secure = true under [sessions] once the site is served over HTTPS"),
        );
    }
    if !config.cookie_httponly {
        findings.push(
            Finding::warning(
                "sessions.W013",
                "sessions.cookie_httponly is off: any script on the page can read the session cookie",
            )
            .hint("set cookie_httponly = true under [sessions]"),
        );
    }
    findings
}
