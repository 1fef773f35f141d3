//! Deleting one object: what the cascade takes first, then the delete.

use alder_messages::Messages;
use alder_web::extract::{Path, State};
use alder_web::{
    context, Db, Error, IntoResponse, ProjectState, Redirect, Response, Result, Templates,
};

use super::{encode_pk, model_context, model_page, model_url, root, template_for};
use crate::entry::{capitalise, Deleted};
use crate::history;
use crate::login::Staff;

/// What a delete takes with it (`Comments: 12`) and what protects it, for the confirmation
/// pages.
pub(crate) fn cascade(
    collected: &alder_db::Collected,
) -> (Vec<minijinja::Value>, Vec<minijinja::Value>) {
    let summary = collected
        .summary()
        .into_iter()
        .map(|(name, count)| context! { name => capitalise(name), count })
        .collect();
    let blockers = collected
        .blockers
        .iter()
        .map(|b| {
            context! {
                name => capitalise(b.model.verbose_name_plural),
                count => b.keys.len(),
                field => b.field.verbose_name,
            }
        })
        .collect();
    (summary, blockers)
}

/// GET: what deleting the object would delete with it, or what protects it.
pub(crate) async fn delete_page(
    State(state): State<ProjectState>,
    db: Db,
    user: Staff,
    t: Templates,
    Path((app, model, pk)): Path<(String, String, String)>,
) -> Result<Response> {
    let page = model_page(&state, &db, &user, &app, &model, |p, _, m| {
        p.has(m, "delete")
    })
    .await?;
    let (perms, site, entry) = (&page.perms, &page.site, &*page.entry);
    let meta = entry.meta();
    let (display, collected) = entry
        .plan_delete(&db, &user, state.registry(), &pk)
        .await?
        .ok_or(Error::NotFound)?;
    let (summary, blockers) = cascade(&collected);
    let root = root(&state)?;
    Ok(t.render(
        &template_for(&t, meta, "delete_confirmation.html"),
        context! {
            display,
            summary,
            blockers,
            ..model_context(&root, site, entry, perms, Some(&pk))
        },
    )?
    .into_response())
}

/// POST: deletes the object (and what cascades from it) and goes back to the list. A row
/// that protects it refuses the delete with a message, never a 500.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn delete(
    State(state): State<ProjectState>,
    db: Db,
    user: Staff,
    messages: Messages,
    Path((app, model, pk)): Path<(String, String, String)>,
) -> Result<Response> {
    let page = model_page(&state, &db, &user, &app, &model, |p, _, m| {
        p.has(m, "delete")
    })
    .await?;
    let entry = &*page.entry;
    let meta = entry.meta();
    let url = model_url(&root(&state)?, meta);
    match entry.delete(&db, &user, &pk).await? {
        Deleted::Done(display) => {
            history::log(
                &db,
                &user,
                meta,
                &pk,
                &display,
                history::DELETION,
                String::new(),
            )
            .await?;
            messages.success(format!(
                "The {} \u{201c}{display}\u{201d} was deleted successfully.",
                meta.verbose_name
            ));
        }
        Deleted::Missing => messages.warning(format!(
            "The {} with key \u{201c}{pk}\u{201d} does not exist; perhaps it was already deleted.",
            meta.verbose_name
        )),
        Deleted::Protected => {
            messages.error(format!(
                "The {} could not be deleted: other rows still point to it and protect it.",
                meta.verbose_name
            ));
            return Ok(Redirect::to(&format!("{url}{}/delete/", encode_pk(&pk))).into_response());
        }
    }
    Ok(Redirect::to(&url).into_response())
}
