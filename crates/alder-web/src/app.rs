//! `App`: a reusable bundle of routes, templates, static files and commands, like a Flask
//! blueprint or a Django app.

use std::future::Future;
use std::sync::Arc;

use futures_util::future::BoxFuture;

use crate::hooks::{boxed_layer, boxed_layer_with_state, filter_hook, RouteLayer, RouterLayer};
use crate::routing::MethodRouter;
use crate::templates::EnvHook;
use crate::{Files, ProjectState, Result, Site};

type CommandFn =
    Arc<dyn Fn(Site, clap::ArgMatches) -> BoxFuture<'static, Result<()>> + Send + Sync>;

/// Work an app does after every successful `migrate` (Django's `post_migrate` signal).
#[derive(Clone)]
pub(crate) struct PostMigrateFn(
    pub(crate) Arc<dyn Fn(Site) -> BoxFuture<'static, Result<()>> + Send + Sync>,
);

impl std::fmt::Debug for PostMigrateFn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PostMigrateFn")
    }
}

/// A management command an app adds to the project's command line, like a Django app's
/// `management/commands/`.
#[derive(Clone)]
pub struct Command {
    pub(crate) cli: clap::Command,
    pub(crate) run: CommandFn,
}

impl std::fmt::Debug for Command {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Command")
            .field("name", &self.cli.get_name())
            .finish_non_exhaustive()
    }
}

pub(crate) struct Route {
    pub(crate) path: String,
    pub(crate) name: String,
    pub(crate) router: MethodRouter,
}

/// A part of a project: named routes under a URL prefix, templates, static files and
/// management commands. Mount it in a [`Project`](crate::Project), or serve it alone.
///
/// ```
/// use alder_web::{App, routing::get};
/// async fn index() -> &'static str { "Blog" }
/// async fn post(axum::extract::Path(id): axum::extract::Path<u32>) -> String { format!("post {id}") }
///
/// let blog = App::new("blog")
///     .prefix("/blog")
///     .route("/", get(index), "index")
///     .route("/{id}/", get(post), "post");
/// assert_eq!(blog.name(), "blog");
/// ```
pub struct App {
    pub(crate) name: String,
    pub(crate) prefix: String,
    pub(crate) routes: Vec<Route>,
    pub(crate) templates: Option<Files>,
    pub(crate) static_files: Option<Files>,
    pub(crate) commands: Vec<Command>,
    pub(crate) checks: Vec<crate::checks::Registered>,
    pub(crate) env_hooks: Vec<EnvHook>,
    pub(crate) layers: Vec<RouterLayer>,
    pub(crate) project_layers: Vec<RouterLayer>,
    pub(crate) extensions: http::Extensions,
    pub(crate) api: bool,
    pub(crate) models: Vec<&'static alder_db::ModelMeta>,
    pub(crate) migrations: Vec<alder_db::migrations::Migration>,
    pub(crate) migrations_dir: Option<std::path::PathBuf>,
    pub(crate) post_migrate: Vec<PostMigrateFn>,
    pub(crate) server_error_hooks: Vec<crate::server_errors::ServerErrorFn>,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("name", &self.name)
            .field("prefix", &self.prefix)
            .field("routes", &self.routes.len())
            .finish_non_exhaustive()
    }
}

impl App {
    /// An app named `name`; the name is the namespace of its routes (`name:route`) and commands.
    pub fn new(name: impl Into<String>) -> Self {
        App {
            name: name.into(),
            prefix: String::new(),
            routes: Vec::new(),
            templates: None,
            static_files: None,
            commands: Vec::new(),
            checks: Vec::new(),
            env_hooks: Vec::new(),
            layers: Vec::new(),
            project_layers: Vec::new(),
            extensions: http::Extensions::new(),
            api: false,
            models: Vec::new(),
            migrations: Vec::new(),
            migrations_dir: None,
            post_migrate: Vec::new(),
            server_error_hooks: Vec::new(),
        }
    }

    /// The app's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Mounts every route of the app under `prefix` (e.g. `/blog`). A project can change it
    /// with [`Project::mount`](crate::Project::mount).
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// Adds a route at `path` (axum syntax: `/posts/{id}/`, `/files/{*rest}`) called `name`.
    /// Any axum handler works; `handlers` is [`get`](crate::routing::get)`(h)`,
    /// `get(a).post(b)`, or an axum `MethodRouter`.
    pub fn route(
        mut self,
        path: impl Into<String>,
        handlers: impl Into<MethodRouter>,
        name: impl Into<String>,
    ) -> Self {
        self.routes.push(Route {
            path: path.into(),
            name: name.into(),
            router: handlers.into(),
        });
        self
    }

