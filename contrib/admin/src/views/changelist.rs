//! A model's change list: search, filters, order and pages, read from the URL against the
//! admin's allow-list.

use alder_db::FieldKind;
use alder_web::extract::{Path, State};
use std::collections::HashMap;

use alder_db::chrono::{Datelike, NaiveDate};

use alder_web::forms::{BoundForm, FormData};
use alder_web::{
    context, Db, Error, IntoResponse, ProjectState, Response, Result, StatusCode, Templates,
};
use serde::Serialize;

use super::{model_page, model_url, model_view, root, template_for, ModelPage};
use crate::entry::{Entries, Entry, ListQuery};
use crate::filters;
use crate::login::Staff;
use crate::Site;

#[derive(Serialize)]
struct Column {
    label: String,
    name: &'static str,
    /// Whether its cells are inputs (`list_editable`).
    editable: bool,
    /// Whether its cells link to the object's page.
    link: bool,
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
pub(crate) fn with_param(params: &[(String, String)], key: &str, value: Option<&str>) -> String {
    let set: Vec<(String, String)> = value
        .map(|v| (key.to_owned(), v.to_owned()))
        .into_iter()
        .collect();
    with_params(params, &[key.to_owned()], &set)
}

/// The change list's URL with the keys `drop` taken out and the pairs `set` put in, the
/// rest kept; anything but a page link starts again at page 1.
fn with_params(params: &[(String, String)], drop: &[String], set: &[(String, String)]) -> String {
    let paging = drop.len() == 1 && drop[0] == "p";
    let mut out: Vec<(String, String)> = params
        .iter()
        .filter(|(k, _)| !drop.contains(k) && (paging || k != "p"))
        .cloned()
        .collect();
    out.extend(set.iter().cloned());
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
    render(
        &state,
        &db,
        &user,
        &t,
        &page,
        &sent,
        HashMap::new(),
        StatusCode::OK,
    )
    .await
}

/// The change list as `sent` (the URL's query) asks for it, with the rows of `refused`
/// showing their refused forms (a save of `list_editable` columns that failed).
#[allow(clippy::too_many_arguments)]
pub(crate) async fn render(
    state: &ProjectState,
    db: &Db,
    user: &Staff,
    t: &Templates,
    page: &ModelPage,
    sent: &FormData,
    refused: HashMap<String, BoundForm>,
    status: StatusCode,
) -> Result<Response> {
    let (perms, site, entry) = (&page.perms, &page.site, &*page.entry);
    let meta = entry.meta();
    let root = root(state)?;
    let has_refused = !refused.is_empty();
    let params: Vec<(String, String)> = sent
        .pairs()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    let sortable = |name: &str| entry.sortable(name);
    let order = sent
        .get("o")
        .filter(|o| sortable(o.strip_prefix('-').unwrap_or(o)))
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
        .filter_keys()
        .iter()
        .filter_map(|key| sent.get(key).map(|v| (key.clone(), v.to_owned())))
        .collect();
    let editing = !entry.list_editable().is_empty() && perms.has(meta, "change");
    let query = ListQuery {
        search: sent.get("q").unwrap_or("").to_owned(),
        order,
        page,
        filters,
        editing,
        refused,
    };
    let list = entry.list(db, user, site, &query).await?;
    let pages = page_count(list.matching, entry.per_page());
    if page > 1 && page > pages {
        return Err(Error::NotFound);
    }
    let columns: Vec<Column> = entry
        .columns()
        .iter()
        .map(|name| {
            let label = entry.column_label(name);
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
                name,
                editable: editing && entry.list_editable().contains(name),
                link: entry.links().contains(name),
                sort_url: sortable(name).then(|| with_param(&params, "o", Some(&next))),
                sorted,
            }
        })
        .collect();
    let filters = filter_views(db, user, site, entry, &params, &query).await?;
    let hierarchy = entry
        .date_hierarchy()
        .zip(list.dates)
        .map(|(field, (first, last))| date_links(&params, sent, field, first, last));
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
        &template_for(t, meta, "change_list.html"),
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
            editing,
            can_change => perms.has(meta, "change"),
            has_refused,
            hierarchy,
        },
    )?
    .with_status(status)
    .into_response())
}

