//! `Project`: settings plus the list of apps, built once at start-up into a [`Site`].

use std::sync::Arc;

use axum::Router;

use crate::app::Command;
use crate::hooks::{boxed_layer, boxed_layer_with_state, filter_hook, RouteLayer, RouterLayer};
use crate::routing::{get, UrlsBuilder};
use crate::state::StateInner;
use crate::staticfiles::StaticFiles;
use crate::templates::{Engine, EnvHook, TemplateSource};
use crate::{middleware, App, Error, Files, ProjectState, Result, Settings, Site, Templates};

/// A whole site: settings and apps, like a Django project. Its `main` is also its
/// `manage.py`: [`run_cli`](Project::run_cli) offers `runserver`, `check`, `routes`,
/// `collectstatic` and the apps' own commands.
///
/// ```no_run
/// # async fn run() -> alder_web::Result<()> {
/// use alder_web::{App, Project, routing::get};
/// Project::from_env()
///     .app(App::new("pages").route("/", get(|| async { "home" }), "home"))
///     .run_cli()
///     .await
/// # }
/// ```
pub struct Project {
    pub(crate) settings: Result<Settings>,
    apps: Vec<App>,
    env_hooks: Vec<EnvHook>,
    layers: Vec<RouterLayer>,
    extensions: http::Extensions,
    storage: Option<Arc<dyn crate::storage::Storage>>,
    pub(crate) capture_templates: bool,
}

impl std::fmt::Debug for Project {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Project")
            .field("settings", &self.settings)
            .field("apps", &self.apps)
            .finish_non_exhaustive()
    }
}

impl Project {
    /// A project with the given settings and no apps yet.
    pub fn new(settings: Settings) -> Self {
        Project {
            settings: Ok(settings),
            apps: Vec::new(),
            env_hooks: Vec::new(),
            layers: Vec::new(),
            extensions: http::Extensions::new(),
            storage: None,
            capture_templates: false,
        }
    }

    /// A project with settings from defaults, `alder.toml` and the environment. A settings
    /// error is reported when the project is built.
    pub fn from_env() -> Self {
        let mut project = Project::new(Settings::default());
        project.settings = Settings::from_env();
        project
    }

    /// Changes settings in code, after they are read from the file and the environment.
    ///
    /// ```
    /// let project = alder_web::Project::from_env().configure(|s| s.migrate_on_start = true);
    /// ```
    pub fn configure(mut self, change: impl FnOnce(&mut Settings)) -> Self {
        if let Ok(settings) = &mut self.settings {
            change(settings);
        }
        self
    }

    /// Adds an app, mounted at its own prefix.
    pub fn app(mut self, app: App) -> Self {
        self.apps.push(app);
        self
    }

    /// Adds an app mounted at `prefix` instead of its own, as Django's `include()` does.
    ///
    /// ```
    /// use alder_web::{App, Project, Settings, routing::get};
    /// let site = Project::new(Settings::debug())
    ///     .mount("/news", App::new("blog").route("/", get(|| async { "" }), "index"))
    ///     .build().unwrap();
    /// assert_eq!(site.urls().reverse("blog:index", ()).unwrap(), "/news/");
    /// ```
    pub fn mount(self, prefix: &str, app: App) -> Self {
        self.app(app.prefix(prefix))
    }

