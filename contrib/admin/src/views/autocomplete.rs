//! The JSON search behind an autocomplete field (Django's `AutocompleteJsonView`):
//! `/admin/autocomplete/?app_label=blog&model_name=post&field_name=author&term=ada&page=1`
//! answers `{"results": [{"id": "1", "text": "Ada"}], "pagination": {"more": false}}`.

use alder_web::extract::State;
use alder_web::forms::FormData;
use alder_web::{Db, Error, IntoResponse, ProjectState, Response, Result};
use serde::Serialize;

use super::{site, staff};
use crate::entry::Entries;
use crate::login::Staff;

#[derive(Serialize)]
struct Found {
    id: String,
    text: String,
}

#[derive(Serialize)]
struct Pagination {
    more: bool,
}

#[derive(Serialize)]
struct Answer {
    results: Vec<Found>,
    pagination: Pagination,
}

/// GET: the rows of the model `field_name` points to that match `term`, twenty a page. A
/// model, or a field, that is not an autocomplete field of a registered admin is a 404;
/// the staff member needs the view (or change) permission on the model searched, and sees
/// only the rows its admin's `queryset` keeps.
pub(crate) async fn autocomplete(
    State(state): State<ProjectState>,
    db: Db,
    user: Staff,
    sent: FormData,
) -> Result<Response> {
    let site = site(&state)?;
    let perms = staff(&db, &user, &site).await?;
    let source = site
        .entry(
            sent.get("app_label").unwrap_or(""),
            sent.get("model_name").unwrap_or(""),
        )
        .ok_or(Error::NotFound)?;
    let field_name = sent.get("field_name").unwrap_or("");
    let field = source
        .autocomplete_fields()
        .iter()
        .find(|f| **f == field_name)
        .and_then(|f| source.meta().field(f).ok())
        .ok_or(Error::NotFound)?;
    let target_meta = field
        .relation
        .map(|r| (r.target)())
        .ok_or(Error::NotFound)?;
    let target = site.by_table(target_meta.table).ok_or(Error::NotFound)?;
    if !(perms.has(target_meta, "view") || perms.has(target_meta, "change")) {
        return Err(super::forbidden());
    }
    let page = match sent.get("page") {
        None | Some("") => 1,
        Some(p) => p
            .parse::<u64>()
            .ok()
            .filter(|p| *p >= 1)
            .ok_or_else(|| Error::bad_request("page must be a number from 1"))?,
    };
    let term = sent.get("term").unwrap_or("");
    let (rows, more) = target.autocomplete(&db, &user, term, page).await?;
    Ok(axum::Json(Answer {
        results: rows
            .into_iter()
            .map(|(id, text)| Found { id, text })
            .collect(),
        pagination: Pagination { more },
    })
    .into_response())
}
