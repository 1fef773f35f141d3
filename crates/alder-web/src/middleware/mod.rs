//! The middleware every project gets, outermost first: the outcome layer (panic catching,
//! error pages, request log), then the body read timeout and the body size limit.

mod error_pages;
mod outcome;

use std::time::Duration;

use axum::Router;
use tower::ServiceBuilder;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::RequestBodyTimeoutLayer;

use crate::ProjectState;

/// Wraps the project's router in Alder's default stack.
pub(crate) fn defaults(router: Router, state: &ProjectState) -> Router {
    let settings = state.settings();
    // One composed layer, not one `Router::layer` call each: axum boxes every route's service
    // (and its future) once per call.
    router.layer(
        ServiceBuilder::new()
            .layer(outcome::OutcomeLayer::new(state.clone()))
            .layer(RequestBodyTimeoutLayer::new(Duration::from_secs(
                settings.body_read_timeout,
            )))
            .layer(RequestBodyLimitLayer::new(settings.max_body_size)),
    )
}
