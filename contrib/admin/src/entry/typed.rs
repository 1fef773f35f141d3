//! [`Entry`] for one model type: its typed queries and forms behind the trait object.

use std::collections::HashMap;

use alder_auth::models::User;
use alder_db::{crud, display_value, Collected, Database, Model, ModelMeta};
use alder_web::forms::{BoundForm, BoundFormSet, FormData, FormSet, ModelForm};
use alder_web::storage::Storage;
use alder_web::Result;
use futures_util::future::BoxFuture;

use super::cells::{capitalise, cell, foreign_labels};
use super::{
    Cell, Deleted, DeletedMany, Entries, Entry, FormParts, Found, Labels, ListPage, ListQuery,
    Loaded, Row, Saved, ShownInline,
};
use crate::layout::{Layout, Options, Remote};
use crate::options::ModelAdmin;

pub(crate) struct Typed<M> {
    pub(crate) admin: ModelAdmin<M>,
    /// The change page's sections, and the add page's (its own with `add_fields`).
    change_layout: Layout,
    add_layout: Layout,
    /// The URL keys its filters read.
    filter_keys: Vec<String>,
    /// The change list's `list_editable` columns as a layout, to narrow what a row posts.
    list_layout: Layout,
    /// The autocomplete fields, `(name, table of the model they point to)`: their forms
    /// load no choices.
    remote: Vec<(&'static str, &'static str)>,
    /// The headings of `list_display`'s columns, in order.
    column_labels: Vec<String>,
    /// The paths search may follow, and the `key__field` columns sorting may: worked out
    /// once, not per request.
    search_paths: alder_db::FieldPaths,
    related_paths: alder_db::FieldPaths,
}

impl<M: ModelForm> Typed<M> {
    /// The entry for `admin`, or what is wrong with its layout options.
    pub(crate) fn new(admin: ModelAdmin<M>) -> std::result::Result<Self, String> {
        let change_layout = Layout::new::<M>(&Options {
            fields: &admin.fields,
            fieldsets: &admin.fieldsets,
            exclude: &admin.exclude,
            readonly: &admin.readonly_fields,
        })?;
        let add_layout = if admin.add_fields.is_empty() {
            change_layout.clone()
        } else {
            Layout::of_fields::<M>("add_fields", &admin.add_fields)?
        };
        let mut filter_keys: Vec<String> = admin
            .list_filter
            .iter()
            .filter_map(|name| M::META.field(name).ok())
            .flat_map(crate::filters::field_keys)
            .collect();
        filter_keys.extend(admin.custom_filters.iter().map(|f| f.parameter.to_owned()));
        if let Some(field) = admin.date_hierarchy {
            filter_keys.extend(["year", "month", "day"].map(|part| format!("{field}__{part}")));
        }
        let list_layout = if admin.list_editable.is_empty() {
            Layout::default()
        } else {
            Layout::of_fields::<M>("list_editable", &admin.list_editable)?
        };
        if let Some(name) = admin
            .autocomplete_fields
            .iter()
            .find(|name| !M::FIELDS.iter().any(|f| f.name() == **name))
        {
            return Err(format!(
                "admin of {}: autocomplete_fields names `{name}`, which is not in its form",
                M::META.name
            ));
        }
        let remote = admin
            .autocomplete_fields
            .iter()
            .filter_map(|name| {
                let relation = M::META.field(name).ok()?.relation?;
                Some((*name, (relation.target)().table))
            })
            .collect();
        let column_labels = admin
            .list_display
            .iter()
            .map(|name| column_label(&admin, name))
            .collect();
        Ok(Typed {
            search_paths: admin.search_paths(),
            related_paths: admin.related_paths(),
            column_labels,
            admin,
            change_layout,
            add_layout,
            filter_keys,
            list_layout,
            remote,
        })
    }
}

/// The object whose key is `pk` (text from the URL); `None` when there is none or the text
/// is not a key of this model's type (an id of the wrong type is a 404, not a 500).
async fn find<M: Model>(db: &Database, base: alder_db::QuerySet<M>, pk: &str) -> Result<Option<M>> {
    let Ok(query) = base.filter_str(M::META.pk().name, pk) else {
        return Ok(None);
    };
    Ok(query.first(db).await?)
}

