//! The blog's JSON API (Django REST framework's read-only views, FastAPI's router): the same
//! posts as the pages, and errors answered in JSON (`{"detail": "Not Found"}`) because the
//! app is marked `.api()`.

use alder::extract::Path;
use alder::routing::get;
use alder::{App, Db, Json, Result};

use super::Post;

/// The API app, mounted under `/api/`.
pub fn app() -> App {
    App::new("blog_api")
        .prefix("/api")
        .api()
        .route("/posts/", get(list), "posts")
        .route("/posts/{slug}/", get(detail), "post")
}

/// The ten latest published posts.
async fn list(db: Db) -> Result<Json<Vec<Post>>> {
    let posts = Post::objects()
        .filter(Post::published_at().is_not_null())
        .limit(10)
        .all(&db)
        .await?;
    Ok(Json(posts))
}

/// One published post; a JSON 404 for a draft or an unknown slug.
async fn detail(db: Db, Path(slug): Path<String>) -> Result<Json<Post>> {
    let post = Post::objects()
        .filter(Post::slug().eq(slug.as_str()) & Post::published_at().is_not_null())
        .get(&db)
        .await?;
    Ok(Json(post))
}
