//! The author model.

use alder::db::{Auto, Model};
use serde::Serialize;

/// Someone who writes posts.
#[derive(Model, Serialize, Debug, Clone)]
#[model(ordering = "name", display = "{name}")]
pub struct Author {
    /// The key.
    pub id: Auto<i64>,
    /// The name shown under posts.
    #[model(max_length = 100)]
    pub name: String,
    /// A few words about them.
    #[model(blank)]
    pub bio: Option<String>,
}
