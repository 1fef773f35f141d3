//! Password reset by an e-mailed one-time link (Django's `PasswordResetView` and
//! `PasswordResetTokenGenerator`). The token is an HMAC of the user's key, password hash,
//! last login, address and the time it was made, so it dies when it is used (the password
//! changes), when the password changes otherwise, when the user logs in, and after
//! `password_reset_timeout` seconds — with nothing stored.

use alder_web::forms::{BoundForm, Form, FormData};
use alder_web::security::Scheme;
use alder_web::{
    context, Db, IntoResponse, ProjectState, Response, Result, StatusCode, TemplateResponse,
    Templates,
};
use axum::extract::{Path, State};
use hmac::{Hmac, Mac};
use http::HeaderMap;
use sha2::{Digest, Sha256};

use crate::models::User;
use crate::Auth;

/// The session key holding a reset token between the link and the form (Django's
/// `_password_reset_token`): the token leaves the URL at once, so a page's links cannot leak
/// it through `Referer`.
const SESSION_TOKEN: &str = "_password_reset_token";
/// What the link carries once its token is in the session.
const SET_PASSWORD: &str = "set-password";

/// The password reset request form (Django's `PasswordResetForm`).
#[derive(Form, Debug)]
pub struct PasswordResetForm {
    /// The account's address.
    #[form(email, max_length = 254, label = "Email")]
    pub email: String,
}

/// The new password form (Django's `SetPasswordForm`).
#[derive(Form, Debug)]
pub struct SetPasswordForm {
    /// The new password.
    #[form(widget = "password", label = "New password")]
    pub new_password1: String,
    /// Again.
    #[form(widget = "password", label = "New password confirmation")]
    pub new_password2: String,
}

