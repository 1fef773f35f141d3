//! The author page.

use alder::extract::Path;
use alder::{context, Db, Result, TemplateResponse, Templates};

use super::Author;
use crate::blog::Post;

/// An author and their posts.
pub(crate) async fn detail(db: Db, t: Templates, Path(id): Path<i64>) -> Result<TemplateResponse> {
    let author = Author::objects()
        .filter(Author::id().eq(id))
        .get(&db)
        .await?;
    let posts = Post::objects()
        .filter(Post::author().eq(&author))
        .all(&db)
        .await?;
    t.render("authors/detail.html", context! { author, posts })
}
