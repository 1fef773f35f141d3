//! Migration 0005_comment of app `blog`, written by `makemigrations`.
//!
//! Edit with care: `makemigrations --check` compares the models with what these files record.

#![allow(unreachable_pub)]

#[allow(unused_imports)]
use alder::db::migrations::{Field, FieldKind, Migration, OnDelete, Operation};

/// This migration.
pub fn migration() -> Migration {
    Migration::new("blog", "0005_comment")
        .depends_on("blog", "0004_alter_post_author")
        .operation(Operation::create_model(
            "Comment",
            "blog_comment",
            vec![
                Field::new("id", FieldKind::BigInteger).primary_key().auto(),
                Field::new("post", FieldKind::BigInteger)
                    .column("post_id")
                    .db_index()
                    .references("blog", "Post", OnDelete::Cascade),
                Field::new("name", FieldKind::Text).max_length(80),
                Field::new("email", FieldKind::Text)
                    .nullable()
                    .max_length(254),
                Field::new("body", FieldKind::Text).max_length(2000),
                Field::new("created_at", FieldKind::DateTime),
            ],
        ))
}
