//! Formsets, Django's `formset_factory`: several forms of one kind on a page (the lines of an
//! order, the comments of an admin inline), with the management fields that say how many
//! were sent, extra blank forms, limits, and a delete box per form.

use std::marker::PhantomData;
use std::sync::Arc;

use alder_db::{FieldText, ValidationError};

use super::{BoundForm, Form, FormData, FromForm};

/// How a set of `F` forms is laid out and checked.
///
/// ```
/// use alder_web::forms::{Form, FormData, FormSet};
/// #[derive(Form)]
/// struct Line { product: String, #[form(min = 1)] quantity: i32 }
///
/// let lines = FormSet::<Line>::new().extra(2).max_num(10);
/// let sent = FormData::parse(
///     "form-TOTAL_FORMS=2&form-INITIAL_FORMS=0&form-0-product=Tea&form-0-quantity=3\
///      &form-1-product=&form-1-quantity=",
/// );
/// let items = lines.validate(&sent).ok().unwrap();
/// assert_eq!(items.len(), 1, "the untouched extra form is skipped");
/// assert_eq!((items[0].value.product.as_str(), items[0].value.quantity), ("Tea", 3));
/// ```
#[derive(Debug, Clone)]
pub struct FormSet<F> {
    prefix: String,
    extra: usize,
    min_num: usize,
    max_num: usize,
    can_delete: bool,
    can_order: bool,
    _form: PhantomData<fn() -> F>,
}

impl<F: Form> Default for FormSet<F> {
    fn default() -> Self {
        Self::new()
    }
}

/// One valid form of a submitted set.
#[derive(Debug)]
pub struct FormSetItem<F> {
    /// What the form held.
    pub value: F,
    /// Its place in the set (0-based): the first `INITIAL_FORMS` are the objects shown.
    pub index: usize,
    /// Whether its delete box was ticked (only with [`FormSet::can_delete`]).
    pub deleted: bool,
    /// The number typed in its order box (only with [`FormSet::can_order`]); the items come
    /// sorted by it, those left empty last.
    pub order: Option<i64>,
}

impl<F: Form> FormSet<F> {
    /// One extra blank form, prefix `form`, at most 1000 forms, as Django's defaults.
    pub fn new() -> Self {
        FormSet {
            prefix: "form".into(),
            extra: 1,
            min_num: 0,
            max_num: 1000,
            can_delete: false,
            can_order: false,
            _form: PhantomData,
        }
    }

    /// The prefix of every field name (`lines-0-product`): two formsets on one page need two.
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// How many blank forms follow the initial ones.
    pub fn extra(mut self, extra: usize) -> Self {
        self.extra = extra;
        self
    }

    /// The fewest valid forms (not deleted) a submission must have.
    pub fn min_num(mut self, min: usize) -> Self {
        self.min_num = min;
        self
    }

    /// The most forms shown and accepted; a submission claiming more is refused.
    pub fn max_num(mut self, max: usize) -> Self {
        self.max_num = max;
        self
    }

    /// Adds a "Delete" box to each form (Django's `can_delete`).
    pub fn can_delete(mut self) -> Self {
        self.can_delete = true;
        self
    }

    /// Adds an "Order" number box to each form (Django's `can_order`): the valid items come
    /// back sorted by it, forms left empty last, in their place otherwise.
    ///
    /// ```
    /// # use alder_web::forms::{Form, FormData, FormSet};
    /// #[derive(Form)]
    /// struct Step { text: String }
    /// let steps = FormSet::<Step>::new().can_order();
    /// let sent = FormData::parse(
    ///     "form-TOTAL_FORMS=3&form-INITIAL_FORMS=0&form-0-text=boil&form-0-ORDER=2\
    ///      &form-1-text=pour&form-1-ORDER=3&form-2-text=fill&form-2-ORDER=1",
    /// );
    /// let items = steps.validate(&sent).ok().unwrap();
    /// let texts: Vec<&str> = items.iter().map(|i| i.value.text.as_str()).collect();
    /// assert_eq!(texts, ["fill", "boil", "pour"]);
    /// ```
    pub fn can_order(mut self) -> Self {
        self.can_order = true;
        self
    }

