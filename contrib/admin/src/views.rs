//! The admin's pages: the index, a model's change list, its add and change forms, and the
//! delete confirmation. Each checks staff status and the model's permission first.

use std::collections::BTreeSet;

use alder_auth::models::User;
use alder_db::{FieldKind, ModelMeta};
use alder_messages::Messages;
use alder_web::extract::{Path, State};
use alder_web::forms::FormData;
use alder_web::{
    context, Db, Error, IntoResponse, ProjectState, Redirect, Response, Result, StatusCode,
    Templates,
};
use serde::Serialize;

use crate::entry::{capitalise, Deleted, DeletedMany, Entries, Entry, FormParts, ListQuery};
use crate::login::Staff;
use crate::{history, Site};

/// What the user may do, read once per page: one query, none for a superuser.
pub(crate) struct Perms {
    superuser: bool,
    held: BTreeSet<String>,
}

impl Perms {
    pub(crate) fn has(&self, meta: &ModelMeta, action: &str) -> bool {
        self.superuser
            || self.held.contains(&format!(
                "{}.{action}_{}",
                meta.app_label,
                meta.name.to_lowercase()
            ))
    }

    /// `view` or `change`: either lets the change list and the object's page open.
    fn can_view(&self, meta: &ModelMeta) -> bool {
        self.has(meta, "view") || self.has(meta, "change")
    }
}

/// What the staff member asking may do (that they are active staff, [`Staff`] checked).
pub(crate) async fn staff(db: &Db, user: &User) -> Result<Perms> {
    if user.is_superuser {
        return Ok(Perms {
            superuser: true,
            held: BTreeSet::new(),
        });
    }
    let held = user
        .all_permissions(db)
        .await
        .map_err(|err| Error::other("admin permissions", err))?;
    Ok(Perms {
        superuser: false,
        held,
    })
}

