//! # Messages for Alder
//!
//! One-time notifications (Django's `django.contrib.messages`, Flask's `flash`): a handler adds
//! "Post saved." before redirecting, and the next page that shows `messages` shows it once.
//! Messages are kept in the session (install the sessions app first; with its cookie engine
//! they travel in the signed cookie).
//!
//! ```
//! use alder_messages::Messages;
//! use alder_web::{App, Project, Settings, Templates, TemplateResponse, routing::get, context};
//! use alder_sessions::{Engine, SessionConfig};
//!
//! async fn save(messages: Messages) -> alder_web::Response {
//!     messages.success("Post saved.");
//!     alder_web::Redirect::to("/").into_response()
//! }
//! async fn home(t: Templates) -> alder_web::Result<TemplateResponse> {
//!     t.render("home.html", context! {})
//! }
//! # use alder_web::IntoResponse;
//! # let dir = tempfile::tempdir().unwrap();
//! # std::fs::write(dir.path().join("home.html"),
//! #     "{% for m in messages %}<p class=\"{{ m.tags }}\">{{ m }}</p>{% endfor %}").unwrap();
//! let mut settings = Settings::debug();
//! # settings.templates_dir = dir.path().into();
//! let project = Project::new(settings)
//!     .app(alder_sessions::app_with(SessionConfig { engine: Engine::Cookie, ..Default::default() }))
//!     .app(alder_messages::app())
//!     .app(App::new("site").route("/", get(home), "home").route("/save/", get(save), "save"));
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! let client = alder_web::test::TestClient::new(project);
//! client.get("/save/").follow_redirects().await
//!     .assert_contains("<p class=\"success\">Post saved.</p>");
//! client.get("/").await.assert_not_contains("Post saved."); // shown once
//! # });
//! ```
//!
//! In templates, `messages` is in every page's context: iterating it shows the messages and
//! marks them as seen. Each message prints as its text and has `level` (a number), `level_tag`
//! (`debug`, `info`, `success`, `warning`, `error`) and `tags` (the level tag and any extra
//! tags), as Django's. The guide's chapter is `docs/messages.md`.

mod store;

use alder_web::App;

pub use store::{Level, Message, Messages};

/// The key the session keeps pending messages under (Django's `_messages`).
pub const SESSION_KEY: &str = "_messages";

/// The messages app: its middleware (for every route) and `messages` in every template.
/// Add it after the sessions app, which must see the request first. Messages below
/// `[messages] level` (default `info`, as Django's `MESSAGE_LEVEL`) are dropped.
///
/// ```
/// use alder_sessions::{Engine, SessionConfig};
/// let site = alder_web::Project::new(alder_web::Settings::debug())
///     .app(alder_sessions::app_with(SessionConfig { engine: Engine::Cookie, ..Default::default() }))
///     .app(alder_messages::app())
///     .build()
///     .unwrap();
/// ```
pub fn app() -> App {
    App::new("messages").try_project_layer_with_state(|state| {
        if state.extension::<alder_sessions::Installed>().is_none() {
            return Err(alder_web::Error::Config(
                "the messages app keeps messages in the session: add `.app(alder_sessions::app())` to the project, before `.app(alder_messages::app())`".into(),
            ));
        }
        let level = match state.settings().custom::<String>("messages.level")? {
            None => Level::Info,
            Some(name) => Level::from_name(&name).ok_or_else(|| {
                alder_web::Error::Config(format!(
                    "messages.level is `{name}`: expected debug, info, success, warning or error"
                ))
            })?,
        };
        Ok(axum::middleware::from_fn_with_state(
            (state.clone(), level),
            store::middleware,
        ))
    })
}
