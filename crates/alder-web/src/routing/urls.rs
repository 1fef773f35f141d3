//! The project's table of named routes and `reverse`.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts};
use http::request::Parts;

use super::{Pattern, UrlArgs};
use crate::{Error, ProjectState};

/// A URL could not be built from a route name and parameters.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReverseError {
    /// No route has this name.
    #[error("no route is named `{name}`{}", suggestion.as_ref().map(|s| format!("; did you mean `{s}`?")).unwrap_or_default())]
    NoSuchRoute {
        /// The name asked for.
        name: String,
        /// The closest existing name, if one is close.
        suggestion: Option<String>,
    },
    /// A short name (without `app:`) is used by more than one app.
    #[error("route name `{name}` is used by several apps ({}); write it with its app, e.g. `{}`", candidates.join(", "), candidates[0])]
    Ambiguous {
        /// The name asked for.
        name: String,
        /// The full names that match.
        candidates: Vec<String>,
    },
    /// A parameter of the route's path was not given.
    #[error("route `{route}` needs parameter `{param}`, which was not given")]
    MissingParameter {
        /// The route's full name.
        route: String,
        /// The parameter that is missing.
        param: String,
    },
    /// A parameter was given that the route's path does not have.
    #[error("route `{route}` has no parameter `{param}` (it has: {})", if expected.is_empty() { "none".to_string() } else { expected.join(", ") })]
    UnexpectedParameter {
        /// The route's full name.
        route: String,
        /// The parameter given.
        param: String,
        /// The parameters the route has.
        expected: Vec<String>,
    },
    /// Positional parameters were given, but not as many as the path has.
    #[error("route `{route}` takes {} parameter(s) ({}), {found} given", expected.len(), expected.join(", "))]
    WrongArgumentCount {
        /// The route's full name.
        route: String,
        /// The parameters the route has.
        expected: Vec<String>,
        /// How many were given.
        found: usize,
    },
    /// A parameter was given as an empty string, which would build a URL no route matches.
    #[error("parameter `{param}` of route `{route}` is empty")]
    EmptyParameter {
        /// The route's full name.
        route: String,
        /// The empty parameter.
        param: String,
    },
}

/// One row of the route table: what `routes` prints and the debug 404 page shows.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct RouteInfo {
    /// The full name, `app:name`.
    pub name: String,
    /// The full path, with the app's prefix.
    pub path: String,
    /// `(method, handler type name)` pairs.
    pub handlers: Vec<(&'static str, &'static str)>,
    /// What other layers keep about each handler, in the order of `handlers`
    /// ([`MethodRouter::extensions`](super::MethodRouter::extensions)).
    pub extensions: Vec<http::Extensions>,
    /// Whether the route belongs to an API app ([`App::api`](crate::App::api)).
    pub api: bool,
    /// The route's own request body limit, when it overrides `max_body_size`.
    pub max_body_size: Option<usize>,
    /// Whether unsafe requests skip the CSRF check ([`MethodRouter::csrf_exempt`](super::MethodRouter::csrf_exempt)).
    pub csrf_exempt: bool,
}

/// The project's named routes: builds URLs from names (Django's `reverse`, Flask's `url_for`).
///
/// Cheap to clone; also an extractor, so a handler can take `urls: Urls`.
///
/// ```
/// use alder_web::{App, Project, Settings, routing::get};
/// let project = Project::new(Settings::debug())
///     .app(App::new("blog").prefix("/blog")
///         .route("/{id}/", get(|| async { "" }), "post"));
/// let urls = project.build().unwrap().urls().clone();
/// assert_eq!(urls.reverse("blog:post", (7,)).unwrap(), "/blog/7/");
/// assert_eq!(urls.reverse("post", [("id", 8)]).unwrap(), "/blog/8/");
/// assert!(urls.reverse("blog:missing", ()).is_err());
/// ```
#[derive(Clone, Debug)]
pub struct Urls {
    inner: Arc<UrlsInner>,
}

