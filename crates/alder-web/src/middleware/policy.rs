//! What a request may ask of the server, fixed at start-up from the settings and checked
//! before any handler runs: requests in flight, the proxy's word on client and scheme, the
//! host, the method, the HTTPS redirect, the head and the body.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use http::{Method, StatusCode};

use super::body::{self, BodyPace, TimedOut};
use super::hosts::AllowedHosts;
use super::proxy::TrustedProxies;
use super::security_headers::SecurityHeaders;
use crate::security::Scheme;
use crate::templates::ContextSlot;
use crate::{Error, Result, Settings};

pub(crate) struct Policy {
    max_body: usize,
    pace: BodyPace,
    /// HTTP/1 heads are checked by hyper; HTTP/2 heads are counted here.
    max_headers: usize,
    max_in_flight: usize,
    /// On a cache line of its own: every request writes it, and it must not share the line
    /// with the reference count beside it.
    in_flight: Padded,
    /// The request extension that turns off axum's own 2 MiB body limit, which would
    /// otherwise override `max_body_size` in `Json`, `Form`, `Bytes` and `String`.
    unlimited: http::Extensions,
    hosts: AllowedHosts,
    proxies: TrustedProxies,
    pub(crate) headers: SecurityHeaders,
    /// Whether requests get a [`ContextSlot`]: only when middleware could fill it.
    context_slots: bool,
}

/// A counter alone on its cache line (128 bytes covers adjacent-line prefetching).
#[repr(align(128))]
struct Padded(AtomicUsize);

/// A request let through, with what the response will need to know of it.
pub(crate) struct Admitted {
    pub(crate) request: http::Request<Body>,
    /// Present when the request has a body the server is pacing.
    pub(crate) timed_out: Option<TimedOut>,
    pub(crate) secure: bool,
    /// The template values middleware adds for this request, for its error page.
    pub(crate) context: Option<ContextSlot>,
}

impl Policy {
    pub(crate) fn new(settings: &Settings, context_slots: bool) -> Result<Self> {
        Ok(Policy {
            max_body: settings.max_body_size,
            pace: BodyPace {
                read_timeout: Duration::from_secs(settings.body_read_timeout),
                min_rate: settings.body_min_rate,
            },
            max_headers: settings.max_headers,
            max_in_flight: settings.max_requests_in_flight,
            in_flight: Padded(AtomicUsize::new(0)),
            unlimited: axum_body_limit_off(),
            hosts: AllowedHosts::new(settings)?,
            proxies: TrustedProxies::new(settings)?,
            headers: SecurityHeaders::new(settings)?,
            context_slots,
        })
    }

    /// Counts a request in flight; whether that puts the server over
    /// `max_requests_in_flight`. Each call is paired with one [`leave`](Self::leave).
    pub(crate) fn enter(&self) -> bool {
        self.in_flight.0.fetch_add(1, Ordering::Relaxed) + 1 > self.max_in_flight
    }

    pub(crate) fn leave(&self) {
        self.in_flight.0.fetch_sub(1, Ordering::Relaxed);
    }

    /// Lets a request through, or answers it at once: 400 for a host this site is not,
    /// 405 for CONNECT, a redirect to HTTPS when that is required, 431 for too many headers,
    /// 413 for a body declared too large. Any other body is bounded in size, pace and total
    /// time. A request without a body passes without an allocation.
    // The refusal is the response itself, built once on the rare path.
    #[allow(clippy::result_large_err)]
    pub(crate) fn admit(
        &self,
        mut request: http::Request<Body>,
        urls: &crate::routing::Urls,
    ) -> std::result::Result<Admitted, Response> {
        use http_body::Body as _;
        if !self.proxies.is_empty() {
            self.proxies.apply(&mut request);
        }
        if let Err(why) = self.hosts.check(request.uri(), request.headers()) {
            // Django logs these on `django.security.DisallowedHost`.
            tracing::warn!(target: "alder::security", "refused a request: {why}");
            return Err(Error::http(StatusCode::BAD_REQUEST, why).into_response());
        }
        if request.method() == Method::CONNECT {
            // This is a site, not a proxy.
            return Err(Error::http(
                StatusCode::METHOD_NOT_ALLOWED,
                "CONNECT is not supported: this server is not a proxy",
            )
            .into_response());
        }
        let secure = Scheme::of(request.extensions()).is_secure();
        if !secure {
            if let Some(redirect) = self.headers.https_redirect(&request) {
                return Err(redirect);
            }
        }
        if request.headers().len() > self.max_headers {
            let message = format!("a request may have at most {} headers", self.max_headers);
            return Err(
                Error::http(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE, message).into_response(),
            );
        }
        let context = self.context_slots.then(|| {
            let slot = ContextSlot::default();
            request.extensions_mut().insert(slot.clone());
            slot
        });
        if request.body().is_end_stream() {
            return Ok(Admitted {
                request,
                timed_out: None,
                secure,
                context,
            });
        }
        let max = urls
            .max_body_size(request.uri().path())
            .unwrap_or(self.max_body);
        let declared = request
            .headers()
            .get(http::header::CONTENT_LENGTH)
            .and_then(|value| value.to_str().ok()?.parse::<usize>().ok());
        let limit = match declared {
            Some(length) if length > max => {
                let message = format!("the request body may be at most {max} bytes");
                return Err(Error::http(StatusCode::PAYLOAD_TOO_LARGE, message).into_response());
            }
            Some(length) => length,
            None => max,
        };
        request.extensions_mut().extend(self.unlimited.clone());
        let pace = self.pace;
        let timed_out = TimedOut::default();
        let flag = timed_out.clone();
        Ok(Admitted {
            request: request.map(|b| body::guard(b, limit, pace, flag)),
            timed_out: Some(timed_out),
            secure,
            context,
        })
    }
}

/// 503 with a hint to come back in a second: the server is at `max_requests_in_flight`.
pub(crate) fn busy() -> Response {
    let mut response = Error::http(
        StatusCode::SERVICE_UNAVAILABLE,
        "the server is handling as many requests as it may; try again in a moment",
    )
    .into_response();
    response.headers_mut().insert(
        http::header::RETRY_AFTER,
        http::HeaderValue::from_static("1"),
    );
    response
}

/// The request extension with which axum's `DefaultBodyLimit::disable()` turns off axum's
/// own 2 MiB limit. Its type is private to axum, so it is taken from the layer once here and
/// copied into requests that have a body; wrapping the router in the layer instead would box
/// every route once more.
fn axum_body_limit_off() -> http::Extensions {
    let captured = Arc::new(std::sync::Mutex::new(http::Extensions::new()));
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
