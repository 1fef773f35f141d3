//! Templates: minijinja with per-app folders, Django's override order and Alder's helpers.
//!
//! Templates are looked up in the project's `templates/` folder first, then in each app's
//! templates in the order the apps were added, so a project overrides an app's
//! `blog/post.html` by having its own `templates/blog/post.html`. Autoescaping is on for
//! `.html`, `.htm` and `.xml` files.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts};
use axum::response::{IntoResponse, Response};
use http::request::Parts;
use http::{HeaderValue, StatusCode};
use minijinja::value::Value;
use minijinja::{Environment, ErrorKind};
use serde::Serialize;

use crate::{Files, ProjectState, Result};

/// A template could not be found, compiled or rendered; says which file and line.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}", self.describe())]
pub struct TemplateError {
    /// The template the error happened in (the innermost one, for includes and parents).
    pub name: Option<String>,
    /// The line of that template, from 1.
    pub line: Option<usize>,
    /// What went wrong, e.g. "unknown filter".
    pub message: String,
    /// Whether the template was not found at all.
    pub not_found: bool,
    /// Lines around the failing one as `(line number, text)`, for the debug page.
    pub snippet: Vec<(usize, String)>,
}

impl TemplateError {
    fn describe(&self) -> String {
        match (&self.name, self.line) {
            (Some(name), Some(line)) => format!("template `{name}`, line {line}: {}", self.message),
            (Some(name), None) => format!("template `{name}`: {}", self.message),
            _ => format!("template error: {}", self.message),
        }
    }

    fn from_minijinja(err: &minijinja::Error, requested: &str, searched: &str) -> Self {
        // Errors in an included or parent template arrive wrapped; the innermost one knows
        // the file and line that need fixing.
        let mut inner = err;
        let mut source = std::error::Error::source(err);
        while let Some(next) = source {
            if let Some(e) = next.downcast_ref::<minijinja::Error>() {
                inner = e;
            }
            source = next.source();
        }
        let not_found = inner.kind() == ErrorKind::TemplateNotFound;
        let mut message = match inner.detail() {
            Some(detail) => format!("{}: {detail}", inner.kind()),
            None => inner.kind().to_string(),
        };
        if not_found {
            let what = inner.detail().unwrap_or("template not found");
            message = format!("{what}; looked in {searched}");
        }
        let snippet = match (inner.template_source(), inner.line()) {
            (Some(src), Some(line)) => src
                .lines()
                .enumerate()
                .map(|(i, text)| (i + 1, text.to_string()))
                .filter(|(n, _)| n + 3 >= line && *n <= line + 3)
                .collect(),
            _ => Vec::new(),
        };
        TemplateError {
            name: Some(inner.name().unwrap_or(requested).to_string()),
            line: inner.line(),
            message,
            not_found,
            snippet,
        }
    }
}

/// Escapes like Django: `& < > " '` only. minijinja's default also escapes `/`, which makes
/// every URL in a page's source unreadable for no gain in safety.
pub(crate) fn html_formatter(
    out: &mut minijinja::Output,
    state: &minijinja::State,
    value: &Value,
) -> std::result::Result<(), minijinja::Error> {
    let plain_text = matches!(state.auto_escape(), minijinja::AutoEscape::Html)
        && !value.is_safe()
        && !value.is_undefined()
        && !value.is_none();
    if !plain_text {
        return minijinja::escape_formatter(out, state, value);
    }
    // Strings are escaped in place and numbers and booleans need no escaping: only other
    // values are turned into text first, which costs an allocation per value.
    if let Some(text) = value.as_str() {
        return write_escaped(out, text);
    }
    if matches!(
        value.kind(),
        minijinja::value::ValueKind::Number | minijinja::value::ValueKind::Bool
    ) {
        return write!(out, "{value}").map_err(minijinja::Error::from);
    }
    // `{{ csrf_input }}` is HTML, made only when printed (so a page without a form sets no
    // cookie); no other object is trusted this way.
    if let Some(token) = value.downcast_object_ref::<crate::csrf::TemplateToken>() {
        return out.write_str(&token.text()).map_err(minijinja::Error::from);
    }
    // A form and its fields write HTML through the project's own form templates.
    if let Some(view) = value.downcast_object::<crate::forms::View>() {
        let html = view.html(state.env())?;
        return out.write_str(&html).map_err(minijinja::Error::from);
    }
    write_escaped(out, &value.to_string())
}

