//! `ProjectState`: what every handler can reach once the project is built.

use std::sync::Arc;

use crate::routing::Urls;
use crate::staticfiles::StaticFiles;
use crate::{Error, Result, Settings, Templates};

/// What every handler can reach: settings, URL table, templates, static files and the
/// project's extensions. Alder's extractors (`Templates`, `Urls`, …) read it; a handler can
/// also take `State<ProjectState>` itself.
#[derive(Clone, Debug)]
pub struct ProjectState {
    inner: Arc<StateInner>,
}

/// What the state holds; filled in by [`Project::build`](crate::Project::build).
#[derive(Debug)]
pub(crate) struct StateInner {
    pub(crate) settings: Arc<Settings>,
    pub(crate) urls: Urls,
    pub(crate) templates: Templates,
    pub(crate) static_files: Arc<StaticFiles>,
    pub(crate) storage: Arc<dyn crate::storage::Storage>,
    pub(crate) extensions: http::Extensions,
    pub(crate) database: Option<crate::database::SharedDatabase>,
    pub(crate) apps: Arc<Vec<alder_db::migrations::AppMigrations>>,
    pub(crate) registry: Arc<alder_db::Registry>,
    pub(crate) server_error_hooks: Vec<crate::server_errors::ServerErrorFn>,
}

impl ProjectState {
    pub(crate) fn new(inner: StateInner) -> Self {
        ProjectState {
            inner: Arc::new(inner),
        }
    }

    /// The project's settings.
    pub fn settings(&self) -> &Arc<Settings> {
        &self.inner.settings
    }

    /// The route table.
    pub fn urls(&self) -> &Urls {
        &self.inner.urls
    }

    /// The template engine.
    pub fn templates(&self) -> &Templates {
        &self.inner.templates
    }

    /// The static files of the project and its apps.
    /// The apps' [`on_server_error`](crate::App::on_server_error) hooks, in app order.
    pub(crate) fn server_error_hooks(&self) -> &[crate::server_errors::ServerErrorFn] {
        &self.inner.server_error_hooks
    }

    pub(crate) fn static_files(&self) -> &StaticFiles {
        &self.inner.static_files
    }

    /// Whether `path` is under `static_url` or `media_url`: a file, never a page, so
    /// middleware that prepares pages (the current user, messages) can skip it.
    ///
    /// ```
    /// let site = alder_web::Project::new(alder_web::Settings::debug()).build().unwrap();
    /// assert!(site.state().is_file_path("/static/site.css"));
    /// assert!(!site.state().is_file_path("/posts/"));
    /// ```
    pub fn is_file_path(&self, path: &str) -> bool {
        let settings = &self.inner.settings;
        path.starts_with(&settings.static_url) || path.starts_with(&settings.media_url)
    }

    /// Where uploaded files are kept ([`Project::storage`](crate::Project::storage), by
    /// default the disk under `media_root`).
    pub fn storage(&self) -> &Arc<dyn crate::storage::Storage> {
        &self.inner.storage
    }

    /// The project's database, connected on first use; an error when none is configured or
    /// it cannot be reached (answered with 503).
    pub async fn database(&self) -> Result<alder_db::Database> {
        let lazy = self.inner.database.as_ref().ok_or_else(|| {
            Error::Config(
                "this project has no database: set DATABASE_URL (or ALDER_DATABASE_URL)".into(),
            )
        })?;
        Ok(lazy.get().await?)
    }

    /// Every app's models and migrations, for the migration commands and the admin.
    pub fn apps(&self) -> &[alder_db::migrations::AppMigrations] {
        &self.inner.apps
    }

    /// The installed models by app (Django's `django.apps.apps`): app labels and reverse
    /// relations, for the admin and the delete collector. Built once, at start-up.
    ///
    /// ```
    /// use alder_web::{App, Project, Settings, db::{Auto, Model}};
    /// #[derive(Model)]
    /// struct Note { id: Auto<i64> }
    /// let site = Project::new(Settings::debug()).app(App::new("notes").model::<Note>()).build().unwrap();
    /// assert_eq!(site.state().registry().app_label(Note::META), Some("notes"));
    /// ```
    pub fn registry(&self) -> &alder_db::Registry {
        &self.inner.registry
    }

    /// A value shared with [`Project::extension`](crate::Project::extension) or
    /// [`App::extension`](crate::App::extension).
    pub fn extension<T: Clone + Send + Sync + 'static>(&self) -> Option<&T> {
        self.inner.extensions.get::<T>()
    }
}