    /// Marks the app as an API (FastAPI's router, Django REST framework's views): its errors
    /// (404, 405, 413, 500, …) are answered with a JSON body, `{"detail": "Not Found"}`,
    /// whatever the client accepts. Elsewhere a client that asks for JSON first in `Accept`
    /// gets JSON errors too, and a browser the HTML page.
    ///
    /// ```
    /// let api = alder_web::App::new("api").prefix("/api").api();
    /// ```
    pub fn api(mut self) -> Self {
        self.api = true;
        self
    }

    /// The app's templates, looked up after the project's own. Namespace them in a folder
    /// named after the app (`templates/blog/post.html`) so a project can override them.
    ///
    /// ```
    /// let app = alder_web::App::new("blog").templates(alder_web::embed_dir!("templates"));
    /// ```
    pub fn templates(mut self, files: Files) -> Self {
        self.templates = Some(files);
        self
    }

    /// The app's static files, served under `static_url` and gathered by `collectstatic`.
    ///
    /// ```
    /// let app = alder_web::App::new("blog").static_files(alder_web::embed_dir!("static"));
    /// ```
    pub fn static_files(mut self, files: Files) -> Self {
        self.static_files = Some(files);
        self
    }

    /// Registers a model of this app: `makemigrations` keeps its table in step with it, and
    /// the admin and API find it here.
    ///
    /// ```
    /// use alder_web::db::{Auto, Model};
    /// #[derive(Model)]
    /// struct Note { id: Auto<i64>, text: String }
    /// let app = alder_web::App::new("notes").model::<Note>();
    /// assert_eq!(app.models()[0].name, "Note");
    /// ```
    pub fn model<M: alder_db::Model>(mut self) -> Self {
        self.models.push(M::META);
        self
    }

    /// The models registered with [`model`](Self::model).
    pub fn models(&self) -> &[&'static alder_db::ModelMeta] {
        &self.models
    }

    /// The app's migrations (`migrations::all()`, the list `makemigrations` maintains) and
    /// the folder they live in, where `makemigrations` writes new ones:
    /// `.migrations(migrations::all(), alder::migrations_dir!())`.
    ///
    /// ```
    /// let app = alder_web::App::new("notes").migrations(Vec::new(), "migrations");
    /// ```
    pub fn migrations(
        mut self,
        migrations: Vec<alder_db::migrations::Migration>,
        dir: impl Into<std::path::PathBuf>,
    ) -> Self {
        self.migrations = migrations;
        self.migrations_dir = Some(dir.into());
        self
    }

    /// Registers a template filter, available in every template of the project.
    ///
    /// ```
    /// let app = alder_web::App::new("blog")
    ///     .template_filter("shout", |s: String| s.to_uppercase());
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

