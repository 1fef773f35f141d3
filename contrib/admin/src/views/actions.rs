//! The change list's action bar: custom actions and "Delete selected".

use alder_messages::Messages;
use alder_web::extract::{Path, State};
use alder_web::forms::FormData;
use alder_web::{context, Db, IntoResponse, ProjectState, Redirect, Response, Result, Templates};

use super::changelist::with_param;
use super::delete::cascade;
use super::{forbidden, model_context, model_page, model_url, root, template_for, Perms};
use crate::entry::{DeletedMany, Entry};
use crate::login::Staff;
use crate::{history, Site};

/// POST to the change list: runs the chosen action on the selected rows. "Delete selected"
/// shows its confirmation first (what the delete takes with it), and deletes when that page
/// is sent back; a custom action needs the `change` permission. Afterwards the list comes
/// back as it was (search, filters, page).
#[allow(clippy::too_many_arguments)]
pub(crate) async fn action(
    State(state): State<ProjectState>,
    db: Db,
    user: Staff,
    t: Templates,
    messages: Messages,
    uri: http::Uri,
    Path((app, model)): Path<(String, String)>,
    sent: FormData,
) -> Result<Response> {
    let page = model_page(&state, &db, &user, &app, &model, |p, _, m| p.can_view(m)).await?;
    let (perms, site, entry) = (&page.perms, &page.site, &*page.entry);
    let meta = entry.meta();
    // Back to the list as it was, from the admin's own URL (not the request's, which is
    // relative when the site is nested in another router), on its first page: the rows
    // an action deletes may take the last page away.
    let kept: Vec<(String, String)> = FormData::parse(uri.query().unwrap_or(""))
        .pairs()
        .filter(|(k, _)| *k != "p")
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    let back = match with_param(&kept, "p", None).as_str() {
        "?" => model_url(&root(&state)?, meta),
        query => format!("{}{query}", model_url(&root(&state)?, meta)),
    };
    if sent.get("_save").is_some() {
        return save_list(&state, &db, &user, &t, &messages, &uri, &page, &sent).await;
    }
    let name = sent.get("action").unwrap_or("");
    let pks: Vec<String> = sent
        .get_all("_selected_action")
        .map(str::to_owned)
        .collect();
    if name.is_empty() {
        messages.warning("No action selected.");
        return Ok(Redirect::to(&back).into_response());
    }
    if pks.is_empty() {
        messages.warning(NOTHING_SELECTED);
        return Ok(Redirect::to(&back).into_response());
    }
    if name == crate::DELETE_SELECTED {
        if !perms.has(meta, "delete") {
            return Err(forbidden());
        }
        if sent.get("post") != Some("yes") {
            return delete_selected_page(&state, &db, &user, &t, site, entry, perms, &pks, &back)
                .await;
        }
        match entry.delete_many(&db, &user, &pks).await? {
            DeletedMany::Done(gone) if gone.is_empty() => messages.warning(NOTHING_SELECTED),
            DeletedMany::Done(gone) => {
                for (pk, display) in &gone {
                    history::log(&db, &user, meta, pk, display, history::DELETION, String::new()).await?;
                }
                let count = gone.len();
                messages.success(format!(
                    "Successfully deleted {count} {}.",
                    if count == 1 { meta.verbose_name } else { meta.verbose_name_plural }
                ));
            }
            DeletedMany::Protected => messages.error(format!(
                "The selected {} could not be deleted: other rows still point to them and protect them.",
                meta.verbose_name_plural
            )),
        }
        return Ok(Redirect::to(&back).into_response());
    }
    if !perms.has(meta, "change") {
        return Err(forbidden());
    }
    match entry.run_action(&db, &user, name, &pks).await? {
        // None of the keys named a row (deleted meanwhile, or made up).
        Some(message) if message.is_empty() => messages.warning(NOTHING_SELECTED),
        Some(message) => messages.success(message),
        None => messages.warning("No action selected."),
    }
    Ok(Redirect::to(&back).into_response())
}

/// **Save** under a change list with `list_editable` columns: every changed row saved,
/// each in the history, then the same page of the list again; or, when a row is refused,
/// nothing saved and the list back with each refused row's errors (422).
#[allow(clippy::too_many_arguments)]
async fn save_list(
    state: &ProjectState,
    db: &Db,
    user: &Staff,
    t: &Templates,
    messages: &Messages,
    uri: &http::Uri,
    page: &super::ModelPage,
    sent: &FormData,
) -> Result<Response> {
    let (perms, entry) = (&page.perms, &*page.entry);
    let meta = entry.meta();
    if entry.list_editable().is_empty() || !perms.has(meta, "change") {
        return Err(forbidden());
    }
    let query = FormData::parse(uri.query().unwrap_or(""));
    match entry.save_list(db, user, sent).await? {
        Ok(saved) => {
            for row in &saved {
                let message = history::change_message(&row.changed);
                history::log(
                    db,
                    user,
                    meta,
                    &row.pk,
                    &row.display,
                    history::CHANGE,
                    message,
                )
                .await?;
            }
            messages.success(match saved.len() {
                0 => "No changes to save.".to_string(),
                1 => format!("1 {} was changed successfully.", meta.verbose_name),
                n => format!(
                    "{n} {} were changed successfully.",
                    meta.verbose_name_plural
                ),
            });
            let url = model_url(&root(state)?, meta);
            let back = match uri.query() {
                Some(q) if !q.is_empty() => format!("{url}?{q}"),
                _ => url,
            };
            Ok(Redirect::to(&back).into_response())
        }
        Err(refused) => {
            super::changelist::render(
                state,
                db,
                user,
                t,
                page,
                &query,
                refused,
                http::StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

/// Django's words for an action without a selection.
const NOTHING_SELECTED: &str =
    "Items must be selected in order to perform actions on them. No items have been changed.";

/// "Are you sure?" for several objects: their names, what goes with them, what protects
/// them; the form sends the same selection back with `post=yes`.
#[allow(clippy::too_many_arguments)]
async fn delete_selected_page(
    state: &ProjectState,
    db: &Db,
    user: &alder_auth::models::User,
    t: &Templates,
    site: &Site,
    entry: &dyn Entry,
    perms: &Perms,
    pks: &[String],
    back: &str,
) -> Result<Response> {
    let meta = entry.meta();
    let (names, collected) = entry
        .plan_delete_many(db, user, state.registry(), pks)
        .await?;
    let (summary, blockers) = cascade(&collected);
    let root = root(state)?;
    Ok(t.render(
        &template_for(t, meta, "delete_selected_confirmation.html"),
        context! {
            names,
            pks,
            back,
            summary,
            blockers,
            ..model_context(&root, site, entry, perms, None)
        },
    )?
    .into_response())
}
