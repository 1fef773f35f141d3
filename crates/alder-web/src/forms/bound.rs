//! A form with its data: unbound (initial values, no errors) or bound to what was submitted,
//! with the errors found. This is what a template renders.

use std::sync::Arc;

use alder_db::{FieldText, ValidationError, ValidationErrors};

use super::{FormData, FormField, Widget};

/// A form ready to render: its fields, the values to show and the errors to explain. Made by
/// [`Form::unbound`](super::Form::unbound), [`Form::initial`](super::Form::initial) or a failed
/// [`Form::validate`](super::Form::validate); put it in a template context and write
/// `{{ form }}`, or lay the fields out by hand with `{{ form.title }}` and its parts.
///
/// ```
/// use alder_web::forms::{BoundForm, FormData, FormField};
/// use alder_web::db::meta::{FieldKind, FieldMeta};
/// const FIELDS: &[FormField] = &[FormField::__new(
///     FieldMeta::__new("title", "title", FieldKind::Text),
///     "Title", alder_web::forms::Widget::Text, true, false,
/// )];
/// let form = BoundForm::bound(FIELDS, FormData::from_pairs([("title", "")]), Default::default());
/// assert!(form.is_bound());
/// assert_eq!(form.field("title").unwrap().value(), "");
/// ```
#[derive(Clone, Debug)]
pub struct BoundForm {
    pub(super) inner: Arc<Inner>,
}