/// Whether a byte is one Django escapes: `& < > " '`.
const ESCAPED: [bool; 256] = {
    let mut table = [false; 256];
    table[b'&' as usize] = true;
    table[b'<' as usize] = true;
    table[b'>' as usize] = true;
    table[b'"' as usize] = true;
    table[b'\'' as usize] = true;
    table
};

fn write_escaped(
    out: &mut minijinja::Output,
    text: &str,
) -> std::result::Result<(), minijinja::Error> {
    let bytes = text.as_bytes();
    let mut last = 0;
    // A table lookup per byte: the scan is the whole cost for text without special characters.
    while let Some(offset) = bytes[last..].iter().position(|&b| ESCAPED[b as usize]) {
        let i = last + offset;
        let entity = match bytes[i] {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            _ => "&#x27;",
        };
        out.write_str(&text[last..i])
            .map_err(minijinja::Error::from)?;
        out.write_str(entity).map_err(minijinja::Error::from)?;
        last = i + 1;
    }
    out.write_str(&text[last..])
        .map_err(minijinja::Error::from)?;
    Ok(())
}

/// How a template's output is escaped, by its name. HTML is the default whatever the
/// extension (`rows.jinja`, `page.j2`, `list.tera`), as Django escapes every template: only
/// templates that say they are something else are not. `render` answers with the matching
/// content type, so a plain-text template is never served as HTML.
fn escape_for(name: &str) -> minijinja::AutoEscape {
    match Kind::of(name) {
        Kind::Text => minijinja::AutoEscape::None,
        Kind::Json => minijinja::AutoEscape::Json,
        Kind::Html | Kind::Xml => minijinja::AutoEscape::Html,
    }
}

/// What a template renders, by its final extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Html,
    Xml,
    Text,
    Json,
}

impl Kind {
    fn of(name: &str) -> Kind {
        let ext = name.rsplit_once('.').map_or("", |(_, ext)| ext);
        match ext.to_ascii_lowercase().as_str() {
            "txt" | "text" | "md" | "csv" => Kind::Text,
            "json" | "json5" => Kind::Json,
            "xml" | "svg" | "rss" | "atom" => Kind::Xml,
            _ => Kind::Html,
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Kind::Html => "text/html; charset=utf-8",
            Kind::Xml => "application/xml; charset=utf-8",
            Kind::Text => "text/plain; charset=utf-8",
            Kind::Json => "application/json",
        }
    }
}

/// A change to the template environment (a filter, a function, a global) registered by the
/// project or an app and applied when the project is built.
pub(crate) type EnvHook = Arc<dyn Fn(&mut Environment<'static>) + Send + Sync>;

/// Where templates come from, in lookup order, with a label for error messages.
#[derive(Clone, Debug)]
pub(crate) struct TemplateSource {
    pub(crate) label: String,
    pub(crate) files: Files,
}

pub(crate) struct Engine {
    env: Environment<'static>,
    sources: Arc<Vec<TemplateSource>>,
    /// Every template name, listed once when templates are not reloaded, so that asking for a
    /// template that does not exist (an optional `404.html`) costs no file reads.
    names: Option<std::collections::HashSet<String>>,
    reload: bool,
    capture: bool,
    searched: String,
}

impl fmt::Debug for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Engine")
            .field("reload", &self.reload)
            .field("searched", &self.searched)
            .finish_non_exhaustive()
    }
}

