//! The user admin's password page (Django's `UserAdmin.user_change_password`): staff who may
//! change users set a user's password, checked by the auth app's validators.

use alder_auth::models::User;
use alder_auth::{Auth, SetPasswordForm};
use alder_db::{Model, ValidationErrors};
use alder_messages::Messages;
use alder_web::extract::{Path, State};
use alder_web::forms::{BoundForm, Form, FormData};
use alder_web::{
    context, Db, Error, IntoResponse, ProjectState, Redirect, Response, Result, StatusCode,
    Templates,
};

use crate::entry::Entries;
use crate::history;
use crate::login::Staff;
use crate::views::{self, Perms};

/// The user whose key is `pk`, after checking that the staff member may change users.
async fn target(state: &ProjectState, db: &Db, user: &Staff, pk: &str) -> Result<(Perms, User)> {
    let site = views::site(state)?;
    let perms = views::staff(db, user, &site).await?;
    if !perms.has(User::META, "change") {
        return Err(views::forbidden());
    }
    // Only a user the users' admin shows (its `queryset` hook), as its other pages.
    let visible = match site.by_table(User::META.table) {
        Some(entry) => entry.display_of(db, user, pk).await?.is_some(),
        None => false,
    };
    if !visible {
        return Err(Error::NotFound);
    }
    let Ok(query) = User::objects().filter_str("id", pk) else {
        return Err(Error::NotFound);
    };
    let found = query.first(db).await?.ok_or(Error::NotFound)?;
    Ok((perms, found))
}

fn page(
    state: &ProjectState,
    t: &Templates,
    target: &User,
    form: BoundForm,
    status: StatusCode,
) -> Result<Response> {
    let site = views::site(state)?;
    let root = views::root(state)?;
    let url = format!("{root}auth/user/");
    Ok(t.render(
        "admin/auth/user/change_password.html",
        context! {
            site_title => site.inner().title.clone(),
            root,
            url,
            change_url => format!("{url}{}/change/", target.id.get().unwrap_or_default()),
            username => target.username.clone(),
            form,
        },
    )?
    .with_status(status)
    .into_response())
}

/// GET: the new password, twice.
pub(crate) async fn password_page(
    State(state): State<ProjectState>,
    db: Db,
    user: Staff,
    t: Templates,
    Path(pk): Path<String>,
) -> Result<Response> {
    let (_, found) = target(&state, &db, &user, &pk).await?;
    page(
        &state,
        &t,
        &found,
        SetPasswordForm::unbound(),
        StatusCode::OK,
    )
}

/// POST: sets the password when both agree and the validators accept it (422 otherwise).
/// Changing one's own keeps this session logged in; the user's other sessions end.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn password(
    State(state): State<ProjectState>,
    db: Db,
    user: Staff,
    auth: Auth,
    t: Templates,
    messages: Messages,
    Path(pk): Path<String>,
    sent: FormData,
) -> Result<Response> {
    let (_, mut found) = target(&state, &db, &user, &pk).await?;
    let refused = |errors: ValidationErrors| {
        let form = BoundForm::bound(SetPasswordForm::FIELDS, sent.clone(), errors);
        page(&state, &t, &found, form, StatusCode::UNPROCESSABLE_ENTITY)
    };
    let new = match SetPasswordForm::validate(&sent) {
        Ok(new) => new,
        Err(form) => return refused(form.errors().clone()),
    };
    let problems = alder_auth::new_password_errors(
        &found,
        &new.new_password1,
        &new.new_password2,
        auth.config().password_min_length,
    );
    if !problems.is_empty() {
        let mut errors = ValidationErrors::new();
        for problem in problems {
            errors.add("new_password2", problem);
        }
        return refused(errors);
    }
    found.set_password(&new.new_password1);
    alder_db::crud::update(&db, &found).await?;
    let pk = found.id.get().unwrap_or_default().to_string();
    history::log(
        &db,
        &user,
        User::META,
        &pk,
        &found.username,
        history::CHANGE,
        "Changed password.".into(),
    )
    .await?;
    if found.id.get() == user.id.get() {
        auth.keep_session(&found)
            .map_err(|err| Error::other("keeping the session", err))?;
    }
    messages.success("Password changed successfully.");
    let root = views::root(&state)?;
    Ok(Redirect::to(&format!("{root}auth/user/{pk}/change/")).into_response())
}
