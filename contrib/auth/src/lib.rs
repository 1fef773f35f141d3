//! # Users, groups and permissions for Alder
//!
//! Django's `django.contrib.auth`: a `User` model with argon2id password hashes, `Group`s and
//! per-model `Permission`s (made after `migrate`), login through the session (its key cycled
//! on login, flushed on logout, other sessions ended by a password change), the request's
//! user as an extractor and in every template, login/logout/password-change/sign-up pages
//! with templates you can override, login throttling, `createsuperuser` and
//! `changepassword`.
//!
//! ```no_run
//! use alder_auth::{CurrentUser, LoginRequired};
//! async fn home(user: CurrentUser) -> String {
//!     match user.get() {
//!         Some(user) => format!("Hello, {}", user.username),
//!         None => "Hello, stranger".into(),
//!     }
//! }
//! async fn members(user: LoginRequired) -> String {
//!     format!("Members only. Welcome, {}.", user.username)
//! }
//! # async fn run() -> alder_web::Result<()> {
//! alder_web::Project::from_env()
//!     .app(alder_sessions::app())       // first: auth keeps the login in the session
//!     .app(alder_auth::app())           // /accounts/login/, /accounts/logout/, …
//!     .app(alder_web::App::new("site")
//!         .route("/", alder_web::routing::get(home), "home")
//!         .route("/members/", alder_web::routing::get(members), "members"))
//!     .run_cli()
//!     .await
//! # }
//! ```
//!
//! The guide's chapter is `docs/auth.md`.

mod commands;
mod extract;
mod hex;
mod login;
pub mod migrations;
pub mod models;
mod password;
mod permissions;
mod reset;
mod template_perms;
pub mod testing;
mod throttle;
mod validators;
mod views;

use std::sync::Arc;
use std::time::Duration;

use alder_db::Database;
use alder_web::routing::{get, post};
use alder_web::App;
use serde::Deserialize;

pub use extract::{Auth, CurrentUser, LoginAttempt, LoginRequired};
pub use login::{SESSION_HASH, SESSION_USER_ID};
pub use permissions::{
    create_permissions, login_required, permission, permission_required, require_perm,
    ObjectPermission,
};
pub use reset::{PasswordResetForm, SetPasswordForm};
pub use validators::validate_password;
pub use views::{
    new_password_errors, next_url, retry_after, throttled_message, LoginForm, PasswordChangeForm,
    SignupForm, WRONG_LOGIN,
};

use models::User;

/// What can go wrong in the auth app.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// The database failed.
    #[error("the user store failed")]
    Database(#[from] alder_db::DbError),
    /// The session failed.
    #[error("the session failed")]
    Session(#[from] alder_sessions::SessionError),
    /// A user must be saved before logging in.
    #[error("the user is not saved yet: save it before logging it in")]
    Unsaved,
    /// A permission name is not `app_label.codename`, or names no permission.
    #[error("no permission `{0}`: expected `app_label.codename` (e.g. `blog.change_post`) of a model whose app ran `migrate`")]
    UnknownPermission(String),
}

impl AuthError {
    /// As a web error with the status it calls for (a database that cannot be reached
    /// stays a 503).
    pub(crate) fn into_web(self) -> alder_web::Error {
        match self {
            AuthError::Database(db) => alder_web::Error::from(db),
            other => alder_web::Error::other("authentication", other),
        }
    }
}

/// The auth app's settings: the `[auth]` table of `alder.toml` (`ALDER_AUTH__<NAME>`),
/// Django's names where it has them.
///
/// ```
/// let config = alder_auth::AuthConfig::default();
/// assert_eq!(config.login_redirect_url, "/");
/// assert_eq!(config.password_min_length, 8);
/// ```
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthConfig {
    /// Where `LoginRequired` sends a visitor (Django's `LOGIN_URL`); empty (the default):
    /// the app's own login page.
    pub login_url: String,
    /// Where a login without `next` goes (Django's `LOGIN_REDIRECT_URL`).
    pub login_redirect_url: String,
    /// Where logging out goes when the form sends no safe `next` (Django's
    /// `LOGOUT_REDIRECT_URL`).
    pub logout_redirect_url: String,
    /// Send a logged-in user who opens the login page on to `next` or `login_redirect_url`
    /// instead of showing the form (Django's `LoginView.redirect_authenticated_user`).
    pub redirect_authenticated_user: bool,
    /// The shortest password the validators accept (Django's `MinimumLengthValidator`).
    pub password_min_length: usize,
    /// Offer `/accounts/signup/` (Django leaves sign-up to you).
    pub signup: bool,
    /// Failed logins allowed per username in `login_window` seconds before further tries
    /// are refused with 429 (0: no limit).
    pub login_attempts: u32,
    /// Failed logins allowed per client address in `login_window` seconds (0: no limit).
    pub login_attempts_per_address: u32,
    /// The throttling window, in seconds.
    pub login_window: u64,
    /// Seconds a password reset link works (Django's `PASSWORD_RESET_TIMEOUT`, three days).
    pub password_reset_timeout: u64,
    /// Offer `perms` to templates. It costs a logged-in request one query (none for a
    /// superuser or a visitor); turn it off if no template asks.
    pub perms_in_templates: bool,
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            login_url: String::new(),
            login_redirect_url: "/".into(),
            logout_redirect_url: "/".into(),
            redirect_authenticated_user: false,
            password_min_length: 8,
            signup: false,
            login_attempts: 5,
            login_attempts_per_address: 50,
            login_window: 300,
            password_reset_timeout: 3 * 24 * 60 * 60,
            perms_in_templates: true,
        }
    }
}

/// The longest throttling window, in seconds: a year.
const MAX_WINDOW: u64 = 365 * 24 * 60 * 60;

