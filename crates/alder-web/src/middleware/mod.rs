//! The middleware every project gets: the outcome service (requests-in-flight cap, trusted
//! proxies, allowed hosts, head and body limits, panic catching, error pages, security
//! headers, request log).

mod body;
mod error_pages;
mod hosts;
mod outcome;
mod policy;
mod proxy;
mod security_headers;

use axum::Router;

use crate::{ProjectState, Result};

pub(crate) use body::passed_the_limit;
pub(crate) use error_pages::RequestSummary;
pub(crate) use hosts::DEBUG_HOSTS;
pub(crate) use outcome::{Outcome, OutcomeFuture};

/// The project's routes wrapped in Alder's default stack: one service around the whole
/// router, not a layer on each route, so a request goes through one boxed route less (axum's
/// `Router::layer` wraps and boxes every route's service).
///
/// `layered` says whether the project has middleware of its own, which may add template
/// values for the request (then the error pages need them too).
pub(crate) fn defaults(
    router: Router,
    state: &ProjectState,
    layered: bool,
) -> Result<Outcome<crate::csrf::Csrf>> {
    let policy = policy::Policy::new(state.settings(), layered)?;
    let csrf = crate::csrf::Csrf::new(router, state.settings(), state.urls().clone())?;
    Ok(Outcome::new(csrf, state.clone(), policy))
}
