//! One registered model behind a trait object: the admin's pages work on any model through
//! it, while each method runs the model's own typed queries and forms (monomorphised once
//! per `register::<M>()`).

mod cells;
mod typed;

use std::collections::HashMap;

use alder_auth::models::User;
use alder_db::chrono::NaiveDate;
use alder_db::{Collected, Database, ModelMeta};
use alder_web::forms::{BoundForm, BoundFormSet, FormData};
use alder_web::storage::Storage;
use alder_web::Result;
use futures_util::future::BoxFuture;

pub(crate) use cells::capitalise;
pub(crate) use typed::Typed;

/// What a change list asks for, read from its URL.
#[derive(Default)]
pub(crate) struct ListQuery {
    pub(crate) search: String,
    /// A column's field name, `-` first for descending; already checked against the columns.
    pub(crate) order: Option<String>,
    /// 1-based.
    pub(crate) page: u64,
    /// Whether the rows get forms for the `list_editable` columns (the user may change).
    pub(crate) editing: bool,
    /// Forms refused by a save of the list, by key: shown instead of the stored values.
    pub(crate) refused: HashMap<String, BoundForm>,
    /// `(key, value)` pairs of the filters' URL keys (`author__exact`, `published_at__gte`,
    /// a custom filter's parameter).
    pub(crate) filters: Vec<(String, String)>,
}

/// One cell of the change list (or one value of a read-only page).
#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct Cell {
    pub(crate) text: String,
    /// `"bool"` (text is "yes"/"no"), `"empty"` or `"text"`.
    pub(crate) kind: &'static str,
}

#[derive(Debug, serde::Serialize)]
pub(crate) struct Row {
    pub(crate) pk: String,
    /// The key as a URL path segment.
    pub(crate) path: String,
    pub(crate) cells: Vec<Cell>,
    /// Its form (prefixed `form-<n>`), when the list edits some columns.
    pub(crate) form: Option<BoundForm>,
}

/// One page of a change list.
#[derive(Debug)]
pub(crate) struct ListPage {
    /// Rows matching the search and filters.
    pub(crate) matching: i64,
    /// Rows of the model in all.
    pub(crate) total: i64,
    pub(crate) rows: Vec<Row>,
    /// The first and the last date of the `date_hierarchy` field among the matching rows.
    pub(crate) dates: Option<(NaiveDate, NaiveDate)>,
}

/// An object and its form, for the change page.
pub(crate) struct Loaded {
    pub(crate) display: String,
    /// `(label, value)` of each editable field: the read-only page of a view-only user.
    pub(crate) values: Vec<(String, Cell)>,
    pub(crate) parts: FormParts,
}

/// One inline as the page draws it.
pub(crate) struct ShownInline {
    /// Its heading ("Comments").
    pub(crate) title: String,
    pub(crate) set: BoundFormSet,
    /// A table, a row per child, rather than a form per child.
    pub(crate) tabular: bool,
}

/// What the add and change pages draw: the object's form, its inlines and sections (with
/// their errors when the form was refused).
pub(crate) struct FormParts {
    pub(crate) form: BoundForm,
    /// Each inline's heading and set (change pages only).
    pub(crate) inlines: Vec<ShownInline>,
    /// The page's sections, ready for the template.
    pub(crate) sections: Vec<minijinja::Value>,
    /// Errors on fields the page does not show, named.
    pub(crate) unshown: Vec<String>,
}

/// One page of an autocomplete search: `(key, display)` rows, and whether more follow.
pub(crate) type Found = (Vec<(String, String)>, bool);

/// What a delete did.
pub(crate) enum Deleted {
    /// Deleted; its display string.
    Done(String),
    /// It was not there (deleted meanwhile).
    Missing,
    /// Rows that protect it are still there.
    Protected,
}

/// What deleting several objects did.
pub(crate) enum DeletedMany {
    /// These were deleted: `(key, display string)`.
    Done(Vec<(String, String)>),
    /// Rows that protect some of them are still there; nothing was deleted.
    Protected,
}

/// A saved object: its key and display string.
pub(crate) struct Saved {
    pub(crate) pk: String,
    pub(crate) display: String,
    /// The names of the fields whose values changed (a change; empty for an addition).
    pub(crate) changed: Vec<String>,
}

/// Other models' rows by key text, as foreign-key cells show them.
pub(crate) type Labels = HashMap<String, Cell>;

/// How an entry reaches the other registered models (foreign-key cells and filters).
pub(crate) trait Entries: Sync {
    fn by_table(&self, table: &str) -> Option<&dyn Entry>;
}

