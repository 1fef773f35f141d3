//! A [`BoundForm`] as template values: `{{ form }}` renders the `alder/forms/div.html`
//! template (override it in your templates folder to change every form), `{{ form.title }}`
//! the field's control, and `form.title.label_tag`, `.errors`, `.help_text`, `.value`,
//! `.as_field_group` (the `alder/forms/field.html` template) its parts, as in Django.

use std::sync::Arc;

use minijinja::value::{Enumerator, Object, ObjectRepr, Value};

use super::bound::{BoundField, BoundForm};
use super::formset::BoundFormSet;
use super::widgets;
use super::Widget;

/// The template that draws a whole form.
pub(crate) const FORM_TEMPLATE: &str = "alder/forms/div.html";
/// The template that draws one field with its label, help text and errors.
pub(crate) const FIELD_TEMPLATE: &str = "alder/forms/field.html";

/// Alder's own templates, found after every project and app folder, so either can override
/// them by name.
pub(crate) fn builtin_template(name: &str) -> Option<&'static str> {
    match name {
        FORM_TEMPLATE => Some(include_str!("templates/div.html")),
        FIELD_TEMPLATE => Some(include_str!("templates/field.html")),
        _ => None,
    }
}

/// Every form value a template sees; one type so that the HTML formatter recognises them
/// with one downcast and writes their HTML unescaped.
#[derive(Debug)]
pub(crate) enum View {
    Form(BoundForm),
    /// A field: printed, its control.
    Field(BoundForm, usize),
    /// A field with its label, help text and errors, through the field template.
    Group(BoundForm, usize),
    /// Error messages: iterable, printed as a `<ul class="errorlist">`.
    Errors(Vec<String>, Option<String>),
    /// A formset: its management fields and every form.
    FormSet(BoundFormSet),
}

impl View {
    fn field(form: &BoundForm, index: usize) -> BoundField<'_> {
        form.fields()
            .nth(index)
            .expect("the index comes from the form's own fields")
    }

    /// The HTML, rendering the form and field templates through `env` (the project's, so
    /// overrides apply).
    pub(crate) fn html(
        self: &Arc<Self>,
        env: &minijinja::Environment<'_>,
    ) -> Result<String, minijinja::Error> {
        match &**self {
            View::Form(_) => env
                .get_template(FORM_TEMPLATE)?
                .render(minijinja::context! { form => Value::from_dyn_object(self.clone()) }),
            View::Group(form, index) => {
                env.get_template(FIELD_TEMPLATE)?
                    .render(minijinja::context! {
                        field => Value::from_object(View::Field(form.clone(), *index)),
                    })
            }
            View::Field(form, index) => Ok(widgets::widget(&Self::field(form, *index))),
            View::Errors(messages, id) => {
                let messages: Vec<&str> = messages.iter().map(String::as_str).collect();
                Ok(widgets::error_list(&messages, id.as_deref()))
            }
            View::FormSet(set) => {
                let mut out = set.management_form();
                let errors: Vec<&str> = set.non_form_errors().iter().map(|e| e.message()).collect();
                out.push_str(&widgets::error_list(&errors, None));
                let template = env.get_template(FORM_TEMPLATE)?;
                for (index, form) in set.forms().iter().enumerate() {
                    out.push_str("<div class=\"formset-form\">");
                    out.push_str(&template.render(minijinja::context! {
                        form => Value::from_object(View::Form(form.clone())),
                    })?);
                    out.push_str(&set.form_controls(index));
                    out.push_str("</div>");
                }
                Ok(out)
            }
        }
    }

    fn field_attribute(form: &BoundForm, index: usize, name: &str) -> Option<Value> {
        let field = Self::field(form, index);
        let def = field.definition();
        Some(match name {
            "name" => Value::from(def.name()),
            "html_name" => Value::from(field.html_name()),
            "id_for_label" | "auto_id" => Value::from(field.id()),
            "label" => Value::from(def.label),
            "label_tag" => Value::from_safe_string(widgets::label_tag(&field)),
            "help_text" => Value::from(def.meta.help_text),
            "value" => Value::from(field.value()),
            "required" => Value::from(def.required),
            "is_hidden" => Value::from(def.widget == Widget::Hidden),
            "use_fieldset" => Value::from(def.widget == Widget::Radio),
            "widget_type" => Value::from_serialize(def.widget),
            "errors" => Value::from_object(View::Errors(
                field
                    .errors()
                    .iter()
                    .map(|e| e.message().to_string())
                    .collect(),
                Some(format!("{}_error", field.id())),
            )),
            "widget" => Value::from_object(View::Field(form.clone(), index)),
            "as_field_group" => Value::from_object(View::Group(form.clone(), index)),
            _ => return None,
        })
    }

    fn fields_where(form: &BoundForm, hidden: bool) -> Value {
        let views: Vec<Value> = form
            .fields()
            .enumerate()
            .filter(|(_, f)| (f.definition().widget == Widget::Hidden) == hidden)
            .map(|(i, _)| Value::from_object(View::Field(form.clone(), i)))
            .collect();
        Value::from(views)
    }
}

