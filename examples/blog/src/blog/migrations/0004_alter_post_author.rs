//! Migration 0004_alter_post_author of app `blog`, written by `makemigrations`.
//!
//! Edit with care: `makemigrations --check` compares the models with what these files record.

#![allow(unreachable_pub)]

#[allow(unused_imports)]
use alder::db::migrations::{Field, FieldKind, Migration, OnDelete, Operation};

/// This migration.
pub fn migration() -> Migration {
    Migration::new("blog", "0004_alter_post_author")
        .depends_on("blog", "0003_alter_post_table")
        .depends_on("authors", "0002_alter_author_table")
        .operation(Operation::alter_field(
            "Post",
            Field::new("author", FieldKind::BigInteger)
                .column("author_id")
                .db_index()
                .references("authors", "Author", OnDelete::Protect),
        ))
}
