//! What a project says about one model's admin pages (Django's `ModelAdmin` options).

use std::future::Future;
use std::sync::Arc;

use alder_db::{Database, Model};
use futures_util::future::BoxFuture;

/// A custom action's body: the selected objects in, a message for the user out.
pub(crate) type ActionFn<M> =
    Arc<dyn Fn(Database, Vec<M>) -> BoxFuture<'static, alder_web::Result<String>> + Send + Sync>;

/// A computed column's body: the object in, the text of its cell out.
pub(crate) type ShowFn<M> = Arc<dyn Fn(&M) -> String + Send + Sync>;

/// A column of the change list that is not a field (Django's `@admin.display` method).
pub(crate) struct Computed<M> {
    pub(crate) name: &'static str,
    pub(crate) label: &'static str,
    pub(crate) show: ShowFn<M>,
}

/// The `queryset` hook: the rows a user sees.
pub(crate) type ScopeFn<M> = Arc<
    dyn Fn(alder_db::QuerySet<M>, &alder_auth::models::User) -> alder_db::QuerySet<M> + Send + Sync,
>;
/// The `before_save` hook: the object, the user, whether it is being added.
pub(crate) type BeforeSaveFn<M> =
    Arc<dyn Fn(&mut M, &alder_auth::models::User, bool) + Send + Sync>;
/// The `permission` hook: the user and the action (`view`, `add`, `change`, `delete`).
pub(crate) type PermissionFn = Arc<dyn Fn(&alder_auth::models::User, &str) -> bool + Send + Sync>;

/// One action of the change list's action bar.
pub(crate) struct Action<M> {
    pub(crate) name: &'static str,
    pub(crate) label: &'static str,
    pub(crate) run: ActionFn<M>,
}

/// How the admin shows one model: its change list's columns, search, filters and order, and
/// how a new object starts. Every option has a default from the model's metadata, so
/// `ModelAdmin::new()` alone gives a usable list and form.
///
/// ```
/// # use alder_db::{Auto, Model};
/// # #[derive(Model, alder_web::forms::Form, Default)]
/// # struct Post { id: Auto<i64>, title: String, published: bool }
/// let admin = alder_admin::ModelAdmin::<Post>::new()
///     .list_display(["title", "published"])
///     .search_fields(["title"])
///     .list_filter(["published"])
///     .list_per_page(50)
///     .blank(Post::default);
/// ```
pub struct ModelAdmin<M> {
    pub(crate) list_display: Vec<&'static str>,
    pub(crate) list_display_links: Option<Vec<&'static str>>,
    pub(crate) list_editable: Vec<&'static str>,
    pub(crate) date_hierarchy: Option<&'static str>,
    pub(crate) computed: Vec<Computed<M>>,
    pub(crate) search_fields: Vec<&'static str>,
    pub(crate) list_filter: Vec<&'static str>,
    pub(crate) custom_filters: Vec<crate::ListFilter<M>>,
    pub(crate) ordering: Vec<&'static str>,
    pub(crate) list_per_page: u64,
    pub(crate) blank: Option<fn() -> M>,
    pub(crate) actions: Vec<Action<M>>,
    pub(crate) inlines: Vec<Box<dyn crate::inlines::Inline<M>>>,
    pub(crate) add_fields: Vec<&'static str>,
    pub(crate) fields: Vec<&'static str>,
    pub(crate) fieldsets: Vec<crate::Fieldset>,
    pub(crate) exclude: Vec<&'static str>,
    pub(crate) readonly_fields: Vec<&'static str>,
    pub(crate) prepopulated: Vec<(&'static str, Vec<&'static str>)>,
    pub(crate) filter_horizontal: Vec<&'static str>,
    pub(crate) autocomplete_fields: Vec<&'static str>,
    pub(crate) scope: Option<ScopeFn<M>>,
    pub(crate) before_save: Option<BeforeSaveFn<M>>,
    pub(crate) permission: Option<PermissionFn>,
}

impl<M: Model> Default for ModelAdmin<M> {
    fn default() -> Self {
        Self::new()
    }
}

