//! The one middleware Alder wraps around every route: it caps the requests in flight, bounds
//! the request head and body (size, read time, rate), catches panics, renders error pages and
//! logs the request. One service instead
//! of a stack of tower-http layers, because each layer costs boxing and body re-wrapping per
//! request (measured in `bench/`), and a request without a body (most GETs) is not wrapped
//! at all.

use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use http::{Method, StatusCode, Uri};
use pin_project_lite::pin_project;
use tower::Service;

use super::body::{self, BodyPace, TimedOut};
use super::error_pages::{self, RequestSummary};
use crate::{Error, ProjectState};

/// What a request may ask of the server, fixed at start-up from the settings.
pub(crate) struct Limits {
    pub(crate) max_body: usize,
    pub(crate) pace: BodyPace,
    /// HTTP/1 heads are checked by hyper; HTTP/2 heads are counted here.
    pub(crate) max_headers: usize,
    pub(crate) max_in_flight: usize,
    pub(crate) in_flight: AtomicUsize,
    /// The request extension that turns off axum's own 2 MiB body limit, which would
    /// otherwise override `max_body_size` in `Json`, `Form`, `Bytes` and `String`.
    pub(crate) unlimited: http::Extensions,
    pub(crate) hosts: super::hosts::AllowedHosts,
}

#[derive(Clone)]
pub(crate) struct Outcome<S> {
    inner: S,
    state: ProjectState,
    limits: Arc<Limits>,
}

impl<S> Outcome<S> {
    pub(crate) fn new(inner: S, state: ProjectState, limits: Limits) -> Self {
        Outcome {
            inner,
            state,
            limits: Arc::new(limits),
        }
    }
}

impl<S> std::fmt::Debug for Outcome<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outcome").finish_non_exhaustive()
    }
}

/// What the request log line needs, captured only when the `alder::request` target logs
/// anything.
struct LogLine {
    method: Method,
    uri: Uri,
    start: Instant,
}

impl LogLine {
    fn wanted() -> bool {
        tracing::enabled!(target: "alder::request", tracing::Level::ERROR)
    }

    /// One line per request, at a level by outcome as Django's `django.request` logger:
    /// server errors at ERROR, client errors at WARN, the rest at INFO.
    fn write(self, status: http::StatusCode) {
        // Checked first: in production most lines are filtered out, and timing them is not free.
        if status.as_u16() < 400
            && !tracing::enabled!(target: "alder::request", tracing::Level::INFO)
        {
            return;
        }
        let ms = self.start.elapsed().as_secs_f64() * 1000.0;
        let (method, uri, code) = (self.method, self.uri, status.as_u16());
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
        let summary = self.state.settings().debug.then(|| RequestSummary {
            method: request.method().clone(),
            uri: request.uri().clone(),
            headers: request.headers().clone(),
        });
        let log = LogLine::wanted().then(|| LogLine {
            method: request.method().clone(),
            uri: request.uri().clone(),
            start: Instant::now(),
        });
        let slot = InFlight::take(&self.limits);
        let admitted = if slot.over {
            Err(busy())
        } else {
            self.limits.check(request, self.state.urls())
        };
        let mut timed_out = None;
        let (inner, early) = match admitted {
            Ok((request, paced)) => {
                timed_out = paced;
                match catch_unwind(AssertUnwindSafe(|| self.inner.call(request))) {
                    Ok(future) => (Some(future), None),
                    Err(payload) => (None, Some(panic_response(payload))),
                }
            }
            Err(refused) => (None, Some(refused)),
        };
        OutcomeFuture {
            inner,
            early,
            state: self.state.clone(),
            summary,
            log,
            timed_out,
            _slot: slot,
        }
    }
}

/// One request counted against `max_requests_in_flight`, uncounted when its future ends.
pub(crate) struct InFlight {
    limits: Arc<Limits>,
    over: bool,
}