    /// Changes the template environment in any other way minijinja allows (functions, tests,
    /// globals).
    ///
    /// ```
    /// let app = alder_web::App::new("blog")
    ///     .templates_with(|env| env.add_global("blog_title", "Notes"));
    /// ```
    pub fn templates_with(
        mut self,
        hook: impl Fn(&mut minijinja::Environment<'static>) + Send + Sync + 'static,
    ) -> Self {
        self.env_hooks.push(Arc::new(hook));
        self
    }

    /// Wraps this app's routes (only them) in a tower layer, e.g. a login check for a section.
    ///
    /// ```
    /// use tower_http::limit::RequestBodyLimitLayer;
    /// let app = alder_web::App::new("upload").layer(RequestBodyLimitLayer::new(10 << 20));
    /// ```
    pub fn layer(mut self, layer: impl RouteLayer) -> Self {
        self.layers.push(boxed_layer(layer));
        self
    }

    /// Wraps this app's routes in a layer made from the project's state (settings, database,
    /// templates, URLs, extensions), which exists only once the project is built: for
    /// middleware written with axum's `from_fn_with_state`.
    ///
    /// ```
    /// use alder_web::{App, ProjectState, extract::{Request, State}, Response};
    /// use axum::middleware::{from_fn_with_state, Next};
    /// async fn maintenance(State(state): State<ProjectState>, request: Request, next: Next) -> Response {
    ///     // Any setting, the database, the templates are at hand here.
    ///     let _debug = state.settings().debug;
    ///     next.run(request).await
    /// }
    /// let app = App::new("shop")
    ///     .layer_with_state(|state| from_fn_with_state(state.clone(), maintenance));
    /// ```
    pub fn layer_with_state<F, L>(mut self, make: F) -> Self
    where
        F: FnOnce(&ProjectState) -> L + Send + 'static,
        L: RouteLayer,
    {
        self.layers.push(boxed_layer_with_state(make));
        self
    }

    /// Wraps every route of the project, not only this app's, in `layer`: how a contrib app
    /// such as sessions installs its middleware with one `.app(…)` line. Apps added first
    /// see the request first (their layers are outermost), as Django's `MIDDLEWARE` list
    /// runs top to bottom; every app's project layers are outside the project's own.
    ///
    /// ```
    /// use tower_http::limit::RequestBodyLimitLayer;
    /// let app = alder_web::App::new("guard").project_layer(RequestBodyLimitLayer::new(1 << 20));
    /// ```
    pub fn project_layer(mut self, layer: impl RouteLayer) -> Self {
        self.project_layers.push(boxed_layer(layer));
        self
    }

    /// [`project_layer`](Self::project_layer) with a layer made from the project's state.
    ///
    /// ```
    /// use alder_web::{App, ProjectState, extract::{Request, State}, Response};
    /// use axum::middleware::{from_fn_with_state, Next};
    /// async fn stamp(State(state): State<ProjectState>, request: Request, next: Next) -> Response {
    ///     let mut response = next.run(request).await;
    ///     let name = if state.settings().debug { "dev" } else { "prod" };
    ///     response.headers_mut().insert("x-site", http::HeaderValue::from_static(name));
    ///     response
    /// }
    /// let app = App::new("stamp")
    ///     .project_layer_with_state(|state| from_fn_with_state(state.clone(), stamp));
    /// ```
    pub fn project_layer_with_state<F, L>(mut self, make: F) -> Self
    where
        F: FnOnce(&ProjectState) -> L + Send + 'static,
        L: RouteLayer,
    {
        self.project_layers.push(boxed_layer_with_state(make));
        self
    }

    /// [`project_layer_with_state`](Self::project_layer_with_state) whose layer can refuse
    /// to be made: an error from `make` (settings the app cannot work with) fails the
    /// project's build with it, before any request is served.
    ///
    /// ```
    /// use alder_web::{App, Error, Project, Settings};
    /// use tower_http::limit::RequestBodyLimitLayer;
    /// let app = App::new("uploads").try_project_layer_with_state(|state| {
    ///     match state.settings().custom::<usize>("uploads.limit")? {
    ///         Some(0) => Err(Error::Config("uploads.limit is 0: allow at least a byte".into())),
    ///         limit => Ok(RequestBodyLimitLayer::new(limit.unwrap_or(1 << 20))),
    ///     }
    /// });
    /// assert!(Project::new(Settings::debug()).app(app).build().is_ok());
    /// ```
    pub fn try_project_layer_with_state<F, L>(mut self, make: F) -> Self
    where
        F: FnOnce(&ProjectState) -> Result<L> + Send + 'static,
        L: RouteLayer,
    {
        self.project_layers
            .push(crate::hooks::boxed_layer_try_with_state(make));
        self
    }

    /// Shares a value with every handler of the project through
    /// [`ProjectState::extension`], as [`Project::extension`](crate::Project::extension)
    /// does; a value of the same type set by the project wins.
    ///
    /// ```
    /// #[derive(Clone)]
    /// struct MailFrom(&'static str);
    /// let site = alder_web::Project::new(alder_web::Settings::debug())
    ///     .app(alder_web::App::new("mail").extension(MailFrom("noreply@example.com")))
    ///     .build().unwrap();
    /// assert_eq!(site.state().extension::<MailFrom>().unwrap().0, "noreply@example.com");
    /// ```
    pub fn extension<T: Clone + Send + Sync + 'static>(mut self, value: T) -> Self {
        self.extensions.insert(value);
        self
    }

    /// Adds a management command: `cmd` declares its name and arguments (clap), `run` does
    /// the work with the built project.
    ///
    /// ```
    /// let app = alder_web::App::new("blog").command(
    ///     clap::Command::new("publish").about("Publishes scheduled posts"),
    ///     |_site, _args| async { Ok(()) },
    /// );
    /// ```
    pub fn command<F, Fut>(mut self, cmd: clap::Command, run: F) -> Self
    where
        F: Fn(Site, clap::ArgMatches) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<()>> + Send + 'static,
    {
        self.commands.push(Command {
            cli: cmd,
            run: Arc::new(move |site, args| Box::pin(run(site, args))),
        });
        self
    }

    /// Runs `hook` after every successful `migrate` (the command, `migrate_on_start` and
    /// [`Site::migrate`]), once the tables exist: how the auth app creates a permission row
    /// for each model (Django's `post_migrate` signal). It runs even when nothing was
    /// pending, so it must be safe to run again.
    ///
    /// ```
    /// let app = alder_web::App::new("shop").post_migrate(|site| async move {
    ///     let _db = site.state().database().await?;
    ///     Ok(())
    /// });
    /// ```
    pub fn post_migrate<F, Fut>(mut self, hook: F) -> Self
    where
        F: Fn(Site) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<()>> + Send + 'static,
    {
        self.post_migrate
            .push(PostMigrateFn(Arc::new(move |site| Box::pin(hook(site)))));
        self
    }

