//! Migration 0002_alter_author_table of app `authors`, written by `makemigrations`.
//!
//! Edit with care: `makemigrations --check` compares the models with what these files record.
//!
//! Edited by hand: it runs after `blog.0002_welcome_post`, a data migration that writes to the
//! table under its old name `author` (Django's `run_before`).

#![allow(unreachable_pub)]

#[allow(unused_imports)]
use alder::db::migrations::{Field, FieldKind, Migration, OnDelete, Operation};

/// This migration.
pub fn migration() -> Migration {
    Migration::new("authors", "0002_alter_author_table")
        .depends_on("authors", "0001_initial")
        .depends_on("blog", "0002_welcome_post")
        .operation(Operation::alter_table("Author", "authors_author"))
}
