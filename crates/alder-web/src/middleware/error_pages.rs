//! Error pages: the debug page in DEBUG, otherwise the project's `404.html`/`500.html`/…
//! templates, or plain built-in pages. Details never reach a production response; they go to
//! the log.

use std::sync::OnceLock;

use axum::body::Body;
use axum::response::Response;
use http::{header, HeaderMap, Method, StatusCode, Uri};
use http_body::Body as _;
use minijinja::{context, Environment};

use crate::error::ErrorReport;
use crate::sensitive;
use crate::templates::{ContextSlot, TemplateContext};
use crate::ProjectState;

/// The parts of the request the debug page and the server-error hooks show, captured only
/// when one of them may need it.
#[derive(Clone)]
pub(crate) struct RequestSummary {
    pub(crate) method: Method,
    pub(crate) uri: Uri,
    pub(crate) headers: HeaderMap,
}

impl RequestSummary {
    /// The path and query, sensitive parameters masked.
    pub(crate) fn masked_uri(&self) -> String {
        match self.uri.query() {
            Some(query) => format!("{}?{}", self.uri.path(), sensitive::mask_query(query)),
            None => self.uri.path().to_string(),
        }
    }

    /// The headers with cookie values, sensitive headers and the referrer's secrets masked.
    pub(crate) fn masked_headers(&self) -> Vec<(String, String)> {
        self.headers
            .iter()
            .map(|(k, v)| {
                let text = String::from_utf8_lossy(v.as_bytes());
                let value = if k == header::COOKIE {
                    sensitive::mask_cookies(&text)
                } else if k == header::REFERER {
                    // The previous page's query can carry a token as well as this one's.
                    match text.split_once('?') {
                        Some((page, query)) => format!("{page}?{}", sensitive::mask_query(query)),
                        None => text.into_owned(),
                    }
                } else if sensitive::is_sensitive(k.as_str()) {
                    sensitive::MASK.to_string()
                } else {
                    text.into_owned()
                };
                (k.to_string(), value)
            })
            .collect()
    }
}

/// Whether a response gets an error page: Alder's own errors, and the bodiless 404/405 that
/// axum's router answers with. A handler's error with a body of its own (JSON) is left alone.
pub(crate) fn needs_page(response: &Response) -> bool {
    let status = response.status();
    if !status.is_client_error() && !status.is_server_error() {
        return false;
    }
    response.extensions().get::<ErrorReport>().is_some()
        || (response.body().size_hint().exact() == Some(0) && matches!(status.as_u16(), 404 | 405))
}

/// What the page of one request's error depends on, gathered before the request went in.
pub(crate) struct PageFor {
    /// The request as the debug page and the server-error hooks show it; only in debug or
    /// when there are hooks. Boxed: it is 200 bytes that every request's future would
    /// otherwise carry (and move) in production too.
    pub(crate) summary: Option<Box<RequestSummary>>,
    /// `settings.debug`: the debug page instead of the production one.
    pub(crate) debug: bool,
    /// Template values middleware added for the request (the user on a 404 page).
    pub(crate) context: Option<ContextSlot>,
    /// Answer with `{"detail": …}` instead of a page: the client asked for JSON, or the
    /// route is an API's.
    pub(crate) json: bool,
}

pub(crate) fn render(state: &ProjectState, page: &mut PageFor, response: Response) -> Response {
    let (mut parts, _) = response.into_parts();
    let status = parts.status;
    let report = parts.extensions.remove::<ErrorReport>();
    let csrf = parts.extensions.get::<crate::csrf::CsrfFailed>().is_some();
    let (content_type, body) = if page.json {
        (
            "application/json",
            json_body(status, report.as_ref(), page.debug),
        )
    } else {
        let html = match page.summary.take().filter(|_| page.debug) {
            Some(request) => debug_page(state, status, report.as_ref(), &request),
            None => {
                let extra = page.context.as_ref().map(|slot| slot.lock().clone());
                production_page(state, status, report.as_ref(), extra, csrf)
            }
        };
        ("text/html; charset=utf-8", html)
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static(content_type),
    );
    // The body depends on `Accept`; caches must not serve the JSON one to a browser.
    parts
        .headers
        .append(header::VARY, header::HeaderValue::from_static("accept"));
    let mut response = Response::from_parts(parts, Body::from(body));
    if let Some(report) = report {
        response.extensions_mut().insert(report);
    }
    response
}

/// FastAPI's error shape, `{"detail": "Not Found"}`: the message meant for the client, or
/// the status's reason. In debug the error chain is added under `debug`.
fn json_body(status: StatusCode, report: Option<&ErrorReport>, debug: bool) -> String {
    let detail = report
        .and_then(|r| r.public_message.clone())
        .unwrap_or_else(|| status.canonical_reason().unwrap_or("Error").to_string());
    let body = if debug {
        let chain = report.map(|r| r.chain.as_ref().clone()).unwrap_or_default();
        serde_json::json!({ "detail": detail, "debug": { "chain": chain } })
    } else {
        serde_json::json!({ "detail": detail })
    };
    body.to_string()
}