#[derive(Debug)]
struct UrlsInner {
    by_name: HashMap<String, Pattern>,
    /// Short name → full names of the routes that have it.
    short: HashMap<String, Vec<String>>,
    routes: Vec<RouteInfo>,
    /// Path → what the route sets for itself, and its place in `routes`.
    matcher: matchit::Router<(RouteFlags, usize)>,
    /// Whether any route has its own body limit, so requests need not look theirs up.
    body_overrides: bool,
    /// Whether any route is CSRF-exempt, so unsafe requests need not look theirs up.
    any_csrf_exempt: bool,
    /// Whether any route belongs to an API app, whose errors are always JSON.
    any_api: bool,
    /// The URL prefixes of API apps: a path below one is the API's even when no route
    /// matches it (its 404 is JSON too).
    api_prefixes: Vec<String>,
}

/// What a route sets for itself, looked up by path before the request is routed.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct RouteFlags {
    pub(crate) max_body_size: Option<usize>,
    pub(crate) api: bool,
    pub(crate) csrf_exempt: bool,
}

impl Urls {
    /// Builds the URL of the route `name` (`"app:name"`, or just `"name"` when only one app has
    /// it) with `args`: a tuple of values in path order, or `[("param", value)]` pairs.
    pub fn reverse(&self, name: &str, args: impl Into<UrlArgs>) -> Result<String, ReverseError> {
        let args = args.into();
        let full = self.resolve(name)?;
        self.inner.by_name[full].build(full, &args)
    }

    fn resolve<'a>(&'a self, name: &'a str) -> Result<&'a str, ReverseError> {
        if self.inner.by_name.contains_key(name) {
            return Ok(name);
        }
        match self.inner.short.get(name).map(Vec::as_slice) {
            Some([one]) => Ok(one),
            Some(many) if !many.is_empty() => Err(ReverseError::Ambiguous {
                name: name.to_string(),
                candidates: many.to_vec(),
            }),
            _ => Err(ReverseError::NoSuchRoute {
                name: name.to_string(),
                suggestion: closest(name, self.inner.by_name.keys()),
            }),
        }
    }

    /// Every route, in the order the apps and their routes were declared.
    pub fn routes(&self) -> &[RouteInfo] {
        &self.inner.routes
    }

    /// Whether some route's path matches `path` (any method).
    pub fn matches(&self, path: &str) -> bool {
        self.inner.matcher.at(path).is_ok()
    }

    /// The route whose path matches `path` (Django's `resolve()`), whatever the method.
    ///
    /// ```
    /// use alder_web::{App, Project, Settings, routing::get};
    /// let site = Project::new(Settings::debug())
    ///     .app(App::new("blog").route("/posts/{slug}/", get(|| async { "" }), "detail"))
    ///     .build().unwrap();
    /// assert_eq!(site.urls().resolve_path("/posts/hello/").unwrap().name, "blog:detail");
    /// assert!(site.urls().resolve_path("/nowhere/").is_none());
    /// ```
    pub fn resolve_path(&self, path: &str) -> Option<&RouteInfo> {
        let found = self.inner.matcher.at(path).ok()?;
        self.inner.routes.get(found.value.1)
    }

    /// The request body limit of the route matching `path`, when it sets its own with
    /// [`MethodRouter::max_body_size`](super::MethodRouter::max_body_size); `None` means
    /// the `max_body_size` setting applies.
    ///
    /// ```
    /// use alder_web::{App, Project, Settings, routing::post};
    /// let site = Project::new(Settings::debug())
    ///     .app(App::new("files").route("/upload/", post(|| async { "" }).max_body_size(50 << 20), "upload"))
    ///     .build().unwrap();
    /// assert_eq!(site.urls().max_body_size("/upload/"), Some(50 << 20));
    /// assert_eq!(site.urls().max_body_size("/elsewhere/"), None);
    /// ```
    pub fn max_body_size(&self, path: &str) -> Option<usize> {
        if !self.inner.body_overrides {
            return None;
        }
        self.flags(path).and_then(|f| f.max_body_size)
    }

