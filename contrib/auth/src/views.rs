//! The auth app's pages (Django's `LoginView`, `LogoutView`, `PasswordChangeView`, and a
//! sign-up view Django leaves to you), with templates under `auth/` a project can override.

use alder_db::{crud, ValidationError};
use alder_web::forms::{BoundForm, Form, FormData};
use alder_web::{
    context, Db, IntoResponse, Redirect, Response, Result, StatusCode, TemplateResponse, Templates,
};
use http::HeaderMap;

use crate::models::User;
use crate::{Auth, CurrentUser, LoginAttempt, LoginRequired};

/// The login form (Django's `AuthenticationForm`).
#[derive(Form, Debug)]
pub struct LoginForm {
    /// The username.
    #[form(max_length = 150)]
    pub username: String,
    /// The password; never shown again.
    #[form(widget = "password")]
    pub password: String,
}

/// The password change form (Django's `PasswordChangeForm`).
#[derive(Form, Debug)]
pub struct PasswordChangeForm {
    /// The password now.
    #[form(widget = "password", label = "Old password")]
    pub old_password: String,
    /// The new password.
    #[form(widget = "password", label = "New password")]
    pub new_password1: String,
    /// The new password again.
    #[form(widget = "password", label = "New password confirmation")]
    pub new_password2: String,
}

/// The sign-up form (Django's `UserCreationForm`).
#[derive(Form, Debug)]
pub struct SignupForm {
    /// The username.
    #[form(
        max_length = 150,
        regex = "[\\w.@+-]+",
        help_text = "Required. 150 characters or fewer. Letters, digits and @/./+/-/_ only."
    )]
    pub username: String,
    /// An address, for password resets.
    #[form(email, required = false, max_length = 254)]
    pub email: String,
    /// The password.
    #[form(widget = "password", label = "Password")]
    pub password1: String,
    /// The password again.
    #[form(widget = "password", label = "Password confirmation")]
    pub password2: String,
}

/// What a refused login is told (Django's words): nothing about which of the two was wrong.
pub const WRONG_LOGIN: &str =
    "Please enter a correct username and password. Note that both fields may be case-sensitive.";