/// What the app made at start-up.
pub(crate) struct Runtime {
    pub(crate) config: AuthConfig,
    pub(crate) keys: login::Keys,
    pub(crate) login_url: String,
    pub(crate) by_username: throttle::Throttle,
    pub(crate) by_address: throttle::Throttle,
    pub(crate) tokens: reset::Tokens,
}

/// The auth app, configured by `[auth]`: its models and migration, the middleware (`user`
/// in templates), the pages under `/accounts/`, the commands, and the permissions made
/// after `migrate`. Add it after the sessions app.
pub fn app() -> App {
    build(None)
}

/// The auth app with settings given in code instead of read from `[auth]`.
///
/// ```
/// let app = alder_auth::app_with(alder_auth::AuthConfig { signup: true, ..Default::default() });
/// ```
pub fn app_with(config: AuthConfig) -> App {
    build(Some(config))
}

fn config_of(
    given: &Option<AuthConfig>,
    settings: &alder_web::Settings,
) -> alder_web::Result<AuthConfig> {
    match given {
        Some(config) => Ok(config.clone()),
        None => Ok(settings.custom::<AuthConfig>("auth")?.unwrap_or_default()),
    }
}

fn build(given: Option<AuthConfig>) -> App {
    let signup = given.as_ref().map(|c| c.signup);
    let mut app = App::new("auth")
        .prefix("/accounts")
        .model::<models::Permission>()
        .model::<models::Group>()
        .model::<User>()
        .migrations(
            migrations::all(),
            concat!(env!("CARGO_MANIFEST_DIR"), "/src/migrations"),
        )
        .templates(alder_web::embed_dir!("templates"))
        .route(
            "/login/",
            get(views::login_page).post(views::login),
            "login",
        )
        .route("/logout/", post(views::logout), "logout")
        .route(
            "/password_change/",
            get(views::password_change_page).post(views::password_change),
            "password_change",
        )
        .route(
            "/password_change/done/",
            get(views::password_change_done),
            "password_change_done",
        )
        .route(
            "/password_reset/",
            get(reset::request_page).post(reset::request),
            "password_reset",
        )
        .route(
            "/password_reset/done/",
            get(reset::done),
            "password_reset_done",
        )
        .route(
            "/reset/{uid}/{token}/",
            get(reset::confirm_page).post(reset::confirm),
            "password_reset_confirm",
        )
        .route(
            "/reset/done/",
            get(reset::complete),
            "password_reset_complete",
        );
    // Sign-up is a route only when asked for in code; from settings, the page answers 404
    // unless `[auth] signup = true`.
    if signup != Some(false) {
        app = app.route(
            "/signup/",
            get(views::signup_page).post(views::signup),
            "signup",
        );
    }
    let for_layer = given.clone();
    app.try_project_layer_with_state(move |state| {
        if state.extension::<alder_sessions::Installed>().is_none() {
            return Err(alder_web::Error::Config(
                "the auth app keeps logins in the session: add `.app(alder_sessions::app())` to the project, before `.app(alder_auth::app())`".into(),
            ));
        }
        let config = config_of(&for_layer, state.settings())?;
        if config.login_window > MAX_WINDOW {
            return Err(alder_web::Error::Config(format!(
                "auth.login_window is {}: expected seconds up to {MAX_WINDOW} (a year)",
                config.login_window
            )));
        }
        let login_url = if config.login_url.is_empty() {
            state.urls().reverse("auth:login", ())?
        } else {
            config.login_url.clone()
        };
        let window = Duration::from_secs(config.login_window.max(1));
        let runtime = Arc::new(Runtime {
            keys: login::Keys::new(state.settings().effective_secret_key()),
            login_url,
            by_username: throttle::Throttle::new(config.login_attempts, window),
            by_address: throttle::Throttle::new(config.login_attempts_per_address, window),
            tokens: reset::Tokens::new(
                state.settings().effective_secret_key(),
                config.password_reset_timeout,
            ),
            config,
        });
        Ok(axum::middleware::from_fn_with_state(
            (state.clone(), runtime),
            extract::middleware,
        ))
    })
    .post_migrate(|site| async move {
        let db = site.state().database().await?;
        create_permissions(&db, site.state().apps())
            .await
            .map_err(AuthError::into_web)?;
        Ok(())
    })
    .command(commands::createsuperuser(), {
        let given = given.clone();
        move |site, args| commands::run_createsuperuser(site, args, given.clone())
    })
    .command(commands::changepassword(), {
        let given = given.clone();
        move |site, args| commands::run_changepassword(site, args, given.clone())
    })
}

/// Whether a user has this username, in any case ("Ada" takes "ada").
pub(crate) async fn username_taken(
    db: &Database,
    username: &str,
) -> Result<bool, alder_web::Error> {
    Ok(User::objects()
        .filter(User::username().iexact(username))
        .exists(db)
        .await?)
}

/// The user these credentials belong to, if they may log in (see [`Auth::authenticate`]).
pub(crate) async fn authenticate(
    db: &Database,
    username: &str,
    password: &str,
) -> Result<Option<User>, AuthError> {
    let Some(mut user) = User::objects()
        .filter(User::username().eq(username))
        .first(db)
        .await?
    else {
        // The same work as a real check, so the answer's timing does not say whether the
        // username exists (Django runs the hasher once for the same reason).
        password::verify_async(password, password::dummy_hash()).await;
        return Ok(None);
    };
    if !password::verify_async(password, &user.password).await || !user.is_active {
        return Ok(None);
    }
    if password::needs_upgrade(&user.password) {
        user.password = password::make_async(password).await;
        User::objects()
            .filter(User::id().eq(user.id))
            .update(db, [User::password().set(user.password.clone())])
            .await?;
    }
    Ok(Some(user))
}