/// The project's `<status>.html` template, or a plain page when it has none or it fails.
/// `extra` is what middleware added to the request's template context. A CSRF refusal
/// looks for `403_csrf.html` first (Django's `CSRF_FAILURE_VIEW` template).
fn production_page(
    state: &ProjectState,
    status: StatusCode,
    report: Option<&ErrorReport>,
    extra: Option<TemplateContext>,
    csrf: bool,
) -> String {
    let message = report.and_then(|r| r.public_message.clone());
    let engine = state.templates().engine();
    let template = match csrf {
        true if engine.may_exist("403_csrf.html") => "403_csrf.html".to_string(),
        _ => format!("{}.html", status.as_u16()),
    };
    let own = context! { status => status.as_u16(), reason => status.canonical_reason(), message };
    let ctx = match extra {
        // The last map wins: the page's own status and message over middleware values.
        Some(extra) => minijinja::value::merge_maps([extra.to_value(), own]),
        None => own,
    };
    let own = if state.templates().engine().may_exist(&template) {
        state.templates().render_to_string(&template, &ctx)
    } else {
        Err(crate::Error::NotFound)
    };
    match own {
        Ok(html) => html,
        Err(err) => {
            let missing = matches!(&err, crate::Error::NotFound)
                || matches!(&err, crate::Error::Template(t) if t.not_found);
            if !missing {
                tracing::error!(error = %err, "the error page template failed; serving the built-in page");
            }
            builtin_env()
                .get_template("plain.html")
                .and_then(|t| t.render(&ctx))
                .unwrap_or_else(|_| status.to_string())
        }
    }
}

fn debug_page(
    state: &ProjectState,
    status: StatusCode,
    report: Option<&ErrorReport>,
    request: &RequestSummary,
) -> String {
    let headers = request.masked_headers();
    let uri = request.masked_uri();
    let settings: Vec<(String, String)> = state
        .settings()
        .masked()
        .into_iter()
        .map(|(name, value)| (name, value.to_string()))
        .collect();
    let routes: Vec<_> = state
        .urls()
        .routes()
        .iter()
        .map(|r| {
            let methods: Vec<_> = r.handlers.iter().map(|(m, _)| *m).collect();
            context! { name => r.name, path => r.path, methods => methods.join(", ") }
        })
        .collect();
    // A 404 with Alder's report came from a handler (the router's own has no body): name the
    // route that matched and its handler, as Django's "Raised by", instead of the route table.
    let raised_by = report
        .filter(|_| status == StatusCode::NOT_FOUND)
        .and_then(|_| matched_route(state.urls(), &request.method, request.uri.path()))
        .map(|(route, handler)| context! { route => route.name, path => route.path, handler });
    let template = report.and_then(|r| r.template.as_deref()).map(|t| {
        context! { name => t.name, line => t.line, message => t.message, snippet => t.snippet }
    });
    let ctx = context! {
        status => status.as_u16(),
        reason => status.canonical_reason(),
        chain => report.map(|r| r.chain.as_ref().clone()).unwrap_or_default(),
        message => report.and_then(|r| r.public_message.clone()),
        template,
        method => request.method.as_str(),
        uri,
        path => request.uri.path(),
        headers,
        settings,
        routes,
        show_routes => status == StatusCode::NOT_FOUND && raised_by.is_none(),
        raised_by,
    };
    builtin_env()
        .get_template("debug.html")
        .and_then(|t| t.render(&ctx))
        .unwrap_or_else(|e| format!("{status}: the debug page failed: {e}"))
}

/// The route matching `path`, and its handler for `method`.
fn matched_route<'a>(
    urls: &'a crate::routing::Urls,
    method: &Method,
    path: &str,
) -> Option<(&'a crate::routing::RouteInfo, &'static str)> {
    let route = urls.resolve_path(path)?;
    let wanted = if method == Method::HEAD {
        "GET"
    } else {
        method.as_str()
    };
    let handler = route
        .handlers
        .iter()
        .find(|(m, _)| *m == wanted || *m == "*")
        .map_or("(no handler for this method)", |(_, h)| *h);
    Some((route, handler))
}

fn builtin_env() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        env.set_formatter(crate::templates::html_formatter);
        env.add_template("debug.html", include_str!("debug_page.html"))
            .expect("the built-in debug page compiles");
        env.add_template("plain.html", include_str!("plain_page.html"))
            .expect("the built-in error page compiles");
        env
    })
}
