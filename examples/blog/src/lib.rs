//! A small blog as a Django-style project: an `authors` app and a `blog` app whose posts
//! point to their authors.

pub mod admin;
pub mod authors;
pub mod blog;

use alder::contrib::{auth, mail, messages, sessions};

/// The project: settings from `alder.toml` and the environment, sessions, messages and auth
/// (Django's contrib apps), its two apps and the blog's JSON API.
pub fn project() -> alder::Project {
    with_apps(alder::Project::from_env())
}

/// The project with the given settings (tests use an in-memory database).
pub fn project_with(settings: alder::Settings) -> alder::Project {
    with_apps(alder::Project::new(settings))
}

fn with_apps(project: alder::Project) -> alder::Project {
    project
        // Sessions first: the apps after it use them.
        .app(sessions::app())
        .app(messages::app())
        .app(authors::app())
        .app(blog::app())
        .app(blog::api::app())
        .app(blog::api::docs())
        // After the blog, so the blog's `auth/base.html` (the login pages in the blog's
        // layout) is found before the auth app's own, as with Django's INSTALLED_APPS.
        .app(auth::app_with(auth::AuthConfig {
            signup: true,
            ..Default::default()
        }))
        // Mail goes to the console unless `[mail]` says otherwise: a password reset link
        // shows in the terminal running the demo.
        .app(mail::app())
        // /admin/ for staff: `cargo run -p blog -- createsuperuser` makes the first.
        .app(admin::app())
}
