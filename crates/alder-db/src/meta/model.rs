//! What a model is: its name, app, table, fields and options, as `#[derive(Model)]` records them.

use serde::Serialize;

use super::FieldMeta;

/// Everything known about a model at run time, written by `#[derive(Model)]`.
#[derive(Debug, Clone, Copy, Serialize)]
#[non_exhaustive]
pub struct ModelMeta {
    /// The struct's name, e.g. `Post`.
    pub name: &'static str,
    /// The app the model's module belongs to, e.g. `blog` for `mysite::blog::models::Post`
    /// (`#[model(app = "…")]`); the default table starts with it. See [`crate::naming`].
    pub app_label: &'static str,
    /// The table, e.g. `blog_post`: `<app_label>_<model>` unless `#[model(table = "…")]`.
    pub table: &'static str,
    /// The fields, in declaration order; the primary key among them.
    pub fields: &'static [FieldMeta],
    /// Default ordering, Django style: `["-published_at", "title"]`.
    pub ordering: &'static [&'static str],
    /// Human name, e.g. `post`.
    pub verbose_name: &'static str,
    /// Human plural, e.g. `posts`.
    pub verbose_name_plural: &'static str,
    /// Sets of fields that are unique together.
    pub unique_together: &'static [&'static [&'static str]],
    /// Extra indexes, each a list of fields.
    pub indexes: &'static [&'static [&'static str]],
    /// Many-to-many fields (not columns: each has a through table).
    pub many_to_many: &'static [super::ManyToManyMeta],
    /// `#[model(display = "{title} ({year})")]`: how an object reads to a person (Django's
    /// `__str__`); `None` when the model uses its `Display` impl or the default,
    /// `"Post object (7)"`. [`Model::display`](crate::Model::display) gives the text of one object.
    pub display: Option<&'static str>,
}

impl ModelMeta {
    /// Used by `#[derive(Model)]`; the fields are public for reading.
    #[doc(hidden)]
    #[allow(clippy::too_many_arguments)]
    pub const fn __new(
        name: &'static str,
        app_label: &'static str,
        table: &'static str,
        fields: &'static [FieldMeta],
        ordering: &'static [&'static str],
        verbose_name: &'static str,
        verbose_name_plural: &'static str,
        unique_together: &'static [&'static [&'static str]],
        indexes: &'static [&'static [&'static str]],
        many_to_many: &'static [super::ManyToManyMeta],
        display: Option<&'static str>,
    ) -> Self {
        ModelMeta {
            name,
            app_label,
            table,
            fields,
            ordering,
            verbose_name,
            verbose_name_plural,
            unique_together,
            indexes,
            many_to_many,
            display,
        }
    }

    /// The primary key field.
    ///
    /// Every model has one: the derive refuses a model without it.
    pub fn pk(&self) -> &'static FieldMeta {
        let fields: &'static [FieldMeta] = self.fields;
        fields.iter().find(|f| f.primary_key).unwrap_or(&fields[0])
    }

    /// The field named `name`, or an error listing the fields there are.
    ///
    /// Field names from outside (URLs, forms) go through here, so only real columns reach SQL.
    pub fn field(&self, name: &str) -> Result<&'static FieldMeta, UnknownField> {
        let fields: &'static [FieldMeta] = self.fields;
        fields
            .iter()
            .find(|f| f.name == name)
            .ok_or_else(|| UnknownField {
                model: self.name,
                field: name.to_string(),
                known: fields.iter().map(|f| f.name).collect(),
            })
    }
}

/// A field name the model does not have (a `DbError::UnknownField` through `?`).
///
/// ```
/// use alder_db::{Auto, Model};
/// #[derive(Model)]
/// struct Post { id: Auto<i64>, title: String }
/// let err = Post::META.field("titel").unwrap_err();
/// assert_eq!(err.to_string(), "Post has no field `titel`; it has: id, title");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownField {
    /// The model.
    pub model: &'static str,
    /// The name asked for.
    pub field: String,
    /// The fields the model has.
    pub known: Vec<&'static str>,
}

impl std::fmt::Display for UnknownField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} has no field `{}`; it has: {}",
            self.model,
            self.field,
            self.known.join(", ")
        )
    }
}

impl std::error::Error for UnknownField {}