impl Engine {
    pub(crate) fn new(
        sources: Vec<TemplateSource>,
        hooks: &[EnvHook],
        reload: bool,
        debug: bool,
        capture: bool,
    ) -> Self {
        let searched = sources
            .iter()
            .map(|s| s.label.clone())
            .collect::<Vec<_>>()
            .join(", ");
        let mut env = Environment::new();
        env.set_debug(debug);
        env.set_formatter(html_formatter);
        env.set_auto_escape_callback(escape_for);
        let sources = Arc::new(sources);
        let loader_sources = sources.clone();
        env.set_loader(move |name| {
            for source in loader_sources.iter() {
                if let Some(bytes) = source.files.get(name) {
                    return String::from_utf8(bytes.into_owned())
                        .map(Some)
                        .map_err(|_| {
                            minijinja::Error::new(
                                ErrorKind::InvalidOperation,
                                format!("template `{name}` in {} is not valid UTF-8", source.label),
                            )
                        });
                }
            }
            // Alder's own templates (the form layouts) come last, so any source overrides them.
            Ok(crate::forms::builtin_template(name).map(String::from))
        });
        for hook in hooks {
            hook(&mut env);
        }
        let names = (!reload).then(|| sources.iter().flat_map(|s| s.files.list()).collect());
        Engine {
            env,
            sources,
            names,
            reload,
            capture,
            searched,
        }
    }

    fn render_value(&self, name: &str, ctx: &Value) -> Result<String, TemplateError> {
        let fresh;
        // Reloading renders from a copy that has loaded nothing yet, so each render reads the
        // files again; otherwise compiled templates stay cached in the shared environment.
        let env = if self.reload {
            fresh = self.env.clone();
            &fresh
        } else {
            &self.env
        };
        env.get_template(name)
            .and_then(|t| t.render(ctx))
            .map_err(|e| TemplateError::from_minijinja(&e, name, &self.searched))
    }

    /// Whether a template of this name exists (always "maybe" while reloading).
    pub(crate) fn may_exist(&self, name: &str) -> bool {
        self.names.as_ref().is_none_or(|names| names.contains(name))
    }

    /// Whether a template of this name exists, looked up in the list made at start-up (or
    /// on disk while reloading).
    pub(crate) fn exists(&self, name: &str) -> bool {
        match &self.names {
            Some(names) => names.contains(name),
            // Reloading: looked up on a copy, so the shared environment caches nothing; a
            // template that exists but does not compile counts as there (its render then
            // says what is wrong) rather than silently falling back to another.
            None => !matches!(
                self.env.clone().get_template(name),
                Err(e) if e.kind() == minijinja::ErrorKind::TemplateNotFound
            ),
        }
    }

    /// Loads and compiles every template of every source, for `check`: the names found and
    /// the errors.
    pub(crate) fn check_all(&self) -> (Vec<String>, Vec<TemplateError>) {
        let mut names: Vec<String> = self.sources.iter().flat_map(|s| s.files.list()).collect();
        names.sort();
        names.dedup();
        let env = self.env.clone();
        let errors = names
            .iter()
            .filter_map(|n| env.get_template(n).err().map(|e| (n, e)))
            .map(|(n, e)| TemplateError::from_minijinja(&e, n, &self.searched))
            .collect();
        (names, errors)
    }
}

/// Values every template rendered for this request sees, added by middleware (the current
/// user, the CSRF token, flash messages…), Django's context processors. A handler's own
/// context wins over these. They reach the error pages too: a `404.html` can greet the user.
///
/// ```
/// let mut extra = alder_web::TemplateContext::default();
/// extra.insert("site_name", "Alder");
/// assert_eq!(extra.get("site_name").unwrap().as_str(), Some("Alder"));
/// ```
#[derive(Clone, Debug, Default)]
pub struct TemplateContext(BTreeMap<String, Value>);

impl TemplateContext {
    /// Adds or replaces one value.
    pub fn insert(&mut self, key: impl Into<String>, value: impl Into<Value>) {
        self.0.insert(key.into(), value.into());
    }

