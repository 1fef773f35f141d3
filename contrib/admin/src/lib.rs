//! # The admin site for Alder
//!
//! Django's `django.contrib.admin`: register a model and staff get pages to list, search,
//! filter, sort, add, change and delete its rows, with forms, labels, help text, choices and
//! validation taken from the model's metadata — nothing written twice. Every page checks that
//! the user is active staff and holds the model's `view`, `add`, `change` or `delete`
//! permission (a superuser holds them all).
//!
//! ```
//! use alder_db::{Auto, Model};
//! use alder_admin::ModelAdmin;
//!
//! #[derive(Model, alder_web::forms::Form, Default)]
//! #[model(app = "blog", display = "{title}")]
//! pub struct Post { pub id: Auto<i64>, pub title: String, pub published: bool }
//!
//! let admin = alder_admin::site()
//!     .register(ModelAdmin::<Post>::new()
//!         .list_display(["title", "published"])
//!         .search_fields(["title"])
//!         .list_filter(["published"])
//!         .blank(Post::default));
//! // In the project, after the sessions, messages and auth apps:
//! let project = alder_web::Project::new(alder_web::Settings::debug())
//!     .app(admin.app()); // /admin/
//! ```
//!
//! The guide's chapter is `docs/admin.md`.

mod auth_admin;
mod entry;
mod filters;
mod history;
mod inlines;
mod layout;
mod login;
pub mod migrations;
mod options;
mod password;
mod views;

use std::collections::HashMap;
use std::sync::Arc;

use alder_web::forms::ModelForm;
use alder_web::routing::get;
use alder_web::App;

pub use filters::ListFilter;
pub use history::{LogEntry, ADDITION, CHANGE, DELETION};
pub use layout::Fieldset;
pub use options::ModelAdmin;

/// What the admin percent-encodes in the URLs it writes: all but letters, digits and the
/// unreserved `-._~` (RFC 3986), so `author__exact` stays readable.
pub(crate) const URL_ENCODE: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The built-in action that deletes the selected objects after a confirmation.
pub(crate) const DELETE_SELECTED: &str = "delete_selected";

use entry::{Entries, Entry, Typed};

/// The models an admin shows, and its title; [`site`] starts one, [`AdminSite::app`] turns it
/// into the app a project installs.
pub struct AdminSite {
    title: String,
    entries: Vec<Arc<dyn Entry>>,
    /// What is wrong with a registration, by the model's table: registering the model
    /// again, or taking it out, forgets it.
    problems: Vec<(&'static str, String)>,
}

/// An admin site titled "Site administration" showing the auth app's users and groups, as
/// Django's does once `django.contrib.auth` is installed ([`AdminSite::unregister`] takes
/// them out).
pub fn site() -> AdminSite {
    AdminSite {
        title: "Site administration".into(),
        entries: Vec::new(),
        problems: Vec::new(),
    }
    .register(auth_admin::users())
    .register(auth_admin::groups())
}

impl AdminSite {
    /// The title on every page (Django's `site_header`).
    ///
    /// ```
    /// let admin = alder_admin::site().title("Blog administration");
    /// ```
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = title.into();
        self
    }

    /// Shows model `M` with these options (Django's `admin.site.register(Post, PostAdmin)`).
    /// `M` derives `Model` and `Form`; options that name no field of it stop the project at
    /// start-up, saying which. Registering a model twice keeps the last options.
    pub fn register<M>(mut self, admin: ModelAdmin<M>) -> Self
    where
        M: ModelForm + Send + Sync + 'static,
    {
        let table = M::META.table;
        self.problems.retain(|(t, _)| *t != table);
        self.entries.retain(|e| e.meta().table != table);
        if let Err(problem) = admin.check() {
            self.problems.push((table, problem));
        }
        match Typed::new(admin) {
            Ok(typed) => self.entries.push(Arc::new(typed)),
            Err(problem) => self.problems.push((table, problem)),
        }
        self
    }

    /// Takes model `M` out of the admin (Django's `admin.site.unregister`), e.g. the users
    /// and groups [`site`] shows by default.
    ///
    /// ```
    /// let admin = alder_admin::site().unregister::<alder_auth::models::Group>();
    /// ```
    pub fn unregister<M: alder_db::Model>(mut self) -> Self {
        self.entries.retain(|e| e.meta().table != M::META.table);
        self.problems.retain(|(t, _)| *t != M::META.table);
        self
    }

