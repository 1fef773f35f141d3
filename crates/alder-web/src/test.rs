//! The test client: drives a project in-process, no socket, as a browser would.
//!
//! ```
//! use alder_web::{App, Project, Settings, routing::get, test::TestClient};
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! let client = TestClient::new(Project::new(Settings::debug())
//!     .app(App::new("pages").route("/", get(|| async { "home" }), "home")));
//! client.get("/").await.assert_ok().assert_contains("home");
//! client.get("/missing").await.assert_status(404);
//! # });
//! ```

use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::Router;
use bytes::Bytes;
use cookie::{Cookie, CookieJar};
use http::{header, HeaderMap, HeaderName, HeaderValue, Method, Request, StatusCode};
use http_body_util::BodyExt;
use serde::{de::DeserializeOwned, Serialize};
use tower::ServiceExt;

pub use crate::live_server::LiveServer;
use crate::templates::RenderedTemplate;
use crate::{Project, Result, Site};

const MAX_REDIRECTS: usize = 10;

/// A client that sends requests straight into a project's router and keeps cookies across
/// requests, like Django's `Client` and Flask's `test_client()`.
#[derive(Clone, Debug)]
pub struct TestClient {
    site: Site,
    router: Router,
    jar: Arc<Mutex<CookieJar>>,
    /// Whether requests go through the CSRF checks (Django's `enforce_csrf_checks`).
    enforce_csrf: bool,
}

impl TestClient {
    /// Builds `project` for testing; panics with the build error (a test should fail then).
    pub fn new(project: Project) -> Self {
        match Self::try_new(project) {
            Ok(client) => client,
            Err(err) => panic!("the project failed to build: {}", err.chain().join(": ")),
        }
    }

    /// Builds `project` for testing, returning its build error.
    pub fn try_new(mut project: Project) -> Result<Self> {
        project.capture_templates = true;
        // Requests say `Host: testserver`, as Django's test client does, and the site under
        // test answers to it whatever its allowed_hosts.
        if let Ok(settings) = &mut project.settings {
            if settings.debug && settings.allowed_hosts.is_empty() {
                let local = crate::middleware::DEBUG_HOSTS.map(String::from);
                settings.allowed_hosts.extend(local);
            }
            settings.allowed_hosts.push(TEST_HOST.into());
        }
        let site = project.build()?;
        Ok(TestClient {
            router: site.router(),
            site,
            jar: Arc::default(),
            enforce_csrf: false,
        })
    }

    /// Puts this client's unsafe requests through the CSRF checks, as a browser's are. By
    /// default the test client skips them, as Django's does, so a test of a form handler
    /// need not fetch a token first; a test of the protection itself turns this on and sends
    /// the `csrfmiddlewaretoken` field or the `X-CSRFToken` header (the secret in the
    /// `csrftoken` cookie, [`cookie`](Self::cookie), is accepted in the header).
    ///
    /// ```
    /// # use alder_web::{App, Project, Settings, routing::post};
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let project = Project::new(Settings::debug())
    ///     .app(App::new("site").route("/", post(|| async { "saved" }), "save"));
    /// let client = alder_web::test::TestClient::new(project);
    /// client.post("/").await.assert_ok();
    /// let strict = client.clone().enforce_csrf_checks();
    /// strict.post("/").await.assert_status(403);
    /// # });
    /// ```
    pub fn enforce_csrf_checks(mut self) -> Self {
        self.enforce_csrf = true;
        self
    }

    /// The built project under test.
    pub fn site(&self) -> &Site {
        &self.site
    }

    /// A GET request; `.await` it to send.
    pub fn get(&self, uri: &str) -> TestRequest<'_> {
        self.request(Method::GET, uri)
    }

    /// A POST request; add a body with [`TestRequest::form`] or [`TestRequest::json`].
    pub fn post(&self, uri: &str) -> TestRequest<'_> {
        self.request(Method::POST, uri)
    }

    /// A PUT request.
    pub fn put(&self, uri: &str) -> TestRequest<'_> {
        self.request(Method::PUT, uri)
    }

    /// A PATCH request.
    pub fn patch(&self, uri: &str) -> TestRequest<'_> {
        self.request(Method::PATCH, uri)
    }

    /// A DELETE request.
    pub fn delete(&self, uri: &str) -> TestRequest<'_> {
        self.request(Method::DELETE, uri)
    }

    /// A HEAD request.
    pub fn head(&self, uri: &str) -> TestRequest<'_> {
        self.request(Method::HEAD, uri)
    }

    /// A request with any method.
    pub fn request(&self, method: Method, uri: &str) -> TestRequest<'_> {
        TestRequest {
            client: self,
            method,
            uri: uri.to_string(),
            headers: HeaderMap::new(),
            body: Bytes::new(),
            follow: false,
        }
    }

    /// The value of a cookie the client holds.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.jar_lock().get(name).map(|c| c.value().to_string())
    }

    /// Sets a cookie as if the server had set it.
    pub fn set_cookie(&self, name: &str, value: &str) {
        self.jar_lock()
            .add(Cookie::new(name.to_string(), value.to_string()));
    }

    fn jar_lock(&self) -> std::sync::MutexGuard<'_, CookieJar> {
        // A test that panicked while holding the lock leaves a jar that is still usable.
        self.jar
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    async fn send_once(
        &self,
        method: &Method,
        uri: &str,
        headers: &HeaderMap,
        body: Bytes,
    ) -> TestResponse {
        let mut request = Request::builder()
            .method(method.clone())
            .uri(uri)
            .body(Body::from(body))
            .unwrap_or_else(|e| panic!("the test request `{method} {uri}` is malformed: {e}"));
        *request.headers_mut() = headers.clone();
        request
            .headers_mut()
            .entry(header::HOST)
            .or_insert(HeaderValue::from_static(TEST_HOST));
        // Handlers asking for the client's address get the loopback one, as under the server.
        request
            .extensions_mut()
            .insert(axum::extract::ConnectInfo(std::net::SocketAddr::from((
                [127, 0, 0, 1],
                1,
            ))));
        if !self.enforce_csrf {
            request.extensions_mut().insert(crate::csrf::SkipChecks);
        }
        let path = request.uri().path().to_string();
        let cookie_header = {
            let jar = self.jar_lock();
            let pairs: Vec<String> = jar
                .iter()
                .filter(|c| c.path().is_none_or(|p| path_matches(&path, p)))
                .map(|c| format!("{}={}", c.name(), c.value()))
                .collect();
            pairs.join("; ")
        };
        if !cookie_header.is_empty() {
            // A Cookie header the test set by hand is kept, with the jar's cookies after it.
            let combined = match request
                .headers()
                .get(header::COOKIE)
                .and_then(|v| v.to_str().ok())
            {
                Some(own) => format!("{own}; {cookie_header}"),
                None => cookie_header,
            };
            if let Ok(value) = HeaderValue::from_str(&combined) {
                request.headers_mut().insert(header::COOKIE, value);
            }
        }
        let response = match self.router.clone().oneshot(request).await {
            Ok(response) => response,
            Err(never) => match never {},
        };
        let (parts, body) = response.into_parts();
        {
            let mut jar = self.jar_lock();
            for value in parts.headers.get_all(header::SET_COOKIE) {
                let Ok(text) = value.to_str() else { continue };
                let Ok(cookie) = Cookie::parse(text.to_string()) else {
                    continue;
                };
                let expired = cookie
                    .max_age()
                    .is_some_and(|age| age.is_zero() || age.is_negative())
                    || cookie
                        .expires_datetime()
                        .is_some_and(|at| at <= cookie::time::OffsetDateTime::now_utc());
                if expired {
                    jar.remove(Cookie::from(cookie.name().to_string()));
                } else {
                    jar.add(cookie.into_owned());
                }
            }
        }
        let bytes = body
            .collect()
            .await
            .map(|b| b.to_bytes())
            .unwrap_or_else(|e| panic!("reading the body of `{method} {uri}` failed: {e}"));
        TestResponse {
            status: parts.status,
            headers: parts.headers,
            body: bytes,
            rendered: parts.extensions.get::<RenderedTemplate>().cloned(),
            redirect_chain: Vec::new(),
            url: uri.to_string(),
        }
    }
}