    /// Whether the route matching `path` lets unsafe requests through without a CSRF token
    /// ([`MethodRouter::csrf_exempt`](super::MethodRouter::csrf_exempt)).
    ///
    /// ```
    /// use alder_web::{App, Project, Settings, routing::post};
    /// let site = Project::new(Settings::debug())
    ///     .app(App::new("hooks").route("/stripe/", post(|| async { "" }).csrf_exempt(), "stripe"))
    ///     .build().unwrap();
    /// assert!(site.urls().csrf_exempt("/stripe/"));
    /// assert!(!site.urls().csrf_exempt("/elsewhere/"));
    /// ```
    pub fn csrf_exempt(&self, path: &str) -> bool {
        self.inner.any_csrf_exempt && self.flags(path).is_some_and(|f| f.csrf_exempt)
    }

    /// Whether an unsafe request to `path` needs its CSRF token checked, in one lookup: a
    /// handler answers `method` there (otherwise the router answers 404 or 405, or redirects
    /// to the path with a slash, and no handler runs) and the route is not exempt.
    pub(crate) fn csrf_checked(&self, path: &str, method: &http::Method) -> bool {
        let Ok(found) = self.inner.matcher.at(path) else {
            return false;
        };
        let (flags, index) = found.value;
        !flags.csrf_exempt
            && self.inner.routes[*index]
                .handlers
                .iter()
                .any(|(m, _)| *m == "*" || *m == method.as_str())
    }

    fn flags(&self, path: &str) -> Option<&RouteFlags> {
        self.inner.matcher.at(path).ok().map(|m| &m.value.0)
    }

    /// Whether any app is marked with [`App::api`](crate::App::api): when none is, no path
    /// is an API's and [`is_api`](Self::is_api) need not look.
    ///
    /// ```
    /// use alder_web::{App, Project, Settings, routing::get};
    /// let site = Project::new(Settings::debug())
    ///     .app(App::new("pages").route("/", get(|| async { "home" }), "home"))
    ///     .build().unwrap();
    /// assert!(!site.urls().has_api());
    /// ```
    pub fn has_api(&self) -> bool {
        self.inner.any_api
    }

    /// Whether `path` belongs to an app marked with [`App::api`](crate::App::api), whose
    /// errors are answered in JSON.
    ///
    /// ```
    /// use alder_web::{App, Project, Settings, routing::get};
    /// let site = Project::new(Settings::debug())
    ///     .app(App::new("api").prefix("/api").api().route("/items/", get(|| async { "[]" }), "items"))
    ///     .build().unwrap();
    /// assert!(site.urls().is_api("/api/items/"));
    /// assert!(!site.urls().is_api("/about/"));
    /// ```
    pub fn is_api(&self, path: &str) -> bool {
        self.inner.any_api
            && (self
                .inner
                .api_prefixes
                .iter()
                .any(|p| path.starts_with(p.as_str()))
                || self.inner.matcher.at(path).is_ok_and(|m| m.value.0.api))
    }
}

/// The closest name by edit distance, if it is close enough to be a likely typo.
fn closest<'a>(name: &str, names: impl Iterator<Item = &'a String>) -> Option<String> {
    names
        .map(|n| {
            let short = n.rsplit(':').next().unwrap_or(n);
            (edit_distance(name, n).min(edit_distance(name, short)), n)
        })
        .filter(|(d, n)| *d <= 2.max(n.len() / 3))
        .min_by_key(|(d, n)| (*d, (*n).clone()))
        .map(|(_, n)| n.clone())
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = if ca == *cb {
                prev
            } else {
                1 + prev.min(row[j]).min(cur)
            };
            prev = cur;
        }
    }
    row[b.len()]
}

/// Collects the routes while the project is built, refusing duplicates and malformed paths.
#[derive(Default)]
pub(crate) struct UrlsBuilder {
    by_name: HashMap<String, Pattern>,
    short: HashMap<String, Vec<String>>,
    routes: Vec<RouteInfo>,
    matcher: matchit::Router<(RouteFlags, usize)>,
    paths: HashMap<String, String>,
    body_overrides: bool,
    any_csrf_exempt: bool,
    any_api: bool,
    api_prefixes: Vec<String>,
}