/// The objects whose keys are among `pks`; keys that are not of the model's type are left
/// out.
fn selected<M: Model>(
    base: alder_db::QuerySet<M>,
    pks: &[String],
) -> Option<alder_db::QuerySet<M>> {
    let name = M::META.pk().name;
    // Each key on its own: one that does not parse is left out, not the whole selection.
    // Bounded like Django's data limits, so a flood of keys cannot pass the database's
    // limit on parameters.
    let matching = pks
        .iter()
        .take(MAX_SELECTED)
        .filter_map(|pk| alder_db::Q::<M>::parse(name, pk).ok())
        .reduce(|a, b| a | b)?;
    Some(base.filter(matching))
}

/// A column's heading, worked out once at registration: the model's name for `__str__`, a
/// computed column's label, "Author name" for `author__name`, else the field's name.
fn column_label<M: Model>(admin: &ModelAdmin<M>, name: &str) -> String {
    if name == "__str__" {
        return capitalise(M::META.verbose_name);
    }
    if let Some(column) = admin.computed.iter().find(|c| c.name == name) {
        return column.label.to_owned();
    }
    if let Some((key, field)) = name.split_once("__") {
        let target = M::META
            .field(key)
            .ok()
            .and_then(|k| k.relation.map(|r| (k.verbose_name, (r.target)())));
        if let Some((key_label, target)) = target {
            let field_label = target.field(field).map_or(field, |f| f.verbose_name);
            return capitalise(&format!("{key_label} {field_label}"));
        }
    }
    capitalise(M::META.field(name).map_or(name, |f| f.verbose_name))
}

/// Rows per page of an autocomplete box (Django's too).
const AUTOCOMPLETE_PAGE: u64 = 20;

/// The most objects one action or one list of labels works on.
const MAX_SELECTED: usize = 1000;

fn key_text<M: Model>(object: &M) -> String {
    object.pk().map(|k| k.to_string()).unwrap_or_default()
}

