//! This app's migrations, listed by `makemigrations` (which rewrites this file).

#![allow(unreachable_pub)]

#[path = "0001_initial.rs"]
mod m0001_initial;
#[path = "0002_alter_author_table.rs"]
mod m0002_alter_author_table;
#[path = "0003_author_photo.rs"]
mod m0003_author_photo;

/// Every migration of this app, in order.
pub fn all() -> Vec<alder::db::migrations::Migration> {
    vec![
        m0001_initial::migration(),
        m0002_alter_author_table::migration(),
        m0003_author_photo::migration(),
    ]
}
