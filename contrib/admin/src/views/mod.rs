//! The admin's pages: the index, a model's change list and its actions, its add and change
//! forms, the delete confirmation and the object's history. Each starts with the staff
//! member ([`Staff`]) and the model's permission.

mod actions;
mod autocomplete;
mod changelist;
mod delete;
mod forms;
mod index;
mod object_history;

pub(crate) use actions::action;
pub(crate) use autocomplete::autocomplete;
pub(crate) use changelist::changelist;
pub(crate) use delete::{delete, delete_page};
pub(crate) use forms::{add, add_page, change, change_page};
pub(crate) use index::index;
pub(crate) use object_history::history;

use std::collections::BTreeSet;

use alder_auth::models::User;
use alder_db::ModelMeta;
use alder_web::{Db, Error, ProjectState, Result, StatusCode, Templates};
use serde::Serialize;

use crate::entry::{capitalise, Entries, Entry};
use crate::login::Staff;
use crate::Site;
/// What the user may do, read once per page: one query, none for a superuser.
pub(crate) struct Perms {
    superuser: bool,
    held: BTreeSet<String>,
    user: std::sync::Arc<User>,
    site: Site,
}

impl Perms {
    /// Whether the user holds the model's permission for `action` (`view`, `add`, `change`,
    /// `delete`) and the model's admin allows it (its `permission` hook, which binds
    /// superusers too, as Django's `has_*_permission`).
    pub(crate) fn has(&self, meta: &ModelMeta, action: &str) -> bool {
        let held = self.superuser
            || self.held.contains(&format!(
                "{}.{action}_{}",
                meta.app_label,
                meta.name.to_lowercase()
            ));
        held && self
            .site
            .by_table(meta.table)
            .is_none_or(|entry| entry.allows(&self.user, action))
    }

    /// `view` or `change`: either lets the change list and the object's page open.
    fn can_view(&self, meta: &ModelMeta) -> bool {
        self.has(meta, "view") || self.has(meta, "change")
    }
}

/// What the staff member asking may do (that they are active staff, [`Staff`] checked).
pub(crate) async fn staff(db: &Db, user: &Staff, site: &Site) -> Result<Perms> {
    let held = if user.is_superuser {
        BTreeSet::new()
    } else {
        user.all_permissions(db)
            .await
            .map_err(|err| Error::other("admin permissions", err))?
    };
    Ok(Perms {
        superuser: user.is_superuser,
        held,
        user: user.0.clone(),
        site: site.clone(),
    })
}

/// Which of the model's inlines the user works with: those whose children they may add,
/// change and delete (Django shows an inline read-only otherwise; here it is left out).
pub(crate) fn inlines_allowed(entry: &dyn Entry, perms: &Perms) -> Vec<bool> {
    entry
        .inline_models()
        .into_iter()
        .map(|child| {
            ["add", "change", "delete"]
                .iter()
                .all(|a| perms.has(child, a))
        })
        .collect()
}

pub(crate) fn site(state: &ProjectState) -> Result<Site> {
    state
        .extension::<Site>()
        .cloned()
        .ok_or_else(|| Error::Config("the admin app is not installed".into()))
}

pub(crate) fn forbidden() -> Error {
    Error::http(
        StatusCode::FORBIDDEN,
        "you do not have permission to do this",
    )
}

/// The admin's root URL (`/admin/`).
pub(crate) fn root(state: &ProjectState) -> Result<String> {
    state
        .urls()
        .reverse("admin:index", ())
        .map_err(|err| Error::other("admin urls", err))
}

pub(crate) fn model_url(root: &str, meta: &ModelMeta) -> String {
    format!("{root}{}/{}/", meta.app_label, meta.name.to_lowercase())
}

/// The page's view of one model, for templates.
#[derive(Serialize)]
pub(crate) struct ModelView {
    name: &'static str,
    verbose_name: String,
    verbose_name_plural: String,
    app_label: &'static str,
    url: String,
    add_url: Option<String>,
}

pub(crate) fn model_view(root: &str, entry: &dyn Entry, perms: &Perms) -> ModelView {
    let meta = entry.meta();
    let url = model_url(root, meta);
    ModelView {
        name: meta.name,
        verbose_name: meta.verbose_name.to_owned(),
        verbose_name_plural: capitalise(meta.verbose_name_plural),
        app_label: meta.app_label,
        add_url: (entry.can_add() && perms.has(meta, "add")).then(|| format!("{url}add/")),
        url,
    }
}

/// What every model page starts with: the staff member's permissions and the model's
/// entry (404 for a model the admin does not show), refused with 403 unless `may` allows.
pub(crate) struct ModelPage {
    pub(crate) perms: Perms,
    pub(crate) site: Site,
    pub(crate) entry: std::sync::Arc<dyn Entry>,
}

pub(crate) async fn model_page(
    state: &ProjectState,
    db: &Db,
    user: &Staff,
    app: &str,
    model: &str,
    may: impl Fn(&Perms, &dyn Entry, &ModelMeta) -> bool,
) -> Result<ModelPage> {
    let site = site(state)?;
    let perms = staff(db, user, &site).await?;
    let entry = site.entry_arc(app, model).ok_or(Error::NotFound)?;
    if !may(&perms, &*entry, entry.meta()) {
        return Err(forbidden());
    }
    Ok(ModelPage { perms, site, entry })
}

/// The template for one of a model's pages, as Django looks for it: made for the model
/// (`admin/blog/post/change_form.html`), then for its app (`admin/blog/change_form.html`),
/// then the admin's own (`admin/change_form.html`).
pub(crate) fn template_for(t: &Templates, meta: &ModelMeta, page: &str) -> String {
    let model = format!(
        "admin/{}/{}/{page}",
        meta.app_label,
        meta.name.to_lowercase()
    );
    let app = format!("admin/{}/{page}", meta.app_label);
    let general = format!("admin/{page}");
    t.select(&[&model, &app])
        .map(str::to_owned)
        .unwrap_or(general)
}

/// What every model page's template gets: the site's title, the admin's root, the model and
/// its change list's URL, and the object's change page when there is one.
pub(crate) fn model_context(
    root: &str,
    site: &Site,
    entry: &dyn Entry,
    perms: &Perms,
    pk: Option<&str>,
) -> minijinja::Value {
    let meta = entry.meta();
    let url = model_url(root, meta);
    alder_web::context! {
        site_title => site.inner().title.clone(),
        change_url => pk.map(|pk| format!("{url}{}/change/", encode_pk(pk))),
        model => model_view(root, entry, perms),
        url,
        root,
    }
}

pub(crate) fn encode_pk(pk: &str) -> String {
    percent_encoding::utf8_percent_encode(pk, crate::URL_ENCODE).to_string()
}
