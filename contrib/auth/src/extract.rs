//! The request's user: `CurrentUser` (anonymous or a user), `LoginRequired` (a user, or the
//! login page / 401), `Auth` (log in, log out), and the middleware that puts `user` in every
//! template.

use std::ops::Deref;
use std::sync::Arc;

use alder_db::Database;
use alder_sessions::Session;
use alder_web::{IntoResponse, ProjectState, StatusCode, TemplateContext};
use axum::extract::{FromRef, FromRequestParts, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use http::request::Parts;
use minijinja::Value;
use tokio::sync::OnceCell;

use crate::models::User;
use crate::{login, AuthError, Runtime};

/// What the auth middleware leaves in the request: the app's runtime, and the user once
/// found, so every extractor of the request asks the database once.
pub(crate) struct RequestAuth {
    pub(crate) runtime: Arc<Runtime>,
    user: OnceCell<Option<Arc<User>>>,
}

fn request_auth(parts: &Parts) -> Result<Arc<RequestAuth>, alder_web::Error> {
    parts
        .extensions
        .get::<Arc<RequestAuth>>()
        .cloned()
        .ok_or_else(|| {
            alder_web::Error::Config(
                "the auth app is not installed: add `.app(alder_auth::app())` after the sessions app".into(),
            )
        })
}

/// The request's database handle (shared with the handler's `Db`).
pub(crate) async fn database<S>(parts: &mut Parts, state: &S) -> Result<Database, alder_web::Error>
where
    ProjectState: FromRef<S>,
    S: Send + Sync,
{
    Ok(alder_web::Db::from_request_parts(parts, state).await?.0)
}

/// Finds the request's user once: nobody without a session cookie (no query), else the
/// session's user if it still may be.
pub(crate) async fn resolve<S>(
    parts: &mut Parts,
    state: &S,
) -> Result<Option<Arc<User>>, alder_web::Error>
where
    ProjectState: FromRef<S>,
    S: Send + Sync,
{
    let auth = request_auth(parts)?;
    if let Some(user) = auth.user.get() {
        return Ok(user.clone());
    }
    let user = if Session::cookie_sent(parts) {
        let session = Session::from_request_parts(parts, state).await?;
        let db = database(parts, state).await?;
        login::session_user(&auth.runtime.keys, &db, &session)
            .await
            .map_err(AuthError::into_web)?
            .map(Arc::new)
    } else {
        None
    };
    Ok(auth.user.get_or_init(|| async { user }).await.clone())
}

/// The request's user, or nobody (Django's `request.user`, `AnonymousUser` as `None`).
///
/// ```
/// use alder_auth::CurrentUser;
/// async fn hello(user: CurrentUser) -> String {
///     match user.get() {
///         Some(user) => format!("Hello, {}!", user.username),
///         None => "Hello, stranger!".into(),
///     }
/// }
/// ```
#[derive(Clone, Debug)]
pub struct CurrentUser(pub Option<Arc<User>>);

impl CurrentUser {
    /// The logged-in user, if any.
    pub fn get(&self) -> Option<&User> {
        self.0.as_deref()
    }

    /// Whether someone is logged in (Django's `is_authenticated`).
    pub fn is_authenticated(&self) -> bool {
        self.0.is_some()
    }
}

impl<S> FromRequestParts<S> for CurrentUser
where
    ProjectState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = alder_web::Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Ok(CurrentUser(resolve(parts, state).await?))
    }
}

/// A logged-in user, or no handler at all (Django's `@login_required`): a browser is sent
/// to the login page with `?next=` back here, a client asking for JSON (or an API app's
/// route) gets **401**.
///
/// ```
/// use alder_auth::LoginRequired;
/// async fn dashboard(user: LoginRequired) -> String {
///     format!("Welcome back, {}.", user.username)
/// }
/// ```
#[derive(Clone, Debug)]
pub struct LoginRequired(pub Arc<User>);

impl Deref for LoginRequired {
    type Target = User;

    fn deref(&self) -> &User {
        &self.0
    }
}

impl<S> FromRequestParts<S> for LoginRequired
where
    ProjectState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match resolve(parts, state).await {
            Ok(Some(user)) => Ok(LoginRequired(user)),
            Ok(None) => Err(not_logged_in(parts, &ProjectState::from_ref(state))),
            Err(err) => Err(err.into_response()),
        }
    }
}

/// The answer to a request that needs a user and has none.
pub(crate) fn not_logged_in(parts: &Parts, state: &ProjectState) -> Response {
    if wants_json(parts, state) {
        return alder_web::Error::http(
            StatusCode::UNAUTHORIZED,
            "Authentication credentials were not provided.",
        )
        .into_response();
    }
    let login_url = match request_auth(parts) {
        Ok(auth) => auth.runtime.login_url.clone(),
        Err(err) => return err.into_response(),
    };
    let here = parts
        .uri
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_owned();
    let next = percent_encoding::utf8_percent_encode(&here, NEXT);
    let separator = if login_url.contains('?') { '&' } else { '?' };
    let location = format!("{login_url}{separator}next={next}");
    alder_web::Redirect::to(&location).into_response()
}

