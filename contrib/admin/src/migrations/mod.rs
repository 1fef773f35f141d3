//! This app's migrations, listed by `makemigrations` (which rewrites this file).

#![allow(unreachable_pub)]

#[path = "0001_initial.rs"]
mod m0001_initial;

/// Every migration of this app, in order.
pub fn all() -> Vec<alder_db::migrations::Migration> {
    vec![m0001_initial::migration()]
}