    /// Calls `hook` for every request the project answers with a server error (5xx), in
    /// production and in debug alike, with the request and the error's chain, secrets masked
    /// (the seam of Django's `AdminEmailHandler`: the mail app mails the admins with one).
    /// The hook runs on the request's task before the response goes out, so it must be quick:
    /// spawn anything that does I/O. A hook that panics is logged and changes nothing.
    ///
    /// ```
    /// let app = alder_web::App::new("alerts").on_server_error(|_state, error| {
    ///     eprintln!("{} {} answered {}: {}", error.method, error.uri,
    ///         error.status.as_u16(), error.chain.join(": "));
    /// });
    /// ```
    pub fn on_server_error<F>(mut self, hook: F) -> Self
    where
        F: Fn(&crate::ProjectState, &crate::ServerError) + Send + Sync + 'static,
    {
        self.server_error_hooks
            .push(crate::server_errors::ServerErrorFn {
                wanted: None,
                hook: Arc::new(hook),
            });
        self
    }

    /// [`on_server_error`](Self::on_server_error), for a hook the settings may turn off:
    /// `wanted` is asked once at start-up, after the project's layers are built; when it says
    /// no, the hook costs requests nothing (without hooks, the request's method, URI and
    /// headers are not kept for the error's sake).
    ///
    /// ```
    /// let app = alder_web::App::new("alerts").on_server_error_when(
    ///     |state| !state.settings().debug,
    ///     |_state, error| eprintln!("{} answered {}", error.uri, error.status.as_u16()),
    /// );
    /// ```
    pub fn on_server_error_when<W, F>(mut self, wanted: W, hook: F) -> Self
    where
        W: Fn(&crate::ProjectState) -> bool + Send + Sync + 'static,
        F: Fn(&crate::ProjectState, &crate::ServerError) + Send + Sync + 'static,
    {
        self.server_error_hooks
            .push(crate::server_errors::ServerErrorFn {
                wanted: Some(Arc::new(wanted)),
                hook: Arc::new(hook),
            });
        self
    }

    /// Adds a system check that `check` runs (Django's `@register`): it looks at the built
    /// site and returns its findings, each with a stable id. An error makes `check` exit
    /// non-zero.
    ///
    /// ```
    /// use alder_web::{checks::Finding, App};
    /// let app = App::new("shop").check(|site| {
    ///     if site.settings().database_url.is_none() {
    ///         vec![Finding::error("shop.E001", "the shop needs a database")
    ///             .hint("set DATABASE_URL")]
    ///     } else {
    ///         vec![]
    ///     }
    /// });
    /// ```
    pub fn check<F>(mut self, check: F) -> Self
    where
        F: Fn(&Site) -> Vec<crate::checks::Finding> + Send + Sync + 'static,
    {
        self.checks.push(crate::checks::Registered {
            deploy_only: false,
            run: Arc::new(check),
        });
        self
    }

    /// Adds a check that only `check --deploy` runs: what matters in production, such as
    /// secure cookie settings (Django's `@register(deploy=True)`).
    ///
    /// ```
    /// use alder_web::{checks::Finding, App};
    /// let app = App::new("sessions").deploy_check(|site| {
    ///     vec![Finding::warning("sessions.W001", "sessions are stored in memory")]
    /// });
    /// ```
    pub fn deploy_check<F>(mut self, check: F) -> Self
    where
        F: Fn(&Site) -> Vec<crate::checks::Finding> + Send + Sync + 'static,
    {
        self.checks.push(crate::checks::Registered {
            deploy_only: true,
            run: Arc::new(check),
        });
        self
    }

    /// Serves this app alone at `addr`, with settings from the environment.
    ///
    /// ```no_run
    /// # async fn run() -> alder_web::Result<()> {
    /// alder_web::App::new("hello")
    ///     .route("/", alder_web::routing::get(|| async { "Hello, World!" }), "index")
    ///     .serve("127.0.0.1:8000")
    ///     .await
    /// # }
    /// ```
    pub async fn serve(self, addr: &str) -> Result<()> {
        crate::Project::from_env().app(self).serve(addr).await
    }

    /// Runs the command line for a project made of this app alone (`runserver`, `routes`,
    /// `check`, …; `runserver` when no command is given).
    pub async fn run_cli(self) -> Result<()> {
        crate::Project::from_env().app(self).run_cli().await
    }
}