impl<M> Typed<M>
where
    M: ModelForm + Send + Sync + 'static,
{
    /// The values of `object`'s columns named in `names`: `__str__` for its display
    /// string, a field, `key__field` through a foreign key (from `labels`), or a computed
    /// column.
    fn cells(
        &self,
        object: &M,
        names: &[&'static str],
        labels: &HashMap<&'static str, Labels>,
    ) -> Vec<Cell> {
        let values = object.values();
        let empty = || Cell {
            text: "-".into(),
            kind: "empty",
        };
        names
            .iter()
            .map(|name| {
                if *name == "__str__" {
                    return Cell {
                        text: object.display(),
                        kind: "text",
                    };
                }
                if let Some(column) = self.admin.computed.iter().find(|c| c.name == *name) {
                    let text = (column.show)(object);
                    return if text.is_empty() {
                        empty()
                    } else {
                        Cell { text, kind: "text" }
                    };
                }
                if let Some((key, _)) = name.split_once("__") {
                    let found = M::META
                        .fields
                        .iter()
                        .position(|f| f.name == key)
                        .and_then(|i| labels.get(name)?.get(&display_value(&values[i])));
                    return found.cloned().unwrap_or_else(empty);
                }
                match M::META.fields.iter().position(|f| f.name == *name) {
                    Some(i) => cell(&M::META.fields[i], &values[i], labels.get(name)),
                    None => empty(),
                }
            })
            .collect()
    }

    /// The first and the last date `field` holds among the rows of `set` (NULLs left out):
    /// two queries, each reading one row by the field's order.
    async fn date_bounds(
        &self,
        db: &Database,
        set: alder_db::QuerySet<M>,
        field: &str,
    ) -> Result<Option<(alder_db::chrono::NaiveDate, alder_db::chrono::NaiveDate)>> {
        let Some(index) = M::META.fields.iter().position(|f| f.name == field) else {
            return Ok(None);
        };
        let dated = set.filter_str(&format!("{field}__isnull"), "0")?;
        let day = |object: Option<M>| {
            object.and_then(|o| match &o.values()[index] {
                alder_db::Value::ChronoDate(Some(d)) => Some(*d),
                alder_db::Value::ChronoDateTimeUtc(Some(t)) => Some(t.date_naive()),
                alder_db::Value::ChronoDateTime(Some(t)) => Some(t.date()),
                _ => None,
            })
        };
        let first = day(dated.clone().order_by_name(field)?.first(db).await?);
        let last = day(dated.order_by_name(&format!("-{field}"))?.first(db).await?);
        Ok(first.zip(last))
    }

    /// The autocomplete fields' values as `form` shows them, each with its row's display
    /// string: one query per field.
    async fn remote_values(
        &self,
        db: &Database,
        entries: &dyn Entries,
        form: &BoundForm,
    ) -> Result<Vec<Remote>> {
        let mut out = Vec::new();
        for &(name, table) in &self.remote {
            let key = form
                .field(name)
                .map(|f| f.value().to_owned())
                .unwrap_or_default();
            let label = match entries.by_table(table) {
                Some(target) if !key.is_empty() => target
                    .labels(db, vec![key.clone()], None)
                    .await?
                    .remove(&key)
                    .map(|cell| cell.text)
                    .unwrap_or_default(),
                _ => String::new(),
            };
            out.push(Remote {
                field: name,
                key,
                label,
            });
        }
        Ok(out)
    }

    /// The inlines `allowed` shows, as `parent`'s children and blank forms (a new parent's:
    /// blank forms only).
    async fn blank_inlines(
        &self,
        db: &Database,
        parent: &M,
        allowed: &[bool],
    ) -> Result<Vec<ShownInline>> {
        let mut out = Vec::new();
        for (inline, _) in self
            .admin
            .inlines
            .iter()
            .zip(allowed)
            .filter(|(_, ok)| **ok)
        {
            out.push(ShownInline {
                title: capitalise(inline.title()),
                set: inline.unbound(db, parent).await?,
                tabular: inline.tabular(),
            });
        }
        Ok(out)
    }

    /// The read-only fields of `layout` as `object` holds them, foreign keys by their
    /// rows' display strings.
    async fn readonly_cells(
        &self,
        db: &Database,
        entries: &dyn Entries,
        layout: &Layout,
        object: &M,
    ) -> Result<Vec<(&'static str, Cell)>> {
        let names = layout.readonly();
        if names.is_empty() {
            return Ok(Vec::new());
        }
        let labels = foreign_labels(db, entries, std::slice::from_ref(object), &names).await?;
        Ok(names
            .iter()
            .copied()
            .zip(self.cells(object, &names, &labels))
            .collect())
    }

    /// The rows this user sees in the admin: all of them, or what the `queryset` hook
    /// keeps (Django's `get_queryset`); lists, pages, actions and deletes start here, so a
    /// row outside is a 404.
    fn base(&self, user: &User) -> alder_db::QuerySet<M> {
        match &self.admin.scope {
            Some(scope) => scope(alder_db::QuerySet::new(), user),
            None => alder_db::QuerySet::new(),
        }
    }

    /// The user's rows with the list's filters and search, in no order.
    fn filtered(&self, query: &ListQuery, user: &User) -> Result<alder_db::QuerySet<M>> {
        let mut set = self.base(user);
        for (key, value) in &query.filters {
            if let Some(custom) = self
                .admin
                .custom_filters
                .iter()
                .find(|f| f.parameter == key)
            {
                set = (custom.apply)(set, value);
                continue;
            }
            set = set
                .filter_str(key, value)
                .map_err(|err| alder_web::Error::bad_request(err.to_string()))?;
        }
        if !query.search.trim().is_empty() {
            set = set.search(&self.search_paths, &self.admin.search_fields, &query.search)?;
        }
        Ok(set)
    }

    /// [`filtered`](Self::filtered), in the list's order.
    fn queryset(&self, query: &ListQuery, user: &User) -> Result<alder_db::QuerySet<M>> {
        let mut set = self.filtered(query, user)?;
        let mut ordering: Vec<String> = match &query.order {
            Some(order) => vec![order.clone()],
            None => self.admin.ordering.iter().map(|o| o.to_string()).collect(),
        };
        if ordering.is_empty() {
            ordering = M::META.ordering.iter().map(|o| o.to_string()).collect();
        }
        // The key last, so that pages do not share or skip rows whose sort values tie.
        ordering.push(format!("-{}", M::META.pk().name));
        for term in ordering {
            set = if term.contains("__") {
                set.order_by_path(&self.related_paths, &term)?
            } else {
                set.order_by_name(&term)?
            };
        }
        Ok(set)
    }
}

impl<M> Entry for Typed<M>
where
    M: ModelForm + Send + Sync + 'static,
{
    fn meta(&self) -> &'static ModelMeta {
        M::META
    }

    fn columns(&self) -> &[&'static str] {
        &self.admin.list_display
    }

    fn search_fields(&self) -> &[&'static str] {
        &self.admin.search_fields
    }

    fn list_filter(&self) -> &[&'static str] {
        &self.admin.list_filter
    }

    fn filter_keys(&self) -> &[String] {
        &self.filter_keys
    }

    fn custom_filters(&self) -> Vec<crate::filters::FilterSpec> {
        self.admin
            .custom_filters
            .iter()
            .map(crate::filters::custom_spec)
            .collect()
    }

    fn can_add(&self) -> bool {
        self.admin.blank.is_some()
    }

    fn per_page(&self) -> u64 {
        self.admin.list_per_page
    }

    fn list<'a>(
        &'a self,
        db: &'a Database,
        user: &'a User,
        entries: &'a dyn Entries,
        query: &'a ListQuery,
    ) -> BoxFuture<'a, Result<ListPage>> {
        Box::pin(async move {
            let set = self.queryset(query, user)?;
            let per_page = self.admin.list_per_page;
            let matching = set.count(db).await?;
            let filtered = !query.filters.is_empty() || !query.search.trim().is_empty();
            let total = if filtered {
                self.base(user).count(db).await?
            } else {
                matching
            };
            // A page past the end reads nothing (and cannot overflow): the view answers 404.
            let start = (query.page.max(1) - 1).saturating_mul(per_page);
            let objects = if start >= u64::try_from(matching).unwrap_or(0) {
                Vec::new()
            } else {
                set.slice(start..start.saturating_add(per_page))
                    .all(db)
                    .await?
            };
            let labels = foreign_labels(db, entries, &objects, &self.admin.list_display).await?;
            // The editable columns' forms, their choices loaded once for the page.
            let mut forms: Vec<Option<BoundForm>> =
                if query.editing && !self.admin.list_editable.is_empty() {
                    let set = FormSet::<M>::new()
                        .unbound(&objects)
                        .load_choices(db)
                        .await?;
                    set.forms().iter().cloned().map(Some).collect()
                } else {
                    Vec::new()
                };
            forms.resize(objects.len(), None);
            let rows = objects
                .iter()
                .zip(forms)
                .enumerate()
                .map(|(index, (o, form))| {
                    let pk = key_text(o);
                    // A row refused by a save shows what was sent, with its errors.
                    let form = match query.refused.get(&pk) {
                        Some(refused) => Some(refused.clone().with_prefix(format!("form-{index}"))),
                        None => form,
                    };
                    Row {
                        path: percent_encoding::utf8_percent_encode(&pk, crate::URL_ENCODE)
                            .to_string(),
                        cells: self.cells(o, &self.admin.list_display, &labels),
                        pk,
                        form,
                    }
                })
                .collect();
            let dates = match self.admin.date_hierarchy {
                Some(field) if matching > 0 => {
                    self.date_bounds(db, self.filtered(query, user)?, field)
                        .await?
                }
                _ => None,
            };
            Ok(ListPage {
                matching,
                total,
                rows,
                dates,
            })
        })
    }

    fn inline_models(&self) -> Vec<&'static ModelMeta> {
        self.admin.inlines.iter().map(|i| i.child()).collect()
    }

    fn form<'a>(
        &'a self,
        db: &'a Database,
        user: &'a User,
        entries: &'a dyn Entries,
        pk: Option<&'a str>,
        allowed: &'a [bool],
    ) -> BoxFuture<'a, Result<Option<Loaded>>> {
        Box::pin(alder_web::forms::without_choices(
            self.remote.clone(),
            async move {
                let Some(pk) = pk else {
                    let Some(blank) = self.admin.blank else {
                        return Ok(None);
                    };
                    let blank = blank();
                    let form = M::empty_form(db).await?;
                    let readonly = self
                        .readonly_cells(db, entries, &self.add_layout, &blank)
                        .await?;
                    return Ok(Some(Loaded {
                        display: String::new(),
                        values: Vec::new(),
                        parts: FormParts {
                            sections: self.add_layout.view::<M>(
                                &form,
                                &readonly,
                                &self.remote_values(db, entries, &form).await?,
                            ),
                            form,
                            inlines: self.blank_inlines(db, &blank, allowed).await?,
                            unshown: Vec::new(),
                        },
                    }));
                };
                let Some(object) = find(db, self.base(user), pk).await? else {
                    return Ok(None);
                };
                // What the change page shows, and nothing it leaves out (`exclude`, `fields`).
                let editable: Vec<&'static str> = self
                    .change_layout
                    .names()
                    .into_iter()
                    .filter(|name| M::META.field(name).is_ok())
                    .collect();
                let labels =
                    foreign_labels(db, entries, std::slice::from_ref(&object), &editable).await?;
                let cells = self.cells(&object, &editable, &labels);
                let values = editable
                    .iter()
                    .zip(cells)
                    .map(|(name, cell)| {
                        let label = M::META.field(name).map_or(*name, |f| f.verbose_name);
                        (capitalise(label), cell)
                    })
                    .collect();
                let inlines = self.blank_inlines(db, &object, allowed).await?;
                let form = object.edit_form(db).await?;
                let readonly = self
                    .readonly_cells(db, entries, &self.change_layout, &object)
                    .await?;
                Ok(Some(Loaded {
                    display: object.display(),
                    values,
                    parts: FormParts {
                        sections: self.change_layout.view::<M>(
                            &form,
                            &readonly,
                            &self.remote_values(db, entries, &form).await?,
                        ),
                        form,
                        inlines,
                        unshown: Vec::new(),
                    },
                }))
            },
        ))
    }

    #[allow(clippy::too_many_arguments)]
    fn save<'a>(
        &'a self,
        db: &'a Database,
        user: &'a User,
        entries: &'a dyn Entries,
        storage: &'a dyn Storage,
        pk: Option<&'a str>,
        data: &'a FormData,
        allowed: &'a [bool],
    ) -> BoxFuture<'a, Result<Option<std::result::Result<Saved, FormParts>>>> {
        Box::pin(alder_web::forms::without_choices(
            self.remote.clone(),
            async move {
                let mut object = match (pk, self.admin.blank) {
                    (Some(pk), _) => match find(db, self.base(user), pk).await? {
                        Some(object) => object,
                        None => return Ok(None),
                    },
                    (None, Some(blank)) => blank(),
                    (None, None) => return Ok(None),
                };
                if let Some(hook) = &self.admin.before_save {
                    hook(&mut object, user, pk.is_none());
                }
                // Only the fields the page shows: the others keep the values they have (the
                // blank's on the add page), whatever was posted for them.
                let layout = if pk.is_some() {
                    &self.change_layout
                } else {
                    &self.add_layout
                };
                let narrowed = if layout.whole {
                    None
                } else if pk.is_some() {
                    Some(layout.narrow(&object.edit_form(db).await?, data))
                } else {
                    Some(layout.narrow(&object.initial(), data))
                };
                let data = narrowed.as_ref().unwrap_or(data);
                let before = object.values();
                // The object and its inlines in one transaction: all saved, or none. Immediate,
                // so two admins saving at once on SQLite wait for each other instead of one
                // failing with "database is locked".
                let tx = db.begin_immediate().await?;
                let main = object.save_form_with(tx.db(), storage, data).await?;
                let mut refused = main.is_err();
                let mut sets: Vec<Option<BoundFormSet>> = Vec::new();
                // Only the inlines the user may add, change and delete children through.
                let shown: Vec<&dyn crate::inlines::Inline<M>> = self
                    .admin
                    .inlines
                    .iter()
                    .zip(allowed)
                    .filter(|(_, ok)| **ok)
                    .map(|(inline, _)| &**inline)
                    .collect();
                // The children are checked too when the object's form is refused, so the page
                // shows their errors and keeps what was typed; a new object's only once it has
                // its key.
                if main.is_ok() || pk.is_some() {
                    for inline in &shown {
                        match inline.save(tx.db(), &object, data).await? {
                            Ok(()) => sets.push(None),
                            Err(set) => {
                                refused = true;
                                sets.push(Some(set));
                            }
                        }
                    }
                }
                if !refused {
                    tx.commit().await?;
                    let after = object.values();
                    let changed = if pk.is_some() {
                        M::META
                            .fields
                            .iter()
                            .zip(before.iter().zip(&after))
                            .filter(|(f, (b, a))| f.editable && b != a)
                            .map(|(f, _)| f.verbose_name.to_owned())
                            .collect()
                    } else {
                        Vec::new()
                    };
                    return Ok(Some(Ok(Saved {
                        pk: key_text(&object),
                        display: object.display(),
                        changed,
                    })));
                }
                // On the add page the object may hold the key of an insert rolled back here: its
                // children are read below and, as the row is gone, there are none.
                tx.rollback().await?;
                let form = match main {
                    Err(form) => form,
                    // Only the children were refused: the object's form as it was sent (its
                    // many-to-many choices too), not as stored.
                    Ok(()) => {
                        BoundForm::bound(M::FIELDS, data.clone(), Default::default())
                            .load_choices(db)
                            .await?
                    }
                };
                // A new object's rolled-back insert left it a key that may be another's now.
                let parent = match (pk, self.admin.blank) {
                    (None, Some(blank)) => blank(),
                    _ => object,
                };
                let readonly = self.readonly_cells(db, entries, layout, &parent).await?;
                let sections = layout.view::<M>(
                    &form,
                    &readonly,
                    &self.remote_values(db, entries, &form).await?,
                );
                let unshown = layout.unshown_errors::<M>(form.errors());
                let mut inlines = Vec::with_capacity(shown.len());
                for (index, inline) in shown.iter().enumerate() {
                    let set = match sets.get_mut(index).and_then(Option::take) {
                        Some(set) => set,
                        None => inline.unbound(db, &parent).await?,
                    };
                    inlines.push(ShownInline {
                        title: capitalise(inline.title()),
                        set,
                        tabular: inline.tabular(),
                    });
                }
                Ok(Some(Err(FormParts {
                    form,
                    inlines,
                    sections,
                    unshown,
                })))
            },
        ))
    }

    fn plan_delete<'a>(
        &'a self,
        db: &'a Database,
        user: &'a User,
        registry: &'a alder_db::Registry,
        pk: &'a str,
    ) -> BoxFuture<'a, Result<Option<(String, Collected)>>> {
        Box::pin(async move {
            let Some(object) = find(db, self.base(user), pk).await? else {
                return Ok(None);
            };
            let collected =
                alder_db::collector::collect(db, registry, std::slice::from_ref(&object)).await?;
            Ok(Some((object.display(), collected)))
        })
    }

    fn delete<'a>(
        &'a self,
        db: &'a Database,
        user: &'a User,
        pk: &'a str,
    ) -> BoxFuture<'a, Result<Deleted>> {
        Box::pin(async move {
            let Some(object) = find(db, self.base(user), pk).await? else {
                return Ok(Deleted::Missing);
            };
            match crud::delete(db, &object).await {
                Ok(true) => Ok(Deleted::Done(object.display())),
                Ok(false) => Ok(Deleted::Missing),
                // A PROTECT or RESTRICT key points to it: the database refused.
                Err(alder_db::DbError::ForeignKeyViolation { .. }) => Ok(Deleted::Protected),
                Err(err) => Err(err.into()),
            }
        })
    }

    fn actions(&self) -> Vec<(&'static str, &'static str)> {
        self.admin
            .actions
            .iter()
            .map(|a| (a.name, a.label))
            .collect()
    }

    fn run_action<'a>(
        &'a self,
        db: &'a Database,
        user: &'a User,
        name: &'a str,
        pks: &'a [String],
    ) -> BoxFuture<'a, Result<Option<String>>> {
        Box::pin(async move {
            let Some(action) = self.admin.actions.iter().find(|a| a.name == name) else {
                return Ok(None);
            };
            let objects = match selected(self.base(user), pks) {
                Some(set) => set.all(db).await?,
                None => Vec::new(),
            };
            if objects.is_empty() {
                return Ok(Some(String::new()));
            }
            Ok(Some((action.run)(db.clone(), objects).await?))
        })
    }

    fn plan_delete_many<'a>(
        &'a self,
        db: &'a Database,
        user: &'a User,
        registry: &'a alder_db::Registry,
        pks: &'a [String],
    ) -> BoxFuture<'a, Result<(Vec<String>, Collected)>> {
        Box::pin(async move {
            let objects = match selected(self.base(user), pks) {
                Some(set) => set.all(db).await?,
                None => Vec::new(),
            };
            let collected = alder_db::collector::collect(db, registry, &objects).await?;
            Ok((objects.iter().map(|o| o.display()).collect(), collected))
        })
    }

    fn delete_many<'a>(
        &'a self,
        db: &'a Database,
        user: &'a User,
        pks: &'a [String],
    ) -> BoxFuture<'a, Result<DeletedMany>> {
        Box::pin(async move {
            let Some(set) = selected(self.base(user), pks) else {
                return Ok(DeletedMany::Done(Vec::new()));
            };
            let gone: Vec<(String, String)> = set
                .all(db)
                .await?
                .iter()
                .map(|o| (key_text(o), o.display()))
                .collect();
            match set.delete(db).await {
                Ok(_) => Ok(DeletedMany::Done(gone)),
                Err(alder_db::DbError::ForeignKeyViolation { .. }) => Ok(DeletedMany::Protected),
                Err(err) => Err(err.into()),
            }
        })
    }

    fn labels<'a>(
        &'a self,
        db: &'a Database,
        keys: Vec<String>,
        field: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Labels>> {
        Box::pin(async move {
            let Some(set) = selected(alder_db::QuerySet::<M>::new(), &keys) else {
                return Ok(Labels::new());
            };
            let index = field.and_then(|f| M::META.fields.iter().position(|m| m.name == f));
            Ok(set
                .all(db)
                .await?
                .iter()
                .map(|o| {
                    let shown = match index {
                        Some(i) => cell(&M::META.fields[i], &o.values()[i], None),
                        None => Cell {
                            text: o.display(),
                            kind: "text",
                        },
                    };
                    (key_text(o), shown)
                })
                .collect())
        })
    }

    fn column_label(&self, name: &str) -> String {
        self.admin
            .list_display
            .iter()
            .position(|n| *n == name)
            .map(|i| self.column_labels[i].clone())
            .unwrap_or_default()
    }

    fn sortable(&self, name: &str) -> bool {
        self.admin.list_display.contains(&name)
            && name != "__str__"
            && !self.admin.computed.iter().any(|c| c.name == name)
    }

    fn allows(&self, user: &User, action: &str) -> bool {
        self.admin
            .permission
            .as_ref()
            .is_none_or(|allows| allows(user, action))
    }

    fn display_of<'a>(
        &'a self,
        db: &'a Database,
        user: &'a User,
        pk: &'a str,
    ) -> BoxFuture<'a, Result<Option<String>>> {
        Box::pin(async move {
            Ok(find(db, self.base(user), pk)
                .await?
                .map(|object| object.display()))
        })
    }

    fn scoped(&self) -> bool {
        self.admin.scope.is_some()
    }

    fn date_hierarchy(&self) -> Option<&'static str> {
        self.admin.date_hierarchy
    }

    fn list_editable(&self) -> &[&'static str] {
        &self.admin.list_editable
    }

    fn save_list<'a>(
        &'a self,
        db: &'a Database,
        user: &'a User,
        data: &'a FormData,
    ) -> BoxFuture<'a, Result<std::result::Result<Vec<Saved>, HashMap<String, BoundForm>>>> {
        Box::pin(async move {
            let total: usize = data
                .get("form-TOTAL_FORMS")
                .and_then(|n| n.trim().parse().ok())
                .filter(|n| *n <= self.admin.list_per_page as usize)
                .ok_or_else(|| {
                    alder_web::Error::bad_request(
                        "the change list's form is missing its row count, or has too many rows",
                    )
                })?;
            let tx = db.begin_immediate().await?;
            let mut saved = Vec::new();
            let mut refused = HashMap::new();
            // What the rows that passed sent: shown again, not lost, if another is refused.
            let mut passed: Vec<(String, FormData)> = Vec::new();
            for index in 0..total {
                let row = data.with_prefix(&format!("form-{index}-"));
                let Some(pk) = row.get("_pk") else {
                    continue;
                };
                // Deleted meanwhile, or outside the user's rows: nothing to save.
                let Some(mut object) = find(tx.db(), self.base(user), pk).await? else {
                    continue;
                };
                if let Some(hook) = &self.admin.before_save {
                    hook(&mut object, user, false);
                }
                let before = object.values();
                let sent = self.list_layout.narrow(&object.initial(), &row);
                match object.update_in(tx.db(), &sent).await? {
                    Err(form) => {
                        refused.insert(pk.to_owned(), form);
                    }
                    Ok(()) => {
                        passed.push((pk.to_owned(), sent.clone()));
                        let changed: Vec<String> = M::META
                            .fields
                            .iter()
                            .zip(before.iter().zip(object.values().iter()))
                            .filter(|(_, (b, a))| b != a)
                            .map(|(f, _)| f.verbose_name.to_owned())
                            .collect();
                        if !changed.is_empty() {
                            crud::save(tx.db(), &mut object).await?;
                            saved.push(Saved {
                                pk: key_text(&object),
                                display: object.display(),
                                changed,
                            });
                        }
                    }
                }
            }
            if refused.is_empty() {
                tx.commit().await?;
                Ok(Ok(saved))
            } else {
                tx.rollback().await?;
                for (pk, sent) in passed {
                    let form = BoundForm::bound(M::FIELDS, sent, Default::default())
                        .load_choices(db)
                        .await?;
                    refused.insert(pk, form);
                }
                Ok(Err(refused))
            }
        })
    }

    fn autocomplete_fields(&self) -> &[&'static str] {
        &self.admin.autocomplete_fields
    }

    fn autocomplete<'a>(
        &'a self,
        db: &'a Database,
        user: &'a User,
        term: &'a str,
        page: u64,
    ) -> BoxFuture<'a, Result<Found>> {
        Box::pin(async move {
            let query = ListQuery {
                search: term.to_owned(),
                ..ListQuery::default()
            };
            let start = (page.max(1) - 1).saturating_mul(AUTOCOMPLETE_PAGE);
            // One row past the page says whether there are more.
            let mut rows = self
                .queryset(&query, user)?
                .slice(start..start.saturating_add(AUTOCOMPLETE_PAGE + 1))
                .all(db)
                .await?;
            let more = rows.len() as u64 > AUTOCOMPLETE_PAGE;
            rows.truncate(AUTOCOMPLETE_PAGE as usize);
            Ok((
                rows.iter().map(|o| (key_text(o), o.display())).collect(),
                more,
            ))
        })
    }

    fn filter_horizontal(&self) -> &[&'static str] {
        &self.admin.filter_horizontal
    }

    fn prepopulated(&self) -> &[(&'static str, Vec<&'static str>)] {
        &self.admin.prepopulated
    }

    fn links(&self) -> &[&'static str] {
        match &self.admin.list_display_links {
            Some(links) => links,
            None => &self.admin.list_display[..1],
        }
    }

    fn choices<'a>(
        &'a self,
        db: &'a Database,
        user: &'a User,
        limit: u64,
    ) -> BoxFuture<'a, Result<Vec<(String, String)>>> {
        Box::pin(async move {
            // The rows the user sees in that model's admin, in its order, so the same rows
            // come first each time.
            Ok(self
                .queryset(&ListQuery::default(), user)?
                .limit(limit)
                .all(db)
                .await?
                .iter()
                .map(|o| (key_text(o), o.display()))
                .collect())
        })
    }
}
