//! What answers a request no route matched: Django's `APPEND_SLASH` redirect, else 404.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use http::{header, HeaderValue, Method, StatusCode, Uri};

use crate::{Error, ProjectState};

/// Answers a request no route matched: the slash-appended path when it has a route (Django's
/// `APPEND_SLASH`), otherwise 404.
pub(crate) async fn not_found(
    State(state): State<ProjectState>,
    method: Method,
    uri: Uri,
) -> Response {
    let path = uri.path();
    // `//host` and `/\host` are read by browsers as another site: never redirect there.
    let other_site = matches!(path.as_bytes().get(1), Some(b'/' | b'\\'));
    if state.settings().append_slash && !path.ends_with('/') && !other_site {
        let with_slash = format!("{path}/");
        if state.urls().matches(&with_slash) {
            let target = match uri.query() {
                Some(q) => format!("{with_slash}?{q}"),
                None => with_slash,
            };
            // A 308 keeps the method and body of a POST; a GET gets the classic 301.
            let status = if method == Method::GET || method == Method::HEAD {
                StatusCode::MOVED_PERMANENTLY
            } else {
                StatusCode::PERMANENT_REDIRECT
            };
            if let Ok(location) = HeaderValue::try_from(target) {
                return (status, [(header::LOCATION, location)]).into_response();
            }
        }
    }
    Error::NotFound.into_response()
}