/// Where to go after logging in: the form's `next` if it stays on this site (checked with
/// [`alder_web::is_safe_redirect`] against the request's host), else `fallback`.
///
/// ```
/// let mut headers = http::HeaderMap::new();
/// headers.insert(http::header::HOST, "example.com".parse().unwrap());
/// let sent = alder_web::forms::FormData::parse("next=https://evil.example/");
/// assert_eq!(alder_auth::next_url(&sent, &headers, "/"), "/");
/// let sent = alder_web::forms::FormData::parse("next=/admin/");
/// assert_eq!(alder_auth::next_url(&sent, &headers, "/"), "/admin/");
/// ```
pub fn next_url(sent: &FormData, headers: &HeaderMap, fallback: &str) -> String {
    let host = headers
        .get(http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    match sent.get("next") {
        Some(next) if !next.is_empty() && alder_web::is_safe_redirect(next, host, &[]) => {
            next.to_owned()
        }
        _ => fallback.to_owned(),
    }
}

fn page(t: &Templates, name: &str, form: BoundForm, next: &str) -> Result<TemplateResponse> {
    t.render(name, context! { form, next })
}

/// GET: the login form, keeping `?next=`; with `redirect_authenticated_user`, a user already
/// logged in goes on to `next` instead.
pub(crate) async fn login_page(
    t: Templates,
    auth: Auth,
    user: CurrentUser,
    headers: HeaderMap,
    query: FormData,
) -> Result<Response> {
    let config = &auth.runtime().config;
    if config.redirect_authenticated_user && user.is_authenticated() {
        let to = next_url(&query, &headers, &config.login_redirect_url);
        return Ok(Redirect::to(&to).into_response());
    }
    let next = query.get("next").unwrap_or("").to_owned();
    Ok(page(&t, "auth/login.html", LoginForm::unbound(), &next)?.into_response())
}

/// POST: checks the throttles, then the username and password; logs in and goes to `next`.
pub(crate) async fn login(
    t: Templates,
    auth: Auth,
    headers: HeaderMap,
    sent: FormData,
) -> Result<Response> {
    let runtime = auth.runtime().clone();
    let next = sent.get("next").unwrap_or("").to_owned();
    let refused = |mut form: BoundForm, message: String, status: StatusCode| -> Result<Response> {
        form.add_error(None, ValidationError::new("invalid_login", message));
        Ok(page(&t, "auth/login.html", form, &next)?
            .with_status(status)
            .into_response())
    };
    let credentials = match LoginForm::validate(&sent) {
        Ok(credentials) => credentials,
        Err(form) => return refused(form, WRONG_LOGIN.into(), StatusCode::UNPROCESSABLE_ENTITY),
    };
    match auth
        .attempt(&credentials.username, &credentials.password)
        .await
        .map_err(crate::AuthError::into_web)?
    {
        LoginAttempt::Valid(mut user) => {
            auth.login(&mut user)
                .await
                .map_err(crate::AuthError::into_web)?;
            let to = next_url(&sent, &headers, &runtime.config.login_redirect_url);
            Ok(Redirect::to(&to).into_response())
        }
        LoginAttempt::Throttled(wait) => {
            let form = BoundForm::bound(LoginForm::FIELDS, sent.clone(), Default::default());
            let mut response =
                refused(form, throttled_message(wait), StatusCode::TOO_MANY_REQUESTS)?;
            retry_after(&mut response, wait);
            Ok(response)
        }
        _ => {
            let form = BoundForm::bound(LoginForm::FIELDS, sent.clone(), Default::default());
            refused(form, WRONG_LOGIN.into(), StatusCode::UNPROCESSABLE_ENTITY)
        }
    }
}

/// What a throttled login is told.
///
/// ```
/// let text = alder_auth::throttled_message(std::time::Duration::from_secs(30));
/// assert!(text.ends_with("Try again in 30 seconds."));
/// ```
pub fn throttled_message(wait: std::time::Duration) -> String {
    format!(
        "Too many failed login attempts. Try again in {} seconds.",
        wait.as_secs().max(1)
    )
}

/// Sets `Retry-After` (whole seconds, at least one) on a throttled login's answer.
///
/// ```
/// use alder_web::IntoResponse;
/// let mut response = "slow down".into_response();
/// alder_auth::retry_after(&mut response, std::time::Duration::from_millis(1500));
/// assert_eq!(response.headers()["retry-after"], "1");
/// ```
pub fn retry_after(response: &mut Response, wait: std::time::Duration) {
    if let Ok(value) = http::HeaderValue::try_from(wait.as_secs().max(1).to_string()) {
        response
            .headers_mut()
            .insert(http::header::RETRY_AFTER, value);
    }
}

/// POST only (a link or an image cannot log anyone out): ends the session, then goes to the
/// form's `next` when it stays on the site. A POST without a form body (a script's) logs out
/// too.
pub(crate) async fn logout(
    auth: Auth,
    headers: HeaderMap,
    sent: std::result::Result<FormData, alder_web::Error>,
) -> Result<Response> {
    auth.logout();
    let fallback = &auth.runtime().config.logout_redirect_url;
    let to = match &sent {
        Ok(sent) => next_url(sent, &headers, fallback),
        Err(_) => fallback.clone(),
    };
    Ok(Redirect::to(&to).into_response())
}

/// GET: the password change form.
pub(crate) async fn password_change_page(
    _user: LoginRequired,
    t: Templates,
) -> Result<TemplateResponse> {
    page(
        &t,
        "auth/password_change.html",
        PasswordChangeForm::unbound(),
        "",
    )
}

/// The problems with a new password and its confirmation (Django's `SetPasswordForm`
/// checks): they differ, or the validators refuse it for this user.
///
/// ```
/// let ada = alder_auth::models::User::new("ada", "ada@example.com");
/// assert_eq!(alder_auth::new_password_errors(&ada, "a", "b", 8)[0].code(), "password_mismatch");
/// assert!(alder_auth::new_password_errors(&ada, "an ample passphrase", "an ample passphrase", 8).is_empty());
/// ```
pub fn new_password_errors(
    user: &User,
    first: &str,
    second: &str,
    min_length: usize,
) -> Vec<ValidationError> {
    if first != second {
        return vec![ValidationError::new(
            "password_mismatch",
            "The two password fields didn\u{2019}t match.",
        )];
    }
    crate::validate_password(
        second,
        min_length,
        &[
            ("username", &user.username),
            ("first name", &user.first_name),
            ("last name", &user.last_name),
            ("email address", &user.email),
        ],
    )
}

/// POST: checks the old password and the new one; saves it and keeps this session logged in
/// (the user's other sessions end).
pub(crate) async fn password_change(
    user: LoginRequired,
    t: Templates,
    auth: Auth,
    db: Db,
    sent: FormData,
) -> Result<Response> {
    let runtime = auth.runtime().clone();
    let refused = |form: BoundForm| -> Result<Response> {
        Ok(page(&t, "auth/password_change.html", form, "")?
            .with_status(StatusCode::UNPROCESSABLE_ENTITY)
            .into_response())
    };
    let change = match PasswordChangeForm::validate(&sent) {
        Ok(change) => change,
        Err(form) => return refused(form),
    };
    let mut form = BoundForm::bound(PasswordChangeForm::FIELDS, sent.clone(), Default::default());
    let mut problems = false;
    if !user.check_password_async(&change.old_password).await {
        form.add_error(
            Some("old_password"),
            ValidationError::new(
                "password_incorrect",
                "Your old password was entered incorrectly. Please enter it again.",
            ),
        );
        problems = true;
    }
    for error in new_password_errors(
        &user,
        &change.new_password1,
        &change.new_password2,
        runtime.config.password_min_length,
    ) {
        form.add_error(Some("new_password2"), error);
        problems = true;
    }
    if problems {
        return refused(form);
    }
    let mut changed = (*user.0).clone();
    changed.set_password_async(&change.new_password1).await;
    User::objects()
        .filter(User::id().eq(changed.id))
        .update(&db, [User::password().set(changed.password.clone())])
        .await?;
    auth.keep_session(&changed)
        .map_err(crate::AuthError::into_web)?;
    Ok(alder_web::redirect("auth:password_change_done", ())
        .see_other()
        .into_response())
}

/// GET: "Your password was changed."
pub(crate) async fn password_change_done(
    _user: LoginRequired,
    t: Templates,
) -> Result<TemplateResponse> {
    t.render("auth/password_change_done.html", context! {})
}

/// GET: the sign-up form (404 unless `[auth] signup = true`), keeping `?next=`.
pub(crate) async fn signup_page(
    t: Templates,
    auth: Auth,
    query: FormData,
) -> Result<TemplateResponse> {
    if !auth.runtime().config.signup {
        return Err(alder_web::Error::NotFound);
    }
    let next = query.get("next").unwrap_or("").to_owned();
    page(&t, "auth/signup.html", SignupForm::unbound(), &next)
}

/// POST: a new user with the password checked by the validators, logged in at once.
pub(crate) async fn signup(
    t: Templates,
    auth: Auth,
    db: Db,
    headers: HeaderMap,
    sent: FormData,
) -> Result<Response> {
    let runtime = auth.runtime().clone();
    if !runtime.config.signup {
        return Err(alder_web::Error::NotFound);
    }
    let next = sent.get("next").unwrap_or("").to_owned();
    let refused = |form: BoundForm| -> Result<Response> {
        Ok(page(&t, "auth/signup.html", form, &next)?
            .with_status(StatusCode::UNPROCESSABLE_ENTITY)
            .into_response())
    };
    let wanted = match SignupForm::validate(&sent) {
        Ok(wanted) => wanted,
        Err(form) => return refused(form),
    };
    let mut user = User::new(wanted.username.clone(), wanted.email.clone());
    let mut form = BoundForm::bound(SignupForm::FIELDS, sent.clone(), Default::default());
    let mut problems = false;
    // "Ada" beside "ada" would be two accounts one person cannot tell apart (Django 4.2
    // refuses such a username too).
    if crate::username_taken(&db, &user.username).await? {
        form.add_error(
            Some("username"),
            ValidationError::new("unique", "A user with that username already exists."),
        );
        problems = true;
    }
    let checked = match crud::full_clean(&db, &user).await {
        Ok(()) => None,
        Err(alder_db::DbError::Invalid { errors, .. }) => Some(errors),
        Err(other) => return Err(other.into()),
    };
    if let Some(errors) = checked {
        for (field, field_errors) in errors.fields() {
            let name = match field {
                "username" => "username",
                "email" => "email",
                _ => continue,
            };
            for error in field_errors {
                if error.code() == "unique" && problems {
                    continue; // already said, case-insensitively
                }
                form.add_error(Some(name), error.clone());
                problems = true;
            }
        }
    }
    for error in new_password_errors(
        &user,
        &wanted.password1,
        &wanted.password2,
        runtime.config.password_min_length,
    ) {
        form.add_error(Some("password2"), error);
        problems = true;
    }
    if problems {
        return refused(form);
    }
    user.set_password_async(&wanted.password1).await;
    match crud::insert(&db, &mut user).await {
        Ok(()) => {}
        // Taken between the check and the insert.
        Err(alder_db::DbError::UniqueViolation { .. }) => {
            form.add_error(
                Some("username"),
                ValidationError::new("unique", "A user with that username already exists."),
            );
            return refused(form);
        }
        Err(err) => return Err(err.into()),
    }
    auth.login(&mut user)
        .await
        .map_err(crate::AuthError::into_web)?;
    let to = next_url(&sent, &headers, &runtime.config.login_redirect_url);
    Ok(Redirect::to(&to).into_response())
}
