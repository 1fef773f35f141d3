//! Turns error responses into pages: the debug page in DEBUG, otherwise the project's
//! `404.html`/`500.html`/… templates, or plain built-in pages. Details never reach a
//! production response; they go to the log.

use std::future::Future;
use std::pin::Pin;
use std::sync::OnceLock;
use std::task::{Context, Poll};

use axum::body::Body;
use axum::response::Response;
use http::{header, HeaderMap, Method, StatusCode, Uri};
use http_body::Body as _;
use minijinja::{context, Environment};
use pin_project_lite::pin_project;
use tower::{Layer, Service};

use crate::error::ErrorReport;
use crate::ProjectState;

/// The parts of the request the debug page shows, captured only in DEBUG.
#[derive(Clone)]
struct RequestSummary {
    method: Method,
    uri: Uri,
    headers: HeaderMap,
}

#[derive(Clone)]
pub(crate) struct ErrorPagesLayer {
    state: ProjectState,
}

impl ErrorPagesLayer {
    pub(crate) fn new(state: ProjectState) -> Self {
        ErrorPagesLayer { state }
    }
}

impl<S> Layer<S> for ErrorPagesLayer {
    type Service = ErrorPages<S>;

    fn layer(&self, inner: S) -> Self::Service {
        ErrorPages {
            inner,
            state: self.state.clone(),
        }
    }
}

#[derive(Clone)]
pub(crate) struct ErrorPages<S> {
    inner: S,
    state: ProjectState,
}

impl<S, ReqBody, ResBody> Service<http::Request<ReqBody>> for ErrorPages<S>
where
    S: Service<http::Request<ReqBody>, Response = http::Response<ResBody>>,
    ResBody: http_body::Body<Data = bytes::Bytes> + Send + 'static,
    ResBody::Error: Into<axum::BoxError>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = ErrorPagesFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<ReqBody>) -> Self::Future {
        let summary = self.state.settings().debug.then(|| RequestSummary {
            method: request.method().clone(),
            uri: request.uri().clone(),
            headers: request.headers().clone(),
        });
        ErrorPagesFuture {
            inner: self.inner.call(request),
            state: Some(self.state.clone()),
            summary,
        }
    }
}

pin_project! {
    pub(crate) struct ErrorPagesFuture<F> {
        #[pin]
        inner: F,
        state: Option<ProjectState>,
        summary: Option<RequestSummary>,
    }
}

impl<F, E, ResBody> Future for ErrorPagesFuture<F>
where
    F: Future<Output = Result<http::Response<ResBody>, E>>,
    ResBody: http_body::Body<Data = bytes::Bytes> + Send + 'static,
    ResBody::Error: Into<axum::BoxError>,
{
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let response = std::task::ready!(this.inner.poll(cx))?.map(Body::new);
        let status = response.status();
        if !status.is_client_error() && !status.is_server_error() {
            return Poll::Ready(Ok(response));
        }
        let has_report = response.extensions().get::<ErrorReport>().is_some();
        // Only bodiless errors get a page: a handler's own error body (a JSON error, say) stays.
        let bodiless = response.body().size_hint().exact() == Some(0);
        let needs_page = has_report || (bodiless && matches!(status.as_u16(), 404 | 405));
        if !needs_page {
            return Poll::Ready(Ok(response));
        }
        let state = this.state.take().expect("polled after completion");
        Poll::Ready(Ok(render(&state, this.summary.take(), response)))
    }
}

fn render(state: &ProjectState, summary: Option<RequestSummary>, response: Response) -> Response {
    let (mut parts, _) = response.into_parts();
    let status = parts.status;
    let report = parts.extensions.remove::<ErrorReport>();
    let html = match summary {
        Some(request) => debug_page(state, status, report.as_ref(), &request),
        None => production_page(state, status, report.as_ref()),
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("text/html; charset=utf-8"),
    );
    let mut response = Response::from_parts(parts, Body::from(html));
    if let Some(report) = report {
        response.extensions_mut().insert(report);
    }
    response
}

/// The project's `<status>.html` template, or a plain page when it has none or it fails.
fn production_page(
    state: &ProjectState,
    status: StatusCode,
    report: Option<&ErrorReport>,
) -> String {
    let message = report.and_then(|r| r.public_message.clone());
    let template = format!("{}.html", status.as_u16());
    let ctx = context! { status => status.as_u16(), reason => status.canonical_reason(), message };
    match state.templates().render_to_string(&template, &ctx) {
        Ok(html) => html,
        Err(err) => {
            if !matches!(&err, crate::Error::Template(t) if t.not_found) {
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
    let headers: Vec<(String, String)> = request
        .headers
        .iter()
        .map(|(k, v)| {
            let value = if is_secret_header(k.as_str()) {
                "********".to_string()
            } else {
                String::from_utf8_lossy(v.as_bytes()).into_owned()
            };
            (k.to_string(), value)
        })
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
        uri => request.uri.to_string(),
        path => request.uri.path(),
        headers,
        routes,
        show_routes => status == StatusCode::NOT_FOUND,
    };
    builtin_env()
        .get_template("debug.html")
        .and_then(|t| t.render(&ctx))
        .unwrap_or_else(|e| format!("{status}: the debug page failed: {e}"))
}

fn is_secret_header(name: &str) -> bool {
    matches!(
        name,
        "authorization" | "cookie" | "proxy-authorization" | "x-api-key"
    )
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
