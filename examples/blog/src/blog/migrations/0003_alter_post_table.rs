//! Migration 0003_alter_post_table of app `blog`, written by `makemigrations`.
//!
//! Edit with care: `makemigrations --check` compares the models with what these files record.

#![allow(unreachable_pub)]

#[allow(unused_imports)]
use alder::db::migrations::{Field, FieldKind, Migration, OnDelete, Operation};

/// This migration.
pub fn migration() -> Migration {
    Migration::new("blog", "0003_alter_post_table")
        .depends_on("blog", "0002_welcome_post")
        .operation(Operation::alter_table("Post", "blog_post"))
}
