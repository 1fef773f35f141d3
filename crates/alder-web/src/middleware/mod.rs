//! The middleware every project gets, outermost first: request logging, error pages,
//! body read timeout, body size limit, panic catching.

mod error_pages;

use std::time::Duration;

use axum::response::{IntoResponse, Response};
use axum::Router;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::RequestBodyTimeoutLayer;
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::{Error, ProjectState};

pub(crate) use error_pages::ErrorPagesLayer;

/// Wraps the project's router in Alder's default stack.
pub(crate) fn defaults(router: Router, state: &ProjectState) -> Router {
    let settings = state.settings();
    // One composed layer, not five `Router::layer` calls: axum boxes each route's service
    // (and its future) once per call, so separate calls cost an allocation each per request.
    router.layer(
        ServiceBuilder::new()
            .layer(
                TraceLayer::new_for_http()
                    .make_span_with(DefaultMakeSpan::new().level(Level::INFO))
                    .on_response(DefaultOnResponse::new().level(Level::INFO)),
            )
            .layer(ErrorPagesLayer::new(state.clone()))
            .layer(RequestBodyTimeoutLayer::new(Duration::from_secs(
                settings.body_read_timeout,
            )))
            .layer(RequestBodyLimitLayer::new(settings.max_body_size))
            .layer(CatchPanicLayer::custom(panic_response)),
    )
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