    /// Registers a template filter for every template.
    ///
    /// ```
    /// let project = alder_web::Project::new(alder_web::Settings::debug())
    ///     .template_filter("double", |n: i64| n * 2);
    /// ```
    pub fn template_filter<F, Rv, Args>(mut self, name: &'static str, filter: F) -> Self
    where
        F: minijinja::filters::Filter<Rv, Args> + Clone + Send + Sync + 'static,
        Rv: minijinja::value::FunctionResult,
        Args: for<'a> minijinja::value::FunctionArgs<'a>,
    {
        self.env_hooks.push(filter_hook(name, filter));
        self
    }

    /// Changes the template environment in any way minijinja allows.
    pub fn templates_with(
        mut self,
        hook: impl Fn(&mut minijinja::Environment<'static>) + Send + Sync + 'static,
    ) -> Self {
        self.env_hooks.push(Arc::new(hook));
        self
    }

    /// Wraps every route in a tower layer (any tower-http middleware works).
    ///
    /// ```
    /// use tower_http::limit::RequestBodyLimitLayer;
    /// let project = alder_web::Project::new(alder_web::Settings::debug())
    ///     .layer(RequestBodyLimitLayer::new(1024));
    /// ```
    pub fn layer(mut self, layer: impl RouteLayer) -> Self {
        self.layers.push(boxed_layer(layer));
        self
    }

    /// Wraps every route in a layer made from the project's state, which exists only once
    /// the project is built (see [`App::layer_with_state`]).
    ///
    /// ```
    /// use alder_web::{Project, ProjectState, Settings, extract::{Request, State}, Response};
    /// use axum::middleware::{from_fn_with_state, Next};
    /// async fn timing(State(_state): State<ProjectState>, request: Request, next: Next) -> Response {
    ///     next.run(request).await
    /// }
    /// let project = Project::new(Settings::debug())
    ///     .layer_with_state(|state| from_fn_with_state(state.clone(), timing));
    /// ```
    pub fn layer_with_state<F, L>(mut self, make: F) -> Self
    where
        F: FnOnce(&ProjectState) -> L + Send + 'static,
        L: RouteLayer,
    {
        self.layers.push(boxed_layer_with_state(make));
        self
    }

    /// Shares a value with every handler through [`ProjectState::extension`]; the database
    /// pool and other services that live as long as the project are kept this way.
    ///
    /// ```
    /// #[derive(Clone)]
    /// struct Greeting(&'static str);
    /// let site = alder_web::Project::new(alder_web::Settings::debug())
    ///     .extension(Greeting("hi"))
    ///     .build().unwrap();
    /// assert_eq!(site.state().extension::<Greeting>().unwrap().0, "hi");
    /// ```
    pub fn extension<T: Clone + Send + Sync + 'static>(mut self, value: T) -> Self {
        self.extensions.insert(value);
        self
    }

    /// Where uploaded files are kept, instead of the disk under `media_root` (Django's
    /// `STORAGES["default"]`): an object store, or a folder of your choosing in tests.
    ///
    /// ```
    /// use alder_web::storage::FileSystemStorage;
    /// let site = alder_web::Project::new(alder_web::Settings::debug())
    ///     .storage(FileSystemStorage::new("/srv/uploads", "/uploads/"))
    ///     .build().unwrap();
    /// assert_eq!(site.state().storage().url("a.png"), "/uploads/a.png");
    /// ```
    pub fn storage(mut self, storage: impl crate::storage::Storage) -> Self {
        self.storage = Some(Arc::new(storage));
        self
    }

    /// Checks the configuration and builds everything requests need: route table, templates,
    /// static files, middleware. Every error that can be known before the first request is
    /// reported here.
    pub fn build(self) -> Result<Site> {
        let settings = self.settings?;
        settings.validate()?;
        let settings = Arc::new(settings);

        let mut urls = UrlsBuilder::default();
        let mut template_sources = vec![TemplateSource {
            label: format!("{}/ (project)", settings.templates_dir.display()),
            files: Files::dir(&settings.templates_dir),
        }];
        let mut static_sources = vec![(String::from("project"), Files::dir(&settings.static_dir))];
        let mut env_hooks = self.env_hooks;
        let mut commands: Vec<Command> = Vec::new();
        let mut checks = Vec::new();
        let mut app_routers = Vec::new();
        let mut project_layers = Vec::new();
        let mut extensions = http::Extensions::new();
        let mut seen_apps = std::collections::HashSet::new();
        let mut app_migrations = Vec::new();
        let mut post_migrate = Vec::new();
        let mut server_error_hooks = Vec::new();

        for app in self.apps {
            if !seen_apps.insert(app.name.clone()) {
                return Err(Error::Config(format!(
                    "two apps are named `{}`; app names must be unique in a project",
                    app.name
                )));
            }
            let prefix = normalize_prefix(&app.name, &app.prefix)?;
            if app.api && !prefix.is_empty() {
                urls.api_prefix(&prefix);
            }
            let mut router = Router::new();
            for route in app.routes {
                if !route.path.starts_with('/') {
                    return Err(Error::Config(format!(
                        "route `{}:{}` has the path `{}`: a route path starts with `/`",
                        app.name, route.name, route.path
                    )));
                }
                let path = join_path(&prefix, &route.path);
                urls.add(
                    &app.name,
                    &route.name,
                    &path,
                    route.router.handlers.clone(),
                    route.router.extensions.clone(),
                    crate::routing::RouteFlags {
                        max_body_size: route.router.max_body_size,
                        api: app.api,
                        csrf_exempt: route.router.csrf_exempt,
                    },
                )?;
                router = router.route(&path, route.router.inner);
            }
            app_routers.push((router, app.layers));
            project_layers.push(app.project_layers);
            extensions.extend(app.extensions);
            if let Some(files) = app.templates {
                template_sources.push(TemplateSource {
                    label: format!("app `{}` ({files:?})", app.name),
                    files,
                });
            }
            if let Some(files) = app.static_files {
                static_sources.push((app.name.clone(), files));
            }
            env_hooks.extend(app.env_hooks);
            commands.extend(app.commands);
            post_migrate.extend(app.post_migrate);
            server_error_hooks.extend(app.server_error_hooks);
            checks.extend(app.checks);
            app_migrations.push(alder_db::migrations::AppMigrations {
                app: app.name.clone(),
                models: app.models,
                migrations: app.migrations,
                dir: app.migrations_dir,
            });
        }

        let static_files = Arc::new(StaticFiles::new(&settings, static_sources)?);
        let static_route = format!("{}{{*path}}", settings.static_url);
        urls.add(
            "static",
            "serve",
            &static_route,
            vec![("GET", "alder::staticfiles::serve")],
            vec![http::Extensions::new()],
            crate::routing::RouteFlags::default(),
        )?;
        let storage: Arc<dyn crate::storage::Storage> = self.storage.clone().unwrap_or_else(|| {
            Arc::new(crate::storage::FileSystemStorage::from_settings(&settings))
        });
        let media_route = format!("{}{{*path}}", settings.media_url);
        if settings.debug {
            urls.add(
                "media",
                "serve",
                &media_route,
                vec![("GET", "alder::storage::serve_media")],
                vec![http::Extensions::new()],
                crate::routing::RouteFlags::default(),
            )?;
        }
        let urls = urls.finish();

        env_hooks.insert(
            0,
            crate::template_helpers::url_and_static(
                urls.clone(),
                static_files.clone(),
                storage.clone(),
            ),
        );
        let engine = Engine::new(
            template_sources,
            &env_hooks,
            settings.reload_templates(),
            settings.debug,
            self.capture_templates,
        );
        let state = ProjectState::new(StateInner {
            settings: settings.clone(),
            urls,
            templates: Templates::new(Arc::new(engine)),
            static_files,
            storage,
            extensions: {
                // The project's own values win over its apps'.
                extensions.extend(self.extensions);
                extensions
            },
            database: settings
                .database_url
                .clone()
                .map(|url| Arc::new(crate::database::LazyDatabase::new(url, &settings))),
            registry: Arc::new(alder_db::Registry::from_apps(&app_migrations)),
            apps: Arc::new(app_migrations),
            server_error_hooks,
        });

        let layered = !self.layers.is_empty()
            || project_layers.iter().any(|l| !l.is_empty())
            || app_routers.iter().any(|(_, l)| !l.is_empty());
        let mut router = Router::new();
        for (mut app_router, layers) in app_routers {
            for layer in layers {
                app_router = layer(app_router, &state)?;
            }
            router = router.merge(app_router);
        }
        if settings.debug {
            // In production the web server in front serves uploads, as with Django.
            router = router.route(&media_route, get(crate::storage::serve_media).inner);
        }
        router = router
            .route(&static_route, get(crate::staticfiles::serve).inner)
            .fallback(crate::routing::fallback::not_found);
        for layer in self.layers {
            router = layer(router, &state)?;
        }
        // The first app's layers end up outermost, so they see the request first.
        for layer in project_layers
            .into_iter()
            .rev()
            .flat_map(|l| l.into_iter().rev())
        {
            router = layer(router, &state)?;
        }
        let service = middleware::defaults(router.with_state(state.clone()), &state, layered)?;
        Ok(Site {
            state,
            service,
            commands: Arc::new(commands),
            post_migrate: Arc::new(post_migrate),
            checks: Arc::new(checks),
        })
    }

    /// Builds the project and serves it at `addr` until SIGTERM or ctrl-c.
    pub async fn serve(self, addr: &str) -> Result<()> {
        let site = self.build()?;
        crate::server::serve(site, addr).await
    }

    /// Builds the project and runs the command given on the command line (`runserver` when
    /// none is): the project binary is its own `manage.py`.
    pub async fn run_cli(self) -> Result<()> {
        crate::cli::run(self, std::env::args_os().collect()).await
    }
}

impl Project {
    pub(crate) fn log_filter(&self) -> Option<String> {
        self.settings.as_ref().ok().map(|s| match s.log.as_str() {
            "" if s.debug => "info".to_string(),
            "" => "info,alder::request=warn".to_string(),
            filter => filter.to_string(),
        })
    }

