//! Protection against cross-site request forgery, on by default as Django's
//! `CsrfViewMiddleware`: every unsafe request (POST, PUT, PATCH, DELETE) must come from this
//! site (`Origin`, or `Referer` over HTTPS) and carry a token of the secret in the
//! `csrftoken` cookie, in the `csrfmiddlewaretoken` form field or the `X-CSRFToken` header.
//! Otherwise it is answered 403 before its handler runs.
//!
//! Templates get `{{ csrf_input }}` (the hidden field, Django's `{% csrf_token %}`) and
//! `{{ csrf_token }}` (the token alone, for a `<meta>` tag scripts read); both can be called
//! too, `{{ csrf_input() }}`. The cookie is set the first time a page uses one of them. A
//! route opts out with [`MethodRouter::csrf_exempt`](crate::routing::MethodRouter::csrf_exempt).
//!
//! ```
//! use alder_web::{App, Project, Settings, Templates, TemplateResponse, routing::get, context};
//! async fn form(t: Templates) -> alder_web::Result<TemplateResponse> {
//!     t.render("form.html", context! {})
//! }
//! async fn save() -> &'static str { "saved" }
//! let dir = tempfile::tempdir().unwrap();
//! std::fs::write(dir.path().join("form.html"),
//!     r#"<form method="post">{{ csrf_input }}<button>Save</button></form>"#).unwrap();
//! let mut settings = Settings::debug();
//! settings.templates_dir = dir.path().into();
//! let project = Project::new(settings)
//!     .app(App::new("site").route("/", get(form).post(save), "form"));
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! let client = alder_web::test::TestClient::new(project).enforce_csrf_checks();
//! // Without a token: refused.
//! client.post("/").form(&[("a", "1")]).await.assert_status(403);
//! // With the page's token: accepted.
//! let page = client.get("/").await;
//! let token = page.text().split("value=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
//! client.post("/").form(&[("csrfmiddlewaretoken", token.as_str())]).await.assert_ok();
//! # });
//! ```

mod check;
mod multipart;
mod service;
mod token;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::FromRequestParts;
use http::request::Parts;

pub(crate) use service::{Csrf, CsrfFailed, CsrfFuture};
use token::Secret;

/// The form field the token is read from, as Django's.
pub const FIELD_NAME: &str = "csrfmiddlewaretoken";

/// The request's CSRF token, as an extractor: for a page that builds its form without a
/// template, or an endpoint that hands the token to a script. Using it sets the cookie, as
/// Django's `get_token`.
///
/// ```
/// use alder_web::csrf::CsrfToken;
/// async fn token(csrf: CsrfToken) -> String {
///     csrf.masked()
/// }
/// # let _ = token;
/// ```
#[derive(Clone, Debug)]
pub struct CsrfToken(Arc<TokenState>);

#[derive(Debug)]
struct TokenState {
    /// What the request's cookie held, if it was a secret.
    cookie: Option<Secret>,
    /// A secret chosen for this response: the first for a new visitor, or a rotated one.
    fresh: Mutex<Option<Secret>>,
    used: AtomicBool,
}

impl CsrfToken {
    fn new(cookie: Option<Secret>) -> Self {
        CsrfToken(Arc::new(TokenState {
            cookie,
            fresh: Mutex::new(None),
            used: AtomicBool::new(false),
        }))
    }

    fn secret(&self) -> Secret {
        let mut fresh = self.0.fresh.lock().unwrap_or_else(|p| p.into_inner());
        match (*fresh, self.0.cookie) {
            (Some(secret), _) | (None, Some(secret)) => secret,
            (None, None) => *fresh.get_or_insert_with(Secret::generate),
        }
    }

    /// A masked token (64 letters and digits, different on every call) for the form field
    /// or the `X-CSRFToken` header.
    pub fn masked(&self) -> String {
        self.0.used.store(true, Ordering::Relaxed);
        self.secret().mask()
    }

    /// The hidden form field holding a masked token:
    /// `<input type="hidden" name="csrfmiddlewaretoken" value="…">`.
    pub fn input(&self) -> String {
        format!(
            r#"<input type="hidden" name="{FIELD_NAME}" value="{}">"#,
            self.masked()
        )
    }

    /// Gives the visitor a new secret, so tokens from before stop working: call it when a
    /// user logs in (Django's `rotate_token`), so a token planted earlier is worthless.
    pub fn rotate(&self) {
        *self.0.fresh.lock().unwrap_or_else(|p| p.into_inner()) = Some(Secret::generate());
        self.0.used.store(true, Ordering::Relaxed);
    }

    /// The secret the response's cookie must carry, if it must set one: the token was used
    /// and the request had no secret, or the secret was rotated.
    fn cookie_to_set(&self) -> Option<Secret> {
        if !self.0.used.load(Ordering::Relaxed) {
            return None;
        }
        *self.0.fresh.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn was_used(&self) -> bool {
        self.0.used.load(Ordering::Relaxed)
    }

    /// The template values `csrf_token` and `csrf_input`.
    pub(crate) fn template_values(&self) -> [(&'static str, minijinja::Value); 2] {
        [
            ("csrf_token", TemplateToken::value(self, false)),
            ("csrf_input", TemplateToken::value(self, true)),
        ]
    }
}

impl<S: Send + Sync> FromRequestParts<S> for CsrfToken {
    type Rejection = crate::Error;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<CsrfToken>().cloned().ok_or_else(|| {
            crate::Error::other(
                "CsrfToken needs the project's middleware, which a bare axum router lacks",
                crate::Error::NotFound,
            )
        })
    }
}

/// `{{ csrf_token }}` / `{{ csrf_input }}`: made into text only when a template prints or
/// calls them, so a page without a form sets no cookie.
#[derive(Debug)]
pub(crate) struct TemplateToken {
    token: CsrfToken,
    input: bool,
}

impl TemplateToken {
    fn value(token: &CsrfToken, input: bool) -> minijinja::Value {
        minijinja::Value::from_object(TemplateToken {
            token: token.clone(),
            input,
        })
    }

    /// The text the template shows; the hidden field is HTML and must not be escaped
    /// (the template formatter asks for this instead of escaping the object).
    pub(crate) fn text(&self) -> String {
        if self.input {
            self.token.input()
        } else {
            self.token.masked()
        }
    }
}

impl minijinja::value::Object for TemplateToken {
    fn repr(self: &Arc<Self>) -> minijinja::value::ObjectRepr {
        minijinja::value::ObjectRepr::Plain
    }

    fn render(self: &Arc<Self>, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text())
    }

    fn call(
        self: &Arc<Self>,
        _state: &minijinja::State<'_, '_>,
        args: &[minijinja::Value],
    ) -> Result<minijinja::Value, minijinja::Error> {
        if !args.is_empty() {
            return Err(minijinja::Error::new(
                minijinja::ErrorKind::TooManyArguments,
                "csrf_input() and csrf_token() take no arguments",
            ));
        }
        Ok(minijinja::Value::from_safe_string(self.text()))
    }
}

/// Marks a request from the in-process test client that skips the checks, as Django's test
/// client does unless `enforce_csrf_checks` is on. Only code in this process can set it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SkipChecks;