/// A request being built; `.await` sends it and gives a [`TestResponse`].
#[derive(Debug)]
#[must_use = "a test request does nothing until it is awaited"]
pub struct TestRequest<'a> {
    client: &'a TestClient,
    method: Method,
    uri: String,
    headers: HeaderMap,
    body: Bytes,
    follow: bool,
}

impl TestRequest<'_> {
    /// Adds a header; panics on a name or value that HTTP does not allow.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        let name =
            HeaderName::try_from(name).unwrap_or_else(|e| panic!("bad header name `{name}`: {e}"));
        let value = HeaderValue::try_from(value)
            .unwrap_or_else(|e| panic!("bad value for header `{name}`: {e}"));
        self.headers.append(name, value);
        self
    }

    /// Sends `data` as an HTML form (`application/x-www-form-urlencoded`).
    pub fn form(self, data: &impl Serialize) -> Self {
        let body = serde_urlencoded::to_string(data)
            .unwrap_or_else(|e| panic!("the form data cannot be encoded: {e}"));
        self.body(body, "application/x-www-form-urlencoded")
    }

    /// Sends `data` as JSON.
    pub fn json(self, data: &impl Serialize) -> Self {
        let body = serde_json::to_vec(data)
            .unwrap_or_else(|e| panic!("the JSON body cannot be encoded: {e}"));
        self.body(body, "application/json")
    }

    /// Sends raw bytes with a content type.
    pub fn body(mut self, body: impl Into<Bytes>, content_type: &str) -> Self {
        self.body = body.into();
        self.header("content-type", content_type)
    }

    /// Follows redirects (up to 10), as a browser would; the response keeps the chain.
    pub fn follow_redirects(mut self) -> Self {
        self.follow = true;
        self
    }

    async fn send(self) -> TestResponse {
        let TestRequest {
            client,
            mut method,
            mut uri,
            mut headers,
            mut body,
            follow,
        } = self;
        let mut chain = Vec::new();
        loop {
            let mut response = client
                .send_once(&method, &uri, &headers, body.clone())
                .await;
            let location = response
                .header(header::LOCATION.as_str())
                .map(str::to_string);
            // A redirect to another site is not followed: the test sees it, as it should.
            let local = location.as_deref().and_then(|l| resolve(&uri, l));
            let (true, true, Some(location)) = (follow, response.status.is_redirection(), local)
            else {
                response.redirect_chain = chain;
                return response;
            };
            if chain.len() == MAX_REDIRECTS {
                panic!("more than {MAX_REDIRECTS} redirects, the last to {location}: {chain:?}");
            }
            let next = location;
            chain.push((response.status, next.clone()));
            // Browsers turn a redirected POST into a GET, except for 307 and 308.
            if response.status == StatusCode::SEE_OTHER
                || (matches!(response.status.as_u16(), 301 | 302) && method == Method::POST)
            {
                method = Method::GET;
                body = Bytes::new();
                headers.remove(header::CONTENT_TYPE);
            }
            uri = next;
        }
    }
}

