//! The blog's pages.

use alder::contrib::auth::{CurrentUser, LoginRequired};
use alder::contrib::messages::Messages;
use alder::contrib::sessions::Session;
use alder::db::chrono::Utc;
use alder::db::{Auto, ForeignKey, Model};
use alder::extract::Path;
use alder::forms::{BoundForm, Form, FormData, ModelForm};
use alder::{
    context, Db, IntoResponse, Redirect, Response, Result, StatusCode, TemplateResponse, Templates,
};

use super::{Comment, Post};

/// The ten latest published posts.
pub(crate) async fn index(db: Db, t: Templates) -> Result<TemplateResponse> {
    let posts = Post::objects()
        .filter(Post::published_at().is_not_null())
        .limit(10)
        .all(&db)
        .await?;
    t.render("blog/index.html", context! { posts })
}

/// A published post by its slug; 404 for a draft or an unknown slug.
async fn published(db: &Db, slug: &str) -> Result<Post> {
    Ok(Post::objects()
        .filter(Post::slug().eq(slug) & Post::published_at().is_not_null())
        .get(db)
        .await?)
}

/// The post page: the post, its author, its comments and the comment form (empty, or as
/// sent with its errors).
async fn post_page(
    db: &Db,
    t: &Templates,
    post: Post,
    form: BoundForm,
) -> Result<TemplateResponse> {
    let author = post.author.get(db).await?;
    let comments = Comment::objects()
        .filter(Comment::post().eq(&post))
        .all(db)
        .await?;
    t.render(
        "blog/detail.html",
        context! { post, author, comments, form },
    )
}

/// The session key remembering a reader's name from their last comment.
const COMMENTER: &str = "commenter_name";

/// A comment on `post` not written yet.
fn new_comment(post: &Post, name: String) -> Result<Comment> {
    Ok(Comment {
        id: Auto::new(),
        post: ForeignKey::to(post)?,
        name,
        email: None,
        body: String::new(),
        created_at: Utc::now(),
    })
}

/// One post with its author and comments; 404 for a draft or an unknown slug. A reader who
/// commented before finds their name filled in (kept in their session).
pub(crate) async fn detail(
    db: Db,
    t: Templates,
    session: Session,
    user: CurrentUser,
    Path(slug): Path<String>,
) -> Result<TemplateResponse> {
    let post = published(&db, &slug).await?;
    let remembered = match user.get() {
        Some(user) => Some(user.username.clone()),
        None => session.get::<String>(COMMENTER)?,
    };
    let form = match remembered {
        Some(name) => new_comment(&post, name)?.initial(),
        None => Comment::unbound(),
    };
    post_page(&db, &t, post, form).await
}

/// A comment sent from the post page: saved and back to the post (303, so a reload does not
/// send it again), or the page again with the form's errors and the values as typed.
pub(crate) async fn comment(
    db: Db,
    t: Templates,
    session: Session,
    messages: Messages,
    user: CurrentUser,
    Path(slug): Path<String>,
    sent: FormData,
) -> Result<Response> {
    let post = published(&db, &slug).await?;
    let mut comment = new_comment(&post, String::new())?;
    // A member's comment is signed with their username, whatever the form sent.
    let sent = match user.get() {
        Some(user) => FormData::from_pairs(
            sent.pairs()
                .filter(|(name, _)| *name != "name")
                .map(|(name, value)| (name.to_owned(), value.to_owned()))
                .chain([("name".to_owned(), user.username.clone())]),
        ),
        None => sent,
    };
    // Checked (the form's rules, then the model's) and saved in one step: Django's
    // `form.is_valid()` and `form.save()`.
    if let Err(form) = comment.save_form(&db, &sent).await? {
        let page = post_page(&db, &t, post, form).await?;
        return Ok(page
            .with_status(StatusCode::UNPROCESSABLE_ENTITY)
            .into_response());
    }
    session.insert(COMMENTER, &comment.name)?;
    messages.success("Thank you: your comment is posted.");
    let url = format!(
        "/posts/{}/#comment-{}",
        post.slug,
        comment.pk().unwrap_or_default()
    );
    Ok(Redirect::to(&url).into_response())
}

/// A page for members only (Django's `@login_required`): visitors are sent to log in.
pub(crate) async fn members(user: LoginRequired, db: Db, t: Templates) -> Result<TemplateResponse> {
    let comments = Comment::objects()
        .filter(Comment::name().eq(user.username.as_str()))
        .count(&db)
        .await?;
    t.render("blog/members.html", context! { comments })
}
