//! This app's migrations, listed by `makemigrations` (which rewrites this file).

#![allow(unreachable_pub)]

#[path = "0001_initial.rs"]
mod m0001_initial;
#[path = "0002_welcome_post.rs"]
mod m0002_welcome_post;
#[path = "0003_alter_post_table.rs"]
mod m0003_alter_post_table;
#[path = "0004_alter_post_author.rs"]
mod m0004_alter_post_author;
#[path = "0005_comment.rs"]
mod m0005_comment;

/// Every migration of this app, in order.
pub fn all() -> Vec<alder::db::migrations::Migration> {
    vec![
        m0001_initial::migration(),
        m0002_welcome_post::migration(),
        m0003_alter_post_table::migration(),
        m0004_alter_post_author::migration(),
        m0005_comment::migration(),
    ]
}