#[derive(Clone, Debug)]
pub(super) struct Inner {
    pub(super) fields: &'static [FormField],
    /// What was submitted, for a bound form.
    pub(super) data: Option<FormData>,
    /// What an unbound form shows: defaults, or an object's values.
    pub(super) initial: FormData,
    pub(super) errors: ValidationErrors,
    /// In a formset, `form-0`: field names and ids start with it (`form-0-title`).
    pub(super) prefix: Option<String>,
    /// The choices of the relation fields, once loaded; shared by the forms of a formset.
    pub(super) related: Option<Arc<RelatedChoices>>,
    /// For a bound form, the names of the files the object holds now: a file input is never
    /// filled in by the browser, so these are what "Currently: …" shows.
    pub(super) current_files: FormData,
    /// Per file field, the URL of the file it shows, once the form knows the storage.
    pub(super) file_urls: Vec<(&'static str, String)>,
}

/// Per relation field, its choices: `(key, display)`.
pub(crate) type RelatedChoices = Vec<(&'static str, Vec<(String, String)>)>;

impl BoundForm {
    /// A form showing `initial` values (fields it does not name show their default).
    pub fn unbound(fields: &'static [FormField], initial: FormData) -> Self {
        let mut shown = initial;
        for field in fields {
            if shown.get(field.name()).is_none() {
                if let Some(default) = field.meta.default {
                    let text = default_text(&default.value());
                    if field.widget == Widget::Checkbox {
                        if text == "true" {
                            shown.push(field.name(), "on");
                        }
                    } else {
                        shown.push(field.name(), text);
                    }
                }
            }
        }
        BoundForm {
            inner: Arc::new(Inner {
                fields,
                data: None,
                initial: shown,
                errors: ValidationErrors::new(),
                prefix: None,
                related: None,
                current_files: FormData::default(),
                file_urls: Vec::new(),
            }),
        }
    }

    /// A form showing exactly `values` (an object's, to edit it): no defaults fill the gaps,
    /// so an unticked box or an empty optional field shows as it is stored.
    pub fn filled(fields: &'static [FormField], values: FormData) -> Self {
        BoundForm {
            inner: Arc::new(Inner {
                fields,
                data: None,
                initial: values,
                errors: ValidationErrors::new(),
                prefix: None,
                related: None,
                current_files: FormData::default(),
                file_urls: Vec::new(),
            }),
        }
    }

    /// A form showing what was submitted, with the errors found in it.
    pub fn bound(fields: &'static [FormField], data: FormData, errors: ValidationErrors) -> Self {
        BoundForm {
            inner: Arc::new(Inner {
                fields,
                data: Some(data),
                initial: FormData::default(),
                errors,
                prefix: None,
                related: None,
                current_files: FormData::default(),
                file_urls: Vec::new(),
            }),
        }
    }

    /// The same form with its field names and ids prefixed (`form-0-title`), as a formset
    /// draws its forms; the data it holds is read without the prefix.
    pub fn with_prefix(mut self, prefix: impl Into<String>) -> Self {
        Arc::make_mut(&mut self.inner).prefix = Some(prefix.into());
        self
    }

    /// The same form showing, for its file fields, the files `current` names (a refused
    /// model form shows the object's files, not what the request claimed).
    pub(crate) fn with_files(mut self, current: FormData) -> Self {
        Arc::make_mut(&mut self.inner).current_files = current;
        self
    }

    /// The same form linking each file it shows to its URL in `storage` ("Currently:
    /// <a href=…>"), as Django's `ClearableFileInput`; without it the name is shown alone.
    /// [`ModelForm::save_form_with`](super::ModelForm::save_form_with) does this for a
    /// refused form.
    ///
    /// ```
    /// use alder_web::db::{Auto, FileField, Model};
    /// use alder_web::forms::Form;
    /// use alder_web::storage::FileSystemStorage;
    /// #[derive(Model, Form)]
    /// struct Report { id: Auto<i64>, #[model(blank)] attachment: FileField }
    /// let report = Report { id: Auto::from(1), attachment: FileField::new("report/attachment/q3.pdf") };
    /// let media = FileSystemStorage::new("media", "/media/");
    /// let html = minijinja::Value::from_serialize(report.initial().with_storage(&media)).to_string();
    /// assert!(html.contains(r#"Currently: <a href="/media/report/attachment/q3.pdf">report/attachment/q3.pdf</a>"#), "{html}");
    /// assert!(html.contains(r#"name="attachment-clear""#), "{html}");
    /// ```
    pub fn with_storage(mut self, storage: &dyn crate::storage::Storage) -> Self {
        let urls: Vec<(&'static str, String)> = self
            .fields()
            .filter(|f| f.definition().meta.file.is_some())
            .filter(|f| !f.value().is_empty())
            .map(|f| (f.definition().name(), storage.url(f.value())))
            .collect();
        Arc::make_mut(&mut self.inner).file_urls = urls;
        self
    }

    /// Loads the rows each `ForeignKey` and `ManyToMany` field offers (one query per such
    /// field), so the form can draw them: a template cannot wait for the database. The
    /// model-form methods ([`ModelForm`](super::ModelForm)) call it for you.
    pub async fn load_choices(
        mut self,
        db: &alder_db::Database,
    ) -> Result<Self, alder_db::DbError> {
        if self.inner.related.is_none() && self.inner.fields.iter().any(|f| f.relation.is_some()) {
            let related = load_related(self.inner.fields, db).await?;
            Arc::make_mut(&mut self.inner).related = Some(related);
        }
        Ok(self)
    }

    /// The same form showing choices loaded already (a formset loads them once).
    pub(crate) fn set_related(&mut self, related: Arc<RelatedChoices>) {
        Arc::make_mut(&mut self.inner).related = Some(related);
    }

    /// The choices loaded for the relation field `name`, or `None` before
    /// [`load_choices`](Self::load_choices).
    pub fn related_choices(&self, name: &str) -> Option<&[(String, String)]> {
        let related = self.inner.related.as_ref()?;
        related
            .iter()
            .find(|(field, _)| *field == name)
            .map(|(_, choices)| choices.as_slice())
    }

    /// Whether a field takes a file, so the `<form>` needs `enctype="multipart/form-data"`
    /// (Django's `is_multipart`; `{% if form.is_multipart %}` in a template).
    pub fn is_multipart(&self) -> bool {
        self.inner.fields.iter().any(|f| f.widget == Widget::File)
    }

    /// Whether it holds submitted data (Django's `is_bound`).
    pub fn is_bound(&self) -> bool {
        self.inner.data.is_some()
    }

    /// The errors found, per field and for the form as a whole.
    pub fn errors(&self) -> &ValidationErrors {
        &self.inner.errors
    }

    /// Adds an error after validation, as Django's `add_error`: `None` for the form as a
    /// whole. For a check the form cannot make itself (a unique value already taken, a
    /// payment refused).
    ///
    /// ```
    /// # use alder_web::forms::{BoundForm, FormData};
    /// let mut form = BoundForm::bound(&[], FormData::default(), Default::default());
    /// form.add_error(None, alder_web::db::ValidationError::invalid("The card was declined."));
    /// assert_eq!(form.errors().non_field()[0].message(), "The card was declined.");
    /// ```
    pub fn add_error(&mut self, field: Option<&'static str>, error: ValidationError) {
        let inner = Arc::make_mut(&mut self.inner);
        match field {
            Some(name) => inner.errors.add(name, error),
            None => inner.errors.add_non_field(error),
        }
    }

    /// Adds every error of a model's `full_clean` (or any [`ValidationErrors`]), so a
    /// uniqueness problem found by the database layer shows on its field.
    pub fn add_errors(&mut self, errors: ValidationErrors) {
        Arc::make_mut(&mut self.inner).errors.merge(errors);
    }

    /// The fields, in order.
    pub fn fields(&self) -> impl Iterator<Item = BoundField<'_>> {
        (0..self.inner.fields.len()).map(|index| BoundField { form: self, index })
    }

    /// The field named `name`.
    pub fn field(&self, name: &str) -> Option<BoundField<'_>> {
        self.inner
            .fields
            .iter()
            .position(|f| f.name() == name)
            .map(|index| BoundField { form: self, index })
    }
}

/// One field of a [`BoundForm`]: its definition, the value it shows and its errors.
#[derive(Clone, Copy, Debug)]
pub struct BoundField<'a> {
    form: &'a BoundForm,
    index: usize,
}

