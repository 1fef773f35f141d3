//! The author model.

use alder::db::{Auto, ImageField, Model};
use alder::forms::Form;
use serde::Serialize;

/// Someone who writes posts; the profile form edits every field but the key.
#[derive(Model, Form, Serialize, Debug, Clone)]
#[model(ordering = "name", display = "{name}")]
pub struct Author {
    /// The key.
    pub id: Auto<i64>,
    /// The name shown under posts.
    #[model(max_length = 100)]
    pub name: String,
    /// A few words about them.
    #[model(blank)]
    #[form(widget = "textarea")]
    pub bio: Option<String>,
    /// A portrait, stored under `media_root` (`authors_author/photo/…`).
    #[model(blank, default, help_text = "A JPEG, PNG, GIF or WebP image.")]
    pub photo: ImageField,
}