/// The `Host` the test client sends unless a test sets another.
const TEST_HOST: &str = "testserver";

/// The hosts the test client counts as this site.
const LOCAL_HOSTS: [&str; 3] = ["localhost", "testserver", "127.0.0.1"];

/// Resolves a `Location` against the URL that answered with it with a WHATWG URL parser,
/// as a browser does: `None` when it leaves the site (`http://localhost:1@evil.com/`,
/// `/\evil.com` and `HTTPS://evil.com` all do).
fn resolve(current: &str, location: &str) -> Option<String> {
    let base = url::Url::parse(&format!("http://{TEST_HOST}{current}")).ok()?;
    let target = base.join(location).ok()?;
    let local = matches!(target.scheme(), "http" | "https")
        && target.username().is_empty()
        && target.password().is_none()
        && target
            .host_str()
            .is_some_and(|host| LOCAL_HOSTS.contains(&host));
    if !local {
        return None;
    }
    Some(match target.query() {
        Some(query) => format!("{}?{query}", target.path()),
        None => target.path().to_string(),
    })
}

/// RFC 6265's path-match: `/admin` matches `/admin` and `/admin/x`, not `/administrator`.
fn path_matches(request_path: &str, cookie_path: &str) -> bool {
    request_path == cookie_path
        || (request_path.starts_with(cookie_path)
            && (cookie_path.ends_with('/') || request_path[cookie_path.len()..].starts_with('/')))
}

impl<'a> IntoFuture for TestRequest<'a> {
    type Output = TestResponse;
    type IntoFuture = Pin<Box<dyn Future<Output = TestResponse> + Send + 'a>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

/// A response read whole, with assertions that print what was found when they fail.
#[derive(Debug, Clone)]
pub struct TestResponse {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
    rendered: Option<RenderedTemplate>,
    redirect_chain: Vec<(StatusCode, String)>,
    url: String,
}

impl TestResponse {
    /// The status code.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// All headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// One header's value, if present and text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body as bytes.
    pub fn bytes(&self) -> &Bytes {
        &self.body
    }

