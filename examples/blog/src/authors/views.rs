//! The author page.

use alder::extract::{Path, State};
use alder::{context, Db, ProjectState, Result, TemplateResponse, Templates};

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
