//! Migration 0001_initial of app `blog`, written by `makemigrations`.
//!
//! Edit with care: `makemigrations --check` compares the models with what these files record.

#![allow(unreachable_pub)]

#[allow(unused_imports)]
use alder::db::migrations::{Field, FieldKind, Migration, OnDelete, Operation};

/// This migration.
pub fn migration() -> Migration {
    Migration::new("blog", "0001_initial")
        .depends_on("authors", "0001_initial")
        .operation(Operation::create_model(
            "Post",
            "post",
            vec![
                Field::new("id", FieldKind::BigInteger).primary_key().auto(),
                Field::new("title", FieldKind::Text).max_length(200),
                Field::new("slug", FieldKind::Text).unique().max_length(200),
                Field::new("body", FieldKind::Text),
                Field::new("author", FieldKind::BigInteger)
                    .column("author_id")
                    .references("authors", "Author", OnDelete::Protect),
                Field::new("published_at", FieldKind::DateTime).nullable(),
            ],
        ))
}