    /// The value under `key`.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.get(key)
    }

    /// Adds `value` under `key` for every template rendered for the request whose
    /// extensions these are, by handlers and on error pages alike. Middleware calls it:
    ///
    /// ```
    /// use alder_web::{extract::Request, Response, TemplateContext};
    /// use axum::middleware::Next;
    /// async fn site_name(mut request: Request, next: Next) -> Response {
    ///     TemplateContext::add(request.extensions_mut(), "site_name", "Alder");
    ///     next.run(request).await
    /// }
    /// ```
    pub fn add(extensions: &mut http::Extensions, key: impl Into<String>, value: impl Into<Value>) {
        match extensions.get::<ContextSlot>() {
            Some(slot) => slot.lock().insert(key, value),
            None => extensions
                .get_or_insert_default::<TemplateContext>()
                .insert(key, value),
        }
    }

    /// What middleware added for this request, from both ways of adding it.
    fn of(extensions: &http::Extensions) -> Option<TemplateContext> {
        let slot = extensions
            .get::<ContextSlot>()
            .map(|slot| slot.lock().clone());
        match (slot, extensions.get::<TemplateContext>()) {
            (Some(mut shared), Some(own)) => {
                shared.0.extend(own.0.clone());
                Some(shared)
            }
            (Some(shared), None) => Some(shared).filter(|c| !c.0.is_empty()),
            (None, own) => own.cloned(),
        }
    }

    /// As a template value, to merge under a page's own context.
    pub(crate) fn to_value(&self) -> Value {
        Value::from(self.0.clone())
    }
}

/// The request's [`TemplateContext`], shared between the outcome middleware (which renders
/// error pages after the request is gone) and the middleware inside it that adds values.
/// Only projects with middleware get one.
#[derive(Clone, Default)]
pub(crate) struct ContextSlot(Arc<std::sync::Mutex<TemplateContext>>);

impl ContextSlot {
    pub(crate) fn lock(&self) -> std::sync::MutexGuard<'_, TemplateContext> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The template engine, as an extractor: `async fn page(t: Templates) -> Result<TemplateResponse>`.
///
/// ```
/// use alder_web::{App, Project, Settings, Templates, TemplateResponse, routing::get, context};
/// async fn hello(t: Templates) -> alder_web::Result<TemplateResponse> {
///     t.render("hello.html", context! { name => "<World>" })
/// }
/// let dir = tempfile::tempdir().unwrap();
/// std::fs::write(dir.path().join("hello.html"), "Hello {{ name }}!").unwrap();
/// let mut settings = Settings::debug();
/// settings.templates_dir = dir.path().into();
/// let project = Project::new(settings).app(App::new("site").route("/", get(hello), "hello"));
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let client = alder_web::test::TestClient::new(project);
/// client.get("/").await.assert_ok().assert_contains("Hello &lt;World&gt;!");
/// # });
/// ```
#[derive(Clone, Debug)]
pub struct Templates {
    engine: Arc<Engine>,
    extra: Option<TemplateContext>,
    /// The request's CSRF token, for `{{ csrf_input }}` and `{{ csrf_token }}`.
    csrf: Option<crate::csrf::CsrfToken>,
}

impl Templates {
    pub(crate) fn new(engine: Arc<Engine>) -> Self {
        Templates {
            engine,
            extra: None,
            csrf: None,
        }
    }

    /// Renders `name` with `context` into a response (status 200, `text/html`).
    pub fn render(&self, name: &str, context: impl Serialize) -> Result<TemplateResponse> {
        let value = self.context_value(context);
        let body = self.engine.render_value(name, &value)?;
        Ok(TemplateResponse {
            status: StatusCode::OK,
            content_type: Kind::of(name).content_type(),
            body,
            rendered: self.engine.capture.then(|| RenderedTemplate {
                name: name.to_string(),
                context: value,
            }),
        })
    }