pub(crate) trait Entry: Send + Sync {
    fn meta(&self) -> &'static ModelMeta;
    fn columns(&self) -> &[&'static str];
    fn search_fields(&self) -> &[&'static str];
    fn list_filter(&self) -> &[&'static str];
    /// Every URL key the filters read, worked out at registration.
    fn filter_keys(&self) -> &[String];
    /// The project's own filters, as the sidebar draws them.
    fn custom_filters(&self) -> Vec<crate::filters::FilterSpec>;
    fn can_add(&self) -> bool;
    fn per_page(&self) -> u64;

    fn list<'a>(
        &'a self,
        db: &'a Database,
        user: &'a User,
        entries: &'a dyn Entries,
        query: &'a ListQuery,
    ) -> BoxFuture<'a, Result<ListPage>>;

    /// The children models of the inlines, in order.
    fn inline_models(&self) -> Vec<&'static ModelMeta>;

    /// The page's form: a blank one for `None`, the object's otherwise (`None` if not found),
    /// with the inlines `inlines` allows (by position; none when empty).
    fn form<'a>(
        &'a self,
        db: &'a Database,
        user: &'a User,
        entries: &'a dyn Entries,
        pk: Option<&'a str>,
        inlines: &'a [bool],
    ) -> BoxFuture<'a, Result<Option<Loaded>>>;

    /// Saves the form onto a new object (`pk` `None`) or the stored one, with the inlines
    /// `inlines` allows; `None` if not found.
    #[allow(clippy::too_many_arguments)]
    fn save<'a>(
        &'a self,
        db: &'a Database,
        user: &'a User,
        entries: &'a dyn Entries,
        storage: &'a dyn Storage,
        pk: Option<&'a str>,
        data: &'a FormData,
        inlines: &'a [bool],
    ) -> BoxFuture<'a, Result<Option<std::result::Result<Saved, FormParts>>>>;

    /// What deleting the object would do, and its display string; `None` if not found.
    fn plan_delete<'a>(
        &'a self,
        db: &'a Database,
        user: &'a User,
        registry: &'a alder_db::Registry,
        pk: &'a str,
    ) -> BoxFuture<'a, Result<Option<(String, Collected)>>>;

    /// Deletes the object.
    fn delete<'a>(
        &'a self,
        db: &'a Database,
        user: &'a User,
        pk: &'a str,
    ) -> BoxFuture<'a, Result<Deleted>>;

    /// The custom actions, `(name, label)`.
    fn actions(&self) -> Vec<(&'static str, &'static str)>;

    /// Runs the custom action `name` on the objects with these keys: its message, or `None`
    /// when there is no such action.
    fn run_action<'a>(
        &'a self,
        db: &'a Database,
        user: &'a User,
        name: &'a str,
        pks: &'a [String],
    ) -> BoxFuture<'a, Result<Option<String>>>;

    /// What deleting the objects with these keys would do, and their display strings.
    fn plan_delete_many<'a>(
        &'a self,
        db: &'a Database,
        user: &'a User,
        registry: &'a alder_db::Registry,
        pks: &'a [String],
    ) -> BoxFuture<'a, Result<(Vec<String>, Collected)>>;

    /// Deletes the objects with these keys in one statement.
    fn delete_many<'a>(
        &'a self,
        db: &'a Database,
        user: &'a User,
        pks: &'a [String],
    ) -> BoxFuture<'a, Result<DeletedMany>>;

    /// Display strings of the rows with these keys.
    /// The rows with these keys as cells: their display strings, or the value of `field`.
    fn labels<'a>(
        &'a self,
        db: &'a Database,
        keys: Vec<String>,
        field: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Labels>>;

    /// A column's heading.
    fn column_label(&self, name: &str) -> String;

    /// Whether the change list can sort by this column (a field, or a related one).
    fn sortable(&self, name: &str) -> bool;

    /// Whether the admin's `permission` hook lets `user` do `action` here (true without one).
    fn allows(&self, user: &User, action: &str) -> bool;

    /// The display string of the object with key `pk`, if `user` sees it (the `queryset`
    /// hook).
    fn display_of<'a>(
        &'a self,
        db: &'a Database,
        user: &'a User,
        pk: &'a str,
    ) -> BoxFuture<'a, Result<Option<String>>>;

    /// Whether a `queryset` hook narrows the rows staff see.
    fn scoped(&self) -> bool;

    /// The `date_hierarchy` field.
    fn date_hierarchy(&self) -> Option<&'static str>;

    /// The `list_editable` columns.
    fn list_editable(&self) -> &[&'static str];

    /// Saves the rows of a change list's form (`form-<n>-<field>`, `form-<n>-_pk`) in one
    /// transaction: the keys and display strings of the rows changed, or every refused
    /// row's form by key (nothing saved).
    #[allow(clippy::type_complexity)]
    fn save_list<'a>(
        &'a self,
        db: &'a Database,
        user: &'a User,
        data: &'a FormData,
    ) -> BoxFuture<'a, Result<std::result::Result<Vec<Saved>, HashMap<String, BoundForm>>>>;

    /// The `autocomplete_fields`.
    fn autocomplete_fields(&self) -> &[&'static str];

    /// One page (1-based) of the rows `user` sees matching `term` by the search fields, as
    /// `(key, display)`, and whether more follow: what an autocomplete box offers.
    fn autocomplete<'a>(
        &'a self,
        db: &'a Database,
        user: &'a User,
        term: &'a str,
        page: u64,
    ) -> BoxFuture<'a, Result<Found>>;

    /// The `filter_horizontal` fields.
    fn filter_horizontal(&self) -> &[&'static str];

    /// The prepopulated fields, `(field, from)`.
    fn prepopulated(&self) -> &[(&'static str, Vec<&'static str>)];

    /// The columns that link to the object's page.
    fn links(&self) -> &[&'static str];

    /// Up to `limit` of the rows `user` sees, as `(key, display)`, for a filter's choices.
    fn choices<'a>(
        &'a self,
        db: &'a Database,
        user: &'a User,
        limit: u64,
    ) -> BoxFuture<'a, Result<Vec<(String, String)>>>;
}
