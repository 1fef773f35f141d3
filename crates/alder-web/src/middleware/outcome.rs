//! The one middleware Alder wraps around every route: it catches panics, renders error
//! pages and logs the request. One service instead of three tower-http layers, because each
//! layer costs boxing and body re-wrapping per request (measured in `bench/`).

use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use http::{Method, Uri};
use pin_project_lite::pin_project;
use tower::{Layer, Service};

use super::error_pages::{self, RequestSummary};
use crate::{Error, ProjectState};

#[derive(Clone)]
pub(crate) struct OutcomeLayer {
    state: ProjectState,
}

impl OutcomeLayer {
    pub(crate) fn new(state: ProjectState) -> Self {
        OutcomeLayer { state }
    }
}

impl<S> Layer<S> for OutcomeLayer {
    type Service = Outcome<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Outcome {
            inner,
            state: self.state.clone(),
        }
    }
}

#[derive(Clone)]
pub(crate) struct Outcome<S> {
    inner: S,
    state: ProjectState,
}

/// What the request log line needs, captured only when INFO logging is on.
struct LogLine {
    method: Method,
    uri: Uri,
    start: Instant,
}

impl<S, ReqBody, ResBody> Service<http::Request<ReqBody>> for Outcome<S>
where
    S: Service<http::Request<ReqBody>, Response = http::Response<ResBody>>,
    ResBody: http_body::Body<Data = bytes::Bytes> + Send + 'static,
    ResBody::Error: Into<axum::BoxError>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = OutcomeFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<ReqBody>) -> Self::Future {
        let summary = self.state.settings().debug.then(|| RequestSummary {
            method: request.method().clone(),
            uri: request.uri().clone(),
            headers: request.headers().clone(),
        });
        let log =
            tracing::enabled!(target: "alder::request", tracing::Level::INFO).then(|| LogLine {
                method: request.method().clone(),
                uri: request.uri().clone(),
                start: Instant::now(),
            });
        let inner = catch_unwind(AssertUnwindSafe(|| self.inner.call(request)));
        let (inner, panicked) = match inner {
            Ok(future) => (Some(future), None),
            Err(payload) => (None, Some(panic_response(payload))),
        };
        OutcomeFuture {
            inner,
            panicked,
            state: self.state.clone(),
            summary,
            log,
        }
    }
}

pin_project! {
    pub(crate) struct OutcomeFuture<F> {
        #[pin]
        inner: Option<F>,
        panicked: Option<Response>,
        state: ProjectState,
        summary: Option<RequestSummary>,
        log: Option<LogLine>,
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
                .panicked
                .take()
                .unwrap_or_else(|| Error::Panic("polled after completion".into()).into_response()),
        };
        if error_pages::needs_page(&response) {
            response = error_pages::render(this.state, this.summary.take(), response);
        }
        if let Some(log) = this.log.take() {
            tracing::info!(
                target: "alder::request",
                "{} {} {} {:.1}ms",
                log.method,
                log.uri,
                response.status().as_u16(),
                log.start.elapsed().as_secs_f64() * 1000.0
            );
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
