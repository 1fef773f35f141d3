//! An object's history: what was done to it in the admin, by whom.

use alder_web::extract::{Path, State};
use alder_web::{context, Db, Error, IntoResponse, ProjectState, Response, Result, Templates};

use super::{model_context, model_page, root, template_for};
use crate::history;
use crate::login::Staff;

/// GET: what was done to the object in the admin, oldest first (Django's history page).
pub(crate) async fn history(
    State(state): State<ProjectState>,
    db: Db,
    user: Staff,
    t: Templates,
    Path((app, model, pk)): Path<(String, String, String)>,
) -> Result<Response> {
    let page = model_page(&state, &db, &user, &app, &model, |p, _, m| p.can_view(m)).await?;
    let (perms, site, entry) = (&page.perms, &page.site, &*page.entry);
    let meta = entry.meta();
    // The object as the user sees it; a row outside the admin's `queryset` is a 404.
    let shown = entry.display_of(&db, &user, &pk).await?;
    if shown.is_none() && entry.scoped() {
        // Gone, or not the user's: which of the two cannot be told any more, so no
        // history either.
        return Err(Error::NotFound);
    }
    let entries = history::LogEntry::objects()
        .filter(history::LogEntry::app_label().eq(meta.app_label))
        .filter(history::LogEntry::model().eq(meta.name.to_lowercase()))
        .filter(history::LogEntry::object_id().eq(pk.clone()))
        .order_by(history::LogEntry::action_time().asc())
        .all(&db)
        .await?;
    // A deleted object's history outlives it, under its last display string.
    let display = match (shown, entries.last()) {
        (Some(display), _) => display,
        (None, Some(last)) => last.object_repr.clone(),
        (None, None) => return Err(Error::NotFound),
    };
    let names = history::user_names(&db, &entries).await?;
    let rows: Vec<_> = entries
        .iter()
        .map(|e| {
            context! {
                when => e.action_time.format("%Y-%m-%d %H:%M UTC").to_string(),
                user => names.get(&e.user.id()).cloned().unwrap_or_default(),
                action => e.action(),
                message => e.change_message,
            }
        })
        .collect();
    let root = root(&state)?;
    Ok(t.render(
        &template_for(&t, meta, "object_history.html"),
        context! {
            display,
            rows,
            ..model_context(&root, site, entry, perms, Some(&pk))
        },
    )?
    .into_response())
}
