//! Migration 0001_initial of app `auth`, written by `makemigrations`.
//!
//! Edit with care: `makemigrations --check` compares the models with what these files record.

#![allow(unreachable_pub)]

#[allow(unused_imports)]
use alder_db::migrations::{Field, FieldKind, Migration, OnDelete, Operation};

/// This migration.
pub fn migration() -> Migration {
    Migration::new("auth", "0001_initial")
        .operation(Operation::create_model(
            "Group",
            "auth_group",
            vec![
                Field::new("id", FieldKind::BigInteger).primary_key().auto(),
                Field::new("name", FieldKind::Text).unique().max_length(150),
            ],
        ))
        .operation(Operation::create_model_with(
            "Permission",
            "auth_permission",
            vec![
                Field::new("id", FieldKind::BigInteger).primary_key().auto(),
                Field::new("name", FieldKind::Text).max_length(255),
                Field::new("app_label", FieldKind::Text).max_length(100),
                Field::new("model", FieldKind::Text).max_length(100),
                Field::new("codename", FieldKind::Text).max_length(100),
            ],
            &[&["app_label", "codename"]],
            &[],
        ))
        .operation(Operation::create_model_with(
            "Group_permissions",
            "auth_group_permissions",
            vec![
                Field::new("id", FieldKind::BigInteger).primary_key().auto(),
                Field::new("group_id", FieldKind::BigInteger).references(
                    "auth",
                    "Group",
                    OnDelete::Cascade,
                ),
                Field::new("permission_id", FieldKind::BigInteger).references(
                    "auth",
                    "Permission",
                    OnDelete::Cascade,
                ),
            ],
            &[&["group_id", "permission_id"]],
            &[],
        ))
        .operation(Operation::create_model(
            "User",
            "auth_user",
            vec![
                Field::new("id", FieldKind::BigInteger).primary_key().auto(),
                Field::new("username", FieldKind::Text)
                    .unique()
                    .max_length(150),
                Field::new("email", FieldKind::Text).max_length(254),
                Field::new("password", FieldKind::Text).max_length(128),
                Field::new("first_name", FieldKind::Text).max_length(150),
                Field::new("last_name", FieldKind::Text).max_length(150),
                Field::new("is_active", FieldKind::Boolean),
                Field::new("is_staff", FieldKind::Boolean),
                Field::new("is_superuser", FieldKind::Boolean),
                Field::new("last_login", FieldKind::DateTime).nullable(),
                Field::new("date_joined", FieldKind::DateTime),
            ],
        ))
        .operation(Operation::create_model_with(
            "User_groups",
            "auth_user_groups",
            vec![
                Field::new("id", FieldKind::BigInteger).primary_key().auto(),
                Field::new("user_id", FieldKind::BigInteger).references(
                    "auth",
                    "User",
                    OnDelete::Cascade,
                ),
                Field::new("group_id", FieldKind::BigInteger).references(
                    "auth",
                    "Group",
                    OnDelete::Cascade,
                ),
            ],
            &[&["user_id", "group_id"]],
            &[],
        ))
        .operation(Operation::create_model_with(
            "User_user_permissions",
            "auth_user_user_permissions",
            vec![
                Field::new("id", FieldKind::BigInteger).primary_key().auto(),
                Field::new("user_id", FieldKind::BigInteger).references(
                    "auth",
                    "User",
                    OnDelete::Cascade,
                ),
                Field::new("permission_id", FieldKind::BigInteger).references(
                    "auth",
                    "Permission",
                    OnDelete::Cascade,
                ),
            ],
            &[&["user_id", "permission_id"]],
            &[],
        ))
}
