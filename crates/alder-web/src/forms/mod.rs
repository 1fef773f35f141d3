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
mod parse;
mod view;
mod widgets;

/// `#[derive(Form)]`.
pub use alder_macros::Form;
pub use bound::{BoundField, BoundForm};
pub use data::FormData;
pub use field::{FormField, Widget};

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

    /// Reads every field of `data`; all problems at once.
    #[doc(hidden)]
    fn __read(data: &FormData) -> Result<Self, ValidationErrors>;

    /// The values as the form shows them.
    #[doc(hidden)]
    fn __write(&self) -> FormData;

    /// The check of the whole form, once every field is valid (Django's `Form.clean`).
    fn clean(&self) -> Result<(), ValidationErrors> {
        Ok(())
    }

    /// An empty form, showing each field's `initial` value (Django's `Form()`).
    fn unbound() -> BoundForm {
        BoundForm::unbound(Self::FIELDS, FormData::default())
    }

    /// A form filled in with this value's fields, to edit it (Django's `Form(initial=…)`).
    fn initial(&self) -> BoundForm {
        BoundForm::unbound(Self::FIELDS, self.__write())
    }

    /// Reads and checks `data` (Django's `Form(data).is_valid()` and `cleaned_data`): the
    /// struct, or the form with its errors and the values as sent, to show again.
    fn validate(data: &FormData) -> Result<Self, BoundForm> {
        match Self::__read(data).and_then(|form| form.clean().map(|()| form)) {
            Ok(form) => Ok(form),
            Err(errors) => Err(BoundForm::bound(Self::FIELDS, data.clone(), errors)),
        }
    }
}

/// What `#[derive(Form)]` calls.
#[doc(hidden)]
pub mod __private {
    pub use super::parse::*;
}
