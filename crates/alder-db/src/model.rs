//! The `Model` trait and the metadata `#[derive(Model)]` writes for each model: the single
//! source of truth for tables, migrations, forms, the admin and API schemas.

use sea_query::Value;
use serde::Serialize;

use crate::database::DbRow;
use crate::field::{FieldKind, FieldType};
use crate::key::KeyValue;
use crate::validation::{ValidationErrors, Validator};
use crate::{DbError, QuerySet, Result};

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
    pub many_to_many: &'static [crate::many::ManyToManyMeta],
    /// `#[model(display = "{title} ({year})")]`: how an object reads to a person (Django's
    /// `__str__`); `None` when the model uses its `Display` impl or the default,
    /// `"Post object (7)"`. [`Model::display`] gives the text of one object.
    pub display: Option<&'static str>,
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
    /// `slug`, `ip`, `validate`), checked by [`Model::clean_fields`].
    pub validators: &'static [Validator],
    /// Human name, e.g. `published at`.
    pub verbose_name: &'static str,
    /// For a `ForeignKey`, the model it points to and the delete rule.
    pub relation: Option<crate::relation::RelationMeta>,
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
        many_to_many: &'static [crate::many::ManyToManyMeta],
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
    pub fn field(&self, name: &str) -> Result<&'static FieldMeta> {
        let fields: &'static [FieldMeta] = self.fields;
        fields
            .iter()
            .find(|f| f.name == name)
            .ok_or_else(|| DbError::UnknownField {
                model: self.name,
                field: name.to_string(),
                known: fields.iter().map(|f| f.name).collect(),
            })
    }
}