    /// The number in a submitted form's order box: `Ok(None)` when empty or the set has none.
    fn order_of(&self, sent: &FormData) -> Result<Option<i64>, ValidationError> {
        if !self.can_order {
            return Ok(None);
        }
        match sent.get("ORDER").map(str::trim) {
            None | Some("") => Ok(None),
            Some(text) => text
                .parse::<i64>()
                .map(Some)
                .map_err(|_| ValidationError::new("invalid", "Enter a whole number.")),
        }
    }

    fn field(&self, name: &str) -> String {
        format!("{}-{name}", self.prefix)
    }

    /// How many blank forms follow the initial ones, within `max_num`.
    pub(super) fn blanks(&self, initial: usize) -> usize {
        self.extra.min(self.max_num.saturating_sub(initial))
    }

    /// The prefix of the fields of form `index`, with its dash: `form-0-`.
    pub(super) fn form_prefix(&self, index: usize) -> String {
        format!("{}-{index}-", self.prefix)
    }

    /// The submitted form's delete box is ticked (and the set has them).
    pub(super) fn is_deleted(&self, sent: &FormData) -> bool {
        self.can_delete
            && sent
                .get("DELETE")
                .is_some_and(|v| bool::parse_text(v).unwrap_or(false))
    }

    /// The management fields of a submission: how many forms were sent and how many of them
    /// were initial, or the set to show again when they are missing, forged or over the limit.
    pub(super) fn management(&self, data: &FormData) -> Result<(usize, usize), BoundFormSet> {
        let count = |name: &str| {
            data.get(&self.field(name))
                .and_then(|v| v.trim().parse::<usize>().ok())
        };
        let (Some(total), Some(initial)) = (count("TOTAL_FORMS"), count("INITIAL_FORMS")) else {
            let error = ValidationError::new(
                "missing_management_form",
                "ManagementForm data is missing or has been tampered with.",
            );
            return Err(self.bound_set(Vec::new(), 0, vec![error], None));
        };
        if total > self.max_num {
            let error = ValidationError::new(
                "too_many_forms",
                format!("Please submit at most {} forms.", self.max_num),
            );
            return Err(self.bound_set(Vec::new(), 0, vec![error], None));
        }
        Ok((total, initial.min(total)))
    }

    /// The set's own error when fewer than `min_num` forms are kept.
    pub(super) fn too_few(&self, kept: usize) -> Option<ValidationError> {
        (kept < self.min_num).then(|| {
            ValidationError::new(
                "too_few_forms",
                format!("Please submit at least {} forms.", self.min_num),
            )
        })
    }

    /// The set to show: a form per value of `initial` (filled in), then the extra blank ones.
    pub fn unbound(&self, initial: &[F]) -> BoundFormSet {
        let mut forms: Vec<BoundForm> = initial.iter().map(Form::initial).collect();
        forms.extend((0..self.blanks(forms.len())).map(|_| F::unbound()));
        self.bound_set(forms, initial.len(), Vec::new(), None)
    }

    pub(super) fn bound_set(
        &self,
        forms: Vec<BoundForm>,
        initial: usize,
        errors: Vec<ValidationError>,
        deleted: Option<Vec<bool>>,
    ) -> BoundFormSet {
        let forms = forms
            .into_iter()
            .enumerate()
            .map(|(i, form)| form.with_prefix(format!("{}-{i}", self.prefix)))
            .collect();
        BoundFormSet {
            inner: Arc::new(SetInner {
                prefix: self.prefix.clone(),
                forms,
                initial,
                min_num: self.min_num,
                max_num: self.max_num,
                can_delete: self.can_delete,
                can_order: self.can_order,
                deleted: deleted.unwrap_or_default(),
                errors,
                keys: None,
            }),
        }
    }

