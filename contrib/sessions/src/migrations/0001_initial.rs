//! Migration 0001_initial of app `sessions`.
//!
//! Edit with care: `makemigrations --check` compares the models with what these files record.

#![allow(unreachable_pub)]

#[allow(unused_imports)]
use alder_db::migrations::{Field, FieldKind, Migration, OnDelete, Operation};

/// This migration.
pub fn migration() -> Migration {
    Migration::new("sessions", "0001_initial").operation(Operation::create_model(
        "StoredSession",
        "sessions_session",
        vec![
            Field::new("session_key", FieldKind::Text)
                .primary_key()
                .max_length(40),
            Field::new("session_data", FieldKind::Text),
            Field::new("expire_date", FieldKind::DateTime).db_index(),
        ],
    ))
}
