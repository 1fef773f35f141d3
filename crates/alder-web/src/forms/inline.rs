//! Inline formsets, Django's `inlineformset_factory`: the objects that point at one parent
//! through a `ForeignKey` (a post's comments, an order's lines), edited on the parent's page
//! as a formset. Each shown form carries its object's key in a hidden field, so a form edits
//! the object it showed whatever was added or removed meanwhile, and only children of that
//! parent can be edited or deleted; the changes are saved in one transaction.

use std::collections::HashMap;

use alder_db::Column;
use alder_db::{crud, display_value, Database, DbError, ForeignKey, Model, ValidationError};

use super::formset::{has_changed, BoundFormSet, FormSet};
use super::model_form::check_in;
use super::{BoundForm, FormData, ModelForm};

/// The children `C` of a parent `P`, as a formset: Django's inline formset.
///
/// `new_child` builds a blank child pointing at the parent, to fill from an extra form. The
/// blank forms show the form's own initial values (`#[form(initial = …)]`, model defaults),
/// and one left as shown is skipped.
/// Leave the foreign key out of `C`'s form (`#[form(fields = …)]` or `exclude`): the set
/// sets it, and refuses a form that would move a child to another parent.
///
/// ```
/// use alder_web::db::{Auto, Database, ForeignKey, Model, schema};
/// use alder_web::forms::{Form, FormData, InlineFormSet};
///
/// #[derive(Model)]
/// struct Order { id: Auto<i64>, #[model(max_length = 20)] client: String }
/// #[derive(Model, Form)]
/// #[form(fields = "product, quantity")]
/// struct Line {
///     id: Auto<i64>,
///     order: ForeignKey<Order>,
///     #[model(max_length = 20)]
///     product: String,
///     #[model(min = 1)]
///     quantity: i32,
/// }
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let db = Database::connect("sqlite::memory:").await.unwrap();
/// # for meta in [Order::META, Line::META] { schema::create_model(&db, meta).await.unwrap(); }
/// let mut order = Order { id: Auto::new(), client: "Ann".into() };
/// order.save(&db).await.unwrap();
///
/// let lines = InlineFormSet::new(Line::order(), |order| Line {
///     id: Auto::new(), order, product: String::new(), quantity: 1,
/// });
/// let page = lines.unbound(&db, &order).await.unwrap();
/// assert_eq!(page.forms().len(), 3, "no lines yet: three blank forms");
///
/// let sent = FormData::parse(
///     "line_set-TOTAL_FORMS=2&line_set-INITIAL_FORMS=0\
///      &line_set-0-product=Tea&line_set-0-quantity=2&line_set-1-product=&line_set-1-quantity=",
/// );
/// let saved = lines.save(&db, &order, &sent).await.unwrap().unwrap();
/// assert_eq!(saved.saved.len(), 1, "the untouched blank form is skipped");
/// assert_eq!(Line::order().reverse(&order).count(&db).await.unwrap(), 1);
/// # });
/// ```
pub struct InlineFormSet<P: Model, C: Model> {
    set: FormSet<C>,
    fk: Column<C, ForeignKey<P>>,
    new_child: fn(ForeignKey<P>) -> C,
}

/// What [`InlineFormSet::save`] changed.
#[derive(Debug)]
pub struct InlineSaved<C> {
    /// The children inserted or updated, in the order of their forms.
    pub saved: Vec<C>,
    /// The children whose delete box was ticked, now deleted.
    pub deleted: Vec<C>,
}

impl<P: Model, C: ModelForm> InlineFormSet<P, C> {
    /// The children pointing at their parent through `fk` (`Line::order()`), with Django's
    /// defaults: three blank forms, a delete box on each, the prefix of the reverse relation's
    /// name (`related_name`, else `line_set`).
    pub fn new(fk: Column<C, ForeignKey<P>>, new_child: fn(ForeignKey<P>) -> C) -> Self {
        // A `Column` knows its column; the relation's metadata is on the field stored there.
        let related_name = C::META
            .fields
            .iter()
            .find(|field| field.column == fk.name())
            .and_then(|field| field.relation.as_ref())
            .and_then(|relation| relation.related_name);
        let prefix = related_name.map_or_else(
            || format!("{}_set", C::META.name.to_lowercase()),
            String::from,
        );
        InlineFormSet {
            set: FormSet::new().prefix(prefix).extra(3).can_delete(),
            fk,
            new_child,
        }
    }

    /// Changes the set's layout and limits: `.with(|set| set.extra(1).max_num(10))`.
    pub fn with(mut self, change: impl FnOnce(FormSet<C>) -> FormSet<C>) -> Self {
        self.set = change(self.set);
        self
    }

