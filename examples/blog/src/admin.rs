//! The blog's admin site (Django's `admin.py`): posts with an author filter and search,
//! authors, and readers' comments.

use alder::contrib::admin::{self, Fieldset, ModelAdmin};
use alder::db::chrono::Utc;
use alder::db::{Auto, Database, ForeignKey};
use alder::forms::InlineFormSet;

use crate::authors::Author;
use crate::blog::{Comment, Post};

/// A post before its form is filled in (the form requires an author).
fn blank_post() -> Post {
    Post {
        id: Auto::new(),
        title: String::new(),
        slug: String::new(),
        body: String::new(),
        author: ForeignKey::new(0),
        published_at: None,
    }
}

fn blank_author() -> Author {
    Author {
        id: Auto::new(),
        name: String::new(),
        bio: None,
        photo: Default::default(),
    }
}

/// A comment added from its post's page in the admin.
fn new_comment(post: ForeignKey<Post>) -> Comment {
    Comment {
        id: Auto::new(),
        post,
        name: String::new(),
        email: None,
        body: String::new(),
        created_at: Utc::now(),
    }
}

/// The "Publish" action: drafts among the selected posts go public now.
async fn publish(db: Database, posts: Vec<Post>) -> alder::Result<String> {
    let mut published = 0;
    for mut post in posts.into_iter().filter(|p| p.published_at.is_none()) {
        post.published_at = Some(Utc::now());
        post.save(&db).await?;
        published += 1;
    }
    Ok(match published {
        1 => "1 post was published.".to_string(),
        n => format!("{n} posts were published."),
    })
}

/// The admin app, at `/admin/`.
pub fn app() -> alder::App {
    admin::site()
        .title("Blog administration")
        .register(
            ModelAdmin::<Post>::new()
                .column("words", "Words", |post: &Post| {
                    post.body.split_whitespace().count().to_string()
                })
                .list_display(["title", "author", "published_at", "words"])
                .search_fields(["title", "body", "author__name"])
                // By author, and by date: "No date" lists the drafts.
                .list_filter(["author", "published_at"])
                .date_hierarchy("published_at")
                .list_per_page(20)
                .fieldset(Fieldset::new("", ["title", "slug", "author", "body"]))
                .prepopulated("slug", ["title"])
                // The author is searched for (by the authors' search fields), not picked
                // from a select of every author.
                .autocomplete_fields(["author"])
                .fieldset(
                    Fieldset::new("Publishing", ["published_at"])
                        .description("Empty for a draft; the \"Publish\" action sets it to now.")
                        .collapsed(),
                )
                .blank(blank_post)
                .action("publish", "Publish selected posts", publish)
                // A post's comments on its page, a row each, one blank row to add one.
                .tabular_inline(
                    InlineFormSet::new(Comment::post(), new_comment).with(|set| set.extra(1)),
                ),
        )
        .register(
            ModelAdmin::<Author>::new()
                .list_display(["name", "bio"])
                .search_fields(["name"])
                .blank(blank_author),
        )
        // Comments come from readers: listed, searched, changed or deleted, never added here.
        .register(
            ModelAdmin::<Comment>::new()
                // The date links to the comment; the name is corrected right in the list.
                .list_display(["created_at", "name", "post"])
                .list_editable(["name"])
                .search_fields(["name", "body"])
                .list_filter(["post"])
                .readonly_fields(["created_at"]),
        )
        .app()
}
