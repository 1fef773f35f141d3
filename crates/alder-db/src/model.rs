//! The `Model` trait and the metadata `#[derive(Model)]` writes for each model: the single
//! source of truth for tables, migrations, forms, the admin and API schemas.

use sea_query::Value;

use crate::database::DbRow;
use crate::field::FieldType;
use crate::key::KeyValue;
use crate::meta::ModelMeta;
use crate::validation::ValidationErrors;
use crate::Result;

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
}
