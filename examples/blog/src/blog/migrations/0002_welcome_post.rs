//! Migration 0002_welcome_post of app `blog`: a data migration, written by hand after
//! `makemigrations blog --empty --name welcome_post`.
//!
//! It writes SQL against the tables as they were at this point of the history (`author`,
//! `post`; later migrations renamed them `authors_author` and `blog_post`), not through the
//! models: a model describes today's schema, which a fresh database reaches only after the
//! migrations that follow. Django gives `RunPython` historical models for the same reason.

#![allow(unreachable_pub)]

use alder::db::migrations::{Migration, Operation};
use alder::db::{Backend, Database};

const AUTHOR: &str = "The Alder team";

async fn add_welcome_post(db: Database) -> alder::db::Result<()> {
    // The text format `DateTime<Utc>` values are stored in on SQLite, so dates sort alike.
    let now = if db.backend() == Backend::Sqlite {
        "strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now')"
    } else {
        "CURRENT_TIMESTAMP"
    };
    db.execute_unprepared(&format!("INSERT INTO author (name) VALUES ('{AUTHOR}')"))
        .await?;
    db.execute_unprepared(&format!(
        "INSERT INTO post (title, slug, body, author_id, published_at) \
         SELECT 'Welcome to Alder', 'welcome', \
         'This post was written by a data migration.\n\nEdit the models, run `makemigrations`, then `migrate`.', \
         id, {now} FROM author WHERE name = '{AUTHOR}'"
    ))
    .await?;
    Ok(())
}

async fn remove_welcome_post(db: Database) -> alder::db::Result<()> {
    db.execute_unprepared("DELETE FROM post WHERE slug = 'welcome'")
        .await?;
    db.execute_unprepared(&format!("DELETE FROM author WHERE name = '{AUTHOR}'"))
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
