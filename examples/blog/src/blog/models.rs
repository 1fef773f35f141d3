//! The post model.

use alder::db::chrono::{DateTime, Utc};
use alder::db::{Auto, ForeignKey, Model};
use serde::Serialize;

use crate::authors::Author;

/// A blog post. Drafts have no publication date.
#[derive(Model, Serialize, Debug, Clone)]
#[model(ordering = "-published_at", display = "{title}")]
pub struct Post {
    /// The key.
    pub id: Auto<i64>,
    /// The headline.
    #[model(max_length = 200, min_length = 3)]
    pub title: String,
    /// The URL part, unique; `full_clean` refuses anything but a slug.
    #[model(
        unique,
        max_length = 200,
        slug,
        help_text = "The end of the post's address, /posts/<slug>/: letters, digits and hyphens."
    )]
    pub slug: String,
    /// The text.
    pub body: String,
    /// Who wrote it; an author with posts cannot be deleted.
    #[model(on_delete = "protect")]
    pub author: ForeignKey<Author>,
    /// When it went public.
    #[model(blank, help_text = "Leave empty to keep the post a draft.")]
    pub published_at: Option<DateTime<Utc>>,
}
