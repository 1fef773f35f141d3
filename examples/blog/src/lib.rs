//! A small blog as a Django-style project: an `authors` app and a `blog` app whose posts
//! point to their authors.

pub mod authors;
pub mod blog;

/// The project: settings from `alder.toml` and the environment, its two apps and the blog's
/// JSON API.
pub fn project() -> alder::Project {
    alder::Project::from_env()
        .app(authors::app())
        .app(blog::app())
        .app(blog::api::app())
}