impl UrlsBuilder {
    /// Adds a route; the error says which route and why.
    pub(crate) fn add(
        &mut self,
        app: &str,
        name: &str,
        path: &str,
        handlers: Vec<(&'static str, &'static str)>,
        extensions: Vec<http::Extensions>,
        flags: RouteFlags,
    ) -> Result<(), Error> {
        let full = format!("{app}:{name}");
        if name.is_empty() || name.contains(':') {
            return Err(Error::Config(format!(
                "route `{path}` of app `{app}` has the name `{name}`: a name is non-empty and has no `:`"
            )));
        }
        let pattern =
            Pattern::parse(path).map_err(|e| Error::Config(format!("app `{app}`: {e}")))?;
        if self.by_name.contains_key(&full) {
            return Err(Error::Config(format!(
                "two routes of app `{app}` are named `{name}`; route names must be unique within an app"
            )));
        }
        if let Some(other) = self.paths.get(path) {
            return Err(Error::Config(format!(
                "routes `{other}` and `{full}` both have the path `{path}`; give one route several methods instead (`get(a).post(b)`)"
            )));
        }
        self.matcher
            .insert(path, (flags, self.routes.len()))
            .map_err(|e| Error::Config(format!("route `{full}` ({path}): {e}")))?;
        self.paths.insert(path.to_string(), full.clone());
        self.short
            .entry(name.to_string())
            .or_default()
            .push(full.clone());
        self.by_name.insert(full.clone(), pattern);
        self.routes.push(RouteInfo {
            name: full,
            path: path.to_string(),
            handlers,
            extensions,
            api: flags.api,
            max_body_size: flags.max_body_size,
            csrf_exempt: flags.csrf_exempt,
        });
        self.body_overrides |= flags.max_body_size.is_some();
        self.any_csrf_exempt |= flags.csrf_exempt;
        self.any_api |= flags.api;
        Ok(())
    }

    /// Marks everything below `prefix` (`/api`) as an API's.
    pub(crate) fn api_prefix(&mut self, prefix: &str) {
        self.any_api = true;
        self.api_prefixes
            .push(format!("{}/", prefix.trim_end_matches('/')));
    }

    pub(crate) fn finish(self) -> Urls {
        Urls {
            inner: Arc::new(UrlsInner {
                by_name: self.by_name,
                short: self.short,
                routes: self.routes,
                matcher: self.matcher,
                body_overrides: self.body_overrides,
                any_csrf_exempt: self.any_csrf_exempt,
                any_api: self.any_api,
                api_prefixes: self.api_prefixes,
            }),
        }
    }
}

impl<S> FromRequestParts<S> for Urls
where
    ProjectState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(_parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Ok(ProjectState::from_ref(state).urls().clone())
    }
}

/// Builds a URL from a route name and named parameters: `url_for!(urls, "blog:post", id = 3)`.
///
/// ```
/// use alder_web::{App, Project, Settings, routing::get, url_for};
/// let site = Project::new(Settings::debug())
///     .app(App::new("blog").route("/p/{id}/{slug}/", get(|| async { "" }), "post"))
///     .build().unwrap();
/// let url = url_for!(site.urls(), "blog:post", id = 3, slug = "hello").unwrap();
/// assert_eq!(url, "/p/3/hello/");
/// ```
#[macro_export]
macro_rules! url_for {
    ($urls:expr, $name:expr $(, $key:ident = $value:expr)* $(,)?) => {
        $urls.reverse(
            $name,
            $crate::routing::UrlArgs::Named(vec![$((stringify!($key).to_string(), ($value).to_string())),*]),
        )
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names() {
        let names = ["blog:post_detail".to_string(), "blog:index".to_string()];
        assert_eq!(
            closest("blog:post_detial", names.iter()).as_deref(),
            Some("blog:post_detail")
        );
        assert_eq!(
            closest("post_detai", names.iter()).as_deref(),
            Some("blog:post_detail")
        );
        assert_eq!(closest("zzzzzz", names.iter()), None);
    }
}
