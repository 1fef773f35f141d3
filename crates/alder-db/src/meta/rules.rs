//! The rules a field declares (`#[model(min = 0, email, regex = "…")]`), as data: the
//! validation module checks values against them, forms and API schemas read them.

use serde::Serialize;

/// A bound of `min`/`max`: an integer, or a float for `f64` and `Decimal` fields.
///
/// ```
/// use alder_db::validation::Limit;
/// assert_eq!(Limit::Int(0).to_string(), "0");
/// assert_eq!(serde_json::to_string(&Limit::Float(0.5)).unwrap(), "0.5");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Limit {
    /// `min = 0`.
    Int(i64),
    /// `min = 0.5`.
    Float(f64),
}

impl std::fmt::Display for Limit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Limit::Int(n) => write!(f, "{n}"),
            Limit::Float(x) => write!(f, "{x}"),
        }
    }
}

/// A rule declared on a field, beside what its type and `max_length` already say. Serialized
/// as `{"kind": "min_value", "value": 0}`, so forms and API schemas read the same rules.
///
/// ```
/// use alder_db::{Auto, Model, validation::{Limit, Validator}};
/// #[derive(Model)]
/// struct Review {
///     id: Auto<i64>,
///     #[model(min = 1, max = 5)]
///     stars: i32,
///     #[model(email, min_length = 6)]
///     reviewer: String,
/// }
/// let stars = Review::META.field("stars").unwrap();
/// assert_eq!(stars.validators, &[Validator::MinValue(Limit::Int(1)), Validator::MaxValue(Limit::Int(5))]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Validator {
    /// `min = N`: the value is at least N (Django's `MinValueValidator`).
    MinValue(Limit),
    /// `max = N`: the value is at most N (`MaxValueValidator`).
    MaxValue(Limit),
    /// `min_length = N`: text of at least N characters (`MinLengthValidator`).
    MinLength(u32),
    /// `max_length = N` on a type that is not a model (an API's input): text of at most N
    /// characters. A model field's `max_length` is its column's size, kept in
    /// `FieldMeta::max_length` instead.
    MaxLength(u32),
    /// `regex = "…"`: the whole text matches the pattern (as an HTML `pattern` attribute; Rust's
    /// `regex` syntax, checked at compile time).
    Regex(&'static str),
    /// `email`: an email address (`EmailField`).
    Email,
    /// `url`: an absolute http(s) or ftp(s) URL (`URLField`).
    Url,
    /// `slug`: letters, digits, hyphens and underscores (`SlugField`).
    Slug,
    /// `ip`: an IPv4 or IPv6 address (`GenericIPAddressField`).
    Ip,
    /// `validate = "path::to::function"`: a function of the field's value, run by
    /// `Model::clean_fields` (named here so schemas can say it exists).
    Custom(&'static str),
}