/// The `date_hierarchy` drill-down between `first` and `last`: the years; a chosen year's
/// months; a chosen month's days; each a link keeping the rest of the URL, with a link back
/// up a level.
fn date_links(
    params: &[(String, String)],
    sent: &FormData,
    field: &str,
    first: NaiveDate,
    last: NaiveDate,
) -> minijinja::Value {
    let keys = ["year", "month", "day"].map(|part| format!("{field}__{part}"));
    let number = |key: &str| sent.get(key).and_then(|v| v.trim().parse::<u32>().ok());
    let (year, month, day) = (number(&keys[0]), number(&keys[1]), number(&keys[2]));
    let month_name = |m: u32| {
        u8::try_from(m)
            .ok()
            .and_then(|m| alder_db::chrono::Month::try_from(m).ok())
            .map_or_else(|| m.to_string(), |m| m.name().to_owned())
    };
    let link = |label: String, set: &[(String, String)]| {
        context! { label, url => with_params(params, &keys, set) }
    };
    let pair = |i: usize, v: u32| (keys[i].clone(), v.to_string());
    let (back, links): (Option<minijinja::Value>, Vec<minijinja::Value>) = match (year, month, day)
    {
        (Some(y), Some(m), Some(d)) => (
            Some(link(
                format!("\u{2039} {} {y}", month_name(m)),
                &[pair(0, y), pair(1, m)],
            )),
            vec![context! { label => format!("{} {d}", month_name(m)) }],
        ),
        (Some(y), Some(m), None) => {
            let in_month = |date: NaiveDate| date.year_ce().1 == y && date.month() == m;
            let from = if in_month(first) { first.day() } else { 1 };
            let to = if in_month(last) { last.day() } else { 31 };
            let days = (from..=to)
                .filter(|d| NaiveDate::from_ymd_opt(y as i32, m, *d).is_some())
                .map(|d| {
                    link(
                        format!("{} {d}", month_name(m)),
                        &[pair(0, y), pair(1, m), pair(2, d)],
                    )
                })
                .collect();
            (Some(link(format!("\u{2039} {y}"), &[pair(0, y)])), days)
        }
        (Some(y), _, _) => {
            let from = if first.year_ce().1 == y {
                first.month()
            } else {
                1
            };
            let to = if last.year_ce().1 == y {
                last.month()
            } else {
                12
            };
            let months = (from..=to)
                .map(|m| link(format!("{} {y}", month_name(m)), &[pair(0, y), pair(1, m)]))
                .collect();
            (Some(link("\u{2039} All dates".into(), &[])), months)
        }
        _ => {
            // The years between the first and the last row's, at most a century of links.
            let from = first.year_ce().1.max(last.year_ce().1.saturating_sub(99));
            let years = (from..=last.year_ce().1)
                .map(|y| link(y.to_string(), &[pair(0, y)]))
                .collect();
            (None, years)
        }
    };
    context! { back, links }
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

/// The sidebar: per filter, "All" and its choices, each a link keeping the rest of the
/// URL, the one in force marked.
async fn filter_views(
    db: &Db,
    user: &Staff,
    site: &Site,
    entry: &dyn Entry,
    params: &[(String, String)],
    query: &ListQuery,
) -> Result<Vec<FilterView>> {
    let meta = entry.meta();
    let today = alder_db::chrono::Utc::now().date_naive();
    let mut specs = Vec::new();
    for name in entry.list_filter() {
        let Ok(field) = meta.field(name) else {
            continue;
        };
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
            target.choices(db, user, 200).await?
        } else {
            Vec::new()
        };
        specs.push(filters::field_spec(field, options, today));
    }
    specs.extend(entry.custom_filters());
    let mut out = Vec::with_capacity(specs.len());
    for spec in specs {
        let current: Vec<&(String, String)> = query
            .filters
            .iter()
            .filter(|(k, _)| spec.keys.contains(k))
            .collect();
        let mut choices = vec![FilterChoice {
            label: "All".into(),
            url: with_params(params, &spec.keys, &[]),
            selected: current.is_empty(),
        }];
        choices.extend(spec.choices.into_iter().map(|(label, pairs)| {
            let selected =
                pairs.len() == current.len() && pairs.iter().all(|p| current.contains(&p));
            FilterChoice {
                url: with_params(params, &spec.keys, &pairs),
                selected,
                label,
            }
        }));
        out.push(FilterView {
            title: spec.title,
            choices,
        });
    }
    Ok(out)
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
