//! The database layer of Alder: models described by `#[derive(Model)]`, typed queries
//! (`QuerySet`), SQLite and PostgreSQL chosen at run time, and the schema editor migrations
//! build on.
//!
//! This crate knows nothing of HTTP and is usable on its own; `alder-web` builds on it.
//!
//! ```
//! use alder_db::{Auto, Database, Model};
//!
//! #[derive(Model, Debug, Clone)]
//! #[model(ordering = "title")]
//! struct Book {
//!     id: Auto<i64>,
//!     #[model(max_length = 100)]
//!     title: String,
//!     pages: Option<i32>,
//! }
//!
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! let db = Database::connect("sqlite::memory:").await.unwrap();
//! alder_db::schema::create_model(&db, Book::META).await.unwrap();
//! let mut book = Book { id: Auto::new(), title: "Dune".into(), pages: Some(412) };
//! alder_db::crud::save(&db, &mut book).await.unwrap();
//! assert!(book.id.get().is_some());
//! let found = Book::objects().filter(Book::title().startswith("Du")).get(&db).await.unwrap();
//! assert_eq!(found.pages, Some(412));
//! # });
//! ```

// Generated code names this crate `::alder_db`, also inside it.
extern crate self as alder_db;

pub mod collector;
pub mod crud;
mod database;
mod display;
mod error;
mod field;
mod file;
#[cfg(feature = "json-schema")]
pub mod json_schema;
mod key;
mod many;
pub mod meta;
pub mod migrations;
mod model;
pub mod naming;
mod pg_arrays;
mod query;
mod registry;
mod relation;
pub mod schema;
pub mod testing;
mod text;
pub mod validation;

pub use alder_macros::{Choices, Model};
pub use collector::Collected;
pub use database::{Backend, CapturedQueries, Database, DbRow, PoolOptions, Transaction};
pub use display::display_value;
pub use error::{redact_url, DbError, Result};
pub use field::{Auto, AutoKey, FieldType, Now};
pub use file::{FileField, ImageField};
pub use key::{KeyValue, PrimaryKey};
pub use many::{ManyToMany, ManyToManyField};
pub use meta::{
    FieldDefault, FieldKind, FieldMeta, FileKind, ManyToManyMeta, ModelMeta, OnDelete, RelationMeta,
};
pub use model::Model;
pub use query::{
    Aggregate, Aggregates, Assignment, Column, Columns, DateField, FieldPaths, IntoFieldValue,
    OrderBy, QuerySet, Relation, Summable, TextField, LOOKUPS, MAX_SEARCH_WORDS, Q,
};
pub use registry::{Registry, RelatedMany, RelatedObject};
pub use relation::{ForeignKey, OneToOne};
pub use text::FieldText;
pub use validation::{ValidationError, ValidationErrors};

/// A query parameter, for raw SQL (`Value::from(3)`, `"text".into()`).
pub use sea_query::Value;
/// The parameters of a raw statement, in order: `Values(vec![Value::from(3)])` for
/// [`Database::fetch_all`] and [`Database::execute`].
pub use sea_query::Values;

pub use chrono;
pub use rust_decimal;
/// An exact decimal number, for `#[model(max_digits = …, decimal_places = …)]` fields.
pub use rust_decimal::Decimal;
pub use serde_json;
pub use uuid;

/// Used by `#[derive(Model)]`: the model's JSON Schema from its metadata when the
/// `json-schema` feature is on (see [`json_schema`]), nothing otherwise. A macro, because the
/// derive cannot see this crate's features.
#[cfg(feature = "json-schema")]
#[doc(hidden)]
#[macro_export]
macro_rules! __model_json_schema {
    ($name:ident, [$(($field:literal, $written:literal, $read:literal)),*]) => {
        impl $crate::json_schema::schemars::JsonSchema for $name {
            fn schema_name() -> ::std::borrow::Cow<'static, str> {
                ::std::borrow::Cow::Borrowed(::core::stringify!($name))
            }
            fn schema_id() -> ::std::borrow::Cow<'static, str> {
                ::std::borrow::Cow::Borrowed(::core::concat!(
                    ::core::module_path!(),
                    "::",
                    ::core::stringify!($name)
                ))
            }
            fn json_schema(
                generator: &mut $crate::json_schema::schemars::SchemaGenerator,
            ) -> $crate::json_schema::schemars::Schema {
                $crate::json_schema::model_schema(
                    <$name as $crate::Model>::META,
                    &[$(($field, $written, $read)),*],
                    generator,
                )
            }
        }
    };
}

/// Used by `#[derive(Model)]`; the `json-schema` feature is off, so models get no schema.
#[cfg(not(feature = "json-schema"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __model_json_schema {
    ($($anything:tt)*) => {};
}

#[doc(hidden)]
pub mod __private {
    pub use sea_query::Value;
    pub use sqlx::Error as SqlxError;

    /// Maps stored text to a choice, or a decode error naming the value and the enum.
    pub fn parse_choice<T: Copy>(
        text: &str,
        name: &str,
        choices: &[(&str, T)],
    ) -> Result<T, SqlxError> {
        choices
            .iter()
            .find(|(value, _)| *value == text)
            .map(|(_, choice)| *choice)
            .ok_or_else(|| {
                let known: Vec<&str> = choices.iter().map(|(v, _)| *v).collect();
                SqlxError::Decode(
                    format!(
                        "`{text}` is not a choice of {name} (choices: {})",
                        known.join(", ")
                    )
                    .into(),
                )
            })
    }
}
