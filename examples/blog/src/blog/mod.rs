//! The `blog` app: posts, each by an author.

pub mod api;
mod migrations;
mod models;
mod views;

pub use models::{Comment, Post};

use alder::routing::get;
use alder::App;

/// The app, mounted at the site's root.
pub fn app() -> App {
    App::new("blog")
        .route("/", get(views::index), "index")
        .route(
            "/posts/{slug}/",
            get(views::detail).post(views::comment),
            "detail",
        )
        .route("/members/", get(views::members), "members")
        .model::<Post>()
        .model::<Comment>()
        .migrations(migrations::all(), alder::migrations_dir!())
        .templates(alder::embed_dir!("src/blog/templates"))
        .static_files(alder::embed_dir!("src/blog/static"))
        .template_filter("date", |value: String| {
            value.get(..10).unwrap_or(&value).to_string()
        })
        .template_filter("paragraphs", |text: String| {
            text.split("\n\n").map(str::to_string).collect::<Vec<_>>()
        })
}
