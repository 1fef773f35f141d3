//! Migration 0001_initial of app `admin`, written by `makemigrations`.
//!
//! Edit with care: `makemigrations --check` compares the models with what these files record.

#![allow(unreachable_pub)]

#[allow(unused_imports)]
use alder_db::migrations::{Field, FieldKind, Migration, OnDelete, Operation};

/// This migration.
pub fn migration() -> Migration {
    Migration::new("admin", "0001_initial")
        .depends_on("auth", "0001_initial")
        .operation(Operation::create_model(
            "LogEntry",
            "admin_logentry",
            vec![
                Field::new("id", FieldKind::BigInteger).primary_key().auto(),
                Field::new("action_time", FieldKind::DateTime),
                Field::new("user", FieldKind::BigInteger)
                    .column("user_id")
                    .db_index()
                    .references("auth", "User", OnDelete::Cascade),
                Field::new("app_label", FieldKind::Text).max_length(100),
                Field::new("model", FieldKind::Text).max_length(100),
                Field::new("object_id", FieldKind::Text).max_length(255),
                Field::new("object_repr", FieldKind::Text).max_length(200),
                Field::new("action_flag", FieldKind::SmallInteger),
                Field::new("change_message", FieldKind::Text),
            ],
        ))
}