/// Which of the model's inlines the user works with: those whose children they may add,
/// change and delete (Django shows an inline read-only otherwise; here it is left out).
fn inlines_allowed(entry: &dyn Entry, perms: &Perms) -> Vec<bool> {
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

fn model_url(root: &str, meta: &ModelMeta) -> String {
    format!("{root}{}/{}/", meta.app_label, meta.name.to_lowercase())
}

/// The page's view of one model, for templates.
#[derive(Serialize)]
struct ModelView {
    name: &'static str,
    verbose_name: String,
    verbose_name_plural: String,
    app_label: &'static str,
    url: String,
    add_url: Option<String>,
}

fn model_view(root: &str, entry: &dyn Entry, perms: &Perms) -> ModelView {
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
    let perms = staff(&db, &user).await?;
    let site = site(&state)?;
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

/// What every model page starts with: the staff member's permissions and the model's
/// entry (404 for a model the admin does not show), refused with 403 unless `may` allows.
struct ModelPage {
    perms: Perms,
    site: Site,
    entry: std::sync::Arc<dyn Entry>,
}

async fn model_page(
    state: &ProjectState,
    db: &Db,
    user: &User,
    app: &str,
    model: &str,
    may: impl Fn(&Perms, &dyn Entry, &ModelMeta) -> bool,
) -> Result<ModelPage> {
    let perms = staff(db, user).await?;
    let site = site(state)?;
    let entry = site.entry_arc(app, model).ok_or(Error::NotFound)?;
    if !may(&perms, &*entry, entry.meta()) {
        return Err(forbidden());
    }
    Ok(ModelPage { perms, site, entry })
}

#[derive(Serialize)]
struct Column {
    label: String,
    /// The URL sorting by this column (or reversing it), when it is a field.
    sort_url: Option<String>,
    /// `"asc"`, `"desc"` or empty.
    sorted: &'static str,
}

#[derive(Serialize)]
struct FilterChoice {
    label: String,
    url: String,
    selected: bool,
}

#[derive(Serialize)]
struct FilterView {
    title: String,
    choices: Vec<FilterChoice>,
}

/// The change list's URL with `key` set to `value` (removed when `None`), the rest kept;
/// a new search, filter or order starts again at page 1.
fn with_param(params: &[(String, String)], key: &str, value: Option<&str>) -> String {
    let mut out: Vec<(String, String)> = params
        .iter()
        .filter(|(k, _)| k != key && (key == "p" || k != "p"))
        .cloned()
        .collect();
    if let Some(value) = value {
        out.push((key.to_owned(), value.to_owned()));
    }
    if out.is_empty() {
        return "?".into();
    }
    let encode = |s: &str| percent_encoding::utf8_percent_encode(s, crate::URL_ENCODE).to_string();
    let query: Vec<String> = out
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect();
    format!("?{}", query.join("&"))
}

/// GET: one page of the model's rows, searched, filtered and sorted as the URL says. Only
/// the parameters the admin offers are read: a filter on another field, an order by a
/// column not shown, are ignored; a bad value for an offered filter is a 400.
pub(crate) async fn changelist(
    State(state): State<ProjectState>,
    db: Db,
    user: Staff,
    t: Templates,
    Path((app, model)): Path<(String, String)>,
    sent: FormData,
) -> Result<Response> {
    let page = model_page(&state, &db, &user, &app, &model, |p, _, m| p.can_view(m)).await?;
    let (perms, site, entry) = (&page.perms, &page.site, &*page.entry);
    let meta = entry.meta();
    let root = root(&state)?;
    let params: Vec<(String, String)> = sent
        .pairs()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    let sortable = |name: &str| name != "__str__" && entry.columns().contains(&name);
    let order = sent
        .get("o")
        .filter(|o| sortable(o.trim_start_matches('-')))
        .map(str::to_owned);
    let page = match sent.get("p") {
        None => 1,
        Some(p) => p
            .parse::<u64>()
            .ok()
            .filter(|p| *p >= 1)
            .ok_or(Error::NotFound)?,
    };
    let filters: Vec<(String, String)> = entry
        .list_filter()
        .iter()
        .filter_map(|name| {
            let key = format!("{name}__exact");
            sent.get(&key).map(|v| (key, v.to_owned()))
        })
        .collect();
    let query = ListQuery {
        search: sent.get("q").unwrap_or("").to_owned(),
        order,
        page,
        filters,
    };
    let list = entry.list(&db, site, &query).await?;
    let pages = page_count(list.matching, entry.per_page());
    if page > 1 && page > pages {
        return Err(Error::NotFound);
    }
    let columns: Vec<Column> = entry
        .columns()
        .iter()
        .map(|name| {
            let label = match *name {
                "__str__" => capitalise(meta.verbose_name),
                name => capitalise(meta.field(name).map_or(name, |f| f.verbose_name)),
            };
            let sorted = match query.order.as_deref() {
                Some(o) if o == *name => "asc",
                Some(o) if o.strip_prefix('-') == Some(name) => "desc",
                _ => "",
            };
            let next = if sorted == "asc" {
                format!("-{name}")
            } else {
                (*name).to_owned()
            };
            Column {
                label,
                sort_url: sortable(name).then(|| with_param(&params, "o", Some(&next))),
                sorted,
            }
        })
        .collect();
    let filters = filter_views(&db, site, entry, &params, &query).await?;
    let paging: Vec<_> = page_range(page, pages)
        .into_iter()
        .map(|p| match p {
            Some(p) => context! { number => p, url => with_param(&params, "p", Some(&p.to_string())), current => p == page },
            None => context! { gap => true },
        })
        .collect();
    let url = model_url(&root, meta);
    let mut actions: Vec<_> = Vec::new();
    if perms.has(meta, "delete") {
        let label = format!("Delete selected {}", meta.verbose_name_plural);
        actions.push(context! { name => crate::DELETE_SELECTED, label });
    }
    if perms.has(meta, "change") {
        for (name, label) in entry.actions() {
            actions.push(context! { name, label });
        }
    }
    Ok(t.render(
        "admin/change_list.html",
        context! {
            actions,
            site_title => site.inner().title.clone(),
            root,
            model => model_view(&root, entry, perms),
            columns,
            rows => list.rows,
            url,
            // The search box keeps the filters and the order chosen.
            kept => params.iter().filter(|(k, _)| k != "q" && k != "p").map(|(k, v)| context! { name => k, value => v }).collect::<Vec<_>>(),
            search => query.search,
            searchable => !entry.search_fields().is_empty(),
            matching => list.matching,
            total => list.total,
            filters,
            paging => if pages > 1 { paging } else { Vec::new() },
        },
    )?
    .into_response())
}

/// The page links to show (Django's `get_elided_page_range`): the first two, three either
/// side of the current one, the last two; `None` for an elided stretch. A table of a million
/// rows gets a dozen links, not ten thousand.
fn page_range(current: u64, pages: u64) -> Vec<Option<u64>> {
    let mut out: Vec<Option<u64>> = Vec::new();
    let mut last = 0;
    for p in 1..=pages {
        let near = p <= 2 || p + 2 > pages || p.abs_diff(current) <= 3;
        if !near {
            continue;
        }
        if p > last + 1 {
            out.push(None);
        }
        out.push(Some(p));
        last = p;
    }
    out
}

/// Pages of `per_page` rows holding `matching` rows (at least one page).
fn page_count(matching: i64, per_page: u64) -> u64 {
    let matching = u64::try_from(matching).unwrap_or(0);
    matching.div_ceil(per_page.max(1)).max(1)
}

async fn filter_views(
    db: &Db,
    site: &Site,
    entry: &dyn Entry,
    params: &[(String, String)],
    query: &ListQuery,
) -> Result<Vec<FilterView>> {
    let meta = entry.meta();
    let mut out = Vec::new();
    for name in entry.list_filter() {
        let Ok(field) = meta.field(name) else {
            continue;
        };
        let key = format!("{name}__exact");
        let current = query
            .filters
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.as_str());
        let options: Vec<(String, String)> = if field.kind == FieldKind::Boolean {
            vec![("1".into(), "Yes".into()), ("0".into(), "No".into())]
        } else if !field.choices.is_empty() {
            field
                .choices
                .iter()
                .map(|(v, l)| ((*v).to_owned(), (*l).to_owned()))
                .collect()
        } else if let Some(target) = field
            .relation
            .and_then(|r| site.by_table((r.target)().table))
        {
            target.choices(db, 200).await?
        } else {
            continue;
        };
        let mut choices = vec![FilterChoice {
            label: "All".into(),
            url: with_param(params, &key, None),
            selected: current.is_none(),
        }];
        choices.extend(options.into_iter().map(|(value, label)| FilterChoice {
            url: with_param(params, &key, Some(&value)),
            selected: current == Some(value.as_str()),
            label,
        }));
        out.push(FilterView {
            title: format!("By {}", field.verbose_name),
            choices,
        });
    }
    Ok(out)
}

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
    let loaded = entry
        .form(&db, site, None, &[])
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
        .map(|(title, set)| context! { title, set })
        .collect();
    let root = root(state)?;
    let meta = entry.meta();
    let url = model_url(&root, meta);
    let (pk, display) = object.unzip();
    Ok(t.render(
        "admin/change_form.html",
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
        },
    )?
    .with_status(status)
    .into_response())
}

