//! The author page.

use alder::contrib::messages::Messages;
use alder::extract::{Path, State};
use alder::forms::{BoundForm, FormData, ModelForm};
use alder::storage::Media;
use alder::{
    context, redirect, Db, Error, IntoResponse, ProjectState, Response, Result, StatusCode,
    TemplateResponse, Templates,
};

use super::Author;
use crate::blog::Post;

/// An author and their posts, and what deleting the author would do (the delete collector,
/// through the registry of installed models, as the admin's confirmation page will show it).
pub(crate) async fn detail(
    db: Db,
    t: Templates,
    State(state): State<ProjectState>,
    Path(id): Path<i64>,
) -> Result<TemplateResponse> {
    let author = Author::objects()
        .filter(Author::id().eq(id))
        .get(&db)
        .await?;
    let posts = Post::objects()
        .filter(Post::author().eq(&author))
        .all(&db)
        .await?;
    let delete =
        alder::db::collector::collect(&db, state.registry(), std::slice::from_ref(&author)).await?;
    let protected_by: Vec<&str> = delete
        .blockers
        .iter()
        .map(|b| b.model.verbose_name_plural)
        .collect();
    t.render(
        "authors/detail.html",
        context! { author, posts, protected_by, would_delete => delete.summary() },
    )
}

/// Anyone may edit a profile until the auth app lands, so the page answers only in debug.
async fn editable(db: &Db, state: &ProjectState, id: i64) -> Result<Author> {
    if !state.settings().debug {
        return Err(Error::NotFound);
    }
    Ok(Author::objects()
        .filter(Author::id().eq(id))
        .get(db)
        .await?)
}

fn edit_form_page(t: &Templates, author: &Author, form: BoundForm) -> Result<TemplateResponse> {
    t.render("authors/edit.html", context! { author, form })
}

/// The profile form, showing the current photo (linked through the project's storage).
pub(crate) async fn edit_page(
    db: Db,
    t: Templates,
    media: Media,
    State(state): State<ProjectState>,
    Path(id): Path<i64>,
) -> Result<TemplateResponse> {
    let author = editable(&db, &state, id).await?;
    let form = author.edit_form(&db).await?.with_storage(&*media);
    edit_form_page(&t, &author, form)
}

/// A profile sent with its photo: the photo is checked to be an image and stored only when
/// the whole form is valid (Django's `ModelForm` with an `ImageField`), then back to the
/// author's page.
pub(crate) async fn edit(
    db: Db,
    t: Templates,
    media: Media,
    messages: Messages,
    State(state): State<ProjectState>,
    Path(id): Path<i64>,
    sent: FormData,
) -> Result<Response> {
    let mut author = editable(&db, &state, id).await?;
    match author.save_form_with(&db, &*media, &sent).await? {
        Ok(()) => {
            messages.success("Profile saved.");
            Ok(redirect("authors:detail", (id,))
                .see_other()
                .into_response())
        }
        Err(form) => {
            let before = editable(&db, &state, id).await?;
            Ok(edit_form_page(&t, &before, form)?
                .with_status(StatusCode::UNPROCESSABLE_ENTITY)
                .into_response())
        }
    }
}
