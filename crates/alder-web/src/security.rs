//! What the security middleware does per response, and how a handler opts out of it.
//!
//! Every response gets, unless the handler set the header itself (Django's
//! `SecurityMiddleware` and `XFrameOptionsMiddleware`):
//!
//! | header | value | setting |
//! |---|---|---|
//! | `X-Frame-Options` | `DENY` | `x_frame_options` |
//! | `X-Content-Type-Options` | `nosniff` | `secure_content_type_nosniff` |
//! | `Referrer-Policy` | `same-origin` | `secure_referrer_policy` |
//! | `Cross-Origin-Opener-Policy` | `same-origin` | `secure_cross_origin_opener_policy` |
//! | `Strict-Transport-Security` | off; on HTTPS requests once `secure_hsts_seconds` > 0 | `secure_hsts_*` |
//!
//! A handler leaves a header out for its own responses by returning a marker with them:
//!
//! ```
//! use alder_web::security::FrameOptionsExempt;
//! // This page may be shown in a frame on other sites (Django's `@xframe_options_exempt`).
//! async fn widget() -> (FrameOptionsExempt, &'static str) {
//!     (FrameOptionsExempt, "<p>embeddable</p>")
//! }
//! ```

pub use crate::redirect::is_safe_redirect;

use axum::extract::FromRequestParts;
use axum::response::{IntoResponseParts, ResponseParts};
use http::request::Parts;

/// Returned with a response, leaves out `X-Frame-Options` so other sites may frame it
/// (Django's `@xframe_options_exempt`). The other security headers stay.
///
/// ```
/// use alder_web::{security::FrameOptionsExempt, Html};
/// async fn embeddable() -> (FrameOptionsExempt, Html<&'static str>) {
///     (FrameOptionsExempt, Html("<p>a widget</p>"))
/// }
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct FrameOptionsExempt;

/// Returned with a response, leaves out every default security header (frame options,
/// nosniff, referrer and opener policies, HSTS). For responses another system frames or
/// sniffs by design; prefer [`FrameOptionsExempt`] when only framing is wanted.
///
/// ```
/// use alder_web::security::SecurityHeadersExempt;
/// async fn legacy_embed() -> (SecurityHeadersExempt, &'static str) {
///     (SecurityHeadersExempt, "raw")
/// }
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct SecurityHeadersExempt;

macro_rules! marker_parts {
    ($($marker:ty),*) => {$(
        impl IntoResponseParts for $marker {
            type Error = std::convert::Infallible;

            fn into_response_parts(
                self,
                mut parts: ResponseParts,
            ) -> Result<ResponseParts, Self::Error> {
                parts.extensions_mut().insert(self);
                Ok(parts)
            }
        }
    )*};
}
marker_parts!(FrameOptionsExempt, SecurityHeadersExempt);

/// The scheme the client used: `https` when the request came over TLS to a trusted proxy
/// that said so in `X-Forwarded-Proto` (see the `trusted_proxies` setting), `http`
/// otherwise. Django's `request.is_secure()`.
///
/// ```
/// use alder_web::security::Scheme;
/// async fn show(scheme: Scheme) -> String {
///     format!("secure: {}", scheme.is_secure())
/// }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheme {
    /// Plain HTTP.
    Http,
    /// HTTP over TLS.
    Https,
}

impl Scheme {
    /// Whether the client's connection was encrypted.
    ///
    /// ```
    /// assert!(alder_web::security::Scheme::Https.is_secure());
    /// ```
    pub fn is_secure(self) -> bool {
        self == Scheme::Https
    }

    /// `"http"` or `"https"`.
    ///
    /// ```
    /// assert_eq!(alder_web::security::Scheme::Http.as_str(), "http");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Http => "http",
            Scheme::Https => "https",
        }
    }

    /// The scheme of a request: as forwarded by a trusted proxy, else plain HTTP. The
    /// request's own URL is not believed: Alder does not terminate TLS, so an `https://`
    /// there (an absolute-form target, HTTP/2's `:scheme`) is the client's word only.
    pub(crate) fn of(extensions: &http::Extensions) -> Scheme {
        extensions.get::<Scheme>().copied().unwrap_or(Scheme::Http)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Scheme {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Scheme::of(&parts.extensions))
    }
}

/// The proxy a request came through, when `trusted_proxies` let it name the client: then
/// `ConnectInfo<SocketAddr>` holds the client's address and this extension the proxy's.
///
/// ```
/// use alder_web::{extract::{ConnectInfo, Extension}, security::ProxyPeer};
/// async fn show(
///     ConnectInfo(client): ConnectInfo<std::net::SocketAddr>,
///     proxy: Option<Extension<ProxyPeer>>,
/// ) -> String {
///     format!("{} via {:?}", client.ip(), proxy.map(|Extension(ProxyPeer(p))| p))
/// }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProxyPeer(pub std::net::SocketAddr);