/// Makes and checks reset tokens with a key derived from the secret key.
pub(crate) struct Tokens {
    key: Vec<u8>,
    timeout: u64,
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl Tokens {
    pub(crate) fn new(secret: &str, timeout: u64) -> Self {
        let mut key = Sha256::new();
        key.update(b"alder.auth.password-reset\0");
        key.update(secret.as_bytes());
        Tokens {
            key: key.finalize().to_vec(),
            timeout,
        }
    }

    fn mac(&self, user: &User, made: u64) -> Hmac<Sha256> {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes keys of any length");
        let last_login = user.last_login.map_or(0, |t| t.timestamp_micros());
        // Separators, so no two different tuples write the same bytes.
        mac.update(
            format!(
                "{}\0{}\0{}\0{}\0{}",
                user.id.get().unwrap_or(0),
                user.password,
                last_login,
                user.email,
                made
            )
            .as_bytes(),
        );
        mac
    }

    /// A token for `user`, valid from now.
    pub(crate) fn make(&self, user: &User) -> String {
        self.make_at(user, now())
    }

    fn make_at(&self, user: &User, made: u64) -> String {
        let tag = self.mac(user, made).finalize().into_bytes();
        format!("{made:x}-{}", crate::hex::encode(&tag[..20]))
    }

    /// Whether `token` was made for `user` as it is now, and is not too old.
    pub(crate) fn check(&self, user: &User, token: &str) -> bool {
        self.check_at(user, token, now())
    }

    fn check_at(&self, user: &User, token: &str, now: u64) -> bool {
        let Some((made, hex)) = token.split_once('-') else {
            return false;
        };
        let Ok(made) = u64::from_str_radix(made, 16) else {
            return false;
        };
        if made > now || now - made > self.timeout || hex.len() != 40 {
            return false;
        }
        let Some(bytes) = crate::hex::decode(hex) else {
            return false;
        };
        self.mac(user, made).verify_truncated_left(&bytes).is_ok()
    }
}

/// The user a link's `uid` names (the key in hexadecimal), if active with a usable password.
async fn user_of(db: &Db, uid: &str) -> Result<Option<User>> {
    let Ok(id) = i64::from_str_radix(uid, 16) else {
        return Ok(None);
    };
    let user = User::objects().filter(User::id().eq(id)).first(db).await?;
    Ok(user.filter(|u| u.is_active && u.has_usable_password()))
}

/// GET: the form asking for an address.
pub(crate) async fn request_page(t: Templates) -> Result<TemplateResponse> {
    t.render(
        "auth/password_reset_form.html",
        context! { form => PasswordResetForm::unbound() },
    )
}

/// POST: mails a link to every active account with this address (none, silently, when there
/// is none: the page never tells which addresses have accounts).
pub(crate) async fn request(
    t: Templates,
    auth: Auth,
    db: Db,
    scheme: Scheme,
    State(state): State<ProjectState>,
    headers: HeaderMap,
    sent: FormData,
) -> Result<Response> {
    let wanted = match PasswordResetForm::validate(&sent) {
        Ok(wanted) => wanted,
        Err(form) => {
            return Ok(t
                .render("auth/password_reset_form.html", context! { form })?
                .with_status(StatusCode::UNPROCESSABLE_ENTITY)
                .into_response())
        }
    };
    let users = User::objects()
        .filter(User::email().iexact(&wanted.email) & User::is_active().eq(true))
        .all(&db)
        .await?;
    let host = headers
        .get(http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    let tokens = &auth.runtime().tokens;
    for user in users.into_iter().filter(User::has_usable_password) {
        let uid = format!("{:x}", user.id.get().unwrap_or(0));
        let token = tokens.make(&user);
        let path = state
            .urls()
            .reverse("auth:password_reset_confirm", (uid.clone(), token))?;
        let link = format!("{}://{host}{path}", scheme.as_str());
        let email = alder_mail::render(
            &t,
            "auth/password_reset_email",
            context! { user => context! { username => user.username.clone() }, link, site => host },
        )
        .map_err(|err| alder_web::Error::other("the password reset e-mail", err))?
        .to(user.email.clone());
        let mailer = alder_mail::mailer(&state).map_err(|err| {
            alder_web::Error::other(
                "password reset needs the mail app: add `.app(alder_mail::app())`",
                err,
            )
        })?;
        mailer
            .send(email)
            .await
            .map_err(|err| alder_web::Error::other("sending the password reset e-mail", err))?;
    }
    Ok(alder_web::redirect("auth:password_reset_done", ())
        .see_other()
        .into_response())
}

/// GET: "We've e-mailed you instructions".
pub(crate) async fn done(t: Templates) -> Result<TemplateResponse> {
    t.render("auth/password_reset_done.html", context! {})
}

fn invalid(t: &Templates) -> Result<Response> {
    Ok(t.render(
        "auth/password_reset_confirm.html",
        context! { validlink => false },
    )?
    .with_status(StatusCode::BAD_REQUEST)
    .into_response())
}

/// GET the link: a good token moves into the session and the browser to the same URL with
/// `set-password` instead; then the new password form. A bad or spent link says so.
pub(crate) async fn confirm_page(
    t: Templates,
    auth: Auth,
    db: Db,
    Path((uid, token)): Path<(String, String)>,
) -> Result<Response> {
    let Some(user) = user_of(&db, &uid).await? else {
        return invalid(&t);
    };
    let tokens = &auth.runtime().tokens;
    if token != SET_PASSWORD {
        if !tokens.check(&user, &token) {
            return invalid(&t);
        }
        auth.session()
            .insert(SESSION_TOKEN, &token)
            .map_err(crate::AuthError::from)
            .map_err(crate::AuthError::into_web)?;
        return Ok(
            alder_web::redirect("auth:password_reset_confirm", (uid, SET_PASSWORD)).into_response(),
        );
    }
    match auth.session().get::<String>(SESSION_TOKEN) {
        Ok(Some(kept)) if tokens.check(&user, &kept) => Ok(t
            .render(
                "auth/password_reset_confirm.html",
                context! { validlink => true, form => SetPasswordForm::unbound() },
            )?
            .into_response()),
        _ => invalid(&t),
    }
}

/// POST the new password: checked by the validators, saved; the token dies with the old
/// password, and every session of the user ends.
pub(crate) async fn confirm(
    t: Templates,
    auth: Auth,
    db: Db,
    Path((uid, _)): Path<(String, String)>,
    sent: FormData,
) -> Result<Response> {
    let Some(mut user) = user_of(&db, &uid).await? else {
        return invalid(&t);
    };
    let runtime = auth.runtime().clone();
    let kept = auth.session().get::<String>(SESSION_TOKEN).ok().flatten();
    if !kept.is_some_and(|token| runtime.tokens.check(&user, &token)) {
        return invalid(&t);
    }
    let refused = |form: BoundForm| -> Result<Response> {
        Ok(t.render(
            "auth/password_reset_confirm.html",
            context! { validlink => true, form },
        )?
        .with_status(StatusCode::UNPROCESSABLE_ENTITY)
        .into_response())
    };
    let new = match SetPasswordForm::validate(&sent) {
        Ok(new) => new,
        Err(form) => return refused(form),
    };
    let problems = crate::views::new_password_errors(
        &user,
        &new.new_password1,
        &new.new_password2,
        runtime.config.password_min_length,
    );
    if !problems.is_empty() {
        let mut form = BoundForm::bound(SetPasswordForm::FIELDS, sent.clone(), Default::default());
        for problem in problems {
            form.add_error(Some("new_password2"), problem);
        }
        return refused(form);
    }
    user.set_password_async(&new.new_password1).await;
    User::objects()
        .filter(User::id().eq(user.id))
        .update(&db, [User::password().set(user.password.clone())])
        .await?;
    auth.session().remove(SESSION_TOKEN);
    Ok(alder_web::redirect("auth:password_reset_complete", ())
        .see_other()
        .into_response())
}

/// GET: "Your password has been set."
pub(crate) async fn complete(t: Templates) -> Result<TemplateResponse> {
    t.render("auth/password_reset_complete.html", context! {})
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ada() -> User {
        let mut ada = User::new("ada", "ada@example.com");
        ada.id = alder_db::Auto::from(7);
        ada.password = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into();
        ada
    }

    #[test]
    fn a_token_dies_with_the_password_a_login_and_time() {
        let tokens = Tokens::new("secret", 3_600);
        let ada = ada();
        let token = tokens.make_at(&ada, 1_000_000);
        assert!(tokens.check_at(&ada, &token, 1_000_000));
        assert!(tokens.check_at(&ada, &token, 1_003_600));
        assert!(!tokens.check_at(&ada, &token, 1_003_601), "too old");
        assert!(!tokens.check_at(&ada, &token, 999_999), "from the future");
        let mut changed = ada.clone();
        changed.password.push('x');
        assert!(
            !tokens.check_at(&changed, &token, 1_000_001),
            "password changed"
        );
        let mut logged_in = ada.clone();
        logged_in.last_login = Some(alder_db::chrono::Utc::now());
        assert!(
            !tokens.check_at(&logged_in, &token, 1_000_001),
            "logged in since"
        );
        let mut other = ada.clone();
        other.id = alder_db::Auto::from(8);
        assert!(!tokens.check_at(&other, &token, 1_000_001), "another user");
        assert!(!Tokens::new("other", 3_600).check_at(&ada, &token, 1_000_001));
        for bad in [
            "",
            "-",
            "zz-00",
            "f4240-",
            "f4240-0000",
            &format!("{token}0"),
        ] {
            assert!(!tokens.check_at(&ada, bad, 1_000_001), "{bad}");
        }
    }
}
