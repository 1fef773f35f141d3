//! The security headers every response gets (Django's `SecurityMiddleware` and
//! `XFrameOptionsMiddleware`), built once from the settings, and the HTTPS redirect.

use axum::response::{IntoResponse, Response};
use http::header::{
    HeaderName, HeaderValue, REFERRER_POLICY, STRICT_TRANSPORT_SECURITY, X_CONTENT_TYPE_OPTIONS,
    X_FRAME_OPTIONS,
};

use crate::security::{FrameOptionsExempt, SecurityHeadersExempt};
use crate::{Error, Result, Settings};

const CROSS_ORIGIN_OPENER_POLICY: HeaderName =
    HeaderName::from_static("cross-origin-opener-policy");

/// The values browsers understand, so a typo is a start-up error and not a header that
/// silently does nothing.
const FRAME_OPTIONS: [&str; 2] = ["DENY", "SAMEORIGIN"];
const REFERRER_POLICIES: [&str; 8] = [
    "no-referrer",
    "no-referrer-when-downgrade",
    "origin",
    "origin-when-cross-origin",
    "same-origin",
    "strict-origin",
    "strict-origin-when-cross-origin",
    "unsafe-url",
];
const OPENER_POLICIES: [&str; 3] = ["same-origin", "same-origin-allow-popups", "unsafe-none"];

pub(crate) struct SecurityHeaders {
    frame_options: Option<HeaderValue>,
    /// Added to every response unless the handler set them: nosniff, referrer and opener
    /// policies.
    always: Vec<(HeaderName, HeaderValue)>,
    /// Sent on HTTPS responses only, as the standard asks.
    hsts: Option<HeaderValue>,
    ssl_redirect: bool,
}

impl SecurityHeaders {
    pub(crate) fn new(settings: &Settings) -> Result<Self> {
        let mut always = Vec::new();
        if settings.secure_content_type_nosniff {
            always.push((X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")));
        }
        if let Some(value) = chosen(
            "secure_referrer_policy",
            &settings.secure_referrer_policy,
            &REFERRER_POLICIES,
        )? {
            always.push((REFERRER_POLICY, value));
        }
        if let Some(value) = chosen(
            "secure_cross_origin_opener_policy",
            &settings.secure_cross_origin_opener_policy,
            &OPENER_POLICIES,
        )? {
            always.push((CROSS_ORIGIN_OPENER_POLICY, value));
        }
        let frame_options = chosen("x_frame_options", &settings.x_frame_options, &FRAME_OPTIONS)?;
        let hsts = (settings.secure_hsts_seconds > 0).then(|| {
            let mut value = format!("max-age={}", settings.secure_hsts_seconds);
            if settings.secure_hsts_include_subdomains {
                value.push_str("; includeSubDomains");
            }
            if settings.secure_hsts_preload {
                value.push_str("; preload");
            }
            HeaderValue::try_from(value).expect("digits and ASCII words are a valid header value")
        });
        Ok(SecurityHeaders {
            frame_options,
            always,
            hsts,
            ssl_redirect: settings.secure_ssl_redirect,
        })
    }

    /// Adds the headers the response does not have yet: a handler's own value wins, and a
    /// handler can leave headers out with the exemption markers.
    pub(crate) fn apply(&self, response: &mut Response, secure: bool) {
        let extensions = response.extensions();
        if extensions.get::<SecurityHeadersExempt>().is_some() {
            return;
        }
        let frame = extensions
            .get::<FrameOptionsExempt>()
            .is_none()
            .then_some(self.frame_options.as_ref())
            .flatten();
        // One hash per header (`entry`). No `reserve`: a map's first allocation has room for
        // six headers, which these and a handler's usual two fit, and reserving more than is
        // needed reallocates the map on every request.
        let headers = response.headers_mut();
        if let Some(value) = frame {
            headers
                .entry(X_FRAME_OPTIONS)
                .or_insert_with(|| value.clone());
        }
        for (name, value) in &self.always {
            headers.entry(name).or_insert_with(|| value.clone());
        }
        if let (true, Some(value)) = (secure, &self.hsts) {
            headers
                .entry(STRICT_TRANSPORT_SECURITY)
                .or_insert_with(|| value.clone());
        }
    }

    /// With `secure_ssl_redirect`, the permanent redirect of a plain-HTTP request to the same
    /// URL over HTTPS (Django's `SECURE_SSL_REDIRECT`).
    pub(crate) fn https_redirect<B>(&self, request: &http::Request<B>) -> Option<Response> {
        if !self.ssl_redirect {
            return None;
        }
        let host = request
            .uri()
            .authority()
            .map(|a| a.as_str())
            .or_else(|| request.headers().get(http::header::HOST)?.to_str().ok())?;
        let target = request.uri().path_and_query().map_or("/", |p| p.as_str());
        // A host and path that passed the request parser are a valid header value.
        let location = HeaderValue::try_from(format!("https://{host}{target}")).ok()?;
        Some(
            (
                http::StatusCode::MOVED_PERMANENTLY,
                [(http::header::LOCATION, location)],
            )
                .into_response(),
        )
    }
}

/// The header value for a setting, `None` when it is empty (turned off), or an error naming
/// the setting and the values it may take.
fn chosen(name: &str, value: &str, allowed: &[&str]) -> Result<Option<HeaderValue>> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    // Referrer-Policy may list fallbacks: `no-referrer, strict-origin-when-cross-origin`.
    let every_part_known = value
        .split(',')
        .all(|part| allowed.iter().any(|a| a.eq_ignore_ascii_case(part.trim())));
    match HeaderValue::try_from(value) {
        Ok(header) if every_part_known => Ok(Some(header)),
        _ => Err(Error::Config(format!(
            "setting `{name}` is `{value}`; it must be one of {}, or empty to send no header",
            allowed.join(", ")
        ))),
    }
}
