//! Migration 0002_welcome_post of app `blog`: a data migration, written by hand after
//! `makemigrations blog --empty --name welcome_post`.
//!
//! It uses the models as they are today; when they change, give it raw SQL instead, as
//! Django advises for `RunPython` with historical models.

#![allow(unreachable_pub)]

use alder::db::chrono::Utc;
use alder::db::migrations::{Migration, Operation};
use alder::db::{Auto, Database, ForeignKey};

use crate::authors::Author;
use crate::blog::Post;

async fn add_welcome_post(db: Database) -> alder::db::Result<()> {
    let mut author = Author {
        id: Auto::new(),
        name: "The Alder team".into(),
        bio: None,
    };
    author.save(&db).await?;
    let mut post = Post {
        id: Auto::new(),
        title: "Welcome to Alder".into(),
        slug: "welcome".into(),
        body: "This post was written by a data migration.\n\nEdit the models, run `makemigrations`, then `migrate`.".into(),
        author: ForeignKey::to(&author)?,
        published_at: Some(Utc::now()),
    };
    post.save(&db).await
}

async fn remove_welcome_post(db: Database) -> alder::db::Result<()> {
    Post::objects()
        .filter(Post::slug().eq("welcome"))
        .delete(&db)
        .await?;
    Author::objects()
        .filter(Author::name().eq("The Alder team"))
        .delete(&db)
        .await?;
    Ok(())
}

/// This migration.
pub fn migration() -> Migration {
    Migration::new("blog", "0002_welcome_post")
        .depends_on("blog", "0001_initial")
        .operation(
            Operation::run_rust("add the welcome post", add_welcome_post)
                .reverse(remove_welcome_post),
        )
}
