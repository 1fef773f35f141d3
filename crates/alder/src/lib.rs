//! # Alder
//!
//! A batteries-included web framework for Rust: Django's batteries, Flask's simplicity and
//! FastAPI's typed APIs, at the speed of hand-written axum, shipped as one binary.
//!
//! A complete app:
//!
//! ```no_run
//! use alder::routing::get;
//!
//! #[tokio::main]
//! async fn main() -> alder::Result<()> {
//!     alder::App::new("hello")
//!         .route("/", get(|| async { "Hello, World!" }), "index")
//!         .serve("127.0.0.1:8000")
//!         .await
//! }
//! ```
//!
//! Tested with the client every Alder project gets:
//!
//! ```
//! use alder::{App, Project, Settings, routing::get, test::TestClient};
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! let project = Project::new(Settings::debug())
//!     .app(App::new("hello").route("/", get(|| async { "Hello, World!" }), "index"));
//! TestClient::new(project).get("/").await.assert_ok().assert_contains("Hello, World!");
//! # });
//! ```
//!
//! The guide lives in the repository's `docs/` folder: start with `docs/tutorial.md`.
//!
//! | layer | crate | what it holds |
//! |---|---|---|
//! | web | `alder-web` | projects, apps, routing + reverse, templates, errors, static files, CLI, test client |
//! | db | `alder-db` (as `alder::db`) | `#[derive(Model)]`, `QuerySet`, SQLite and PostgreSQL, migrations |

// Generated code names this crate `::alder`, also inside it.
extern crate self as alder;

pub use alder_web::*;

/// Embeds a folder of the calling crate (relative to its `Cargo.toml`) as [`Files`]: read
/// from disk in debug builds, compiled into the binary in release builds.
///
/// ```
/// let templates = alder::embed_dir!("templates");
/// assert!(templates.get("missing.html").is_none());
/// ```
#[macro_export]
macro_rules! embed_dir {
    ($path:tt) => {
        $crate::__private::__embed_dir!("alder::__private::rust_embed", $path)
    };
}

/// The contrib apps, each behind a cargo feature of the same name, each installed with one
/// line: `.app(alder::contrib::sessions::app())`.
pub mod contrib {
    /// The admin site: lists, forms and deletes of registered models, for staff (feature
    /// `admin`; Django's `django.contrib.admin`).
    #[cfg(feature = "admin")]
    pub use alder_admin as admin;
    /// Users, groups, permissions, login pages and passwords (feature `auth`; Django's
    /// `django.contrib.auth`).
    #[cfg(feature = "auth")]
    pub use alder_auth as auth;
    /// E-mail: SMTP, console, file and in-memory backends (feature `mail`, `mail-tls` for
    /// TLS; Django's `django.core.mail`).
    #[cfg(feature = "mail")]
    pub use alder_mail as mail;
    /// One-time notifications kept in the session (feature `messages`; Django's
    /// `django.contrib.messages`, Flask's `flash`).
    #[cfg(feature = "messages")]
    pub use alder_messages as messages;
    /// Sessions in the database or a signed cookie (feature `sessions`; Django's
    /// `django.contrib.sessions`).
    #[cfg(feature = "sessions")]
    pub use alder_sessions as sessions;
}

/// Typed APIs (feature `api`; FastAPI's `/openapi.json` and `/docs`): routing functions
/// that document their handlers, the OpenAPI 3.1 document and its docs page.
#[cfg(feature = "api")]
pub use alder_api as api;

#[doc(hidden)]
pub mod __private {
    pub use alder_web::__embed_dir;
    pub use alder_web::__private::rust_embed;
}