    /// The parent's children, in `C`'s default order.
    pub async fn children(&self, db: &Database, parent: &P) -> Result<Vec<C>, DbError> {
        // A parent not saved yet has none: its set is blank forms only (an add page's).
        if parent.pk_value().is_none() {
            return Ok(Vec::new());
        }
        self.fk.reverse(parent).all(db).await
    }

    /// The set to show: a form per child (its many-to-many choices included), then the blank
    /// ones, with the choices of relation fields loaded once for all.
    pub async fn unbound(&self, db: &Database, parent: &P) -> Result<BoundFormSet, DbError> {
        let children = self.children(db, parent).await?;
        let blanks = self.set.blanks(children.len());
        let mut forms = Vec::with_capacity(children.len() + blanks);
        let mut keys = Vec::with_capacity(children.len());
        for child in &children {
            let mut values = child.__write();
            child.__related_initial(db, &mut values).await?;
            forms.push(BoundForm::filled(C::FIELDS, values));
            keys.push(key_text(child));
        }
        forms.extend((0..blanks).map(|_| C::unbound()));
        self.set
            .bound_set(forms, children.len(), Vec::new(), None)
            .with_keys(C::META.pk().name, keys)
            .load_choices(db)
            .await
    }

    /// Reads and checks a submitted set against the parent's children, then saves it in one
    /// transaction: changed children updated, new ones inserted, ticked ones deleted. On any
    /// error nothing is written and the set comes back with every form's errors.
    pub async fn save(
        &self,
        db: &Database,
        parent: &P,
        data: &FormData,
    ) -> Result<Result<InlineSaved<C>, BoundFormSet>, DbError> {
        let pointer = ForeignKey::to(parent)?;
        let (total, initial) = match self.set.management(data) {
            Ok(counts) => counts,
            Err(set) => return Ok(Err(set)),
        };
        let key_name = C::META.pk().name;
        let mut children: HashMap<String, C> = self
            .children(db, parent)
            .await?
            .into_iter()
            .map(|child| (key_text(&child), child))
            .collect();
        let mut keys = Vec::with_capacity(initial);
        let mut forms = Vec::with_capacity(total);
        let mut deleted_flags = Vec::with_capacity(total);
        // Each kept child, what its form sent, and whether its own fields changed.
        let mut saved: Vec<(C, FormData, bool)> = Vec::new();
        // The form each kept child came from.
        let mut saved_forms: Vec<usize> = Vec::new();
        let mut deleted = Vec::new();
        let mut failed = false;
        for index in 0..total {
            let sent = data.with_prefix(&self.set.form_prefix(index));
            let delete = self.set.is_deleted(&sent);
            deleted_flags.push(delete);
            let untouched = || BoundForm::bound(C::FIELDS, sent.clone(), Default::default());
            let mut child = if index < initial {
                let key = sent.get(key_name).unwrap_or("").trim().to_string();
                keys.push(key.clone());
                match children.remove(&key) {
                    Some(child) => child,
                    None => {
                        // Deleted meanwhile, another parent's, or made up.
                        let mut form = untouched();
                        form.add_error(None, not_a_child());
                        forms.push(form);
                        failed = true;
                        continue;
                    }
                }
            } else {
                if delete || !has_changed::<C>(&sent) {
                    forms.push(untouched());
                    continue;
                }
                (self.new_child)(pointer.clone())
            };
            if delete {
                // A deleted form is not checked, as in Django: its values may be stale.
                // A shown form keeps showing the child's files ("Currently: …").
                forms.push(untouched().with_files(child.__write()));
                deleted.push(child);
                continue;
            }
            let before = child.values();
            match check_in(&mut child, db, &sent).await? {
                Err(form) => {
                    failed = true;
                    forms.push(form);
                }
                Ok(()) if !self.points_at(&child, parent) => {
                    let mut form = untouched();
                    form.add_error(None, not_a_child());
                    forms.push(form);
                    failed = true;
                }
                Ok(()) => {
                    forms.push(untouched().with_files(child.__write()));
                    let changed = index >= initial || child.values() != before;
                    saved.push((child, sent, changed));
                    saved_forms.push(index);
                }
            }
        }
        let kept = saved.len();
        let mut errors: Vec<ValidationError> = if failed { None } else { self.set.too_few(kept) }
            .into_iter()
            .collect();
        if !failed {
            // Each form was checked against the stored rows alone; two forms of this set may
            // still ask for the same unique value, which the database would refuse.
            let children: Vec<&C> = saved.iter().map(|(child, _, _)| child).collect();
            let (messages, repeated) = duplicates(&children);
            for position in repeated {
                forms[saved_forms[position]].add_error(
                    None,
                    ValidationError::new("unique", "Please correct the duplicate values below."),
                );
            }
            failed = !messages.is_empty();
            errors.extend(messages);
        }
        if failed || !errors.is_empty() {
            let set = self
                .set
                .bound_set(forms, initial, errors, Some(deleted_flags))
                .with_keys(key_name, keys)
                .load_choices(db)
                .await?;
            return Ok(Err(set));
        }
        let tx = db.begin().await?;
        for child in &deleted {
            match crud::delete(tx.db(), child).await {
                Ok(_) => {}
                // A `PROTECT` key points at it: the set's error, nothing written.
                Err(DbError::ForeignKeyViolation { .. }) => {
                    tx.rollback().await?;
                    let error = ValidationError::new(
                        "protected",
                        format!(
                            "Deleting {} \u{201c}{}\u{201d} would require deleting the protected \
                             objects that point to it first.",
                            C::META.verbose_name,
                            child.display()
                        ),
                    );
                    let set = self
                        .set
                        .bound_set(forms, initial, vec![error], Some(deleted_flags))
                        .with_keys(key_name, keys)
                        .load_choices(db)
                        .await?;
                    return Ok(Err(set));
                }
                Err(err) => return Err(err),
            }
        }
        for (child, sent, changed) in &mut saved {
            // An unchanged child is not written again (its `auto_now` stays), as in Django;
            // its many-to-many choices are set all the same, which writes only a difference.
            if *changed {
                crud::save(tx.db(), child).await?;
            }
            child.__save_related(tx.db(), sent).await?;
        }
        tx.commit().await?;
        Ok(Ok(InlineSaved {
            saved: saved
                .into_iter()
                .filter_map(|(child, _, changed)| changed.then_some(child))
                .collect(),
            deleted,
        }))
    }

