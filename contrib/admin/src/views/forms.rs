//! The add and change pages, and what their POSTs save.

use alder_messages::Messages;
use alder_web::extract::{Path, State};
use alder_web::forms::FormData;
use alder_web::{
    context, Db, Error, IntoResponse, ProjectState, Redirect, Response, Result, StatusCode,
    Templates,
};

use super::{
    encode_pk, inlines_allowed, model_context, model_page, model_url, model_view, root,
    template_for, Perms,
};
use crate::entry::{Entry, FormParts, Saved};
use crate::login::Staff;
use crate::{history, Site};

/// GET: an empty form for a new object.
pub(crate) async fn add_page(
    State(state): State<ProjectState>,
    db: Db,
    user: Staff,
    t: Templates,
    Path((app, model)): Path<(String, String)>,
) -> Result<Response> {
    let page = model_page(&state, &db, &user, &app, &model, |p, e, m| {
        p.has(m, "add") && e.can_add()
    })
    .await?;
    let (perms, site, entry) = (&page.perms, &page.site, &*page.entry);
    let allowed = inlines_allowed(entry, perms);
    let loaded = entry
        .form(&db, &user, site, None, &allowed)
        .await?
        .ok_or(Error::NotFound)?;
    form_page(
        &state,
        &t,
        site,
        entry,
        perms,
        None,
        loaded.parts,
        StatusCode::OK,
    )
}

/// The add or change page around `form`.
#[allow(clippy::too_many_arguments)]
fn form_page(
    state: &ProjectState,
    t: &Templates,
    site: &Site,
    entry: &dyn Entry,
    perms: &Perms,
    object: Option<(&str, &str)>,
    parts: FormParts,
    status: StatusCode,
) -> Result<Response> {
    let inlines: Vec<_> = parts
        .inlines
        .into_iter()
        .map(|i| context! { title => i.title, set => i.set, tabular => i.tabular })
        .collect();
    let root = root(state)?;
    let meta = entry.meta();
    let url = model_url(&root, meta);
    let (pk, display) = object.unzip();
    Ok(t.render(
        &template_for(t, meta, "change_form.html"),
        context! {
            site_title => site.inner().title.clone(),
            root,
            model => model_view(&root, entry, perms),
            url,
            form => parts.form,
            sections => parts.sections,
            unshown => parts.unshown,
            inlines,
            adding => pk.is_none(),
            display,
            delete_url => pk.filter(|_| perms.has(meta, "delete")).map(|pk| format!("{}{}/delete/", model_url(&root, meta), encode_pk(pk))),
            history_url => pk.map(|pk| format!("{}{}/history/", model_url(&root, meta), encode_pk(pk))),
            // The user admin's page for the password, which is not in the user's form.
            password_url => pk.filter(|_| meta.table == "auth_user").map(|pk| format!("{}{}/password/", model_url(&root, meta), encode_pk(pk))),
            can_add_another => entry.can_add() && perms.has(meta, "add"),
            filter_horizontal => entry.filter_horizontal(),
            autocomplete => !entry.autocomplete_fields().is_empty(),
            prepopulated => entry.prepopulated().iter().map(|(field, from)| context! { field, from }).collect::<Vec<_>>(),
        },
    )?
    .with_status(status)
    .into_response())
}

/// Where a saved form goes: "Save and continue editing", "Save and add another", or the
/// change list.
fn after_save(sent: &FormData, url: &str, pk: &str) -> String {
    if sent.get("_continue").is_some() {
        format!("{url}{}/change/", encode_pk(pk))
    } else if sent.get("_addanother").is_some() {
        format!("{url}add/")
    } else {
        url.to_owned()
    }
}

/// What a save did, for the history and the message.
struct Done {
    flag: i16,
    message: String,
    /// "added" or "changed".
    verb: &'static str,
}

/// After a save: the history line, the message, and where the button pressed goes.
#[allow(clippy::too_many_arguments)]
async fn saved_page(
    state: &ProjectState,
    db: &Db,
    user: &Staff,
    messages: &Messages,
    meta: &alder_db::ModelMeta,
    saved: &Saved,
    sent: &FormData,
    done: Done,
) -> Result<Response> {
    history::log(
        db,
        user,
        meta,
        &saved.pk,
        &saved.display,
        done.flag,
        done.message,
    )
    .await?;
    messages.success(format!(
        "The {} \u{201c}{}\u{201d} was {} successfully.",
        meta.verbose_name, saved.display, done.verb
    ));
    let url = model_url(&root(state)?, meta);
    Ok(Redirect::to(&after_save(sent, &url, &saved.pk)).into_response())
}