    /// The first of `names` that exists (Django's `select_template`): how a page looks for a
    /// template made for its model, then its app, before the general one.
    ///
    /// ```
    /// # use alder_web::{Project, Settings};
    /// let dir = tempfile::tempdir().unwrap();
    /// std::fs::create_dir_all(dir.path().join("admin/blog")).unwrap();
    /// std::fs::write(dir.path().join("admin/blog/list.html"), "blog's").unwrap();
    /// let mut settings = Settings::debug();
    /// settings.templates_dir = dir.path().into();
    /// let site = Project::new(settings).build().unwrap();
    /// let names = ["admin/blog/post/list.html", "admin/blog/list.html", "admin/list.html"];
    /// assert_eq!(site.templates().select(&names), Some("admin/blog/list.html"));
    /// assert_eq!(site.templates().select(&["nowhere.html"]), None);
    /// ```
    pub fn select<'a>(&self, names: &[&'a str]) -> Option<&'a str> {
        names.iter().copied().find(|name| self.engine.exists(name))
    }

    /// Renders `name` with `context` into a string.
    ///
    /// ```
    /// # use alder_web::{Project, Settings, context};
    /// let dir = tempfile::tempdir().unwrap();
    /// std::fs::write(dir.path().join("a.txt"), "{{ 1 + n }}").unwrap();
    /// let mut settings = Settings::debug();
    /// settings.templates_dir = dir.path().into();
    /// let site = Project::new(settings).build().unwrap();
    /// assert_eq!(site.templates().render_to_string("a.txt", context! { n => 1 }).unwrap(), "2");
    /// ```
    pub fn render_to_string(&self, name: &str, context: impl Serialize) -> Result<String> {
        let value = self.context_value(context);
        Ok(self.engine.render_value(name, &value)?)
    }

    fn context_value(&self, context: impl Serialize) -> Value {
        let value = Value::from_serialize(&context);
        let csrf = self
            .csrf
            .as_ref()
            .map(|token| Value::from_iter(token.template_values()));
        // minijinja's merge lets the *last* map win a key: the handler's own context goes
        // last, so it wins over the CSRF values, which win over what middleware added.
        match (&self.extra, csrf) {
            (None, None) => value,
            (Some(extra), None) => minijinja::value::merge_maps([extra.to_value(), value]),
            (None, Some(csrf)) => minijinja::value::merge_maps([csrf, value]),
            (Some(extra), Some(csrf)) => {
                minijinja::value::merge_maps([extra.to_value(), csrf, value])
            }
        }
    }

    pub(crate) fn engine(&self) -> &Engine {
        &self.engine
    }
}

impl<S> FromRequestParts<S> for Templates
where
    ProjectState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let mut templates = ProjectState::from_ref(state).templates().clone();
        templates.extra = TemplateContext::of(&parts.extensions);
        templates.csrf = parts.extensions.get::<crate::csrf::CsrfToken>().cloned();
        Ok(templates)
    }
}

/// A rendered template as a response, like Django's `TemplateResponse`. The test client can
/// see which template was rendered and with what context.
///
/// ```
/// # use alder_web::TemplateResponse;
/// fn not_found_page(page: TemplateResponse) -> TemplateResponse {
///     page.with_status(http::StatusCode::NOT_FOUND)
/// }
/// ```
#[derive(Debug, Clone)]
pub struct TemplateResponse {
    status: StatusCode,
    /// By the template's extension: HTML unless it is a text, JSON or XML template.
    content_type: &'static str,
    body: String,
    rendered: Option<RenderedTemplate>,
}

impl TemplateResponse {
    /// Answers with `status` instead of 200.
    pub fn with_status(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }

    /// The rendered text.
    pub fn body(&self) -> &str {
        &self.body
    }
}

impl IntoResponse for TemplateResponse {
    fn into_response(self) -> Response {
        let content_type = HeaderValue::from_static(self.content_type);
        let mut response = (
            self.status,
            [(http::header::CONTENT_TYPE, content_type)],
            self.body,
        )
            .into_response();
        if let Some(rendered) = self.rendered {
            response.extensions_mut().insert(rendered);
        }
        response
    }
}

/// Which template a response rendered, and with what context (kept only under the test client).
#[derive(Debug, Clone)]
pub struct RenderedTemplate {
    /// The template's name.
    pub name: String,
    /// The context it was rendered with.
    pub context: Value,
}
