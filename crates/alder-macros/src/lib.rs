//! Derive macros of Alder. Use them through `alder` (or `alder_db`), not directly.
//!
//! `#[derive(Model)]` turns a struct into a database model: see `alder_db::Model`.

mod choices;
mod form;
mod model;
mod serde_names;
mod validate;

use proc_macro::TokenStream;

/// Makes a struct a database model: its table, its metadata, typed columns
/// (`Post::title()`) and `Post::objects()`.
///
/// Struct attributes, `#[model(...)]`: `table = "name"` (default `<app>_<model>`),
/// `app = "blog"` (default: the module holding `models`, else the crate; see
/// `alder_db::naming`), `ordering = "-field, other"`,
/// `verbose_name = "…"`, `verbose_name_plural = "…"`, `unique_together = "a, b"` (repeatable),
/// `index = "a, b"` (repeatable), `display = "{title} ({year})"` or `display` (the model's
/// `Display` impl) for `Model::display`, `clean = "path"` (the model's own check),
/// `json_schema = false` (no JSON Schema from the metadata, for a model with its own).
///
/// Field attributes, `#[model(...)]`: `primary_key`, `unique`, `db_index`,
/// `max_length = N`, `db_column = "name"`, `db_default = "SQL"`, `default = <expr>` or
/// `default` (a typed Rust default), `verbose_name = "…"`, `help_text = "…"`, `blank`,
/// `editable = false`, `auto_now`, `auto_now_add`, `max_digits`/`decimal_places`, `on_delete`;
/// the rules `min = N`, `max = N`, `min_length = N`, `regex = "…"`, `email`, `url`, `slug`,
/// `ip`, `validate = "path"` (checked by `Model::clean_fields`);
/// on a `ManyToMany`: `through`, `through_fields`, `verbose_name`, `help_text`, `blank`.
///
/// A field named `id` is the primary key unless another field is marked `primary_key`.
#[proc_macro_derive(Model, attributes(model))]
pub fn derive_model(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    model::expand(&input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// Makes a fieldless enum a model field type stored as text (Django's `choices`):
/// `#[choice(value = "d", label = "Draft")]` on a variant overrides the stored value
/// (default: the variant in snake case) and the label (default: the words of its name).
#[proc_macro_derive(Choices, attributes(choice))]
pub fn derive_choices(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    choices::expand(&input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// Makes a struct a form (Django's `forms.Form`): see `alder::forms`. Field attributes
/// `#[form(...)]`: `label`, `widget`, `help_text`, `initial = <expr>`, `required` /
/// `required = false`, `max_length`, and the model rules `min`, `max`, `min_length`, `regex`,
/// `email`, `url`, `slug`, `ip`, `validate = "path"`; on the struct, `clean = "path"`.
#[proc_macro_derive(Form, attributes(form))]
pub fn derive_form(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    form::expand(&input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// Implements `alder_web::valid::Validate` from rules on the fields (FastAPI's Pydantic
/// `Field(...)` constraints), the vocabulary of model fields and forms. Field attributes
/// `#[validate(...)]`: `min = N`, `max = N` (numbers), `min_length = N`, `max_length = N`,
/// `regex = "…"`, `email`, `url`, `slug`, `ip` (text), `validate = "path"` (a function
/// `fn(&T) -> Result<(), ValidationError>`), `nested` (the field's own `Validate`, for
/// nested objects and lists); on the struct, `clean = "path"` (a function
/// `fn(&Self) -> Result<(), ValidationErrors>`). Errors are named as serde names the fields.
#[proc_macro_derive(Validate, attributes(validate))]
pub fn derive_validate(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    validate::expand(&input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}