/// POST: creates the object from the form, or shows the form again with its errors (422).
#[allow(clippy::too_many_arguments)]
pub(crate) async fn add(
    State(state): State<ProjectState>,
    db: Db,
    user: Staff,
    t: Templates,
    messages: Messages,
    Path((app, model)): Path<(String, String)>,
    sent: FormData,
) -> Result<Response> {
    let page = model_page(&state, &db, &user, &app, &model, |p, e, m| {
        p.has(m, "add") && e.can_add()
    })
    .await?;
    let (perms, site, entry) = (&page.perms, &page.site, &*page.entry);
    let meta = entry.meta();
    let allowed = inlines_allowed(entry, perms);
    match entry
        .save(&db, &user, site, &**state.storage(), None, &sent, &allowed)
        .await?
        .ok_or(Error::NotFound)?
    {
        Ok(saved) => {
            let done = Done {
                flag: history::ADDITION,
                message: "Added.".into(),
                verb: "added",
            };
            saved_page(&state, &db, &user, &messages, meta, &saved, &sent, done).await
        }
        Err(refused) => form_page(
            &state,
            &t,
            site,
            entry,
            perms,
            None,
            refused,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    }
}

/// GET: the object's form, or its values only for a user who may view but not change it.
pub(crate) async fn change_page(
    State(state): State<ProjectState>,
    db: Db,
    user: Staff,
    t: Templates,
    Path((app, model, pk)): Path<(String, String, String)>,
) -> Result<Response> {
    let page = model_page(&state, &db, &user, &app, &model, |p, _, m| p.can_view(m)).await?;
    let (perms, site, entry) = (&page.perms, &page.site, &*page.entry);
    let meta = entry.meta();
    let allowed = inlines_allowed(entry, perms);
    let loaded = entry
        .form(&db, &user, site, Some(&pk), &allowed)
        .await?
        .ok_or(Error::NotFound)?;
    if !perms.has(meta, "change") {
        let root = root(&state)?;
        let values: Vec<_> = loaded
            .values
            .iter()
            .map(|(label, cell)| context! { label, text => cell.text, kind => cell.kind })
            .collect();
        return Ok(t
            .render(
                &template_for(&t, meta, "view_object.html"),
                context! {
                    display => loaded.display,
                    values,
                    ..model_context(&root, site, entry, perms, Some(&pk))
                },
            )?
            .into_response());
    }
    form_page(
        &state,
        &t,
        site,
        entry,
        perms,
        Some((&pk, &loaded.display)),
        loaded.parts,
        StatusCode::OK,
    )
}

/// POST: saves the changed object, or shows the form again with its errors (422).
#[allow(clippy::too_many_arguments)]
pub(crate) async fn change(
    State(state): State<ProjectState>,
    db: Db,
    user: Staff,
    t: Templates,
    messages: Messages,
    Path((app, model, pk)): Path<(String, String, String)>,
    sent: FormData,
) -> Result<Response> {
    let page = model_page(&state, &db, &user, &app, &model, |p, _, m| {
        p.has(m, "change")
    })
    .await?;
    let (perms, site, entry) = (&page.perms, &page.site, &*page.entry);
    let meta = entry.meta();
    let allowed = inlines_allowed(entry, perms);
    let Some(result) = entry
        .save(
            &db,
            &user,
            site,
            &**state.storage(),
            Some(&pk),
            &sent,
            &allowed,
        )
        .await?
    else {
        // Deleted meanwhile (another tab, another admin): say so instead of failing.
        messages.warning(format!(
            "The {} with key \u{201c}{pk}\u{201d} does not exist; perhaps it was deleted.",
            meta.verbose_name
        ));
        return Ok(Redirect::to(&model_url(&root(&state)?, meta)).into_response());
    };
    match result {
        Ok(saved) => {
            let done = Done {
                flag: history::CHANGE,
                message: history::change_message(&saved.changed),
                verb: "changed",
            };
            saved_page(&state, &db, &user, &messages, meta, &saved, &sent, done).await
        }
        Err(refused) => {
            let display = entry
                .form(&db, &user, site, Some(&pk), &[])
                .await?
                .map(|l| l.display)
                .unwrap_or_default();
            form_page(
                &state,
                &t,
                site,
                entry,
                perms,
                Some((&pk, &display)),
                refused,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
    }
}