    /// Runs one command of the command line (`args[0]` is the program name) and writes its
    /// output to `out`; [`run_cli`](Project::run_cli) is this with the process's arguments.
    ///
    /// ```
    /// use alder_web::{App, Project, Settings, routing::get};
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let project = Project::new(Settings::debug())
    ///     .app(App::new("pages").route("/", get(|| async { "home" }), "home"));
    /// let mut out = Vec::new();
    /// project.execute(["manage", "routes"], &mut out).await.unwrap();
    /// assert!(String::from_utf8(out).unwrap().contains("pages:home"));
    /// # });
    /// ```
    pub async fn execute<I, T>(self, args: I, out: &mut (dyn std::io::Write + Send)) -> Result<()>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString>,
    {
        crate::cli::execute(self, args.into_iter().map(Into::into).collect(), out).await
    }
}

fn normalize_prefix(app: &str, prefix: &str) -> Result<String> {
    let trimmed = prefix.trim_end_matches('/');
    if !trimmed.is_empty() && !trimmed.starts_with('/') {
        return Err(Error::Config(format!(
            "app `{app}` has the prefix `{prefix}`: a prefix starts with `/`, e.g. `/{prefix}`"
        )));
    }
    Ok(trimmed.to_string())
}

fn join_path(prefix: &str, path: &str) -> String {
    if prefix.is_empty() {
        path.to_string()
    } else if path == "/" {
        format!("{prefix}/")
    } else {
        format!("{prefix}{path}")
    }
}