fn encode_pk(pk: &str) -> String {
    percent_encoding::utf8_percent_encode(pk, crate::URL_ENCODE).to_string()
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
    match entry
        .save(&db, site, &**state.storage(), None, &sent, &[])
        .await?
        .ok_or(Error::NotFound)?
    {
        Ok(saved) => {
            history::log(
                &db,
                &user,
                meta,
                &saved.pk,
                &saved.display,
                history::ADDITION,
                "Added.".into(),
            )
            .await?;
            messages.success(format!(
                "The {} \u{201c}{}\u{201d} was added successfully.",
                meta.verbose_name, saved.display
            ));
            let url = model_url(&root(&state)?, meta);
            Ok(Redirect::to(&after_save(&sent, &url, &saved.pk)).into_response())
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
        .form(&db, site, Some(&pk), &allowed)
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
                "admin/view_object.html",
                context! {
                    site_title => site.inner().title.clone(),
                    url => model_url(&root, meta),
                    model => model_view(&root, entry, perms),
                    root,
                    display => loaded.display,
                    values,
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
        .save(&db, site, &**state.storage(), Some(&pk), &sent, &allowed)
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
            let message = history::change_message(&saved.changed);
            history::log(
                &db,
                &user,
                meta,
                &saved.pk,
                &saved.display,
                history::CHANGE,
                message,
            )
            .await?;
            messages.success(format!(
                "The {} \u{201c}{}\u{201d} was changed successfully.",
                meta.verbose_name, saved.display
            ));
            let url = model_url(&root(&state)?, meta);
            Ok(Redirect::to(&after_save(&sent, &url, &saved.pk)).into_response())
        }
        Err(refused) => {
            let display = entry
                .form(&db, site, Some(&pk), &[])
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

/// What a delete takes with it (`Comments: 12`) and what protects it, for the confirmation
/// pages.
fn cascade(collected: &alder_db::Collected) -> (Vec<minijinja::Value>, Vec<minijinja::Value>) {
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
        .plan_delete(&db, state.registry(), &pk)
        .await?
        .ok_or(Error::NotFound)?;
    let (summary, blockers) = cascade(&collected);
    let root = root(&state)?;
    Ok(t.render(
        "admin/delete_confirmation.html",
        context! {
            site_title => site.inner().title.clone(),
            url => model_url(&root, meta),
            change_url => format!("{}{}/change/", model_url(&root, meta), encode_pk(&pk)),
            model => model_view(&root, entry, perms),
            root,
            display,
            summary,
            blockers,
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
    match entry.delete(&db, &pk).await? {
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
            return delete_selected_page(&state, &db, &t, site, entry, perms, &pks, &back).await;
        }
        match entry.delete_many(&db, &pks).await? {
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
    match entry.run_action(&db, name, &pks).await? {
        // None of the keys named a row (deleted meanwhile, or made up).
        Some(message) if message.is_empty() => messages.warning(NOTHING_SELECTED),
        Some(message) => messages.success(message),
        None => messages.warning("No action selected."),
    }
    Ok(Redirect::to(&back).into_response())
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
    t: &Templates,
    site: &Site,
    entry: &dyn Entry,
    perms: &Perms,
    pks: &[String],
    back: &str,
) -> Result<Response> {
    let meta = entry.meta();
    let (names, collected) = entry.plan_delete_many(db, state.registry(), pks).await?;
    let (summary, blockers) = cascade(&collected);
    let root = root(state)?;
    Ok(t.render(
        "admin/delete_selected_confirmation.html",
        context! {
            site_title => site.inner().title.clone(),
            url => model_url(&root, meta),
            model => model_view(&root, entry, perms),
            root,
            names,
            pks,
            back,
            summary,
            blockers,
        },
    )?
    .into_response())
}

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
    let entries = history::LogEntry::objects()
        .filter(history::LogEntry::app_label().eq(meta.app_label))
        .filter(history::LogEntry::model().eq(meta.name.to_lowercase()))
        .filter(history::LogEntry::object_id().eq(pk.clone()))
        .order_by(history::LogEntry::action_time().asc())
        .all(&db)
        .await?;
    let names = history::user_names(&db, &entries).await?;
    let display = match entries.last() {
        Some(last) => last.object_repr.clone(),
        None => {
            entry
                .form(&db, site, Some(&pk), &[])
                .await?
                .ok_or(Error::NotFound)?
                .display
        }
    };
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
        "admin/object_history.html",
        context! {
            site_title => site.inner().title.clone(),
            url => model_url(&root, meta),
            change_url => format!("{}{}/change/", model_url(&root, meta), encode_pk(&pk)),
            model => model_view(&root, entry, perms),
            root,
            display,
            rows,
        },
    )?
    .into_response())
}

#[cfg(test)]
mod tests {
    use super::page_range;

    #[test]
    fn long_page_ranges_are_elided_around_the_current_page() {
        let shown = |current, pages| -> Vec<String> {
            page_range(current, pages)
                .into_iter()
                .map(|p| p.map_or("…".into(), |p| p.to_string()))
                .collect()
        };
        assert_eq!(shown(1, 3), ["1", "2", "3"]);
        assert_eq!(shown(1, 20), ["1", "2", "3", "4", "…", "19", "20"]);
        assert_eq!(
            shown(10, 20),
            ["1", "2", "…", "7", "8", "9", "10", "11", "12", "13", "…", "19", "20"]
        );
        assert_eq!(shown(20, 20), ["1", "2", "…", "17", "18", "19", "20"]);
        assert_eq!(page_range(5_000, 10_000).len(), 13);
    }
}