/// A database table described by a Rust struct. Write `#[derive(Model)]`, not an impl.
pub trait Model: Sized + Send + Sync + Unpin + 'static {
    /// The model's metadata.
    const META: &'static ModelMeta;

    /// Builds the model from a row whose columns are the model's fields in order.
    fn from_row(row: &DbRow) -> Result<Self> {
        Self::from_row_at(row, 0)
    }

    /// Builds the model from the row's columns starting at `offset` (joined queries).
    fn from_row_at(row: &DbRow, offset: usize) -> Result<Self>;

    /// The value of every field, in `META.fields` order.
    fn values(&self) -> Vec<Value>;

    /// The primary key's type once known (Django's `pk`): `i64` for an `Auto<i64>` key,
    /// `String` for a text key. A `ForeignKey` to the model stores it.
    type Key: KeyValue;

    /// The primary key, or `None` while an auto key is unset (Django's `obj.pk`).
    ///
    /// ```
    /// use alder_db::{Auto, Model};
    /// #[derive(Model)]
    /// struct Book { id: Auto<i64>, title: String }
    /// #[derive(Model)]
    /// struct Country { #[model(primary_key, max_length = 2)] code: String }
    /// assert_eq!(Book { id: Auto::new(), title: "Dune".into() }.pk(), None);
    /// assert_eq!(Book { id: Auto::from(7), title: "Dune".into() }.pk(), Some(7));
    /// assert_eq!(Country { code: "NO".into() }.pk().as_deref(), Some("NO"));
    /// ```
    fn pk(&self) -> Option<Self::Key>;

    /// The primary key as a query parameter, or `None` while an auto key is unset.
    fn pk_value(&self) -> Option<Value> {
        self.pk().map(|key| key.to_value())
    }

    /// Stores the key the database assigned on insert (auto keys only).
    fn set_auto_pk(&mut self, id: i64);

    /// Sets the `auto_now` fields, and on insert (`inserting`) the `auto_now_add` ones, to the
    /// current moment. `crud::save`, `crud::insert` and `crud::bulk_create` call it before
    /// writing; a bare `crud::update` and `QuerySet::update` do not, as in Django.
    ///
    /// ```
    /// use alder_db::{chrono::{DateTime, Utc}, Auto, Model};
    /// #[derive(Model)]
    /// struct Note {
    ///     id: Auto<i64>,
    ///     #[model(auto_now_add)]
    ///     created: Option<DateTime<Utc>>,
    ///     #[model(auto_now)]
    ///     updated: Option<DateTime<Utc>>,
    /// }
    /// let mut note = Note { id: Auto::new(), created: None, updated: None };
    /// note.touch(false);
    /// assert!(note.created.is_none() && note.updated.is_some());
    /// note.touch(true);
    /// assert!(note.created.is_some());
    /// ```
    fn touch(&mut self, inserting: bool) {
        let _ = inserting;
    }

    /// How this object reads to a person, in lists, the admin and select boxes (Django's
    /// `__str__`): `#[model(display = "{title}")]` fills the template with the fields' values,
    /// `#[model(display)]` uses the model's own `Display` impl, and without either it is
    /// `"Post object (7)"`, as in Django.
    ///
    /// ```
    /// use alder_db::{Auto, Model};
    /// #[derive(Model)]
    /// #[model(display = "{title} ({pages} pages)")]
    /// struct Book { id: Auto<i64>, title: String, pages: i32 }
    /// #[derive(Model)]
    /// struct Shelf { id: Auto<i64> }
    ///
    /// let book = Book { id: Auto::new(), title: "Dune".into(), pages: 412 };
    /// assert_eq!(book.display(), "Dune (412 pages)");
    /// assert_eq!(Book::META.display, Some("{title} ({pages} pages)"));
    /// assert_eq!(Shelf { id: Auto::from(7) }.display(), "Shelf object (7)");
    /// ```
    fn display(&self) -> String {
        let key = self
            .pk_value()
            .map(|key| crate::display_value(&key))
            .unwrap_or_else(|| "None".to_string());
        format!("{} object ({key})", Self::META.name)
    }

    /// Checks every field against its rules (Django's `clean_fields`): emptiness (`blank`,
    /// NULL), `max_length`, choices, decimal digits, `min`/`max`, `min_length`, `regex`, the
    /// `email`/`url`/`slug`/`ip` formats and `validate = "…"` functions. No query is run: the
    /// unique checks are in [`crud::full_clean`](crate::crud::full_clean).
    ///
    /// ```
    /// use alder_db::{Auto, Model};
    /// #[derive(Model)]
    /// struct Review {
    ///     id: Auto<i64>,
    ///     #[model(min = 1, max = 5)]
    ///     stars: i32,
    ///     #[model(blank)]
    ///     comment: String,
    /// }
    /// let review = Review { id: Auto::new(), stars: 9, comment: String::new() };
    /// let errors = review.clean_fields().unwrap_err();
    /// assert_eq!(errors.field("stars")[0].message(), "Ensure this value is less than or equal to 5.");
    /// assert!(!errors.has_field("comment"));
    /// ```
    fn clean_fields(&self) -> std::result::Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::new();
        for (field, value) in Self::META.fields.iter().zip(self.values()) {
            for error in crate::validation::check_value(field, &value) {
                errors.add(field.name, error);
            }
        }
        self.run_field_functions(&mut errors);
        errors.into_result()
    }

    /// Runs the `validate = "…"` functions of the fields that have no error yet. Written by
    /// the derive; called by [`clean_fields`](Self::clean_fields).
    #[doc(hidden)]
    fn run_field_functions(&self, errors: &mut ValidationErrors) {
        let _ = errors;
    }

    /// Checks the object as a whole (Django's `Model.clean`): `#[model(clean = "path")]` names
    /// a `fn(&Self) -> Result<(), E>` where `E` is a `ValidationError` (about the object) or
    /// `ValidationErrors` (per field). Runs after [`clean_fields`](Self::clean_fields), in
    /// [`crud::full_clean`](crate::crud::full_clean).
    ///
    /// ```
    /// use alder_db::{Auto, Model, ValidationError};
    /// #[derive(Model)]
    /// #[model(clean = "check_range")]
    /// struct Booking { id: Auto<i64>, first_night: i32, last_night: i32 }
    ///
    /// fn check_range(b: &Booking) -> Result<(), ValidationError> {
    ///     if b.last_night < b.first_night {
    ///         return Err(ValidationError::invalid("The stay ends before it begins."));
    ///     }
    ///     Ok(())
    /// }
    /// let bad = Booking { id: Auto::new(), first_night: 5, last_night: 2 };
    /// assert_eq!(bad.clean().unwrap_err().non_field()[0].message(), "The stay ends before it begins.");
    /// ```
    fn clean(&self) -> std::result::Result<(), ValidationErrors> {
        Ok(())
    }

    /// Every row of the model: `Post::all_objects().filter(…)` (the derive also writes an
    /// inherent `Post::objects()`, usable without importing this trait).
    fn all_objects() -> QuerySet<Self> {
        QuerySet::new()
    }
}
