//! The one middleware Alder wraps around every route: it admits the request by the
//! [`Policy`] (requests in flight, proxy, host, head and body limits), catches panics, renders
//! error pages, adds the security headers and logs the request. One service instead of a
//! stack of tower-http layers, because each layer costs boxing and body re-wrapping per
//! request (measured in `bench/`), and a request without a body (most GETs) is not wrapped
//! at all.

use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use http::{Method, StatusCode, Uri};
use pin_project_lite::pin_project;
use tower::Service;

use super::body::TimedOut;
use super::error_pages::{self, PageFor, RequestSummary};
use super::policy::{busy, Policy};
use crate::{Error, ProjectState};

#[derive(Clone)]
pub(crate) struct Outcome<S> {
    inner: S,
    shared: Arc<Shared>,
}

/// What every request's outcome reads, behind one `Arc`: a request clones one reference, not
/// one per part (each clone and drop is an atomic write that both worker threads contend for).
pub(crate) struct Shared {
    state: ProjectState,
    policy: Policy,
    /// `settings.debug`, read on every request.
    debug: bool,
    /// The server-error hooks the project wants; any at all needs the request's summary.
    hooks: Vec<crate::server_errors::HookFn>,
}

impl<S> Outcome<S> {
    pub(crate) fn new(inner: S, state: ProjectState, policy: Policy) -> Self {
        let debug = state.settings().debug;
        let hooks = crate::server_errors::wanted(&state);
        Outcome {
            inner,
            shared: Arc::new(Shared {
                state,
                policy,
                debug,
                hooks,
            }),
        }
    }
}

impl<S: Clone> Outcome<S> {
    /// Answers a request from a shared reference, as hyper calls a connection's service:
    /// clones only the inner service (axum's `Router` is one `Arc`), not the whole outcome.
    pub(crate) fn call_shared<ResBody>(
        &self,
        request: http::Request<Body>,
    ) -> OutcomeFuture<S::Future>
    where
        S: Service<http::Request<Body>, Response = http::Response<ResBody>>,
    {
        start(&mut self.inner.clone(), &self.shared, request)
    }
}

impl<S> std::fmt::Debug for Outcome<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outcome").finish_non_exhaustive()
    }
}

/// What the request log line needs besides the URI, captured only when the `alder::request`
/// target logs anything.
struct LogLine {
    method: Method,
    start: Instant,
    /// In debug the query string is logged too, with secrets masked; in production only the
    /// path, since queries carry tokens and personal data into log storage.
    with_query: bool,
}

impl LogLine {
    fn wanted() -> bool {
        tracing::enabled!(target: "alder::request", tracing::Level::ERROR)
    }

    /// One line per request, at a level by outcome as Django's `django.request` logger:
    /// server errors at ERROR, client errors at WARN, the rest at INFO.
    fn write(self, uri: Option<&Uri>, status: http::StatusCode) {
        // Checked first: in production most lines are filtered out, and timing them is not free.
        if status.as_u16() < 400
            && !tracing::enabled!(target: "alder::request", tracing::Level::INFO)
        {
            return;
        }
        let ms = self.start.elapsed().as_secs_f64() * 1000.0;
        let (method, code) = (self.method, status.as_u16());
        let Some(uri) = uri else { return };
        let path = uri.path();
        let uri = match uri.query() {
            Some(query) if self.with_query => {
                std::borrow::Cow::Owned(format!("{path}?{}", crate::sensitive::mask_query(query)))
            }
            _ => std::borrow::Cow::Borrowed(path),
        };
        if status.is_server_error() {
            tracing::error!(target: "alder::request", "{method} {uri} {code} {ms:.1}ms");
        } else if status.is_client_error() {
            tracing::warn!(target: "alder::request", "{method} {uri} {code} {ms:.1}ms");
        } else {
            tracing::info!(target: "alder::request", "{method} {uri} {code} {ms:.1}ms");
        }
    }
}

impl<S, ResBody> Service<http::Request<Body>> for Outcome<S>
where
    S: Service<http::Request<Body>, Response = http::Response<ResBody>>,
    ResBody: http_body::Body<Data = bytes::Bytes> + Send + 'static,
    ResBody::Error: Into<axum::BoxError>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = OutcomeFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<Body>) -> Self::Future {
        start(&mut self.inner, &self.shared, request)
    }
}

/// Admits the request, calls the inner service (catching a panic) and returns the future
/// that finishes the response.
fn start<S, ResBody>(
    inner: &mut S,
    shared: &Arc<Shared>,
    request: http::Request<Body>,
) -> OutcomeFuture<S::Future>
where
    S: Service<http::Request<Body>, Response = http::Response<ResBody>>,
{
    let summary = (shared.debug || !shared.hooks.is_empty()).then(|| {
        Box::new(RequestSummary {
            method: request.method().clone(),
            uri: request.uri().clone(),
            headers: request.headers().clone(),
        })
    });
    let urls = shared.state.urls();
    // Whether an error would be answered in JSON: the client asks for it, or (decided only
    // if there is an error) the route is an API's.
    let prefers_json = prefers_json(request.headers());
    let log = LogLine::wanted().then(|| LogLine {
        method: request.method().clone(),
        start: Instant::now(),
        with_query: shared.debug,
    });
    let uri = (log.is_some() || (!prefers_json && urls.has_api())).then(|| request.uri().clone());
    let slot = InFlight::take(shared);
    let admitted = if slot.over {
        Err(busy())
    } else {
        shared.policy.admit(request, urls)
    };
    let (mut timed_out, mut secure, mut context) = (None, false, None);
    let stage = match admitted {
        Ok(admitted) => {
            (timed_out, secure, context) = (admitted.timed_out, admitted.secure, admitted.context);
            let request = admitted.request;
            match catch_unwind(AssertUnwindSafe(|| inner.call(request))) {
                Ok(future) => Stage::Running { future },
                Err(payload) => Stage::Early {
                    response: Some(panic_response(payload)),
                },
            }
        }
        Err(refused) => Stage::Early {
            response: Some(refused),
        },
    };
    OutcomeFuture {
        stage,
        page: PageFor {
            summary,
            debug: shared.debug,
            context,
            json: prefers_json,
        },
        uri,
        log,
        timed_out,
        secure,
        slot,
    }
}

