//! The post and comment models.

use alder::db::chrono::{DateTime, Utc};
use alder::db::{Auto, ForeignKey, Model};
use alder::forms::Form;
use serde::Serialize;

use crate::authors::Author;

/// A blog post. Drafts have no publication date. Also its form, for the admin.
#[derive(Model, Form, Serialize, Debug, Clone)]
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
    #[form(widget = "textarea")]
    pub body: String,
    /// Who wrote it; an author with posts cannot be deleted.
    #[model(on_delete = "protect")]
    pub author: ForeignKey<Author>,
    /// When it went public.
    #[model(blank, help_text = "Leave empty to keep the post a draft.")]
    pub published_at: Option<DateTime<Utc>>,
}

/// A reader's comment on a post. Also its form (a model form): the rules below are the
/// form's too, so the browser, the form and `full_clean` agree; the form takes only what a
/// reader types in.
#[derive(Model, Form, Serialize, Debug, Clone)]
#[model(ordering = "created_at")]
#[form(fields = "name, email, body")]
pub struct Comment {
    /// The key.
    pub id: Auto<i64>,
    /// The post commented on; its comments go with it.
    pub post: ForeignKey<Post>,
    /// Who wrote it.
    #[model(max_length = 80, help_text = "Shown with your comment.")]
    pub name: String,
    /// How to reach them; never shown.
    #[model(blank, email, max_length = 254, help_text = "Optional, never shown.")]
    pub email: Option<String>,
    /// What they said.
    #[model(min_length = 3, max_length = 2000, verbose_name = "comment")]
    #[form(widget = "textarea")]
    pub body: String,
    /// When it was sent.
    #[model(auto_now_add)]
    pub created_at: DateTime<Utc>,
}
