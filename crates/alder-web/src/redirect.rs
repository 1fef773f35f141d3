//! Redirects by route name (Django's `redirect("blog:detail", slug=…)`), and the check that
//! makes a `next=` parameter safe to redirect to (Django's
//! `url_has_allowed_host_and_scheme`).

use axum::response::{IntoResponse, Response};
use http::{header, HeaderValue, StatusCode};

use crate::routing::{UrlArgs, Urls};
use crate::Error;

/// Redirects to the route `name` with `args`, built when the response leaves the handler:
/// no `Urls` extractor needed. A name or argument that does not fit the route is a 500 that
/// names it (in debug, on the debug page), never a broken `Location`.
///
/// ```
/// use alder_web::{App, Project, Settings, redirect, routing::get, test::TestClient};
/// async fn old_link() -> alder_web::RedirectTo {
///     redirect("blog:detail", ("hello-world",))
/// }
/// let project = Project::new(Settings::debug()).app(
///     App::new("blog")
///         .route("/posts/{slug}/", get(|| async { "post" }), "detail")
///         .route("/p/", get(old_link), "old"),
/// );
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// TestClient::new(project).get("/p/").await.assert_redirects_to("/posts/hello-world/");
/// # });
/// ```
pub fn redirect(name: impl Into<String>, args: impl Into<UrlArgs>) -> RedirectTo {
    RedirectTo {
        name: name.into(),
        args: args.into(),
        query: None,
        status: StatusCode::FOUND,
    }
}

/// A redirect to a named route, made by [`redirect`]: 302 by default.
#[derive(Clone, Debug)]
#[must_use = "return it from the handler"]
pub struct RedirectTo {
    name: String,
    args: UrlArgs,
    query: Option<String>,
    status: StatusCode,
}

impl RedirectTo {
    /// A 301 instead: the old URL is gone for good.
    ///
    /// ```
    /// let r = alder_web::redirect("blog:index", ()).permanent();
    /// ```
    pub fn permanent(mut self) -> Self {
        self.status = StatusCode::MOVED_PERMANENTLY;
        self
    }

    /// A 303 instead: after a POST, the browser follows with a GET (the Post/Redirect/Get
    /// pattern).
    ///
    /// ```
    /// let r = alder_web::redirect("blog:index", ()).see_other();
    /// ```
    pub fn see_other(mut self) -> Self {
        self.status = StatusCode::SEE_OTHER;
        self
    }

    /// Appends a query string (`page=2`, written as given) to the URL.
    ///
    /// ```
    /// let r = alder_web::redirect("blog:index", ()).with_query("page=2");
    /// ```
    pub fn with_query(mut self, query: impl Into<String>) -> Self {
        self.query = Some(query.into());
        self
    }

    /// Builds the `Location` from the route table; the outcome middleware calls it.
    pub(crate) fn resolve(&self, urls: &Urls, response: &mut Response) {
        let url = match urls.reverse(&self.name, self.args.clone()) {
            Ok(url) => url,
            Err(err) => {
                *response = Error::from(err).into_response();
                return;
            }
        };
        let url = match &self.query {
            Some(query) => format!("{url}?{query}"),
            None => url,
        };
        match HeaderValue::try_from(url) {
            Ok(location) => {
                response.headers_mut().insert(header::LOCATION, location);
            }
            Err(_) => {
                *response = Error::Other {
                    context: format!("redirecting to `{}`", self.name),
                    source: "the query string is not a valid header value".into(),
                }
                .into_response();
            }
        }
    }
}

impl IntoResponse for RedirectTo {
    fn into_response(self) -> Response {
        let mut response = self.status.into_response();
        response.extensions_mut().insert(self);
        response
    }
}

/// Whether `url` is safe to redirect to after a login or a form: a path on this site, or an
/// absolute `http(s)` URL whose host is `host` (or one of `allowed`). Anything a browser
/// would take to another site is refused: `//evil.com`, `/\evil.com`, `\\evil.com`,
/// `https:evil.com`, `javascript:…`, control characters, and URLs whose host is only
/// disguised (`http://host@evil.com`). Use it on every `next=` parameter.
///
/// ```
/// use alder_web::security::is_safe_redirect;
/// assert!(is_safe_redirect("/account/", "example.com", &[]));
/// assert!(is_safe_redirect("https://example.com/a?b=c", "example.com", &[]));
/// assert!(is_safe_redirect("https://shop.example.com/", "example.com", &["shop.example.com"]));
/// for evil in ["//evil.com", "/\\evil.com", "https://evil.com", "javascript:alert(1)",
///              "http://example.com@evil.com/", "\x01/evil.com", "https:///evil.com",
///              "https:evil.com", "http://localhost:1@evil.com/", "https://example.com:8080/"] {
///     assert!(!is_safe_redirect(evil, "example.com", &[]), "{evil}");
/// }
/// ```
pub fn is_safe_redirect(url: &str, host: &str, allowed: &[&str]) -> bool {
    let url = url.trim();
    if url.is_empty() || url.chars().any(|c| c.is_control()) || url.contains('\\') {
        return false;
    }
    // `https:evil.com` goes to evil.com from a page whose scheme differs: like Django, refuse
    // a scheme that is not followed by `//`.
    if let Some((scheme, rest)) = url.split_once(':') {
        let is_scheme = scheme
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
        if is_scheme && !rest.starts_with("//") {
            return false;
        }
    }
    // Resolve the way a browser would, against a page of this site.
    let Ok(base) = url::Url::parse(&format!("https://{host}/")) else {
        return false;
    };
    let Ok(target) = base.join(url) else {
        return false;
    };
    if !matches!(target.scheme(), "http" | "https") {
        return false;
    }
    // A relative URL ends up on the base's host; an absolute one must name an allowed host
    // itself, without a user part that could make a reader see a different host.
    if !target.username().is_empty() || target.password().is_some() {
        return false;
    }
    let Some(target_host) = target.host_str() else {
        return false;
    };
    // Host and port together, as Django compares them: `example.com:8080` is another site.
    let with_port = match target.port() {
        Some(port) => format!("{target_host}:{port}"),
        None => target_host.to_string(),
    };
    let same = |h: &str| h.eq_ignore_ascii_case(&with_port);
    same(host) || allowed.iter().any(|h| same(h))
}
