//! The CSRF service between Alder's outcome middleware and the router: safe requests pass
//! with only the cookie read; unsafe ones are checked before the router sees them, and a
//! form body is read (within the request's body limit) to find the token field.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use axum::Router;
use http::{header, HeaderName, HeaderValue, Method, StatusCode};
use pin_project_lite::pin_project;
use tower::Service;

use super::check::{self, Failure, TrustedOrigins};
use super::multipart;
use super::token::Secret;
use super::{CsrfToken, SkipChecks, FIELD_NAME};
use crate::security::Scheme;
use crate::{Error, Result, Settings};

/// What the checks need, fixed at start-up.
struct Config {
    cookie_name: String,
    header: HeaderName,
    /// Everything after `name=value` in the `Set-Cookie` header.
    cookie_attributes: String,
    trusted: TrustedOrigins,
    urls: crate::routing::Urls,
}

#[derive(Clone)]
pub(crate) struct Csrf {
    inner: Router,
    config: Arc<Config>,
}

impl Csrf {
    pub(crate) fn new(
        inner: Router,
        settings: &Settings,
        urls: crate::routing::Urls,
    ) -> Result<Self> {
        if settings.csrf_header_name.starts_with("HTTP_") {
            // Django's setting names the WSGI variable; Alder's names the header itself.
            return Err(Error::Config(format!(
                "csrf_header_name: `{}` is how Django spells it; write the header itself, e.g. `X-CSRFToken`",
                settings.csrf_header_name
            )));
        }
        let header = HeaderName::try_from(settings.csrf_header_name.as_str()).map_err(|_| {
            Error::Config(format!(
                "csrf_header_name: `{}` is not a header name",
                settings.csrf_header_name
            ))
        })?;
        let samesite = match settings.csrf_cookie_samesite.to_ascii_lowercase().as_str() {
            "lax" => "Lax",
            "strict" => "Strict",
            "none" => "None",
            _ => {
                return Err(Error::Config(format!(
                    "csrf_cookie_samesite: `{}`; expected Lax, Strict or None",
                    settings.csrf_cookie_samesite
                )))
            }
        };
        let name = &settings.csrf_cookie_name;
        if name.is_empty()
            || !name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
        {
            return Err(Error::Config(format!(
                "csrf_cookie_name: `{name}` is not a cookie name (letters, digits, `-`, `_`, `.`)"
            )));
        }
        let mut attributes = String::from("; Path=/");
        if settings.csrf_cookie_age > 0 {
            attributes.push_str(&format!("; Max-Age={}", settings.csrf_cookie_age));
        }
        attributes.push_str("; SameSite=");
        attributes.push_str(samesite);
        if settings.csrf_cookie_secure || samesite == "None" {
            // Browsers drop a `SameSite=None` cookie that is not `Secure`.
            attributes.push_str("; Secure");
        }
        if settings.csrf_cookie_httponly {
            attributes.push_str("; HttpOnly");
        }
        Ok(Csrf {
            inner,
            config: Arc::new(Config {
                cookie_name: name.clone(),
                header,
                cookie_attributes: attributes,
                trusted: TrustedOrigins::new(&settings.csrf_trusted_origins)
                    .map_err(Error::Config)?,
                urls,
            }),
        })
    }
}

/// GET, HEAD, OPTIONS and TRACE change nothing (RFC 9110's safe methods) and are not checked.
fn is_safe(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    )
}

/// The secret in the request's cookie: `None` when there is no such cookie.
type CookieSecret = Option<std::result::Result<Secret, super::token::Malformed>>;

/// Reads the [`CookieSecret`] from the raw bytes of the `Cookie` headers: another cookie's
/// non-ASCII value must not hide this one. Of several cookies of this name (a stale one
/// with another path or domain), the first well-formed one counts.
fn cookie_secret(headers: &http::HeaderMap, name: &str) -> CookieSecret {
    let mut found = None;
    for pair in headers
        .get_all(header::COOKIE)
        .iter()
        .flat_map(|v| v.as_bytes().split(|&b| b == b';'))
    {
        let pair = pair.trim_ascii();
        let Some(eq) = pair.iter().position(|&b| b == b'=') else {
            continue;
        };
        if &pair[..eq] != name.as_bytes() {
            continue;
        }
        let value = std::str::from_utf8(&pair[eq + 1..]).unwrap_or("\u{fffd}");
        match Secret::parse(value.trim_matches('"')) {
            Ok(secret) => return Some(Ok(secret)),
            Err(why) => found = found.or(Some(Err(why))),
        }
    }
    found
}