    /// The body as text (invalid UTF-8 replaced).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body decoded from JSON; panics with the body when it is not that JSON.
    pub fn json<T: DeserializeOwned>(&self) -> T {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "the body of {} is not the expected JSON ({e}): {}",
                self.url,
                self.excerpt()
            )
        })
    }

    /// The redirects followed, as (status, URL) pairs.
    pub fn redirect_chain(&self) -> &[(StatusCode, String)] {
        &self.redirect_chain
    }

    /// The template rendered for this response and its context, if a template was rendered.
    pub fn template(&self) -> Option<&RenderedTemplate> {
        self.rendered.as_ref()
    }

    /// One value of the rendered template's context.
    pub fn context(&self, key: &str) -> Option<minijinja::Value> {
        let rendered = self.rendered.as_ref()?;
        rendered
            .context
            .get_attr(key)
            .ok()
            .filter(|v| !v.is_undefined())
    }

    fn excerpt(&self) -> String {
        let text = self.text();
        match text.char_indices().nth(2000) {
            Some((i, _)) => format!("{}…", &text[..i]),
            None => text,
        }
    }

    /// Asserts the status code.
    #[track_caller]
    pub fn assert_status(
        &self,
        status: impl TryInto<StatusCode> + std::fmt::Debug + Copy,
    ) -> &Self {
        let expected = status
            .try_into()
            .unwrap_or_else(|_| panic!("{status:?} is not a status code"));
        assert_eq!(
            self.status,
            expected,
            "expected status {expected} from {}, got {}; body: {}",
            self.url,
            self.status,
            self.excerpt()
        );
        self
    }

    /// Asserts a 200 OK.
    #[track_caller]
    pub fn assert_ok(&self) -> &Self {
        self.assert_status(StatusCode::OK)
    }

    /// Asserts that the body contains `text`.
    #[track_caller]
    pub fn assert_contains(&self, text: &str) -> &Self {
        assert!(
            self.text().contains(text),
            "expected the body of {} to contain {text:?}; body: {}",
            self.url,
            self.excerpt()
        );
        self
    }

    /// Asserts that the body does not contain `text`.
    #[track_caller]
    pub fn assert_not_contains(&self, text: &str) -> &Self {
        assert!(
            !self.text().contains(text),
            "expected the body of {} not to contain {text:?}; body: {}",
            self.url,
            self.excerpt()
        );
        self
    }

    /// Asserts a header's value.
    #[track_caller]
    pub fn assert_header(&self, name: &str, value: &str) -> &Self {
        assert_eq!(
            self.header(name),
            Some(value),
            "header `{name}` of {}",
            self.url
        );
        self
    }

    /// Asserts a redirect (any 3xx) to `location`.
    #[track_caller]
    pub fn assert_redirects_to(&self, location: &str) -> &Self {
        assert!(
            self.status.is_redirection(),
            "expected a redirect to {location} from {}, got {}; body: {}",
            self.url,
            self.status,
            self.excerpt()
        );
        assert_eq!(
            self.header("location"),
            Some(location),
            "redirect target of {}",
            self.url
        );
        self
    }

    /// Asserts which template was rendered.
    #[track_caller]
    pub fn assert_template_used(&self, name: &str) -> &Self {
        let used = self.rendered.as_ref().map(|r| r.name.as_str());
        assert_eq!(used, Some(name), "template rendered for {}", self.url);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::{path_matches, resolve};

    #[test]
    fn resolves_locations_like_a_browser() {
        assert_eq!(resolve("/a/b", "/c").as_deref(), Some("/c"));
        assert_eq!(resolve("/a/b?x=1", "c").as_deref(), Some("/a/c"));
        assert_eq!(resolve("/a/b", "?page=2").as_deref(), Some("/a/b?page=2"));
        assert_eq!(resolve("/a/b/c", "../d").as_deref(), Some("/a/d"));
        assert_eq!(
            resolve("/a/", "http://testserver/z?q").as_deref(),
            Some("/z?q")
        );
        assert_eq!(
            resolve("/a/", "http://localhost:8000").as_deref(),
            Some("/")
        );
        assert_eq!(resolve("/a/", "https://evil.example/x"), None);
        assert_eq!(resolve("/a/", "//evil.example/x"), None);
        for evil in [
            "http://localhost:1@evil.com/",
            "/\\evil.com",
            "HTTPS://evil.com",
            "http://testserver@evil.com/",
            "\\\\evil.com/x",
            "javascript:alert(1)",
        ] {
            assert_eq!(resolve("/a/", evil), None, "{evil}");
        }
    }

    #[test]
    fn cookie_paths_match_whole_segments() {
        assert!(path_matches("/admin", "/admin"));
        assert!(path_matches("/admin/users", "/admin"));
        assert!(path_matches("/admin/users", "/"));
        assert!(!path_matches("/administrator", "/admin"));
    }
}
