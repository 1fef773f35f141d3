//! What can be a model's primary key, and the value a `ForeignKey` stores to point at it.
//!
//! A model's key type ([`Model::Key`](crate::Model::Key)) is the primary key field's type
//! with any `Auto` taken off: `Auto<i64>` gives `i64`, a `String` key gives `String`. A
//! foreign key to the model stores that type, so its column has the target's column type
//! (an `INTEGER` for `Auto<i32>`, a `UUID` for a `Uuid` key) rather than always a BIGINT.

use std::fmt::{Debug, Display};
use std::hash::Hash;

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::field::{Auto, FieldType};

/// The value of a primary key once it is known: what a foreign key holds, what
/// [`QuerySet::in_bulk`](crate::QuerySet::in_bulk) maps by and what a URL carries. Every
/// type with these traits is one (integers, `String`, `Uuid`).
///
/// ```
/// fn takes_key<K: alder_db::KeyValue>(key: K) -> String { key.to_string() }
/// assert_eq!(takes_key(7_i64), "7");
/// assert_eq!(takes_key(String::from("dune")), "dune");
/// ```
pub trait KeyValue:
    FieldType + Clone + Eq + Ord + Hash + Debug + Display + Serialize + DeserializeOwned
{
}

impl<T> KeyValue for T where
    T: FieldType + Clone + Eq + Ord + Hash + Debug + Display + Serialize + DeserializeOwned
{
}

/// A field type that can be a model's primary key (`#[model(primary_key)]`, or the `id`
/// field): `Auto<i32>`, `Auto<i64>`, `i16`, `i32`, `i64`, `String` and `Uuid`.
///
/// ```
/// use alder_db::{Auto, PrimaryKey};
/// assert_eq!(Auto::<i64>::new().key(), None); // not saved yet
/// assert_eq!(Auto::from(7_i64).key(), Some(7));
/// assert_eq!(String::from("dune").key(), Some("dune".to_string()));
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a primary key",
    label = "not a primary key type",
    note = "primary keys are Auto<i32>, Auto<i64>, i16, i32, i64, String and Uuid"
)]
pub trait PrimaryKey: FieldType {
    /// The key's value once known (`i64` for `Auto<i64>`).
    type Key: KeyValue;

    /// The value, or `None` while an auto key is unset.
    fn key(&self) -> Option<Self::Key>;

    /// The value as a query parameter, without a copy of the key first (a text key would be
    /// cloned twice through [`key`](Self::key)).
    fn key_value(&self) -> Option<sea_query::Value> {
        Some(self.to_value())
    }
}

// Written out rather than by a macro: a wrong key type's error lists these plainly.
impl PrimaryKey for i16 {
    type Key = i16;
    fn key(&self) -> Option<i16> {
        Some(*self)
    }
}

impl PrimaryKey for i32 {
    type Key = i32;
    fn key(&self) -> Option<i32> {
        Some(*self)
    }
}

impl PrimaryKey for i64 {
    type Key = i64;
    fn key(&self) -> Option<i64> {
        Some(*self)
    }
}

impl PrimaryKey for String {
    type Key = String;
    fn key(&self) -> Option<String> {
        Some(self.clone())
    }
}

impl PrimaryKey for uuid::Uuid {
    type Key = uuid::Uuid;
    fn key(&self) -> Option<uuid::Uuid> {
        Some(*self)
    }
}

impl PrimaryKey for Auto<i32> {
    type Key = i32;
    fn key(&self) -> Option<i32> {
        self.get()
    }
    fn key_value(&self) -> Option<sea_query::Value> {
        self.get().map(|k| k.to_value())
    }
}

impl PrimaryKey for Auto<i64> {
    type Key = i64;
    fn key(&self) -> Option<i64> {
        self.get()
    }
    fn key_value(&self) -> Option<sea_query::Value> {
        self.get().map(|k| k.to_value())
    }
}
