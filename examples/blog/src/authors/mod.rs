//! The `authors` app: people who write posts.

mod migrations;
mod models;
mod views;

pub use models::Author;

use alder::routing::get;
use alder::App;

/// The app, mounted at `/authors`.
pub fn app() -> App {
    App::new("authors")
        .prefix("/authors")
        .route("/{id}/", get(views::detail), "detail")
        .route(
            "/{id}/edit/",
            get(views::edit_page).post(views::edit),
            "edit",
        )
        .model::<Author>()
        .migrations(migrations::all(), alder::migrations_dir!())
        .templates(alder::embed_dir!("src/authors/templates"))
}
