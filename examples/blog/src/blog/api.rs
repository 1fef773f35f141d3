//! The blog's JSON API (FastAPI's router, Django REST framework's views): the published
//! posts, page by page, and their comments, which anyone may add. Routed with `alder::api`,
//! so `/api/openapi.json` describes every route from its types and `/api/docs/` is the
//! interactive docs page. Errors are JSON (`{"detail": "Not Found"}`) because the app is
//! marked `.api()`.

use alder::api::{self, Created, JsonSchema};
use alder::db::chrono::{DateTime, Utc};
use alder::db::{crud, Auto, ForeignKey};
use alder::extract::Path;
use alder::valid::{Valid, Validate};
use alder::{App, Db, Json};
use serde::{Deserialize, Serialize};

use super::{Comment, Post};

/// The API app, mounted under `/api/`.
pub fn app() -> App {
    App::new("blog_api")
        .prefix("/api")
        .api()
        .route("/posts/", api::get(list_posts), "posts")
        .route("/posts/{slug}/", api::get(show_post), "post")
        .route(
            "/posts/{slug}/comments/",
            api::get(list_comments)
                .post(add_comment)
                .summary("Comment on a post")
                // Anyone may comment and no cookie says who they are, so there is no
                // session for a forged request to ride on.
                .csrf_exempt(),
            "comments",
        )
}

/// The docs app: `/api/openapi.json`, `/api/docs/` and the `openapi` command.
pub fn docs() -> App {
    api::docs(
        api::Info::new("Alder blog", "1.0")
            .description("The published posts of the demo blog and their comments.")
            .tag("blog_api", "Posts page by page; comments read and added"),
    )
    .prefix("/api")
}

/// Which page of posts (`?page=2&page_size=5`).
#[derive(Deserialize, JsonSchema, Validate)]
pub struct PageQuery {
    /// The page, from 1.
    #[serde(default = "first_page")]
    #[validate(min = 1)]
    pub page: u32,
    /// Posts per page.
    #[serde(default = "ten")]
    #[validate(min = 1, max = 50)]
    pub page_size: u32,
}

fn first_page() -> u32 {
    1
}

fn ten() -> u32 {
    10
}

/// A page of posts, newest first.
#[derive(Serialize, JsonSchema)]
pub struct PostPage {
    /// How many posts are published.
    pub count: i64,
    /// This page's number.
    pub page: u32,
    /// The posts on it.
    pub results: Vec<Post>,
}

/// The published posts, newest first, a page at a time; a page past the last is a 404.
async fn list_posts(
    db: Db,
    Valid(query): Valid<alder::extract::Query<PageQuery>>,
) -> api::Result<Json<PostPage>> {
    let PageQuery { page, page_size } = query.0;
    let published = Post::objects().filter(Post::published_at().is_not_null());
    let count = published.clone().count(&db).await?;
    let skip = u64::from(page - 1) * u64::from(page_size);
    if page > 1 && skip >= count.max(0) as u64 {
        return Err(alder::Error::http(alder::StatusCode::NOT_FOUND, "Invalid page.").into());
    }
    let results = published
        .offset(skip)
        .limit(u64::from(page_size))
        .all(&db)
        .await?;
    Ok(Json(PostPage {
        count,
        page,
        results,
    }))
}

/// One published post; a 404 for a draft or an unknown slug.
async fn show_post(db: Db, Path(slug): Path<String>) -> alder::Result<Json<Post>> {
    Ok(Json(published(&db, &slug).await?))
}

async fn published(db: &Db, slug: &str) -> alder::Result<Post> {
    Ok(Post::objects()
        .filter(Post::slug().eq(slug) & Post::published_at().is_not_null())
        .get(db)
        .await?)
}

/// A comment as the API shows it: without the commenter's e-mail address.
#[derive(Serialize, JsonSchema)]
pub struct CommentOut {
    /// The key.
    pub id: i64,
    /// Who wrote it.
    pub name: String,
    /// What they said.
    pub body: String,
    /// When it was sent.
    pub created_at: DateTime<Utc>,
}

impl From<Comment> for CommentOut {
    fn from(comment: Comment) -> Self {
        CommentOut {
            id: comment.id.get().unwrap_or_default(),
            name: comment.name,
            body: comment.body,
            created_at: comment.created_at,
        }
    }
}

/// A new comment. Its fields follow the `Comment` model's rules (`model = "Comment"`), which
/// the document shows and `Valid` checks before the handler runs; the handler's `full_clean`
/// then checks the whole comment.
#[derive(Deserialize, JsonSchema, Validate)]
#[validate(model = "Comment")]
pub struct NewComment {
    /// Shown with the comment.
    pub name: String,
    /// Optional, never shown.
    #[serde(default)]
    pub email: Option<String>,
    /// What you say.
    pub body: String,
}

/// The comments on a published post, oldest first.
async fn list_comments(db: Db, Path(slug): Path<String>) -> alder::Result<Json<Vec<CommentOut>>> {
    let post = published(&db, &slug).await?;
    let comments = Comment::objects()
        .filter(Comment::post().eq(&post))
        .all(&db)
        .await?;
    Ok(Json(comments.into_iter().map(CommentOut::from).collect()))
}

async fn add_comment(
    db: Db,
    Path(slug): Path<String>,
    Valid(Json(sent)): Valid<Json<NewComment>>,
) -> api::Result<Created<Json<CommentOut>>> {
    let post = published(&db, &slug).await?;
    let mut comment = Comment {
        id: Auto::new(),
        post: ForeignKey::to(&post)?,
        name: sent.name,
        email: sent.email.filter(|e| !e.is_empty()),
        body: sent.body,
        created_at: Utc::now(),
    };
    crud::full_clean(&db, &comment).await?;
    crud::insert(&db, &mut comment).await?;
    Ok(Created(Json(comment.into())))
}
