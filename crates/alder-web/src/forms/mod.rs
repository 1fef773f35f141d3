//! Forms, as Django's `django.forms`: a struct with `#[derive(Form)]` declares the fields
//! with the same rules as model fields (`max_length`, `min_length`, `min`, `max`, `regex`,
//! `email`, `url`, `slug`, `ip`, `validate`), reads and checks what was submitted into the
//! struct, and renders itself with labels, help text, errors and the HTML5 attributes of
//! those rules, so the browser refuses what the server would.
//!
//! ```
//! use alder_web::forms::{Form, FormData};
//!
//! #[derive(Form)]
//! struct Comment {
//!     #[form(max_length = 80, help_text = "Shown beside your comment.")]
//!     name: String,
//!     #[form(widget = "textarea", min_length = 3)]
//!     body: String,
//!     #[form(email)]
//!     email: Option<String>,
//! }
//!
//! // An empty form for a GET.
//! let page = Comment::unbound();
//! assert!(!page.is_bound());
//!
//! // A POST: the struct, or the form with its errors and the values as sent.
//! let sent = FormData::parse("name=Ada&body=hi&email=not-an-address");
//! let Err(form) = Comment::validate(&sent) else { panic!("the email is not valid") };
//! assert_eq!(form.errors().field("body")[0].code(), "min_length");
//! assert_eq!(form.errors().field("email")[0].message(), "Enter a valid email address.");
//! assert_eq!(form.field("name").unwrap().value(), "Ada");
//!
//! let comment = Comment::validate(&FormData::parse("name=Ada&body=Lovely+post")).ok().unwrap();
//! assert_eq!((comment.name.as_str(), comment.email), ("Ada", None));
//! ```
//!
//! In a template, `{{ form }}` draws every field (the `alder/forms/div.html` template; put
//! your own under that name in your templates folder to change every form), or take it
//! apart: `{{ form.body.label_tag }} {{ form.body }} {{ form.body.errors }}`.

mod bound;
mod data;
mod field;
mod formset;
mod inline;
mod model_form;
mod multipart;
mod parse;
mod relation;
mod remote;
mod stored_file;
mod upload;
mod view;
mod widgets;
// Public as `alder_web::escape_html_into`.
#[doc(hidden)]
pub use widgets::escape_into;

/// `#[derive(Form)]`.
pub use alder_macros::Form;
pub use bound::{BoundField, BoundForm};
pub use data::FormData;
pub use field::{FormField, Widget};
pub use formset::{BoundFormSet, FormSet, FormSetItem};
pub use inline::{InlineFormSet, InlineSaved};
pub use model_form::ModelForm;
pub use relation::Relation;
pub use remote::without_choices;
pub use upload::UploadedFile;

pub(crate) use view::{builtin_template, View};

use alder_db::ValidationErrors;

/// A form: its fields, and how the submitted data becomes the struct. Implemented by
/// `#[derive(Form)]`; see the [module](self) for an example.
///
/// Struct attribute `#[form(clean = "path")]` names a check of the whole form
/// (`fn(&Self) -> Result<(), ValidationError or ValidationErrors>`, Django's `Form.clean`),
/// run once every field is valid. Field attributes `#[form(…)]`: `label = "…"`,
/// `widget = "textarea"` (text, textarea, password, email, url, number, checkbox, select,
/// radio, date, time, datetime, hidden, file), `help_text = "…"`, `initial = <expr>`,
/// `required = false` (a `String` left empty is `""`; an `Option` is never required; a
/// `bool` is a checkbox that `required` makes mandatory), `max_length = N`, and the model
/// rules `min`, `max`, `min_length`, `regex`, `email`, `url`, `slug`, `ip`, `validate`.
pub trait Form: Sized {
    /// The fields, in declaration order.
    const FIELDS: &'static [FormField];

    /// Reads every field of `data` into `self`; all problems at once, and `self` untouched
    /// unless every field is valid.
    #[doc(hidden)]
    fn __read_into(&mut self, data: &FormData) -> Result<(), ValidationErrors>;

    /// The values as the form shows them.
    #[doc(hidden)]
    fn __write(&self) -> FormData;

    /// Reads every field of `data` and reports the problems, changing nothing.
    #[doc(hidden)]
    fn __check(data: &FormData) -> Result<(), ValidationErrors>;

    /// [`__check`](Self::__check) for `data` sent to edit `self`: a file field that already
    /// holds a file need not be sent again.
    #[doc(hidden)]
    fn __check_against(&self, data: &FormData) -> Result<(), ValidationErrors> {
        Self::__check(data)
    }

    /// Sets the file field `field` to the stored name `name` (empty: no file).
    #[doc(hidden)]
    fn __set_file(&mut self, field: &str, name: &str) {
        let _ = (field, name);
    }