impl Service<http::Request<Body>> for Csrf {
    type Response = Response;
    type Error = std::convert::Infallible;
    type Future = CsrfFuture;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, mut request: http::Request<Body>) -> CsrfFuture {
        let config = &self.config;
        let cookie = cookie_secret(request.headers(), &config.cookie_name);
        let token = CsrfToken::new(cookie.and_then(Result::ok));
        request.extensions_mut().insert(token.clone());
        // A path no route matches, or a method its route has no handler for, is left to the
        // router (its 404 or 405, or the redirect to the path with a slash, where the check
        // then runs): no handler runs, so there is nothing to protect.
        let checked = !is_safe(request.method())
            && request.extensions().get::<SkipChecks>().is_none()
            && config
                .urls
                .csrf_checked(request.uri().path(), request.method());
        let state = if !checked {
            State::Inner {
                future: self.inner.call(request),
            }
        } else {
            match before_body(&request, config, cookie) {
                Err(failure) => State::Refused {
                    response: Some(refuse(&request, failure)),
                },
                Ok(Token::Checked) => State::Inner {
                    future: self.inner.call(request),
                },
                Ok(Token::InBody) => {
                    let header = header_token(request.headers(), &config.header);
                    State::Reading {
                        future: Box::pin(read_field_then_call(
                            self.inner.clone(),
                            request,
                            cookie,
                            header,
                        )),
                    }
                }
            }
        };
        CsrfFuture {
            state,
            token,
            config: self.config.clone(),
        }
    }
}

/// What is left to check once the headers passed.
enum Token {
    /// The header held a good token.
    Checked,
    /// The token must come from the form body.
    InBody,
}

/// The checks that need no body: origin, referer, and the header token when there is one.
fn before_body(
    request: &http::Request<Body>,
    config: &Config,
    cookie: CookieSecret,
) -> std::result::Result<Token, Failure> {
    let headers = request.headers();
    let secure = Scheme::of(request.extensions()).is_secure();
    let host = request
        .uri()
        .authority()
        .map(|a| a.as_str())
        .or_else(|| headers.get(header::HOST).and_then(|h| h.to_str().ok()))
        .unwrap_or("");
    if let Some(origin) = headers.get(header::ORIGIN) {
        let origin = origin.to_str().unwrap_or("(not text)");
        check::check_origin(
            origin,
            if secure { "https" } else { "http" },
            host,
            &config.trusted,
        )?;
    } else if secure {
        let referer = headers.get(header::REFERER).and_then(|r| r.to_str().ok());
        check::check_referer(referer, host, &config.trusted)?;
    }
    match cookie {
        None => return Err(Failure::NoCookie),
        Some(Err(why)) => return Err(Failure::BadCookie(why)),
        Some(Ok(_)) => {}
    }
    // As Django: the form field first, the header when the form has none (a script that
    // sends `X-CSRFToken: null` beside a good field is not refused).
    if has_form_body(headers) {
        return Ok(Token::InBody);
    }
    let sent = header_token(headers, &config.header);
    check::check_token(cookie, sent.as_deref().map(|s| (s, HEADER))).map(|()| Token::Checked)
}

const HEADER: &str = "the X-CSRFToken header";
const FIELD: &str = "the 'csrfmiddlewaretoken' field";

fn header_token(headers: &http::HeaderMap, name: &HeaderName) -> Option<String> {
    headers
        .get(name)
        .map(|v| v.to_str().unwrap_or("\u{fffd}").to_string())
}

/// A urlencoded or multipart form body, where the token field may be.
fn has_form_body(headers: &http::HeaderMap) -> bool {
    let Some(content_type) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let kind = content_type.split(';').next().unwrap_or("").trim();
    kind.eq_ignore_ascii_case("application/x-www-form-urlencoded")
        || multipart::boundary(content_type).is_some()
}

/// Reads the token field from a urlencoded or multipart body (bounded by the request's body
/// limit, already on the body), then hands the request on with the same bytes.
async fn read_field_then_call(
    mut router: Router,
    request: http::Request<Body>,
    cookie: CookieSecret,
    header: Option<String>,
) -> Response {
    let (parts, body) = request.into_parts();
    let boundary = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(multipart::boundary)
        .map(str::to_string);
    let read = match boundary {
        Some(boundary) => read_multipart(body, &boundary).await,
        None => read_urlencoded(body).await,
    };
    let (sent, body) = match read {
        Ok(read) => read,
        Err(refusal) => return refusal,
    };
    let request = http::Request::from_parts(parts, body);
    let sent = match (sent.filter(|s| !s.is_empty()), header) {
        (Some(field), _) => Some((field, FIELD)),
        (None, Some(header)) => Some((header, HEADER)),
        (None, None) => None,
    };
    match check::check_token(cookie, sent.as_ref().map(|(s, from)| (s.as_str(), *from))) {
        Ok(()) => match router.call(request).await {
            Ok(response) => response,
            Err(never) => match never {},
        },
        Err(failure) => refuse(&request, failure),
    }
}

type Read = std::result::Result<(Option<String>, Body), Response>;

