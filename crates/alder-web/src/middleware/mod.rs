//! The middleware every project gets: the outcome layer (body size limit and read timeout,
//! panic catching, error pages, request log).

mod error_pages;
mod outcome;

use std::time::Duration;

use axum::Router;

use crate::ProjectState;

pub(crate) use outcome::Outcome;

/// The project's routes wrapped in Alder's default stack: one service around the whole
/// router, not a layer on each route, so a request goes through one boxed route less (axum's
/// `Router::layer` wraps and boxes every route's service).
pub(crate) fn defaults(router: Router, state: &ProjectState) -> Outcome<Router> {
    let settings = state.settings();
    let layer = outcome::OutcomeLayer::new(
        state.clone(),
        outcome::BodyLimits {
            max_size: settings.max_body_size,
            read_timeout: Duration::from_secs(settings.body_read_timeout),
        },
    );
    tower::Layer::layer(&layer, router)
}
