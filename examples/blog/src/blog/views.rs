//! The blog's pages.

use alder::extract::Path;
use alder::{context, Db, Result, TemplateResponse, Templates};

use super::Post;

/// The ten latest published posts.
pub(crate) async fn index(db: Db, t: Templates) -> Result<TemplateResponse> {
    let posts = Post::objects()
        .filter(Post::published_at().is_not_null())
        .limit(10)
        .all(&db)
        .await?;
    t.render("blog/index.html", context! { posts })
}

/// One post with its author; 404 for a draft or an unknown slug.
pub(crate) async fn detail(
    db: Db,
    t: Templates,
    Path(slug): Path<String>,
) -> Result<TemplateResponse> {
    let post = Post::objects()
        .filter(Post::slug().eq(slug.as_str()) & Post::published_at().is_not_null())
        .get(&db)
        .await?;
    let author = post.author.get(&db).await?;
    t.render("blog/detail.html", context! { post, author })
}
