//! Hooks told of every server error (5xx) the project answers: the seam where Django's
//! `django.request` logger hands errors to `AdminEmailHandler`. The mail app registers one to
//! mail the admins; a user's app can send errors to an error tracker or a chat room the same
//! way, with [`App::on_server_error`](crate::App::on_server_error).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use http::{Method, StatusCode};

use crate::error::ErrorReport;
use crate::middleware::RequestSummary;
use crate::ProjectState;

/// A request answered with a server error, as [`App::on_server_error`](crate::App::on_server_error)
/// hooks see it. Secrets are already masked, as on the debug page: cookie values, headers
/// named like `Authorization` or `X-Api-Key`, query parameters named like `token`.
///
/// ```
/// # fn hook(error: &alder_web::ServerError) {
/// let line = format!("{} {} answered {}", error.method, error.uri, error.status.as_u16());
/// let why = error.chain.join(": "); // "database error: connection refused"
/// # }
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ServerError {
    /// The status answered (500, 503, …).
    pub status: StatusCode,
    /// The request's method.
    pub method: Method,
    /// The request's path and query, secrets masked.
    pub uri: String,
    /// The request's headers, secrets masked, in the order they came.
    pub headers: Vec<(String, String)>,
    /// The error and its causes, outermost first, as the log line shows them; empty when a
    /// handler answered the status itself without an [`Error`](crate::Error).
    pub chain: Vec<String>,
}

/// A hook's body.
pub(crate) type HookFn = Arc<dyn Fn(&ProjectState, &ServerError) + Send + Sync>;

/// Whether the project wants a hook, asked once at start-up.
pub(crate) type WantedFn = Arc<dyn Fn(&ProjectState) -> bool + Send + Sync>;

/// One registered hook, and whether the project wants it (asked once, at start-up).
#[derive(Clone)]
pub(crate) struct ServerErrorFn {
    pub(crate) wanted: Option<WantedFn>,
    pub(crate) hook: HookFn,
}

/// The hooks the project wants, once its state and layers are built: what the outcome
/// middleware keeps. Empty, it captures nothing per request.
pub(crate) fn wanted(state: &ProjectState) -> Vec<HookFn> {
    state
        .server_error_hooks()
        .iter()
        .filter(|h| h.wanted.as_ref().is_none_or(|wanted| wanted(state)))
        .map(|h| h.hook.clone())
        .collect()
}

impl std::fmt::Debug for ServerErrorFn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ServerErrorFn")
    }
}

/// Tells every hook of a server error. A hook runs on the request's task, so one that does
/// I/O spawns it; one that panics is logged and does not change the response.
pub(crate) fn tell(
    state: &ProjectState,
    hooks: &[HookFn],
    status: StatusCode,
    request: &RequestSummary,
    report: Option<&ErrorReport>,
) {
    let error = ServerError {
        status,
        method: request.method.clone(),
        uri: request.masked_uri(),
        headers: request.masked_headers(),
        chain: report.map(|r| r.chain.as_ref().clone()).unwrap_or_default(),
    };
    for hook in hooks {
        if catch_unwind(AssertUnwindSafe(|| hook(state, &error))).is_err() {
            tracing::error!(
                target: "alder::request",
                "a server-error hook panicked while told of {} {} ({})",
                error.method,
                error.uri,
                error.status.as_u16()
            );
        }
    }
}
