//! What a field is: its column kind and everything `#[derive(Model)]` records about it.

use sea_query::Value;
use serde::{Deserialize, Serialize};

use super::Validator;

/// The kind of column a field is stored in; the same on every backend, mapped to each
/// backend's own type by the schema editor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum FieldKind {
    /// `i16`: SMALLINT.
    SmallInteger,
    /// `i32`: INTEGER.
    Integer,
    /// `i64`: BIGINT.
    BigInteger,
    /// `f64`: DOUBLE PRECISION.
    Float,
    /// `rust_decimal::Decimal`: NUMERIC(max_digits, decimal_places), exact on PostgreSQL;
    /// SQLite keeps NUMERIC values as integers or 64-bit floats (about 15 significant
    /// digits), as with Django.
    Decimal,
    /// `bool`: BOOLEAN.
    Boolean,
    /// `String`: VARCHAR(max_length), or TEXT without one.
    Text,
    /// `chrono::NaiveDate`: DATE.
    Date,
    /// `chrono::NaiveTime`: TIME.
    Time,
    /// `chrono::DateTime<Utc>`: TIMESTAMP WITH TIME ZONE.
    DateTime,
    /// `chrono::NaiveDateTime`: TIMESTAMP.
    NaiveDateTime,
    /// `uuid::Uuid`: UUID.
    Uuid,
    /// `serde_json::Value`: JSONB on PostgreSQL, TEXT on SQLite.
    Json,
    /// `Vec<u8>`: BYTEA / BLOB.
    Bytes,
}

/// What a file field's stored name stands for (serialized `"file"` or `"image"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FileKind {
    /// Any file ([`FileField`](crate::FileField)).
    File,
    /// An image ([`ImageField`](crate::ImageField)).
    Image,
}

/// One field of a model.
#[derive(Debug, Clone, Copy, Serialize)]
#[non_exhaustive]
pub struct FieldMeta {
    /// The Rust field name.
    pub name: &'static str,
    /// The column name (`#[model(db_column = "…")]`, else the field name).
    pub column: &'static str,
    /// The column kind.
    pub kind: FieldKind,
    /// Whether it may be NULL (an `Option<T>` field).
    pub nullable: bool,
    /// Whether it is the primary key.
    pub primary_key: bool,
    /// Whether the database assigns it (`Auto<T>`).
    pub auto: bool,
    /// `#[model(unique)]`.
    pub unique: bool,
    /// `#[model(db_index)]`.
    pub db_index: bool,
    /// `#[model(max_length = N)]`, for text.
    pub max_length: Option<u32>,
    /// `#[model(max_digits = P, decimal_places = S)]`, for a decimal: (P, S).
    pub decimal: Option<(u32, u32)>,
    /// `#[model(db_default = "…")]`: SQL the database fills a missing value with (Django's
    /// `db_default`), e.g. `"0"` or `"'draft'"`; part of the migrations.
    pub db_default: Option<&'static str>,
    /// `#[model(default = <expr>)]` or `#[model(default)]` (the type's `Default`): the Rust value
    /// a new object starts with, shown as a form's initial value and an API schema's default.
    pub default: Option<FieldDefault>,
    /// The rules declared on the field (`min`, `max`, `min_length`, `regex`, `email`, `url`,
    /// `slug`, `ip`, `validate`), checked by [`Model::clean_fields`](crate::Model::clean_fields).
    pub validators: &'static [Validator],
    /// Human name, e.g. `published at`.
    pub verbose_name: &'static str,
    /// For a `ForeignKey`, the model it points to and the delete rule.
    pub relation: Option<super::RelationMeta>,
    /// For a `#[derive(Choices)]` field: (stored value, label) of each choice.
    pub choices: &'static [(&'static str, &'static str)],
    /// `#[model(help_text = "…")]`: a sentence shown beside the form field and in API docs.
    pub help_text: &'static str,
    /// `#[model(blank)]`: a form may leave it empty (Django's `blank=True`). Distinct from
    /// [`nullable`](Self::nullable), which says whether the column may hold NULL: an empty
    /// `String` is stored as `''`, an empty non-text field needs an `Option` to be stored as NULL.
    pub blank: bool,
    /// `false` for `#[model(editable = false)]` and for keys the database assigns: left out of
    /// model forms and the admin's forms, read-only in API schemas.
    pub editable: bool,
    /// `#[model(auto_now)]`: set to the current moment by every save (Django's `auto_now`).
    pub auto_now: bool,
    /// `#[model(auto_now_add)]`: set to the current moment when the object is inserted.
    pub auto_now_add: bool,
    /// For a [`FileField`](crate::FileField) or [`ImageField`](crate::ImageField): the column
    /// holds the name of a stored upload of this kind (a form draws a file input for it).
    pub file: Option<FileKind>,
}

impl FieldMeta {
    /// Used by `#[derive(Model)]`, which then sets the other fields one by one (the struct
    /// is `#[non_exhaustive]`, so new metadata does not break code that reads it).
    #[doc(hidden)]
    pub const fn __new(name: &'static str, column: &'static str, kind: FieldKind) -> Self {
        FieldMeta {
            name,
            column,
            kind,
            nullable: false,
            primary_key: false,
            auto: false,
            unique: false,
            db_index: false,
            max_length: None,
            decimal: None,
            db_default: None,
            default: None,
            validators: &[],
            verbose_name: name,
            relation: None,
            choices: &[],
            help_text: "",
            blank: false,
            editable: true,
            auto_now: false,
            auto_now_add: false,
            file: None,
        }
    }
}

/// A field's Rust default, as a function giving its value: what a new object starts with, a
/// form's initial value, an API schema's `default`. Serialized as that value in JSON.
///
/// ```
/// use alder_db::{Auto, Model, Value};
/// #[derive(Model)]
/// struct Task {
///     id: Auto<i64>,
///     #[model(default = "todo", max_length = 10)]
///     state: String,
///     #[model(default)]
///     done: bool,
/// }
/// let state = Task::META.field("state").unwrap();
/// assert_eq!(state.default.unwrap().value(), Value::from("todo"));
/// assert_eq!(serde_json::to_string(&Task::META.field("done").unwrap().default).unwrap(), "false");
/// ```
#[derive(Clone, Copy)]
pub struct FieldDefault(fn() -> Value);

impl FieldDefault {
    /// Used by `#[derive(Model)]`.
    #[doc(hidden)]
    pub const fn __new(make: fn() -> Value) -> Self {
        FieldDefault(make)
    }

    /// The default value.
    pub fn value(&self) -> Value {
        (self.0)()
    }
}

impl std::fmt::Debug for FieldDefault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("FieldDefault").field(&self.value()).finish()
    }
}

impl Serialize for FieldDefault {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        sea_query::value::sea_value_to_json_value(&self.value()).serialize(serializer)
    }
}
