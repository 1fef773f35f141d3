//! The middleware every project gets: the outcome layer (requests-in-flight cap, head and
//! body limits, panic catching, error pages, request log).

mod body;
mod error_pages;
mod hosts;
mod outcome;

use std::sync::atomic::AtomicUsize;
use std::time::Duration;

use axum::Router;

use crate::{ProjectState, Result};

pub(crate) use hosts::DEBUG_HOSTS;
pub(crate) use outcome::{Outcome, OutcomeFuture};

/// The project's routes wrapped in Alder's default stack: one service around the whole
/// router, not a layer on each route, so a request goes through one boxed route less (axum's
/// `Router::layer` wraps and boxes every route's service).
pub(crate) fn defaults(router: Router, state: &ProjectState) -> Result<Outcome<Router>> {
    let settings = state.settings();
    let limits = outcome::Limits {
        max_body: settings.max_body_size,
        pace: body::BodyPace {
            read_timeout: Duration::from_secs(settings.body_read_timeout),
            min_rate: settings.body_min_rate,
        },
        max_headers: settings.max_headers,
        max_in_flight: settings.max_requests_in_flight,
        in_flight: AtomicUsize::new(0),
        unlimited: axum_body_limit_off(),
        hosts: hosts::AllowedHosts::new(settings)?,
    };
    Ok(Outcome::new(router, state.clone(), limits))
}

/// The request extension with which axum's `DefaultBodyLimit::disable()` turns off axum's
/// own 2 MiB limit. Its type is private to axum, so it is taken from the layer once here and
/// copied into requests that have a body; wrapping the router in the layer instead would box
/// every route once more.
fn axum_body_limit_off() -> http::Extensions {
    let captured = std::sync::Arc::new(std::sync::Mutex::new(http::Extensions::new()));
    let slot = captured.clone();
    let probe = tower::service_fn(move |request: http::Request<()>| {
        *slot
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = request.extensions().clone();
        std::future::ready(Ok::<(), std::convert::Infallible>(()))
    });
    let mut layered = tower::Layer::layer(&axum::extract::DefaultBodyLimit::disable(), probe);
    // The layer inserts its extension synchronously in `call`; the future is not needed.
    drop(tower::Service::call(&mut layered, http::Request::new(())));
    let extensions = captured
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone();
    extensions
}
