//! The admin's own login and logout pages (Django's `admin:login` and `admin:logout`), and
//! [`Staff`], the extractor every admin page starts with: an active staff member, or the
//! visitor is sent to the admin's login page with `?next=` back where they were.

use std::ops::Deref;
use std::sync::Arc;

use alder_auth::models::User;
use alder_auth::{Auth, CurrentUser, LoginAttempt, LoginForm};
use alder_db::ValidationError;
use alder_web::extract::State;
use alder_web::forms::{BoundForm, Form, FormData};
use alder_web::{
    context, IntoResponse, ProjectState, Redirect, Response, Result, StatusCode, Templates,
};
use axum::extract::{FromRef, FromRequestParts};
use http::request::Parts;
use http::HeaderMap;

use crate::views::{root, site};

/// Django's words for a login refused by the admin: a wrong password and a correct one of
/// an account that is not staff read the same, so the page tells nobody which accounts are.
const STAFF_LOGIN: &str = "Please enter the correct username and password for a staff account. \
                           Note that both fields may be case-sensitive.";

/// What `next=` carries unescaped: a path's characters, `/` included.
const NEXT: &percent_encoding::AsciiSet = &crate::URL_ENCODE.remove(b'/');

/// An active staff member; anyone else (a visitor, a user who is not staff) is sent to the
/// admin's login page, which says so to a logged-in user (Django's `admin_view`).
pub(crate) struct Staff(pub(crate) Arc<User>);

impl Deref for Staff {
    type Target = User;

    fn deref(&self) -> &User {
        &self.0
    }
}

impl<S> FromRequestParts<S> for Staff
where
    ProjectState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let user = CurrentUser::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        match user.0 {
            Some(user) if user.is_active && user.is_staff => Ok(Staff(user)),
            _ => Err(to_login(parts, &ProjectState::from_ref(state))),
        }
    }
}

/// A redirect to the admin's login page, coming back to this URL afterwards.
fn to_login(parts: &Parts, state: &ProjectState) -> Response {
    let login = match state.urls().reverse("admin:login", ()) {
        Ok(url) => url,
        Err(err) => return alder_web::Error::other("admin urls", err).into_response(),
    };
    let here = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let next = percent_encoding::utf8_percent_encode(here, NEXT);
    Redirect::to(&format!("{login}?next={next}")).into_response()
}

fn login_form(
    state: &ProjectState,
    t: &Templates,
    form: BoundForm,
    next: &str,
    signed_in_as: Option<&str>,
    status: StatusCode,
) -> Result<Response> {
    let site = site(state)?;
    Ok(t.render(
        "admin/login.html",
        context! {
            site_title => site.inner().title.clone(),
            root => root(state)?,
            form,
            next,
            signed_in_as,
        },
    )?
    .with_status(status)
    .into_response())
}

/// GET: the login form, keeping `?next=`. A staff member already logged in goes on to
/// `next` (or the index); a user who is not staff is told they are logged in as someone who
/// may not use the admin, and may log in as someone else.
pub(crate) async fn login_page(
    State(state): State<ProjectState>,
    t: Templates,
    user: CurrentUser,
    headers: HeaderMap,
    query: FormData,
) -> Result<Response> {
    if user.get().is_some_and(|u| u.is_active && u.is_staff) {
        let to = alder_auth::next_url(&query, &headers, &root(&state)?);
        return Ok(Redirect::to(&to).into_response());
    }
    let next = query.get("next").unwrap_or("");
    let signed_in_as = user.get().map(|u| u.username.as_str());
    login_form(
        &state,
        &t,
        LoginForm::unbound(),
        next,
        signed_in_as,
        StatusCode::OK,
    )
}

/// POST: logs a staff member in through the auth app's throttles, then goes to `next` when
/// it stays on the site, else the index. A user who is not staff is refused like a wrong
/// password, and is not logged in.
pub(crate) async fn login(
    State(state): State<ProjectState>,
    t: Templates,
    auth: Auth,
    headers: HeaderMap,
    sent: FormData,
) -> Result<Response> {
    let next = sent.get("next").unwrap_or("").to_owned();
    let refused = |message: String, status: StatusCode| {
        let mut form = BoundForm::bound(LoginForm::FIELDS, sent.clone(), Default::default());
        form.add_error(None, ValidationError::new("invalid_login", message));
        login_form(&state, &t, form, &next, None, status)
    };
    let credentials = match LoginForm::validate(&sent) {
        Ok(credentials) => credentials,
        Err(_) => return refused(STAFF_LOGIN.into(), StatusCode::UNPROCESSABLE_ENTITY),
    };
    let attempt = auth
        .attempt(&credentials.username, &credentials.password)
        .await
        .map_err(|err| alder_web::Error::other("admin login", err))?;
    match attempt {
        LoginAttempt::Valid(mut user) if user.is_staff => {
            auth.login(&mut user)
                .await
                .map_err(|err| alder_web::Error::other("admin login", err))?;
            let to = alder_auth::next_url(&sent, &headers, &root(&state)?);
            Ok(Redirect::to(&to).into_response())
        }
        LoginAttempt::Throttled(wait) => {
            let mut response = refused(
                alder_auth::throttled_message(wait),
                StatusCode::TOO_MANY_REQUESTS,
            )?;
            alder_auth::retry_after(&mut response, wait);
            Ok(response)
        }
        _ => refused(STAFF_LOGIN.into(), StatusCode::UNPROCESSABLE_ENTITY),
    }
}

/// POST only (a link or an image cannot log anyone out): ends the session and says so,
/// with a link to log in again (Django's `logged_out.html`).
pub(crate) async fn logout(
    State(state): State<ProjectState>,
    t: Templates,
    auth: Auth,
) -> Result<Response> {
    auth.logout();
    let site = site(&state)?;
    Ok(t.render(
        "admin/logged_out.html",
        context! { site_title => site.inner().title.clone(), root => root(&state)? },
    )?
    .into_response())
}