impl<'a> BoundField<'a> {
    /// The form it belongs to.
    pub fn form(&self) -> &'a BoundForm {
        self.form
    }

    /// The field's definition.
    pub fn definition(&self) -> &'static FormField {
        &self.form.inner.fields[self.index]
    }

    /// The `id` of its control: `id_<name>`, as Django's `auto_id`.
    pub fn id(&self) -> String {
        format!("id_{}", self.html_name())
    }

    /// The name the control is sent under: the field's name, after the form's prefix in a
    /// formset (`form-0-title`).
    pub fn html_name(&self) -> String {
        match &self.form.inner.prefix {
            Some(prefix) => format!("{prefix}-{}", self.definition().name()),
            None => self.definition().name().to_string(),
        }
    }

    /// The values it shows: what was submitted, else its initial value; a password shows
    /// nothing once submitted, so it never travels back in the page.
    pub fn values(&self) -> Vec<&'a str> {
        let field = self.definition();
        let inner = &self.form.inner;
        if field.widget == Widget::Password {
            // Never written into a page, submitted or taken from an object (Django's
            // `render_value=False`).
            return Vec::new();
        }
        let source = match &inner.data {
            // A stored file is shown from the object, whatever the request sent.
            Some(_) if field.meta.file.is_some() => &inner.current_files,
            Some(data) => data,
            None => &inner.initial,
        };
        let mut values: Vec<&str> = source.get_all(field.name()).collect();
        if !field.multiple && values.len() > 1 {
            // The last of repeated values is the one the form read (`FormData::get`).
            values = values.split_off(values.len() - 1);
        }
        values
    }

    /// The values it started with (an object's, or the defaults), whatever was submitted
    /// and whatever its widget — a password's too. For code that posts a stored value back
    /// unchanged (the admin keeping a field its page does not show); never write these
    /// into a page.
    ///
    /// ```
    /// use alder_web::forms::{BoundForm, FormData, FormField, Widget};
    /// use alder_web::db::meta::{FieldKind, FieldMeta};
    /// const FIELDS: &[FormField] = &[FormField::__new(
    ///     FieldMeta::__new("token", "token", FieldKind::Text), "Token", Widget::Password, true, false,
    /// )];
    /// let form = BoundForm::filled(FIELDS, FormData::from_pairs([("token", "s3cret")]));
    /// let field = form.field("token").unwrap();
    /// assert!(field.values().is_empty(), "never drawn");
    /// assert_eq!(field.initial_values(), ["s3cret"]);
    /// ```
    pub fn initial_values(&self) -> Vec<&'a str> {
        self.form
            .inner
            .initial
            .get_all(self.definition().name())
            .collect()
    }

    /// The value it shows (the last sent, as the form read it), or the empty string.
    pub fn value(&self) -> &'a str {
        self.values().last().copied().unwrap_or("")
    }

    /// The URL of the stored file it shows, when the form knows the storage
    /// ([`BoundForm::with_storage`]).
    pub(crate) fn file_url(&self) -> Option<&'a str> {
        let name = self.definition().name();
        self.form
            .inner
            .file_urls
            .iter()
            .find(|(field, _)| *field == name)
            .map(|(_, url)| url.as_str())
    }

    /// The messages of its errors.
    pub fn errors(&self) -> &'a [ValidationError] {
        self.form.inner.errors.field(self.definition().name())
    }

    /// Whether a ticked checkbox or a chosen option holds `candidate`.
    pub(super) fn shows(&self, candidate: &str) -> bool {
        let field = self.definition();
        if field.widget == Widget::Checkbox && !field.multiple {
            return self
                .values()
                .first()
                .is_some_and(|v| bool::parse_text(v).unwrap_or(false));
        }
        self.values().iter().any(|v| v.trim() == candidate)
    }
}

/// The choices of every relation field of `fields`.
pub(crate) async fn load_related(
    fields: &'static [FormField],
    db: &alder_db::Database,
) -> Result<Arc<RelatedChoices>, alder_db::DbError> {
    let mut related = Vec::new();
    for field in fields {
        if let Some(relation) = field.relation {
            if super::remote::is_remote(field) {
                related.push((field.name(), Vec::new()));
                continue;
            }
            related.push((field.name(), relation.choices(db).await?));
        }
    }
    Ok(Arc::new(related))
}

/// A default as an input shows it: a moment as `2026-12-04T14:30:00` (what
/// `datetime-local` takes), anything else as people read it.
fn default_text(value: &alder_db::Value) -> String {
    use alder_db::FieldText;
    match value {
        alder_db::Value::ChronoDateTimeUtc(Some(moment)) => moment.to_text(),
        alder_db::Value::ChronoDateTime(Some(moment)) => moment.to_text(),
        alder_db::Value::ChronoTime(Some(time)) => time.to_text(),
        other => alder_db::display_value(other),
    }
}