/// Whether the client wants JSON errors: the route is an API app's, or `Accept` names JSON
/// first.
fn wants_json(parts: &Parts, state: &ProjectState) -> bool {
    if state.urls().is_api(parts.uri.path()) {
        return true;
    }
    parts
        .headers
        .get(http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .and_then(|accept| accept.split(',').next())
        .is_some_and(|first| first.trim().starts_with("application/json"))
}

/// What `next=` may carry unescaped: a path's characters (Django's `redirect_to_login`
/// leaves `/` readable too).
const NEXT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'/');

/// Logging in and out (Django's `authenticate`, `login`, `logout`,
/// `update_session_auth_hash`), as an extractor.
///
/// ```
/// use alder_auth::Auth;
/// async fn sign_in(auth: Auth) -> alder_web::Result<&'static str> {
///     match auth.authenticate("ada", "correct horse battery staple").await? {
///         Some(mut user) => { auth.login(&mut user).await?; Ok("in") }
///         None => Ok("wrong username or password"),
///     }
/// }
/// ```
#[derive(Clone)]
pub struct Auth {
    auth: Arc<RequestAuth>,
    session: Session,
    db: Database,
    csrf: Option<alder_web::csrf::CsrfToken>,
    /// The client's address as the server saw it (after `trusted_proxies`), for the
    /// per-address login throttle.
    addr: Option<std::net::IpAddr>,
}

/// What [`Auth::attempt`] found.
#[derive(Debug)]
#[non_exhaustive]
pub enum LoginAttempt {
    /// The username and password are right, and the user may log in: log them in with
    /// [`Auth::login`] (after any check of your own, as the admin's for staff).
    Valid(User),
    /// Wrong username or password, or an inactive user: say so without telling which.
    Invalid,
    /// Too many failures for this username or address: try again after this long.
    Throttled(std::time::Duration),
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Auth").finish_non_exhaustive()
    }
}

impl<S> FromRequestParts<S> for Auth
where
    ProjectState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = alder_web::Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let auth = request_auth(parts)?;
        let session = Session::from_request_parts(parts, state).await?;
        let db = database(parts, state).await?;
        let csrf = parts
            .extensions
            .get::<alder_web::csrf::CsrfToken>()
            .cloned();
        let addr = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|info| info.0.ip());
        Ok(Auth {
            auth,
            session,
            db,
            csrf,
            addr,
        })
    }
}

impl Auth {
    /// The user whose username and password these are, if they may log in (Django's
    /// `authenticate` with its model backend): `None` for a wrong password, an unknown
    /// username (after the same hashing work, so timing does not tell which) and an inactive
    /// user. A hash made with older parameters is made again and saved.
    pub async fn authenticate(
        &self,
        username: &str,
        password: &str,
    ) -> Result<Option<User>, AuthError> {
        crate::authenticate(&self.db, username, password).await
    }

    /// Checks a username and password as the login page does, through the login throttles
    /// (per username and per client address, counted before the password is checked so that
    /// parallel guesses cannot all slip through); a right password clears the username's
    /// failures. Nobody is logged in yet: a page with its own rule (the admin's: staff only)
    /// checks it, then calls [`Auth::login`].
    ///
    /// ```
    /// use alder_auth::{Auth, LoginAttempt};
    /// async fn sign_in(auth: Auth) -> alder_web::Result<String> {
    ///     Ok(match auth.attempt("ada", "correct horse battery staple").await? {
    ///         LoginAttempt::Valid(mut user) => { auth.login(&mut user).await?; "in".into() }
    ///         LoginAttempt::Throttled(wait) => format!("try again in {}s", wait.as_secs()),
    ///         _ => "wrong username or password".into(),
    ///     })
    /// }
    /// ```
    pub async fn attempt(&self, username: &str, password: &str) -> Result<LoginAttempt, AuthError> {
        let runtime = &self.auth.runtime;
        let user_key = username.to_lowercase();
        let addr_key = self.addr.map(crate::throttle::address_key);
        if let Err(wait) = runtime.by_username.attempt(&user_key) {
            return Ok(self.throttled(username, wait));
        }
        if let Some(Err(wait)) = addr_key
            .as_deref()
            .map(|key| runtime.by_address.attempt(key))
        {
            runtime.by_username.forgive(&user_key);
            return Ok(self.throttled(username, wait));
        }
        Ok(match self.authenticate(username, password).await? {
            Some(user) => {
                runtime.by_username.clear(&user_key);
                if let Some(key) = &addr_key {
                    runtime.by_address.forgive(key);
                }
                LoginAttempt::Valid(user)
            }
            None => LoginAttempt::Invalid,
        })
    }