async fn read_urlencoded(body: Body) -> Read {
    use http_body_util::BodyExt;
    let bytes = body.collect().await.map_err(unreadable)?.to_bytes();
    let sent = url::form_urlencoded::parse(&bytes)
        .find(|(key, _)| key == FIELD_NAME)
        .map(|(_, value)| value.into_owned());
    Ok((sent, Body::from(bytes)))
}

/// Reads until the token part has passed (or [`multipart::SCAN_LIMIT`]), keeping what was
/// read to put back in front of the rest, so an upload is not held in memory for the check.
async fn read_multipart(mut body: Body, boundary: &str) -> Read {
    use http_body_util::BodyExt;
    let mut seen = Vec::new();
    let mut chunks = Vec::new();
    let mut ended = false;
    // Scanned again only once the bytes have doubled (or the body ended), so a body sent a
    // byte per frame costs a few scans, not one per byte.
    let mut next_scan = 0;
    let sent = loop {
        let full = seen.len() >= multipart::SCAN_LIMIT;
        if ended || full || seen.len() >= next_scan {
            match multipart::scan(&seen, boundary, FIELD_NAME) {
                multipart::Scan::Found(token) => break Some(token),
                multipart::Scan::Absent => break None,
                multipart::Scan::NeedMore if ended || full => break None,
                multipart::Scan::NeedMore => next_scan = (seen.len() * 2).max(512),
            }
        }
        match body.frame().await {
            None => ended = true,
            Some(Err(err)) => return Err(unreadable(err)),
            Some(Ok(frame)) => {
                if let Ok(data) = frame.into_data() {
                    seen.extend_from_slice(&data);
                    chunks.push(data);
                }
            }
        }
    };
    let before = futures_util::stream::iter(chunks.into_iter().map(Ok::<_, axum::Error>));
    let rest = body.into_data_stream();
    Ok((
        sent,
        Body::from_stream(futures_util::StreamExt::chain(before, rest)),
    ))
}

/// A body that failed while being read for the token: 413 past the limit, else 400.
fn unreadable(err: axum::Error) -> Response {
    if crate::middleware::passed_the_limit(&err) {
        return Error::http(
            StatusCode::PAYLOAD_TOO_LARGE,
            "the request body is too large",
        )
        .into_response();
    }
    Error::bad_request("the request body could not be read").into_response()
}

/// The 403: Django's words for the client, the reason for the debug page and the log.
fn refuse(request: &http::Request<Body>, failure: Failure) -> Response {
    tracing::warn!(
        target: "alder::security",
        "Forbidden (CSRF): {} {}: {failure}",
        request.method(),
        request.uri().path()
    );
    let error = Error::other(
        format!("CSRF verification failed: {failure}"),
        Error::http(
            StatusCode::FORBIDDEN,
            "CSRF verification failed. Request aborted.",
        ),
    );
    let mut response = error.into_response();
    response.extensions_mut().insert(CsrfFailed);
    response
}

/// Marks a CSRF refusal, so that its page is `403_csrf.html` when the project has one.
#[derive(Clone, Copy, Debug)]
pub(crate) struct CsrfFailed;

type Boxed = Pin<Box<dyn Future<Output = Response> + Send>>;

pin_project! {
    /// The router's future, or a refusal, or the body being read; then the cookie is set if
    /// the response used the token.
    pub(crate) struct CsrfFuture {
        #[pin]
        state: State,
        token: CsrfToken,
        config: Arc<Config>,
    }
}

pin_project! {
    #[project = StateProj]
    enum State {
        Inner { #[pin] future: axum::routing::future::RouteFuture<std::convert::Infallible> },
        Refused { response: Option<Response> },
        Reading { future: Boxed },
    }
}

impl Future for CsrfFuture {
    type Output = std::result::Result<Response, std::convert::Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let mut response = match this.state.project() {
            StateProj::Inner { future } => match future.poll(cx) {
                Poll::Ready(Ok(response)) => response,
                Poll::Ready(Err(never)) => match never {},
                Poll::Pending => return Poll::Pending,
            },
            StateProj::Refused { response } => {
                return Poll::Ready(Ok(response.take().expect("polled after completion")))
            }
            StateProj::Reading { future } => match future.as_mut().poll(cx) {
                Poll::Ready(response) => response,
                Poll::Pending => return Poll::Pending,
            },
        };
        finish(&mut response, this.token, this.config);
        Poll::Ready(Ok(response))
    }
}

/// Sets the cookie when the page used a token the visitor's cookie does not hold, and says
/// that the page differs by cookie.
fn finish(response: &mut Response, token: &CsrfToken, config: &Config) {
    if !token.was_used() {
        return;
    }
    let headers = response.headers_mut();
    if let Some(secret) = token.cookie_to_set() {
        let cookie = format!(
            "{}={}{}",
            config.cookie_name,
            secret.to_text(),
            config.cookie_attributes
        );
        if let Ok(value) = HeaderValue::try_from(cookie) {
            headers.append(header::SET_COOKIE, value);
        }
    }
    headers.append(header::VARY, HeaderValue::from_static("cookie"));
}
