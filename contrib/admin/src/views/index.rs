//! The index: the apps and models the user may see, and their recent actions.

use alder_web::extract::State;
use alder_web::{context, Db, IntoResponse, ProjectState, Response, Result, Templates};

use super::{encode_pk, model_url, model_view, root, site, staff, ModelView};
use crate::entry::capitalise;
use crate::history;
use crate::login::Staff;
use serde::Serialize;

#[derive(Serialize)]
struct AppView {
    label: &'static str,
    name: String,
    models: Vec<ModelView>,
}

/// GET: the apps and their models that the user may see.
pub(crate) async fn index(
    State(state): State<ProjectState>,
    db: Db,
    user: Staff,
    t: Templates,
) -> Result<Response> {
    let site = site(&state)?;
    let perms = staff(&db, &user, &site).await?;
    let root = root(&state)?;
    let mut apps: Vec<AppView> = Vec::new();
    for entry in &site.inner().entries {
        let meta = entry.meta();
        if !perms.can_view(meta) && !perms.has(meta, "add") {
            continue;
        }
        let mut view = model_view(&root, &**entry, &perms);
        if !perms.can_view(meta) {
            // Add only: the list would answer 403, so it is not linked (as Django).
            view.url = String::new();
        }
        match apps.last_mut() {
            Some(app) if app.label == meta.app_label => app.models.push(view),
            _ => apps.push(AppView {
                label: meta.app_label,
                name: capitalise(meta.app_label),
                models: vec![view],
            }),
        }
    }
    let mine = history::LogEntry::objects()
        .filter(history::LogEntry::user().eq(user.id.get().unwrap_or_default()))
        .limit(10)
        .all(&db)
        .await?;
    let recent: Vec<_> = mine
        .iter()
        .map(|e| {
            let model = site.entry(&e.app_label, &e.model);
            let url = model
                .filter(|_| e.action_flag != history::DELETION)
                .map(|m| {
                    format!(
                        "{}{}/change/",
                        model_url(&root, m.meta()),
                        encode_pk(&e.object_id)
                    )
                });
            context! {
                repr => e.object_repr,
                action => e.action(),
                model => model.map_or(e.model.clone(), |m| m.meta().verbose_name.to_owned()),
                url,
            }
        })
        .collect();
    Ok(t.render(
        "admin/index.html",
        context! { site_title => site.inner().title.clone(), root, apps, recent },
    )?
    .into_response())
}