    /// Whether `child` still points at `parent` once its form was read.
    fn points_at(&self, child: &C, parent: &P) -> bool {
        let position = C::META
            .fields
            .iter()
            .position(|f| f.column == self.fk.name());
        match (position, parent.pk_value()) {
            (Some(position), Some(key)) => child.values().get(position) == Some(&key),
            _ => false,
        }
    }
}

/// Django's `BaseModelFormSet.validate_unique`: for each unique field and `unique_together`
/// set of `C`, a message if two of `children` share its values (NULLs never clash), and the
/// positions of the children that repeat an earlier one.
fn duplicates<C: Model>(children: &[&C]) -> (Vec<ValidationError>, Vec<usize>) {
    let singles = C::META
        .fields
        .iter()
        .filter(|f| f.unique && !f.primary_key)
        .map(|f| vec![f.name]);
    let together = C::META.unique_together.iter().map(|names| names.to_vec());
    let values: Vec<Vec<alder_db::Value>> = children.iter().map(|c| c.values()).collect();
    let mut messages = Vec::new();
    let mut repeated = Vec::new();
    for names in singles.chain(together) {
        let positions: Option<Vec<usize>> = names
            .iter()
            .map(|name| C::META.fields.iter().position(|f| f.name == *name))
            .collect();
        let Some(positions) = positions else { continue };
        let mut seen = std::collections::HashSet::new();
        let mut clash = false;
        for (index, row) in values.iter().enumerate() {
            let key: Option<Vec<String>> = positions
                .iter()
                .map(|&p| {
                    let value = &row[p];
                    (!alder_db::validation::is_empty_value(value) || value_is_text(value))
                        .then(|| format!("{value:?}"))
                })
                .collect();
            let Some(key) = key else { continue };
            if !seen.insert(key) {
                clash = true;
                if !repeated.contains(&index) {
                    repeated.push(index);
                }
            }
        }
        if clash {
            messages.push(ValidationError::new(
                "unique",
                format!(
                    "Please correct the duplicate data for {}, which must be unique.",
                    text_list(&names)
                ),
            ));
        }
    }
    (messages, repeated)
}

/// An empty string is a value that can repeat (`''` twice breaks a unique column); NULL is not.
fn value_is_text(value: &alder_db::Value) -> bool {
    matches!(value, alder_db::Value::String(Some(_)))
}

/// `a`, `a and b`, `a, b and c`, as Django's `get_text_list`.
fn text_list(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [one] => (*one).to_string(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// An object's key as a form sends it.
fn key_text<M: Model>(object: &M) -> String {
    object
        .pk_value()
        .map(|key| display_value(&key))
        .unwrap_or_default()
}

/// Django's message for a form whose object is not among the parent's children.
fn not_a_child() -> ValidationError {
    ValidationError::new(
        "invalid_choice",
        "Select a valid choice. That choice is not one of the available choices.",
    )
}