/// Whether the client lists JSON before HTML in `Accept` (an API client, `fetch` with
/// `Accept: application/json`); a browser lists HTML first, and no `Accept` means HTML.
fn prefers_json(headers: &http::HeaderMap) -> bool {
    let Some(accept) = headers
        .get(http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    for range in accept.split(',') {
        let media = range.split(';').next().unwrap_or("").trim();
        if media.eq_ignore_ascii_case("text/html")
            || media.eq_ignore_ascii_case("application/xhtml+xml")
        {
            return false;
        }
        let json_suffix = media.len() >= 5
            && media.is_char_boundary(media.len() - 5)
            && media[media.len() - 5..].eq_ignore_ascii_case("+json");
        if media.eq_ignore_ascii_case("application/json") || json_suffix {
            return true;
        }
    }
    false
}

/// One request counted against `max_requests_in_flight`, uncounted when its future ends. It
/// holds the request's one reference to the shared outcome state.
pub(crate) struct InFlight {
    shared: Arc<Shared>,
    over: bool,
}

impl InFlight {
    fn take(shared: &Arc<Shared>) -> Self {
        InFlight {
            over: shared.policy.enter(),
            shared: shared.clone(),
        }
    }

    fn shared(&self) -> &Shared {
        &self.shared
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.shared.policy.leave();
    }
}

pin_project! {
    /// The inner service's future, or the response given without calling it: one or the
    /// other, so the future is as large as the larger of the two, not both.
    #[project = StageProjection]
    enum Stage<F> {
        Running { #[pin] future: F },
        // The inner service panicked, or the request was refused; `None` once taken.
        Early { response: Option<Response> },
    }
}

pin_project! {
    pub(crate) struct OutcomeFuture<F> {
        #[pin]
        stage: Stage<F>,
        page: PageFor,
        // The request's URI when the log line or the API check may need it.
        uri: Option<Uri>,
        log: Option<LogLine>,
        // Present when the request has a body the server is pacing.
        timed_out: Option<TimedOut>,
        secure: bool,
        // Counts the request in flight; holds the state and the policy for the response.
        slot: InFlight,
    }
}

impl<F, E, ResBody> Future for OutcomeFuture<F>
where
    F: Future<Output = Result<http::Response<ResBody>, E>>,
    ResBody: http_body::Body<Data = bytes::Bytes> + Send + 'static,
    ResBody::Error: Into<axum::BoxError>,
{
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let mut response = match this.stage.project() {
            StageProjection::Running { future } => {
                match catch_unwind(AssertUnwindSafe(|| future.poll(cx))) {
                    Ok(Poll::Pending) => return Poll::Pending,
                    Ok(Poll::Ready(result)) => result?.map(Body::new),
                    Err(payload) => panic_response(payload),
                }
            }
            StageProjection::Early { response } => response
                .take()
                .unwrap_or_else(|| Error::Panic("polled after completion".into()).into_response()),
        };
        if this.timed_out.as_ref().is_some_and(TimedOut::happened) {
            // Whatever the extractor made of the cut-off body, the client was too slow.
            response = Error::http(
                StatusCode::REQUEST_TIMEOUT,
                "the request body arrived too slowly",
            )
            .into_response();
        }
        let shared = this.slot.shared();
        if let Some(to) = response.extensions_mut().remove::<crate::RedirectTo>() {
            to.resolve(shared.state.urls(), &mut response);
        }
        if !shared.hooks.is_empty() && response.status().is_server_error() {
            if let Some(request) = this.page.summary.as_deref() {
                crate::server_errors::tell(
                    &shared.state,
                    &shared.hooks,
                    response.status(),
                    request,
                    response.extensions().get::<crate::error::ErrorReport>(),
                );
            }
        }
        if error_pages::needs_page(&response) {
            // Only an error needs to know whether it is on an API route.
            let on_api = this
                .uri
                .as_ref()
                .is_some_and(|uri| shared.state.urls().is_api(uri.path()));
            this.page.json |= on_api;
            response = error_pages::render(&shared.state, this.page, response);
        }
        shared.policy.headers.apply(&mut response, *this.secure);
        if let Some(log) = this.log.take() {
            log.write(this.uri.as_ref(), response.status());
        }
        Poll::Ready(Ok(response))
    }
}

fn panic_response(payload: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let message = if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else {
        "a panic with a non-string payload".to_string()
    };
    Error::Panic(message).into_response()
}