impl Object for View {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        match &**self {
            View::Form(_) | View::Errors(..) | View::FormSet(_) => ObjectRepr::Seq,
            _ => ObjectRepr::Plain,
        }
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        match &**self {
            View::Form(form) => {
                if let Some(index) = key.as_usize() {
                    return (index < form.fields().count())
                        .then(|| Value::from_object(View::Field(form.clone(), index)));
                }
                let name = key.as_str()?;
                match name {
                    "is_bound" => Some(Value::from(form.is_bound())),
                    "is_multipart" => Some(Value::from(form.is_multipart())),
                    "has_errors" => Some(Value::from(!form.errors().is_empty())),
                    "non_field_errors" => Some(Value::from_object(View::Errors(
                        form.errors()
                            .non_field()
                            .iter()
                            .map(|e| e.message().to_string())
                            .collect(),
                        None,
                    ))),
                    "hidden_fields" => Some(Self::fields_where(form, true)),
                    "visible_fields" => Some(Self::fields_where(form, false)),
                    _ => form
                        .fields()
                        .position(|f| f.definition().name() == name)
                        .map(|i| Value::from_object(View::Field(form.clone(), i))),
                }
            }
            View::Field(form, index) | View::Group(form, index) => {
                Self::field_attribute(form, *index, key.as_str()?)
            }
            View::Errors(messages, _) => messages
                .get(key.as_usize()?)
                .map(|m| Value::from(m.as_str())),
            View::FormSet(set) => {
                let form = |i: usize| {
                    set.forms()
                        .get(i)
                        .map(|f| Value::from_object(View::Form(f.clone())))
                };
                if let Some(index) = key.as_usize() {
                    return form(index);
                }
                match key.as_str()? {
                    "management_form" => Some(Value::from_safe_string(set.management_form())),
                    "forms" => Some(Value::from(
                        (0..set.forms().len()).filter_map(form).collect::<Vec<_>>(),
                    )),
                    // Per form, its hidden key and delete box, for a set laid out by hand:
                    // `{{ formset.controls[loop.index0] }}`.
                    "controls" => Some(Value::from(
                        (0..set.forms().len())
                            .map(|i| Value::from_safe_string(set.form_controls(i)))
                            .collect::<Vec<_>>(),
                    )),
                    "non_form_errors" => Some(Value::from_object(View::Errors(
                        set.non_form_errors()
                            .iter()
                            .map(|e| e.message().to_string())
                            .collect(),
                        None,
                    ))),
                    "total_form_count" => Some(Value::from(set.forms().len())),
                    _ => None,
                }
            }
        }
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        match &**self {
            View::Form(form) => Enumerator::Seq(form.fields().count()),
            View::Errors(messages, _) => Enumerator::Seq(messages.len()),
            View::FormSet(set) => Enumerator::Seq(set.forms().len()),
            _ => Enumerator::NonEnumerable,
        }
    }

    /// Printed where the project's templates cannot be reached (`|string`, a text template):
    /// through Alder's own form templates.
    fn render(self: &Arc<Self>, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        static BUILTIN: std::sync::LazyLock<minijinja::Environment<'static>> =
            std::sync::LazyLock::new(|| {
                let mut env = minijinja::Environment::new();
                env.set_loader(|name| Ok(builtin_template(name).map(String::from)));
                env.set_formatter(crate::templates::html_formatter);
                env
            });
        match self.html(&BUILTIN) {
            Ok(html) => f.write_str(&html),
            Err(_) => Err(std::fmt::Error),
        }
    }
}

/// In a template context the form is the object above, not a map of its parts.
impl serde::Serialize for BoundForm {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        Value::from_object(View::Form(self.clone())).serialize(serializer)
    }
}

/// In a template context the formset is the object above.
impl serde::Serialize for BoundFormSet {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        Value::from_object(View::FormSet(self.clone())).serialize(serializer)
    }
}