    /// The app serving the admin under `/admin/` (mount it elsewhere with
    /// `Project::mount`). It needs the sessions, messages and auth apps before it.
    pub fn app(self) -> App {
        let mut problems: Vec<String> = self.problems.iter().map(|(_, p)| p.clone()).collect();
        problems.extend(unregistered_filters(&self.entries));
        let site = Site::new(self);
        App::new("admin")
            .prefix("/admin")
            .model::<LogEntry>()
            .migrations(
                migrations::all(),
                concat!(env!("CARGO_MANIFEST_DIR"), "/src/migrations"),
            )
            .templates(alder_web::embed_dir!("templates"))
            .static_files(alder_web::embed_dir!("static"))
            .extension(site)
            .try_project_layer_with_state(move |_state| {
                if let Some(problem) = problems.first() {
                    return Err(alder_web::Error::Config(problem.clone()));
                }
                // Nothing to wrap: the layer is how bad options stop the build.
                Ok(tower::layer::util::Identity::new())
            })
            .route("/", get(views::index), "index")
            .route(
                "/login/",
                get(login::login_page).post(login::login),
                "login",
            )
            .route(
                "/logout/",
                alder_web::routing::post(login::logout),
                "logout",
            )
            .route("/autocomplete/", get(views::autocomplete), "autocomplete")
            .route(
                "/{app}/{model}/",
                get(views::changelist).post(views::action),
                "changelist",
            )
            .route(
                "/{app}/{model}/add/",
                get(views::add_page).post(views::add),
                "add",
            )
            .route(
                "/{app}/{model}/{pk}/change/",
                get(views::change_page).post(views::change),
                "change",
            )
            .route(
                "/auth/user/{pk}/password/",
                get(password::password_page).post(password::password),
                "user_password",
            )
            .route(
                "/{app}/{model}/{pk}/history/",
                get(views::history),
                "history",
            )
            .route(
                "/{app}/{model}/{pk}/delete/",
                get(views::delete_page).post(views::delete),
                "delete",
            )
    }
}

/// Filters on foreign keys, and `key__field` columns, to models this admin does not show:
/// there would be no choices to offer, no rows to read.
fn unregistered_filters(entries: &[Arc<dyn Entry>]) -> Vec<String> {
    let mut out = Vec::new();
    for entry in entries {
        let meta = entry.meta();
        for name in entry.autocomplete_fields() {
            let Some(relation) = meta.field(name).ok().and_then(|f| f.relation) else {
                continue;
            };
            let target = (relation.target)();
            match entries.iter().find(|e| e.meta().table == target.table) {
                Some(e) if e.search_fields().is_empty() => out.push(format!(
                    "admin of {}: autocomplete_fields names `{name}`, but the admin of {} has no \
                     search_fields to search it by",
                    meta.name, target.name
                )),
                Some(_) => {}
                None => out.push(format!(
                    "admin of {}: autocomplete_fields names `{name}`, a key to {}, which this \
                     admin does not show; register {} with search_fields",
                    meta.name, target.name, target.name
                )),
            }
        }
        let filters = entry.list_filter().iter().map(|n| ("list_filter", *n));
        let columns = entry
            .columns()
            .iter()
            .filter_map(|n| Some(("list_display", n.split_once("__")?.0)));
        for (option, name) in filters.chain(columns) {
            let Some(relation) = meta.field(name).ok().and_then(|f| f.relation) else {
                continue;
            };
            let target = (relation.target)();
            if !entries.iter().any(|e| e.meta().table == target.table) {
                out.push(format!(
                    "admin of {}: {option} names `{name}`, a key to {}, which this admin does \
                     not show; register {} too",
                    meta.name, target.name, target.name
                ));
            }
        }
    }
    out
}

/// The registered models, found by URL (`blog/post`) or by table.
#[derive(Clone)]
pub(crate) struct Site(Arc<SiteInner>);

pub(crate) struct SiteInner {
    pub(crate) title: String,
    pub(crate) entries: Vec<Arc<dyn Entry>>,
    by_url: HashMap<(String, String), usize>,
    by_table: HashMap<&'static str, usize>,
}

impl Site {
    fn new(admin: AdminSite) -> Self {
        let mut entries = admin.entries;
        // The index lists apps and their models alphabetically, as Django's.
        entries.sort_by(|a, b| {
            (a.meta().app_label, a.meta().verbose_name_plural)
                .cmp(&(b.meta().app_label, b.meta().verbose_name_plural))
        });
        let by_url = entries
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let meta = e.meta();
                ((meta.app_label.to_owned(), meta.name.to_lowercase()), i)
            })
            .collect();
        let by_table = entries
            .iter()
            .enumerate()
            .map(|(i, e)| (e.meta().table, i))
            .collect();
        Site(Arc::new(SiteInner {
            title: admin.title,
            entries,
            by_url,
            by_table,
        }))
    }

    pub(crate) fn inner(&self) -> &SiteInner {
        &self.0
    }

    pub(crate) fn entry_arc(&self, app: &str, model: &str) -> Option<Arc<dyn Entry>> {
        self.0
            .by_url
            .get(&(app.to_owned(), model.to_owned()))
            .map(|&i| self.0.entries[i].clone())
    }

    pub(crate) fn entry(&self, app: &str, model: &str) -> Option<&dyn Entry> {
        self.0
            .by_url
            .get(&(app.to_owned(), model.to_owned()))
            .map(|&i| &*self.0.entries[i])
    }
}

impl Entries for Site {
    fn by_table(&self, table: &str) -> Option<&dyn Entry> {
        self.0.by_table.get(table).map(|&i| &*self.0.entries[i])
    }
}
