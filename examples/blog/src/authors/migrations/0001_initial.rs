//! Migration 0001_initial of app `authors`, written by `makemigrations`.
//!
//! Edit with care: `makemigrations --check` compares the models with what these files record.

#![allow(unreachable_pub)]

#[allow(unused_imports)]
use alder::db::migrations::{Field, FieldKind, Migration, OnDelete, Operation};

/// This migration.
pub fn migration() -> Migration {
    Migration::new("authors", "0001_initial").operation(Operation::create_model(
        "Author",
        "author",
        vec![
            Field::new("id", FieldKind::BigInteger).primary_key().auto(),
            Field::new("name", FieldKind::Text).max_length(100),
            Field::new("bio", FieldKind::Text).nullable(),
        ],
    ))
}
