//! One field of a form: the model-field metadata it shares with `#[derive(Model)]` (kind,
//! rules, help text, choices, default), plus what only a form has (label, widget).

use alder_db::meta::{FieldKind, FieldMeta, Validator};
use serde::Serialize;

/// How a field is drawn: the HTML control, Django's widget.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Widget {
    /// `<input type="text">`.
    Text,
    /// `<textarea>`.
    Textarea,
    /// `<input type="password">`, never filled in again when the form comes back.
    Password,
    /// `<input type="email">`.
    Email,
    /// `<input type="url">`.
    Url,
    /// `<input type="number">`.
    Number,
    /// `<input type="checkbox">`.
    Checkbox,
    /// `<select>`; with a multiple-choice field, `<select multiple>`.
    Select,
    /// A list of `<input type="radio">`; with a multiple-choice field, of checkboxes.
    Radio,
    /// `<input type="date">`.
    Date,
    /// `<input type="time">`.
    Time,
    /// `<input type="datetime-local">`.
    DateTime,
    /// `<input type="hidden">`.
    Hidden,
    /// `<input type="file">`.
    File,
}

impl Widget {
    /// The widget a field gets when it names none: from its choices, its kind and its rules
    /// (`email` draws an email input), as Django's form fields choose theirs.
    ///
    /// ```
    /// use alder_web::forms::Widget;
    /// use alder_web::db::meta::{FieldKind, FieldMeta};
    /// let field = FieldMeta::__new("when", "when", FieldKind::Date);
    /// assert_eq!(Widget::for_field(&field), Widget::Date);
    /// ```
    pub fn for_field(field: &FieldMeta) -> Widget {
        Self::__default(
            field.kind,
            !field.choices.is_empty(),
            field.validators.contains(&Validator::Email),
            field.validators.contains(&Validator::Url),
        )
    }

    /// The default of `#[derive(Form)]`, in a constant: [`for_field`](Self::for_field)'s
    /// choice from what the derive knows.
    #[doc(hidden)]
    pub const fn __default(kind: FieldKind, choices: bool, email: bool, url: bool) -> Widget {
        if choices {
            return Widget::Select;
        }
        match kind {
            FieldKind::SmallInteger
            | FieldKind::Integer
            | FieldKind::BigInteger
            | FieldKind::Float
            | FieldKind::Decimal => Widget::Number,
            FieldKind::Boolean => Widget::Checkbox,
            FieldKind::Date => Widget::Date,
            FieldKind::Time => Widget::Time,
            FieldKind::DateTime | FieldKind::NaiveDateTime => Widget::DateTime,
            FieldKind::Json => Widget::Textarea,
            FieldKind::Bytes => Widget::File,
            _ if email => Widget::Email,
            _ if url => Widget::Url,
            _ => Widget::Text,
        }
    }

    /// Parses `widget = "…"` as the derive does: the lower-case name of a variant.
    ///
    /// ```
    /// assert_eq!(alder_web::forms::Widget::named("textarea"), Some(alder_web::forms::Widget::Textarea));
    /// ```
    pub fn named(name: &str) -> Option<Widget> {
        Some(match name {
            "text" => Widget::Text,
            "textarea" => Widget::Textarea,
            "password" => Widget::Password,
            "email" => Widget::Email,
            "url" => Widget::Url,
            "number" => Widget::Number,
            "checkbox" => Widget::Checkbox,
            "select" => Widget::Select,
            "radio" => Widget::Radio,
            "date" => Widget::Date,
            "time" => Widget::Time,
            "datetime" => Widget::DateTime,
            "hidden" => Widget::Hidden,
            "file" => Widget::File,
            _ => return None,
        })
    }
}

/// One field of a form. `#[derive(Form)]` builds these as constants; a model form builds
/// them from a model's [`FieldMeta`], which is why the rules live there.
#[derive(Debug, Clone, Copy, Serialize)]
#[non_exhaustive]
pub struct FormField {
    /// Name, kind, rules, help text, choices and default, as a model field has them.
    pub meta: FieldMeta,
    /// The text of the `<label>` (default: the field's name in words, capitalised).
    pub label: &'static str,
    /// The control it is drawn with.
    pub widget: Widget,
    /// Whether an empty value is refused ("This field is required.").
    pub required: bool,
    /// Whether it takes several values (a `Vec<T>` field: multiple select, checkboxes).
    pub multiple: bool,
    /// For a `ForeignKey` or `ManyToMany` field, the rows it offers.
    #[serde(skip)]
    pub relation: Option<&'static super::Relation>,
}

impl FormField {
    /// A field from model metadata, with the widget and label that metadata implies.
    ///
    /// ```
    /// use alder_web::forms::{FormField, Widget};
    /// use alder_web::db::meta::{FieldKind, FieldMeta};
    /// let field = FormField::new(FieldMeta::__new("published_at", "published_at", FieldKind::DateTime));
    /// assert_eq!(field.label, "Published at");
    /// assert_eq!(field.widget, Widget::DateTime);
    /// assert!(field.required);
    /// ```
    pub fn new(meta: FieldMeta) -> Self {
        FormField {
            label: leak_label(meta.verbose_name),
            widget: Widget::for_field(&meta),
            required: !meta.blank && !meta.nullable && meta.kind != FieldKind::Boolean,
            multiple: false,
            relation: None,
            meta,
        }
    }

    /// For `#[derive(Form)]`: every part given.
    #[doc(hidden)]
    pub const fn __new(
        meta: FieldMeta,
        label: &'static str,
        widget: Widget,
        required: bool,
        multiple: bool,
    ) -> Self {
        FormField {
            meta,
            label,
            widget,
            required,
            multiple,
            relation: None,
        }
    }

    /// For `#[derive(Form)]`: a field offering the rows of `relation`.
    #[doc(hidden)]
    pub const fn __related(mut self, relation: &'static super::Relation) -> Self {
        self.relation = Some(relation);
        self
    }

    /// The field's name, as the form sends it.
    pub fn name(&self) -> &'static str {
        self.meta.name
    }
}

/// A model field's verbose name in words with a capital first letter, as Django's labels.
/// Made once per distinct name and kept: a label lives as long as the form definition.
fn leak_label(verbose: &'static str) -> &'static str {
    let mut chars = verbose.chars();
    match chars.next() {
        Some(first) if first.is_lowercase() || verbose.contains('_') => {
            static LABELS: std::sync::Mutex<Vec<&'static str>> = std::sync::Mutex::new(Vec::new());
            let label: String = first
                .to_uppercase()
                .chain(chars)
                .map(|c| if c == '_' { ' ' } else { c })
                .collect();
            let mut labels = LABELS.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(known) = labels.iter().find(|l| **l == label) {
                return known;
            }
            let leaked: &'static str = Box::leak(label.into_boxed_str());
            labels.push(leaked);
            leaked
        }
        _ => verbose,
    }
}