    /// Reads and checks a submitted set: the valid forms (untouched extra forms skipped,
    /// deleted ones marked and not checked), or the set again with every form's errors and
    /// the set's own (missing management fields, too few or too many forms).
    pub fn validate(&self, data: &FormData) -> Result<Vec<FormSetItem<F>>, BoundFormSet>
    where
        F: FromForm,
    {
        let (total, initial) = self.management(data)?;
        let mut items = Vec::new();
        let mut forms = Vec::new();
        let mut deleted_flags = Vec::new();
        let mut failed = false;
        for index in 0..total {
            let sent = data.with_prefix(&self.form_prefix(index));
            let deleted = self.is_deleted(&sent);
            deleted_flags.push(deleted);
            if index >= initial && !has_changed::<F>(&sent) {
                forms.push(BoundForm::bound(F::FIELDS, sent, Default::default()));
                continue;
            }
            if deleted {
                // A deleted form is not checked, as in Django: its values may be stale.
                if let Ok(value) = F::validate(&sent) {
                    items.push(FormSetItem {
                        value,
                        index,
                        deleted: true,
                        order: self.order_of(&sent).ok().flatten(),
                    });
                }
                forms.push(BoundForm::bound(F::FIELDS, sent, Default::default()));
                continue;
            }
            let order = self.order_of(&sent);
            match (F::validate(&sent), order) {
                (Ok(value), Ok(order)) => {
                    items.push(FormSetItem {
                        value,
                        index,
                        deleted: false,
                        order,
                    });
                    forms.push(BoundForm::bound(F::FIELDS, sent, Default::default()));
                }
                (result, order) => {
                    failed = true;
                    let mut form = match result {
                        Ok(_) => BoundForm::bound(F::FIELDS, sent, Default::default()),
                        Err(form) => form,
                    };
                    if let Err(error) = order {
                        // The box is the set's, not a field of the form: shown for the form.
                        form.add_error(None, error);
                    }
                    forms.push(form);
                }
            }
        }
        if self.can_order {
            // Stable: equal numbers keep their places; empty boxes go last, as in Django.
            items.sort_by_key(|item| (item.order.is_none(), item.order));
        }
        let kept = items.iter().filter(|i| !i.deleted).count();
        let errors: Vec<ValidationError> = if failed { None } else { self.too_few(kept) }
            .into_iter()
            .collect();
        if failed || !errors.is_empty() {
            return Err(self.bound_set(forms, initial, errors, Some(deleted_flags)));
        }
        Ok(items)
    }
}

/// Whether an extra form was filled in: any field sent with a value other than the one the
/// blank form shows (an untouched blank form is skipped, as Django's `empty_permitted`).
pub(super) fn has_changed<F: Form>(sent: &FormData) -> bool {
    let blank = F::unbound();
    let changed = blank.fields().any(|field| {
        let name = field.definition().name();
        let now: Vec<&str> = sent
            .get_all(name)
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .collect();
        let before: Vec<&str> = field
            .values()
            .into_iter()
            .filter(|v| !v.is_empty())
            .collect();
        now != before || sent.file(name).is_some()
    });
    changed
}

/// A formset ready to render: `{{ formset }}` draws the management fields and every form;
/// `formset.management_form`, `formset.forms` (each a form: `{{ form }}`, `form.title`, …),
/// `formset.non_form_errors` and `{% for form in formset %}` lay it out by hand.
#[derive(Clone, Debug)]
pub struct BoundFormSet {
    pub(super) inner: Arc<SetInner>,
}

#[derive(Clone, Debug)]
pub(super) struct SetInner {
    pub(super) prefix: String,
    pub(super) forms: Vec<BoundForm>,
    pub(super) initial: usize,
    pub(super) min_num: usize,
    pub(super) max_num: usize,
    pub(super) can_delete: bool,
    pub(super) can_order: bool,
    pub(super) deleted: Vec<bool>,
    pub(super) errors: Vec<ValidationError>,
    /// For an inline formset: the name of the key field and the key of each initial form's
    /// object, sent back in a hidden field so that each form edits the object it showed.
    pub(super) keys: Option<(&'static str, Vec<String>)>,
}

impl BoundFormSet {
    /// Loads the choices of the forms' relation fields once for the whole set (one query per
    /// such field, not per form), so the set can be drawn; see
    /// [`BoundForm::load_choices`](super::BoundForm::load_choices).
    pub async fn load_choices(
        mut self,
        db: &alder_db::Database,
    ) -> Result<Self, alder_db::DbError> {
        let Some(first) = self.inner.forms.first() else {
            return Ok(self);
        };
        let fields = first.inner.fields;
        if !fields.iter().any(|f| f.relation.is_some()) {
            return Ok(self);
        }
        let related = super::bound::load_related(fields, db).await?;
        let inner = Arc::make_mut(&mut self.inner);
        for form in &mut inner.forms {
            form.set_related(related.clone());
        }
        Ok(self)
    }

