//! Migration 0003_author_photo of app `authors`, written by `makemigrations`.
//!
//! Edit with care: `makemigrations --check` compares the models with what these files record.

#![allow(unreachable_pub)]

#[allow(unused_imports)]
use alder::db::migrations::{Field, FieldKind, Migration, OnDelete, Operation};

/// This migration.
pub fn migration() -> Migration {
    Migration::new("authors", "0003_author_photo")
        .depends_on("authors", "0002_alter_author_table")
        .operation(Operation::add_field(
            "Author",
            Field::new("photo", FieldKind::Text)
                .max_length(100)
                .fill("''"),
        ))
}