    fn throttled(&self, username: &str, wait: std::time::Duration) -> LoginAttempt {
        tracing::warn!(target: "alder::security", username, addr = ?self.addr, "login throttled");
        LoginAttempt::Throttled(wait)
    }

    /// Logs `user` in on this request's session (Django's `login`): the session gets a new
    /// key, the CSRF secret a new value (a token planted before login is worthless after),
    /// and `last_login` is saved.
    pub async fn login(&self, user: &mut User) -> Result<(), AuthError> {
        login::login(&self.auth.runtime.keys, &self.db, &self.session, user).await?;
        if let Some(csrf) = &self.csrf {
            csrf.rotate();
        }
        Ok(())
    }

    /// Logs out: the session is deleted with everything in it (Django's `logout`).
    pub fn logout(&self) {
        self.session.flush();
    }

    /// After `user`'s password changed, keeps this session logged in (Django's
    /// `update_session_auth_hash`); their other sessions end.
    pub fn keep_session(&self, user: &User) -> Result<(), AuthError> {
        login::keep_session(&self.auth.runtime.keys, &self.session, user)
    }

    /// The request's session.
    pub fn session(&self) -> &Session {
        &self.session
    }

    pub(crate) fn runtime(&self) -> &Arc<Runtime> {
        &self.auth.runtime
    }

    /// The auth app's settings, as the project gave them (the shortest password allowed,
    /// the redirect URLs…).
    pub fn config(&self) -> &crate::AuthConfig {
        &self.auth.runtime.config
    }
}

/// `user` in templates: the user's public fields plus `is_authenticated`, or an anonymous
/// user (`is_authenticated` false).
fn template_user(user: Option<&User>) -> Value {
    match user {
        Some(user) => minijinja::context! {
            id => user.id.get(),
            username => user.username.clone(),
            email => user.email.clone(),
            first_name => user.first_name.clone(),
            last_name => user.last_name.clone(),
            full_name => user.full_name(),
            is_staff => user.is_staff,
            is_superuser => user.is_superuser,
            is_active => user.is_active,
            is_authenticated => true,
            is_anonymous => false,
        },
        None => minijinja::context! {
            username => "",
            is_authenticated => false,
            is_anonymous => true,
        },
    }
}

fn runtime_of(parts: &Parts) -> Option<Arc<Runtime>> {
    request_auth(parts).ok().map(|auth| auth.runtime.clone())
}

/// The auth middleware: puts the request's auth state where the extractors find it, and
/// `user` in every template (looked up only for requests with a session cookie).
pub(crate) async fn middleware(
    State((state, runtime)): State<(ProjectState, Arc<Runtime>)>,
    request: Request,
    next: Next,
) -> Response {
    let (mut parts, body) = request.into_parts();
    if let Err(err) = Session::require(&parts, "alder_auth") {
        return err.into_response();
    }
    parts.extensions.insert(Arc::new(RequestAuth {
        runtime,
        user: OnceCell::new(),
    }));
    let user = if state.is_file_path(parts.uri.path()) {
        None
    } else {
        match resolve(&mut parts, &state).await {
            Ok(user) => user,
            Err(err) => return err.into_response(),
        }
    };
    TemplateContext::add(
        &mut parts.extensions,
        "user",
        template_user(user.as_deref()),
    );
    // `perms` for a logged-in user: one query, only for requests that have a user.
    let wanted = runtime_of(&parts).is_some_and(|r| r.config.perms_in_templates);
    let perms = match &user {
        Some(user) if user.is_active && user.is_superuser => crate::template_perms::Perms {
            granted: Default::default(),
            superuser: true,
        },
        Some(user) if wanted => {
            let found = match database(&mut parts, &state).await {
                Ok(db) => user.all_permissions(&db).await.map_err(AuthError::into_web),
                Err(err) => Err(err),
            };
            match found {
                Ok(granted) => crate::template_perms::Perms {
                    granted,
                    superuser: false,
                },
                Err(err) => return err.into_response(),
            }
        }
        _ => crate::template_perms::Perms::default(),
    };
    TemplateContext::add(&mut parts.extensions, "perms", Value::from_object(perms));
    next.run(Request::from_parts(parts, body)).await
}

/// How the API document shows the auth app's extractors (the `api` feature).
#[cfg(feature = "api")]
mod api_docs {
    use alder_api::{ApiInput, OperationBuilder};

    /// The user is optional: nothing for the client to send.
    impl ApiInput for super::CurrentUser {}
    impl ApiInput for super::Auth {}

    /// The session of a logged-in user, or a 401.
    impl ApiInput for super::LoginRequired {
        fn describe(op: &mut OperationBuilder<'_>) {
            op.security("session");
            op.response(
                "401",
                "Authentication credentials were not provided",
                Some(("application/json", alder_api::error_schema())),
            );
        }
    }
}