impl<M: Model> ModelAdmin<M> {
    /// The defaults: one column with each object's display string (Django's `__str__`), no
    /// search or filters, the model's own ordering, 100 rows a page, and no "add" page until
    /// [`blank`](Self::blank) says how a new object starts.
    pub fn new() -> Self {
        ModelAdmin {
            list_display: vec!["__str__"],
            list_display_links: None,
            list_editable: Vec::new(),
            date_hierarchy: None,
            computed: Vec::new(),
            search_fields: Vec::new(),
            list_filter: Vec::new(),
            custom_filters: Vec::new(),
            ordering: Vec::new(),
            list_per_page: 100,
            blank: None,
            actions: Vec::new(),
            inlines: Vec::new(),
            add_fields: Vec::new(),
            fields: Vec::new(),
            fieldsets: Vec::new(),
            exclude: Vec::new(),
            readonly_fields: Vec::new(),
            prepopulated: Vec::new(),
            filter_horizontal: Vec::new(),
            autocomplete_fields: Vec::new(),
            scope: None,
            before_save: None,
            permission: None,
        }
    }

    /// The fields of the add and change pages, in this order (Django's `fields`); the
    /// form's other fields keep their stored values (on the add page, the
    /// [`blank`](Self::blank)'s), and a value posted for them is ignored. Names in
    /// [`readonly_fields`](Self::readonly_fields) are shown as text where they stand.
    ///
    /// ```
    /// # use alder_db::{Auto, Model};
    /// # #[derive(Model, alder_web::forms::Form, Default)]
    /// # struct Post { id: Auto<i64>, title: String, body: String, views: i64 }
    /// let admin = alder_admin::ModelAdmin::<Post>::new().fields(["title", "body", "views"]).readonly_fields(["views"]);
    /// ```
    pub fn fields<I: IntoIterator<Item = &'static str>>(mut self, fields: I) -> Self {
        self.fields = fields.into_iter().collect();
        self
    }

    /// The add and change pages in titled sections (Django's `fieldsets`), each a
    /// [`Fieldset`](crate::Fieldset) that may start folded; replaces
    /// [`fields`](Self::fields).
    ///
    /// ```
    /// # use alder_db::{Auto, Model};
    /// # #[derive(Model, alder_web::forms::Form, Default)]
    /// # struct Post { id: Auto<i64>, title: String, body: String, slug: String }
    /// use alder_admin::Fieldset;
    /// let admin = alder_admin::ModelAdmin::<Post>::new()
    ///     .fieldset(Fieldset::new("", ["title", "body"]))
    ///     .fieldset(Fieldset::new("Advanced", ["slug"]).collapsed());
    /// ```
    pub fn fieldset(mut self, fieldset: crate::Fieldset) -> Self {
        self.fieldsets.push(fieldset);
        self
    }

    /// Form fields left off the add and change pages (Django's `exclude`): they keep
    /// their stored values.
    pub fn exclude<I: IntoIterator<Item = &'static str>>(mut self, fields: I) -> Self {
        self.exclude = fields.into_iter().collect();
        self
    }

    /// Fields shown as text on the add and change pages, never edited there (Django's
    /// `readonly_fields`): any field of the model, in the form or not (a creation date, a
    /// counter). Without [`fields`](Self::fields) or fieldsets they come after the form.
    pub fn readonly_fields<I: IntoIterator<Item = &'static str>>(mut self, fields: I) -> Self {
        self.readonly_fields = fields.into_iter().collect();
        self
    }

    /// Fills `field` from `from` as they are typed in (Django's `prepopulated_fields`): a
    /// slug from the title, lower case, accents and punctuation taken out, words joined by
    /// hyphens, cut to the field's length. Only while `field` is empty when the page opens
    /// and not typed in, so editing an object never rewrites its slug; it needs JavaScript.
    ///
    /// ```
    /// # use alder_db::{Auto, Model};
    /// # #[derive(Model, alder_web::forms::Form, Default)]
    /// # struct Post { id: Auto<i64>, title: String, slug: String }
    /// let admin = alder_admin::ModelAdmin::<Post>::new().prepopulated("slug", ["title"]);
    /// ```
    pub fn prepopulated<I: IntoIterator<Item = &'static str>>(
        mut self,
        field: &'static str,
        from: I,
    ) -> Self {
        self.prepopulated.retain(|(f, _)| *f != field);
        self.prepopulated.push((field, from.into_iter().collect()));
        self
    }

    /// Many-to-many fields drawn as two boxes, the rows available (with a box to filter
    /// them) and the rows chosen, with buttons between (Django's `filter_horizontal`) —
    /// for long lists such as a group's permissions. The form's own multiple select is the
    /// one submitted; without JavaScript it shows as it is.
    ///
    /// ```
    /// # use alder_db::{Auto, ManyToMany, Model};
    /// # #[derive(Model, alder_web::forms::Form, Default)] struct Tag { id: Auto<i64>, name: String }
    /// # #[derive(Model, alder_web::forms::Form, Default)]
    /// # struct Post { id: Auto<i64>, title: String, #[model(blank)] tags: ManyToMany<Tag> }
    /// let admin = alder_admin::ModelAdmin::<Post>::new().filter_horizontal(["tags"]);
    /// ```
    pub fn filter_horizontal<I: IntoIterator<Item = &'static str>>(mut self, fields: I) -> Self {
        self.filter_horizontal = fields.into_iter().collect();
        self
    }

    /// Foreign keys chosen by searching instead of from a select of every row (Django's
    /// `autocomplete_fields`): the form loads none of the rows, and a search box asks the
    /// admin's JSON endpoint (`/admin/autocomplete/`) for matches, twenty at a time, with
    /// the search fields of the model pointed to — which must be registered with
    /// `search_fields`. The key chosen is still checked on save.
    ///
    /// ```
    /// # use alder_db::{Auto, ForeignKey, Model};
    /// # #[derive(Model, alder_web::forms::Form, Default)] struct Author { id: Auto<i64>, name: String }
    /// # #[derive(Model, alder_web::forms::Form)] struct Post { id: Auto<i64>, author: ForeignKey<Author> }
    /// let admin = alder_admin::site()
    ///     .register(alder_admin::ModelAdmin::<Author>::new().search_fields(["name"]))
    ///     .register(alder_admin::ModelAdmin::<Post>::new().autocomplete_fields(["author"]));
    /// ```
    pub fn autocomplete_fields<I: IntoIterator<Item = &'static str>>(mut self, fields: I) -> Self {
        self.autocomplete_fields = fields.into_iter().collect();
        self
    }

    /// The rows a staff member sees in this model's admin (Django's `get_queryset`): the
    /// change list, the object pages, actions and deletes all start from it, so a row it
    /// leaves out answers 404.
    ///
    /// ```
    /// # use alder_db::{Auto, Model};
    /// # #[derive(Model, alder_web::forms::Form, Default)]
    /// # struct Post { id: Auto<i64>, title: String, owner: i64 }
    /// // Staff see their own posts; superusers see every one.
    /// let admin = alder_admin::ModelAdmin::<Post>::new().queryset(|posts, user| {
    ///     if user.is_superuser { posts } else { posts.filter(Post::owner().eq(user.id.get().unwrap_or_default())) }
    /// });
    /// ```
    pub fn queryset<F>(mut self, scope: F) -> Self
    where
        F: Fn(alder_db::QuerySet<M>, &alder_auth::models::User) -> alder_db::QuerySet<M>
            + Send
            + Sync
            + 'static,
    {
        self.scope = Some(Arc::new(scope));
        self
    }

    /// Runs on the object before the add or change form is applied and saved (for what
    /// Django's `save_model` usually does: fill in a field the form leaves out from the
    /// user); `adding` says whether it is new. Fields the form shows are then set from it.
    ///
    /// ```
    /// # use alder_db::{Auto, Model};
    /// # #[derive(Model, alder_web::forms::Form, Default)]
    /// # struct Post { id: Auto<i64>, title: String, owner: i64 }
    /// let admin = alder_admin::ModelAdmin::<Post>::new()
    ///     .exclude(["owner"])
    ///     .before_save(|post, user, adding| {
    ///         if adding { post.owner = user.id.get().unwrap_or_default(); }
    ///     });
    /// ```
    pub fn before_save<F>(mut self, hook: F) -> Self
    where
        F: Fn(&mut M, &alder_auth::models::User, bool) + Send + Sync + 'static,
    {
        self.before_save = Some(Arc::new(hook));
        self
    }

    /// A rule of your own on top of the model's permissions (Django's
    /// `has_view_permission`, `has_add_permission`, `has_change_permission`,
    /// `has_delete_permission`): `allows(user, action)` with `action` one of `view`, `add`,
    /// `change`, `delete`; both must agree, for superusers too.
    ///
    /// ```
    /// # use alder_db::{Auto, Model};
    /// # #[derive(Model, alder_web::forms::Form, Default)]
    /// # struct Invoice { id: Auto<i64>, total: i64 }
    /// // Invoices are never deleted from the admin, whoever asks.
    /// let admin = alder_admin::ModelAdmin::<Invoice>::new().permission(|_user, action| action != "delete");
    /// ```
    pub fn permission<F>(mut self, allows: F) -> Self
    where
        F: Fn(&alder_auth::models::User, &str) -> bool + Send + Sync + 'static,
    {
        self.permission = Some(Arc::new(allows));
        self
    }

    /// The only fields of the "add" page (Django's `add_fieldsets`), the rest left as
    /// [`blank`](Self::blank) makes them; anything else posted is ignored. The users' admin
    /// asks for the username and address only, so adding a user cannot make a superuser.
    pub fn add_fields<I: IntoIterator<Item = &'static str>>(mut self, fields: I) -> Self {
        self.add_fields = fields.into_iter().collect();
        self
    }

    /// Edits the objects pointing at this one on its change page (Django's `inlines` with a
    /// `StackedInline`): each child is a form, with blank ones to add and a box to delete,
    /// saved with the object in one transaction. The formset says which key points here and
    /// how a new child starts; leave that key out of the child's form.
    ///
    /// ```
    /// # use alder_db::{Auto, ForeignKey, Model};
    /// # use alder_web::forms::{Form, InlineFormSet};
    /// # #[derive(Model, Form, Default)] struct Post { id: Auto<i64>, title: String }
    /// # #[derive(Model, Form)] #[form(fields = "text")]
    /// # struct Comment { id: Auto<i64>, post: ForeignKey<Post>, text: String }
    /// let admin = alder_admin::ModelAdmin::<Post>::new().inline(
    ///     InlineFormSet::new(Comment::post(), |post| Comment { id: Auto::new(), post, text: String::new() })
    ///         .with(|set| set.extra(1)),
    /// );
    /// ```
    pub fn inline<C>(mut self, set: alder_web::forms::InlineFormSet<M, C>) -> Self
    where
        C: alder_web::forms::ModelForm + Send + Sync + 'static,
        alder_web::forms::InlineFormSet<M, C>: Send + Sync,
    {
        self.inlines.push(Box::new(set));
        self
    }

    /// [`inline`](Self::inline) drawn as a table, a row per child and a column per field
    /// (Django's `TabularInline`): for children of a few short fields.
    pub fn tabular_inline<C>(mut self, set: alder_web::forms::InlineFormSet<M, C>) -> Self
    where
        C: alder_web::forms::ModelForm + Send + Sync + 'static,
        alder_web::forms::InlineFormSet<M, C>: Send + Sync,
    {
        self.inlines.push(Box::new(crate::inlines::Tabular(set)));
        self
    }

    /// Adds an action to the change list's action bar (Django's `actions`, with
    /// `@admin.action(description=…)`): `run` gets the selected objects and returns the
    /// message shown afterwards. Running it needs the model's `change` permission. "Delete
    /// selected" is always there for users who may delete.
    ///
    /// ```
    /// # use alder_db::{Auto, Model, Database};
    /// # #[derive(Model, alder_web::forms::Form, Default)]
    /// # struct Post { id: Auto<i64>, title: String, published: bool }
    /// let admin = alder_admin::ModelAdmin::<Post>::new().action(
    ///     "publish",
    ///     "Publish selected posts",
    ///     |db: Database, posts: Vec<Post>| async move {
    ///         for mut post in posts {
    ///             post.published = true;
    ///             post.save(&db).await?;
    ///         }
    ///         Ok("Published.".to_string())
    ///     },
    /// );
    /// ```
    pub fn action<F, Fut>(mut self, name: &'static str, label: &'static str, run: F) -> Self
    where
        F: Fn(Database, Vec<M>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = alder_web::Result<String>> + Send + 'static,
    {
        self.actions.retain(|a| a.name != name);
        self.actions.push(Action {
            name,
            label,
            run: Arc::new(move |db, objects| Box::pin(run(db, objects))),
        });
        self
    }

    /// The change list's columns: field names, `"__str__"` for the display string,
    /// `key__field` for a field of the row a foreign key points to (`"author__name"`; its
    /// model registered in the same admin), or a [`column`](Self::column)'s name. The first
    /// links to the object's page; every column but `__str__` and computed ones sorts.
    pub fn list_display<I: IntoIterator<Item = &'static str>>(mut self, fields: I) -> Self {
        self.list_display = fields.into_iter().collect();
        self
    }

    /// The columns that link to the object's page (Django's `list_display_links`); the
    /// first column by default, none for an empty list.
    pub fn list_display_links<I: IntoIterator<Item = &'static str>>(mut self, fields: I) -> Self {
        self.list_display_links = Some(fields.into_iter().collect());
        self
    }

    /// Columns edited right in the change list (Django's `list_editable`): each row's cells
    /// of these fields are inputs, and **Save** under the list saves every changed row in
    /// one transaction — or none, the list coming back with each row's errors. Fields of
    /// `list_display` only, not the ones that link to the object; for staff who may change.
    ///
    /// ```
    /// # use alder_db::{Auto, Model};
    /// # #[derive(Model, alder_web::forms::Form, Default)]
    /// # struct Book { id: Auto<i64>, title: String, pages: i32, in_print: bool }
    /// let admin = alder_admin::ModelAdmin::<Book>::new()
    ///     .list_display(["title", "pages", "in_print"])
    ///     .list_editable(["pages", "in_print"]);
    /// ```
    pub fn list_editable<I: IntoIterator<Item = &'static str>>(mut self, fields: I) -> Self {
        self.list_editable = fields.into_iter().collect();
        self
    }

    /// A drill-down by date above the change list (Django's `date_hierarchy`): the years
    /// between the first and the last row's date, then a year's months, then a month's
    /// days (`?published_at__year=2026&published_at__month=12`), within the search and
    /// filters in force; two queries whatever the number of rows.
    ///
    /// ```
    /// # use alder_db::{Auto, Model};
    /// # #[derive(Model, alder_web::forms::Form, Default)]
    /// # struct Post { id: Auto<i64>, title: String, published_at: Option<alder_db::chrono::NaiveDate> }
    /// let admin = alder_admin::ModelAdmin::<Post>::new().date_hierarchy("published_at");
    /// ```
    pub fn date_hierarchy(mut self, field: &'static str) -> Self {
        self.date_hierarchy = Some(field);
        self
    }

    /// A computed column for [`list_display`](Self::list_display) (Django's method with
    /// `@admin.display(description=…)`): `show` turns an object into its cell's text.
    ///
    /// ```
    /// # use alder_db::{Auto, Model};
    /// # #[derive(Model, alder_web::forms::Form, Default)]
    /// # struct Post { id: Auto<i64>, title: String, body: String }
    /// let admin = alder_admin::ModelAdmin::<Post>::new()
    ///     .column("words", "Words", |post: &Post| post.body.split_whitespace().count().to_string())
    ///     .list_display(["title", "words"]);
    /// ```
    pub fn column<F>(mut self, name: &'static str, label: &'static str, show: F) -> Self
    where
        F: Fn(&M) -> String + Send + Sync + 'static,
    {
        self.computed.retain(|c| c.name != name);
        self.computed.push(Computed {
            name,
            label,
            show: Arc::new(show),
        });
        self
    }

    /// The fields the search box looks in (case-insensitive `contains`; `^name` for starts
    /// with, `=name` for equals; `author__name` through a relation). Without any, no box.
    pub fn search_fields<I: IntoIterator<Item = &'static str>>(mut self, fields: I) -> Self {
        self.search_fields = fields.into_iter().collect();
        self
    }

    /// Fields offered in the filter sidebar: booleans, fields with choices, foreign keys (to
    /// a model registered in the same admin), and dates ("Today", "Past 7 days", "This
    /// month", "This year"); a nullable one offers "None" too.
    pub fn list_filter<I: IntoIterator<Item = &'static str>>(mut self, fields: I) -> Self {
        self.list_filter = fields.into_iter().collect();
        self
    }

    /// A filter of your own in the sidebar, after the fields' (Django's `SimpleListFilter`).
    pub fn filter(mut self, filter: crate::ListFilter<M>) -> Self {
        self.custom_filters
            .retain(|f| f.parameter != filter.parameter);
        self.custom_filters.push(filter);
        self
    }

    /// The change list's order when the visitor picks none (`"-published_at"`); the model's
    /// `ordering` by default.
    pub fn ordering<I: IntoIterator<Item = &'static str>>(mut self, fields: I) -> Self {
        self.ordering = fields.into_iter().collect();
        self
    }

    /// Rows per page of the change list.
    pub fn list_per_page(mut self, rows: u64) -> Self {
        self.list_per_page = rows.max(1);
        self
    }

    /// How a new object starts before its form is filled in: enables the "add" page.
    /// `Model::default` for a model that derives `Default`; a function otherwise (a foreign
    /// key's placeholder is replaced by the form's required choice).
    pub fn blank(mut self, make: fn() -> M) -> Self {
        self.blank = Some(make);
        self
    }

    /// The `key__field` columns, which the change list may sort by.
    pub(crate) fn related_paths(&self) -> alder_db::FieldPaths {
        alder_db::FieldPaths::new(
            self.list_display
                .iter()
                .copied()
                .filter(|n| n.contains("__") && *n != "__str__"),
        )
    }

    /// The paths the search fields may follow (their names without `^` or `=`).
    pub(crate) fn search_paths(&self) -> alder_db::FieldPaths {
        alder_db::FieldPaths::new(
            self.search_fields
                .iter()
                .map(|f| f.trim_start_matches(['^', '='])),
        )
    }

    /// The options checked against the model, at start-up: a name that is not a field is a
    /// configuration error naming it.
    pub(crate) fn check(&self) -> Result<(), String> {
        let meta = M::META;
        let named = |option: &str, name: &str| -> Result<&'static alder_db::FieldMeta, String> {
            meta.field(name).map_err(|_| {
                let known: Vec<_> = meta.fields.iter().map(|f| f.name).collect();
                format!(
                    "admin of {}: {option} names `{name}`, which is not a field; it has: {}",
                    meta.name,
                    known.join(", ")
                )
            })
        };
        for action in &self.actions {
            if action.name.is_empty() {
                return Err(format!("admin of {}: an action has no name", meta.name));
            }
            if action.name == crate::DELETE_SELECTED {
                return Err(format!(
                    "admin of {}: the action name `{}` is the admin's own",
                    meta.name, action.name
                ));
            }
        }
        if self.list_display.is_empty() {
            return Err(format!(
                "admin of {}: list_display is empty; give at least one column (\"__str__\" for the display string)",
                meta.name
            ));
        }
        for name in &self.list_display {
            if *name == "__str__" || self.computed.iter().any(|c| c.name == *name) {
                continue;
            }
            if let Some((key, field)) = name.split_once("__") {
                let target = named("list_display", key)?.relation.map(|r| (r.target)());
                let Some(target) = target else {
                    return Err(format!(
                        "admin of {}: list_display names `{name}`, but `{key}` is not a foreign key",
                        meta.name
                    ));
                };
                if target.field(field).is_err() {
                    let known: Vec<_> = target.fields.iter().map(|f| f.name).collect();
                    return Err(format!(
                        "admin of {}: list_display names `{name}`, but {} has no field `{field}`; it has: {}",
                        meta.name,
                        target.name,
                        known.join(", ")
                    ));
                }
                continue;
            }
            named("list_display", name)?;
        }
        for name in self.list_display_links.iter().flatten() {
            if !self.list_display.contains(name) {
                return Err(format!(
                    "admin of {}: list_display_links names `{name}`, which is not in list_display",
                    meta.name
                ));
            }
        }
        let links: &[&str] = match &self.list_display_links {
            Some(links) => links,
            None => &self.list_display[..1],
        };
        for name in &self.list_editable {
            let field = named("list_editable", name)?;
            let problem = if !self.list_display.contains(name) {
                Some("it is not in list_display")
            } else if links.contains(name) {
                Some("it links to the object's page (choose other list_display_links)")
            } else if !field.editable || field.file.is_some() {
                Some("it cannot be edited in a list")
            } else {
                None
            };
            if let Some(problem) = problem {
                return Err(format!(
                    "admin of {}: list_editable names `{name}`, but {problem}",
                    meta.name
                ));
            }
        }
        if let Some(name) = self.date_hierarchy {
            let field = named("date_hierarchy", name)?;
            if !matches!(
                field.kind,
                alder_db::FieldKind::Date
                    | alder_db::FieldKind::DateTime
                    | alder_db::FieldKind::NaiveDateTime
            ) {
                return Err(format!(
                    "admin of {}: date_hierarchy names `{name}`, which is not a date",
                    meta.name
                ));
            }
        }
        for column in &self.computed {
            if meta.field(column.name).is_ok() || column.name.contains("__") {
                return Err(format!(
                    "admin of {}: the column `{}` has the name of a field or a path; name it otherwise",
                    meta.name, column.name
                ));
            }
        }
        alder_db::QuerySet::<M>::new()
            .search(&self.search_paths(), &self.search_fields, "probe")
            .map_err(|err| format!("admin of {}: search_fields: {err}", meta.name))?;
        for name in &self.ordering {
            named("ordering", name.trim_start_matches('-'))?;
        }
        for name in &self.autocomplete_fields {
            if named("autocomplete_fields", name)?.relation.is_none() {
                return Err(format!(
                    "admin of {}: autocomplete_fields names `{name}`, which is not a foreign key",
                    meta.name
                ));
            }
        }
        for name in &self.filter_horizontal {
            if !meta.many_to_many.iter().any(|m| m.name == *name) {
                let known: Vec<_> = meta.many_to_many.iter().map(|m| m.name).collect();
                return Err(format!(
                    "admin of {}: filter_horizontal names `{name}`, which is not a many-to-many \
                     field; it has: {}",
                    meta.name,
                    if known.is_empty() {
                        "none".to_string()
                    } else {
                        known.join(", ")
                    }
                ));
            }
        }
        for (field, from) in &self.prepopulated {
            named("prepopulated", field)?;
            for name in from {
                named("prepopulated", name)?;
            }
        }
        for name in &self.list_filter {
            let field = named("list_filter", name)?;
            if !crate::filters::filterable(field) {
                return Err(format!(
                    "admin of {}: list_filter names `{name}`; only booleans, fields with choices, \
                     foreign keys and dates can be filtered by",
                    meta.name
                ));
            }
        }
        for filter in &self.custom_filters {
            let reserved = ["q", "o", "p", "_selected_action", "action"];
            if filter.parameter.is_empty()
                || reserved.contains(&filter.parameter)
                || filter.parameter.contains("__")
            {
                return Err(format!(
                    "admin of {}: the filter \"{}\" reads `?{}=`, which the change list keeps \
                     for itself or for a field's filter; choose another parameter",
                    meta.name, filter.title, filter.parameter
                ));
            }
        }
        Ok(())
    }
}