impl InFlight {
    fn take(limits: &Arc<Limits>) -> Self {
        let count = limits.in_flight.fetch_add(1, Ordering::Relaxed) + 1;
        InFlight {
            limits: limits.clone(),
            over: count > limits.max_in_flight,
        }
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.limits.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

/// 503 with a hint to come back in a second: the server is at `max_requests_in_flight`.
fn busy() -> Response {
    let mut response = Error::http(
        StatusCode::SERVICE_UNAVAILABLE,
        "the server is handling as many requests as it may; try again in a moment",
    )
    .into_response();
    response.headers_mut().insert(
        http::header::RETRY_AFTER,
        http::HeaderValue::from_static("1"),
    );
    response
}

pin_project! {
    pub(crate) struct OutcomeFuture<F> {
        #[pin]
        inner: Option<F>,
        // The response when the inner service was not called: it panicked, or the body was
        // refused.
        early: Option<Response>,
        state: ProjectState,
        summary: Option<RequestSummary>,
        log: Option<LogLine>,
        // Present when the request has a body the server is pacing.
        timed_out: Option<TimedOut>,
        _slot: InFlight,
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
        let mut response = match this.inner.as_pin_mut() {
            Some(inner) => match catch_unwind(AssertUnwindSafe(|| inner.poll(cx))) {
                Ok(Poll::Pending) => return Poll::Pending,
                Ok(Poll::Ready(result)) => result?.map(Body::new),
                Err(payload) => panic_response(payload),
            },
            None => this
                .early
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
        if error_pages::needs_page(&response) {
            response = error_pages::render(this.state, this.summary.take(), response);
        }
        if let Some(log) = this.log.take() {
            log.write(response.status());
        }
        Poll::Ready(Ok(response))
    }
}

impl Limits {
    /// Refuses a head with too many headers (431) or a body declared too large (413) at
    /// once; bounds the size, pace and total time of any other body. A request without a
    /// body passes untouched.
    // The refusal is the response itself, built once on the rare path.
    #[allow(clippy::type_complexity, clippy::result_large_err)]
    fn check(
        &self,
        mut request: http::Request<Body>,
        urls: &crate::routing::Urls,
    ) -> Result<(http::Request<Body>, Option<TimedOut>), Response> {
        use http_body::Body as _;
        if let Err(why) = self.hosts.check(request.uri(), request.headers()) {
            // Django logs these on `django.security.DisallowedHost`.
            tracing::warn!(target: "alder::security", "refused a request: {why}");
            return Err(Error::http(StatusCode::BAD_REQUEST, why).into_response());
        }
        if request.method() == Method::CONNECT {
            // This is a site, not a proxy.
            return Err(Error::http(
                StatusCode::METHOD_NOT_ALLOWED,
                "CONNECT is not supported: this server is not a proxy",
            )
            .into_response());
        }
        if request.headers().len() > self.max_headers {
            let message = format!("a request may have at most {} headers", self.max_headers);
            return Err(
                Error::http(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE, message).into_response(),
            );
        }
        if request.body().is_end_stream() {
            return Ok((request, None));
        }
        let max = urls
            .max_body_size(request.uri().path())
            .unwrap_or(self.max_body);
        let declared = request
            .headers()
            .get(http::header::CONTENT_LENGTH)
            .and_then(|value| value.to_str().ok()?.parse::<usize>().ok());
        let limit = match declared {
            Some(length) if length > max => {
                let message = format!("the request body may be at most {max} bytes");
                return Err(Error::http(StatusCode::PAYLOAD_TOO_LARGE, message).into_response());
            }
            Some(length) => length,
            None => max,
        };
        request.extensions_mut().extend(self.unlimited.clone());
        let pace = self.pace;
        let timed_out = TimedOut::default();
        let flag = timed_out.clone();
        Ok((
            request.map(|b| body::guard(b, limit, pace, flag)),
            Some(timed_out),
        ))
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