    /// The forms, in order.
    pub fn forms(&self) -> &[BoundForm] {
        &self.inner.forms
    }

    /// The set's own errors (Django's `non_form_errors`).
    pub fn non_form_errors(&self) -> &[ValidationError] {
        &self.inner.errors
    }

    /// The hidden management fields: how many forms there are, how many were initial, and
    /// the limits (Django's `{{ formset.management_form }}`).
    pub fn management_form(&self) -> String {
        let inner = &self.inner;
        let mut out = String::new();
        for (name, value) in [
            ("TOTAL_FORMS", inner.forms.len()),
            ("INITIAL_FORMS", inner.initial),
            ("MIN_NUM_FORMS", inner.min_num),
            ("MAX_NUM_FORMS", inner.max_num),
        ] {
            hidden_input(
                &mut out,
                &format!("{}-{name}", inner.prefix),
                &value.to_string(),
            );
        }
        out
    }

    /// The same set with the key of each initial form's object (an inline formset).
    pub(super) fn with_keys(mut self, name: &'static str, keys: Vec<String>) -> Self {
        Arc::make_mut(&mut self.inner).keys = Some((name, keys));
        self
    }

    /// What the set adds to form `index`: the hidden key of its object, its delete box.
    pub(super) fn form_controls(&self, index: usize) -> String {
        let inner = &self.inner;
        let mut out = String::new();
        if let Some((name, keys)) = &inner.keys {
            if let Some(key) = keys.get(index) {
                hidden_input(&mut out, &format!("{}-{index}-{name}", inner.prefix), key);
            }
        }
        out.push_str(&self.order_box(index).unwrap_or_default());
        out.push_str(&self.delete_box(index).unwrap_or_default());
        out
    }

    /// The order box of form `index`, when the set has them: what was sent, else its place
    /// (1-based) for an initial form, empty for an extra one, as Django.
    fn order_box(&self, index: usize) -> Option<String> {
        let inner = &self.inner;
        if !inner.can_order {
            return None;
        }
        let name = format!("{}-{index}-ORDER", inner.prefix);
        let form = inner.forms.get(index)?;
        let value = match &form.inner.data {
            Some(data) => data.get("ORDER").unwrap_or("").to_string(),
            None if index < inner.initial => (index + 1).to_string(),
            None => String::new(),
        };
        let mut out = String::from("<label class=\"order\">Order <input type=\"number\" name=\"");
        super::widgets::escape_into(&mut out, &name);
        out.push_str("\" id=\"id_");
        super::widgets::escape_into(&mut out, &name);
        out.push_str("\" value=\"");
        super::widgets::escape_into(&mut out, &value);
        out.push_str("\"></label>");
        Some(out)
    }

    /// The delete box of form `index`, when the set has them.
    fn delete_box(&self, index: usize) -> Option<String> {
        let inner = &self.inner;
        if !inner.can_delete {
            return None;
        }
        let name = format!("{}-{index}-DELETE", inner.prefix);
        let mut out = String::from("<label class=\"delete\"><input type=\"checkbox\" name=\"");
        super::widgets::escape_into(&mut out, &name);
        out.push_str("\" id=\"id_");
        super::widgets::escape_into(&mut out, &name);
        out.push('"');
        if inner.deleted.get(index).copied().unwrap_or(false) {
            out.push_str(" checked");
        }
        out.push_str("> Delete</label>");
        Some(out)
    }
}

/// `<input type="hidden" name="…" id="id_…" value="…">`, escaped.
fn hidden_input(out: &mut String, name: &str, value: &str) {
    out.push_str("<input type=\"hidden\" name=\"");
    super::widgets::escape_into(out, name);
    out.push_str("\" id=\"id_");
    super::widgets::escape_into(out, name);
    out.push_str("\" value=\"");
    super::widgets::escape_into(out, value);
    out.push_str("\">");
}
