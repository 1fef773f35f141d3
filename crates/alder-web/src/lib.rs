//! The web layer of Alder: projects and apps, named routes and `reverse`, templates, error
//! pages, static files, the project command line, the server loop and the test client.
//!
//! Users depend on the `alder` facade, which re-exports this crate. This crate sits on axum,
//! tower and hyper: a handler is a plain axum handler and any tower layer works. It must not
//! depend on any contrib app; contrib apps depend on it.
//!
//! ```
//! use alder_web::{App, Project, Settings, routing::get, test::TestClient};
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! let project = Project::new(Settings::debug())
//!     .app(App::new("hello").route("/", get(|| async { "Hello, World!" }), "index"));
//! TestClient::new(project).get("/").await.assert_ok().assert_contains("Hello");
//! # });
//! ```

mod app;
pub mod checks;
mod cli;
mod cli_db;
pub mod csrf;
mod database;
mod error;
pub mod extract;
mod files;
pub mod forms;
mod hooks;
mod live_server;
mod middleware;
mod project;
mod redirect;
mod response;
pub mod routing;
pub mod security;
mod sensitive;
mod server;
mod server_errors;
mod settings;
mod site;
mod state;
mod staticfiles;
pub mod storage;
mod template_helpers;
mod templates;
pub mod test;
pub mod valid;

pub use alder_db as db;
pub use app::{App, Command};
pub use database::Db;
pub use error::{Error, OptionExt, Result, ResultExt};
pub use files::Files;
pub use forms::escape_into as escape_html_into;

/// `text` with `& < > " '` escaped, for HTML written by hand (Django's `escape`).
///
/// ```
/// assert_eq!(alder_web::escape_html("<b>"), "&lt;b&gt;");
/// ```
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    escape_html_into(&mut out, text);
    out
}
pub use hooks::RouteLayer;
pub use project::Project;
pub use redirect::{is_safe_redirect, redirect, RedirectTo};
pub use response::FileResponse;
pub use server::serve_listener;
pub use server_errors::ServerError;
pub use settings::{Settings, INSECURE_SECRET_KEY};
pub use site::Site;
pub use state::ProjectState;
pub use staticfiles::MANIFEST_NAME;
pub use templates::{
    RenderedTemplate, TemplateContext, TemplateError, TemplateResponse, Templates,
};

pub use axum::response::{Html, IntoResponse, Json, Redirect, Response};
/// The command-line parser app commands are declared with (`alder::clap::Command::new(…)`), so
/// a project needs no dependency of its own on it.
pub use clap;
pub use http::StatusCode;
pub use minijinja::context;

/// Where `makemigrations` writes an app's migrations, for [`App::migrations`]: by default the
/// `migrations` folder that `mod migrations;` in the calling file compiles — beside
/// `main.rs`, `lib.rs` or `mod.rs` (`src/migrations/`, `src/blog/migrations/`), or in the
/// folder named after any other file (`src/blog.rs` → `src/blog/migrations/`), as Rust's
/// module rules say. `migrations_dir!("path")` names a folder relative to `Cargo.toml`.
///
/// ```
/// let dir = std::path::PathBuf::from(alder_web::migrations_dir!());
/// assert!(dir.ends_with("migrations"));
/// assert!(alder_web::migrations_dir!("src/blog/migrations").ends_with("src/blog/migrations"));
/// ```
#[macro_export]
macro_rules! migrations_dir {
    () => {
        $crate::__private::migrations_beside(env!("CARGO_MANIFEST_DIR"), file!())
    };
    ($dir:literal) => {
        concat!(env!("CARGO_MANIFEST_DIR"), "/", $dir)
    };
}

#[doc(hidden)]
pub mod __private {
    pub use rust_embed;

    /// The folder `mod migrations;` in `file` (a `file!()`) compiles, found under the crate at
    /// `manifest`. `file!()` is relative to where cargo ran the compiler (the workspace root
    /// for a workspace member), so its leading folders are dropped until it names a file of
    /// the crate.
    pub fn migrations_beside(manifest: &str, file: &str) -> std::path::PathBuf {
        use std::path::{Path, PathBuf};
        let manifest = Path::new(manifest);
        let file = Path::new(file);
        let source: Option<PathBuf> = if file.is_absolute() {
            Some(file.to_path_buf())
        } else {
            let mut rest = file.components();
            loop {
                let candidate = manifest.join(rest.as_path());
                if candidate.is_file() {
                    break Some(candidate);
                }
                if rest.next().is_none() {
                    break None;
                }
            }
        };
        let Some(source) = source else {
            // No source tree here (a deployed binary): makemigrations is not run there.
            return manifest.join("migrations");
        };
        let folder = source.parent().unwrap_or(manifest);
        match source.file_stem().and_then(|s| s.to_str()) {
            Some("main" | "lib" | "mod") | None => folder.join("migrations"),
            Some(stem) => folder.join(stem).join("migrations"),
        }
    }
}