    /// Stores the many-to-many choices of `data` for `self`, once saved.
    #[doc(hidden)]
    fn __save_related<'a>(
        &'a self,
        db: &'a alder_db::Database,
        data: &'a FormData,
    ) -> futures_util::future::BoxFuture<'a, Result<(), alder_db::DbError>> {
        let _ = (db, data);
        Box::pin(async { Ok(()) })
    }

    /// Adds the keys `self` is related to through its many-to-many fields to `out`.
    #[doc(hidden)]
    fn __related_initial<'a>(
        &'a self,
        db: &'a alder_db::Database,
        out: &'a mut FormData,
    ) -> futures_util::future::BoxFuture<'a, Result<(), alder_db::DbError>> {
        let _ = (db, out);
        Box::pin(async { Ok(()) })
    }

    /// The check of the whole form, once every field is valid (Django's `Form.clean`).
    fn clean(&self) -> Result<(), ValidationErrors> {
        Ok(())
    }

    /// An empty form, showing each field's `initial` value (Django's `Form()`).
    fn unbound() -> BoundForm {
        BoundForm::unbound(Self::FIELDS, FormData::default())
    }

    /// A form filled in with this value's fields, to edit it (Django's `Form(initial=…)`,
    /// `ModelForm(instance=…)`).
    fn initial(&self) -> BoundForm {
        BoundForm::filled(Self::FIELDS, self.__write())
    }

    /// Reads and checks `data` into a new value (Django's `Form(data).is_valid()` and
    /// `cleaned_data`): the struct, or the form with its errors and the values as sent, to
    /// show again. Only for a form that covers every field of its struct; a model form, whose
    /// model has fields the form leaves out (the key, the post a comment belongs to), fills
    /// in a value built by the handler with [`update`](Self::update).
    fn validate(data: &FormData) -> Result<Self, BoundForm>
    where
        Self: FromForm,
    {
        match Self::__new(data).and_then(|form| form.clean().map(|()| form)) {
            Ok(form) => Ok(form),
            Err(errors) => Err(BoundForm::bound(Self::FIELDS, data.clone(), errors)),
        }
    }

    /// [`validate`](Self::validate) for a form with relation fields: also checks that each
    /// key sent names a row on offer, and on failure comes back with the choices loaded, ready
    /// to draw. The outer `Result` is the database's.
    fn validate_in<'a>(
        db: &'a alder_db::Database,
        data: &'a FormData,
    ) -> impl std::future::Future<Output = Result<Result<Self, BoundForm>, alder_db::DbError>> + Send + 'a
    where
        Self: FromForm + Send,
    {
        async move {
            let mut errors = Self::__check(data).err().unwrap_or_default();
            relation::check_relations(Self::FIELDS, db, data, &mut errors).await?;
            let result = if errors.is_empty() {
                Self::validate(data)
            } else {
                Err(BoundForm::bound(Self::FIELDS, data.clone(), errors))
            };
            match result {
                Ok(value) => Ok(Ok(value)),
                Err(form) => Ok(Err(form.load_choices(db).await?)),
            }
        }
    }

    /// Reads and checks `data` into the form's fields of `self` (Django's
    /// `ModelForm(data, instance=…)`): on success `self` holds the new values; on failure
    /// `self` is as it was (unless only the whole-form `clean` failed) and the form comes back
    /// with its errors.
    ///
    /// ```
    /// use alder_web::forms::{Form, FormData};
    /// #[derive(alder_web::db::Model, Form)]
    /// #[form(fields = "title")]
    /// struct Note {
    ///     id: alder_web::db::Auto<i64>,
    ///     #[model(max_length = 20, help_text = "A short title.")]
    ///     title: String,
    ///     views: i64,
    /// }
    /// let mut note = Note { id: alder_web::db::Auto::new(), title: String::new(), views: 3 };
    /// note.update(&FormData::parse("title=Groceries")).ok().unwrap();
    /// assert_eq!((note.title.as_str(), note.views), ("Groceries", 3));
    /// let Err(form) = note.update(&FormData::parse(&format!("title={}", "x".repeat(21)))) else { panic!() };
    /// assert_eq!(form.errors().field("title")[0].code(), "max_length");
    /// assert_eq!(Note::FIELDS[0].meta.help_text, "A short title.");
    /// ```
    fn update(&mut self, data: &FormData) -> Result<(), BoundForm> {
        match self.__read_into(data).and_then(|()| self.clean()) {
            Ok(()) => Ok(()),
            Err(errors) => Err(BoundForm::bound(Self::FIELDS, data.clone(), errors)),
        }
    }
}

/// A form whose struct it can build whole: every field of the struct is in the form.
/// `#[derive(Form)]` implements it when that is so.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has fields the form leaves out, so the form cannot build one",
    label = "build the value yourself and fill it in with `.update(&data)`"
)]
pub trait FromForm: Form {
    /// Builds the struct from `data`.
    #[doc(hidden)]
    fn __new(data: &FormData) -> Result<Self, ValidationErrors>;
}

/// What `#[derive(Form)]` calls.
#[doc(hidden)]
pub mod __private {
    pub use super::parse::*;
    pub use super::relation::{choices_of, many_keys, many_to_many, missing_from, put_keys};
    pub use super::stored_file::{put_stored_file, stored_file, StoredFile};
    pub use futures_util::future::BoxFuture;
}
