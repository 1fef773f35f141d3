//! The middleware every project gets: the outcome layer (body size limit and read timeout,
//! panic catching, error pages, request log).

mod error_pages;
mod outcome;

use std::time::Duration;

use axum::Router;

use crate::ProjectState;

/// Wraps the project's router in Alder's default stack.
pub(crate) fn defaults(router: Router, state: &ProjectState) -> Router {
    let settings = state.settings();
    // One layer, not one `Router::layer` call each: axum boxes every route's service (and its
    // future) once per call.
    router.layer(outcome::OutcomeLayer::new(
        state.clone(),
        outcome::BodyLimits {
            max_size: settings.max_body_size,
            read_timeout: Duration::from_secs(settings.body_read_timeout),
        },
    ))
}
